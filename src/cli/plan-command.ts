import {formatTimecode} from '../contract/format-timecode.ts';
import {billFor, PROVIDERS} from '../contract/providers.ts';
import {planComposition} from '../pipeline/plan-composition.ts';
import {generationSettingsFor, normalizeRenderSettings} from '../pipeline/render-settings.ts';
import type {CliContext} from './cli-context.ts';
import {costCell, needArgs, seconds, usd} from './cli-format.ts';
import {optionsFromFlags} from './options-from-flags.ts';
import type {CliFlags} from './parse-cli-args.ts';
import {remotionSettingsFor, sessionOptionsFrom} from './remotion-settings-for.ts';

export const planCommand = async (
  positionals: string[],
  flags: CliFlags,
  ctx: CliContext,
): Promise<number> => {
  needArgs('plan', positionals, 2, 2, '<entry> <composition-id> [options]');
  const [entry, id] = positionals;
  const remotion = await remotionSettingsFor(flags, ctx);
  const result = await planComposition(
    {...optionsFromFlags(entry, id, flags, ctx), ...sessionOptionsFrom(remotion)},
    generationSettingsFor(normalizeRenderSettings(remotion.render), remotion.webpackOverride),
  );
  const {plan} = result;
  const out = (s = '') => ctx.stdout.write(`${s}\n`);
  out(
    `${id}: ${seconds(Math.round(plan.durationInSeconds * 100) / 100)} at ${plan.fps} fps (${plan.durationInFrames} frames), ${result.width}×${result.height}`,
  );
  out(
    `${plan.segments.length} segment${plan.segments.length === 1 ? '' : 's'} of at most ${plan.maxSegmentSeconds} s, overlap ${plan.overlapFrames} frame${plan.overlapFrames === 1 ? '' : 's'}, for ${PROVIDERS[result.provider].label}` +
      (result.takes > 1 ? `, ${result.takes} takes (seeds) each, each billed` : ''),
  );
  out();
  const rows = plan.segments.map((s) => [
    String(s.index + 1),
    `${s.startFrame}–${s.endFrame}`,
    `${formatTimecode(s.startFrame / plan.fps)}–${formatTimecode(s.endFrame / plan.fps)}`,
    `${s.durationInSeconds.toFixed(2)} s`,
    `${s.fadeInFrames}/${s.fadeOutFrames}`,
    costCell(billFor(result.provider, s.durationInSeconds * result.takes)),
    (result.params[s.index].prompt ?? '(no prompt)').replace(/\s+/g, ' ').slice(0, 60),
  ]);
  const header = ['#', 'Frames', 'Time', 'Length', 'Fade in/out', 'Cost', 'Prompt'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  out(fmt(header));
  for (const r of rows) out(fmt(r));
  out();
  for (const w of plan.warnings) ctx.logger.warn(w);
  const takes = result.takes > 1 ? ` × ${result.takes} takes` : '';
  const bill = billFor(result.provider, plan.billedSeconds * result.takes);
  const billed = seconds(Math.round(plan.billedSeconds * 100) / 100);
  const provider = PROVIDERS[result.provider].label;
  out(
    bill.kind === 'exact'
      ? `Billed if nothing is cached: ${billed}${takes} × ${usd(bill.usdPerSecond)} = ${usd(bill.usd)} (${provider}). Cached ${result.takes > 1 ? 'takes' : 'segments'} cost nothing. Nothing was sent.`
      : bill.kind === 'estimate'
        ? `Billed if nothing is cached (${provider}): about ${usd(bill.usd)} for ${billed}${takes} of video, ${bill.note}. Nothing was sent.`
        : `${billed}${takes} of video would be sent to ${provider}; ${bill.note}. Nothing was sent.`,
  );
  return 0;
};
