import path from 'node:path';
import {generateAudio} from '../pipeline/generate.ts';
import type {CliContext} from './cli-context.ts';
import {billLine, needArgs} from './cli-format.ts';
import {optionsFromFlags} from './options-from-flags.ts';
import type {CliFlags} from './parse-cli-args.ts';
import {printPublished} from './print-published.ts';
import {createProgressPrinter} from './progress-printer.ts';
import {remotionSettingsFor, sessionOptionsFrom} from './remotion-settings-for.ts';

export const generateCommand = async (
  positionals: string[],
  flags: CliFlags,
  ctx: CliContext,
): Promise<number> => {
  needArgs('generate', positionals, 2, 2, '<entry> <composition-id> [options]');
  const [entry, id] = positionals;
  const remotion = await remotionSettingsFor(flags, ctx);
  const printer = createProgressPrinter({stream: ctx.stdout, command: 'generate'});
  try {
    const result = await generateAudio({
      ...optionsFromFlags(entry, id, flags, ctx),
      ...sessionOptionsFrom(remotion),
      ...remotion.render,
      webpackOverride: remotion.webpackOverride,
      onProgress: printer.update,
      publishUrl: flags.publishUrl ?? null,
    });
    printer.finish();
    for (const s of result.segments) {
      if (s.cached) ctx.logger.verbose(`Segment ${s.index + 1}: from cache`);
    }
    ctx.stdout.write(
      `Wrote ${path.relative(process.cwd(), result.manifestPath)} (${result.segments.length} segments${result.takes > 1 ? ` × ${result.takes} takes` : ''})\n`,
    );
    ctx.stdout.write(`${billLine(result)}\n`);
    if (result.published) await printPublished(result.published, id, ctx.stdout);
    return 0;
  } finally {
    printer.finish({completed: false});
  }
};
