import path from 'node:path';
import {formatTimecode} from '../contract/format-timecode.ts';
import {type BillEstimate, billFor, PROVIDERS} from '../contract/providers.ts';
import {MMAudioError, UsageError} from '../errors.ts';
import type {Logger} from '../log.ts';
import {generateAudio} from '../pipeline/generate.ts';
import type {GenerateAudioOptions} from '../pipeline/options.ts';
import {planComposition} from '../pipeline/plan-composition.ts';
import {renderWithAudio} from '../pipeline/render.ts';
import {generationSettingsFor, normalizeRenderSettings} from '../pipeline/render-settings.ts';
import {providerKeysFromEnv, selectProvider} from '../providers/select-provider.ts';
import {startSimulator} from '../simulator/index.ts';
import {entrySource} from './entry-source.ts';
import {
  findRemotionRoot,
  loadRemotionConfig,
  type ResolvedRemotionSettings,
  resolveRemotionSettings,
} from './load-remotion-config.ts';
import type {CliFlags} from './parse-cli-args.ts';
import {printPublished} from './print-published.ts';
import {createProgressPrinter} from './progress-printer.ts';

export type CliContext = {
  logger: Logger;
  /** The providers' variables (QUBICO_API_KEY, QUBICO_BASE_URL, …), kept out of process.env meanwhile. */
  providerEnv: Record<string, string | undefined>;
  stdout: {write: (chunk: string) => unknown; isTTY?: boolean};
  signal: AbortSignal;
};

// Sub-cent prices (PiAPI, fal per second) keep their digits: $0.0005, not $0.00.
const usd = (n: number) => (n > 0 && n < 0.01 ? `$${Number(n.toPrecision(2))}` : `$${n.toFixed(2)}`);
const seconds = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(1)} s`;

const needArgs = (command: string, positionals: string[], min: number, max: number, usage: string) => {
  if (positionals.length < min || positionals.length > max) {
    throw new UsageError(`Usage: remotion-mmaudio ${command} ${usage}`);
  }
};

/**
 * The project's remotion.config.ts (loaded with Remotion's loader) and Remotion's flags, resolved by
 * Remotion's own option getters: flag > config > default, as `npx remotion render`.
 */
export const remotionSettingsFor = async (
  flags: CliFlags,
  ctx: CliContext,
  outputLocation: string | null = null,
): Promise<ResolvedRemotionSettings> => {
  const remotionRoot = findRemotionRoot();
  const configFile = await loadRemotionConfig(remotionRoot, flags.remotion.config as string | undefined);
  const settings = resolveRemotionSettings({
    commandLine: flags.remotion,
    remotionRoot,
    configFile,
    outputLocation,
  });
  if (configFile) ctx.logger.verbose(`Remotion config: ${path.relative(process.cwd(), configFile)}`);
  const fromConfig = Object.entries(settings.sources)
    .filter(([, source]) => !/default|cli|flag/i.test(source))
    .map(([name]) => name);
  if (fromConfig.length) ctx.logger.verbose(`From the Remotion config: ${fromConfig.join(', ')}`);
  return settings;
};

/** The library options that remotion.config.ts and Remotion's flags decide. */
const sessionOptionsFrom = (r: ResolvedRemotionSettings): Partial<GenerateAudioOptions> => ({
  ...(r.publicDir ? {publicDir: r.publicDir} : {}),
  ...(r.concurrency !== null ? {concurrency: r.concurrency} : {}),
  ...(r.browserExecutable ? {browserExecutable: r.browserExecutable} : {}),
  ...(r.chromeMode ? {chromeMode: r.chromeMode} : {}),
});

/**
 * The service, its key and base URL. The provider variables are kept out of process.env (and so of child
 * processes): the choice is made here, from the copy the CLI holds, and the chosen host's key and base URL
 * are handed over (QUBICO_*, PIAPI_*, FAL_*, REPLICATE_*), with Replicate's model version and fal's JWKS.
 */
const hostOptionsFrom = (flags: CliFlags, ctx: CliContext): Partial<GenerateAudioOptions> => {
  const provider = selectProvider({
    provider: flags.provider ?? null,
    backend: flags.backend ?? null,
    keys: providerKeysFromEnv(ctx.providerEnv),
  });
  const facts = provider === null || provider === 'offline' ? PROVIDERS.qubico : PROVIDERS[provider];
  return {
    provider: provider ?? undefined,
    apiKey: ctx.providerEnv[facts.keyEnv],
    baseUrl: ctx.providerEnv[facts.baseUrlEnv],
    // Read by the library from process.env, where the CLI hides them: handed over like the key.
    replicateModelVersion: ctx.providerEnv.REPLICATE_MMAUDIO_VERSION,
    falJwksUrl: ctx.providerEnv.FAL_JWKS_URL,
  };
};

/** The chosen host's webhook secret variable (QUBICO_WEBHOOK_SECRET, PIAPI_…, REPLICATE_…). */
const webhookSecretFrom = (flags: CliFlags, ctx: CliContext): string | undefined => {
  const provider = hostOptionsFrom(flags, ctx).provider;
  const name = provider === undefined || provider === 'offline' ? 'qubico' : provider;
  return ctx.providerEnv[`${name.toUpperCase()}_WEBHOOK_SECRET`];
};

/** CLI flags → library options (the library validates them: one place for every rule). */
export const optionsFromFlags = (
  entryPoint: string,
  compositionId: string,
  flags: CliFlags,
  ctx: CliContext,
): GenerateAudioOptions => ({
  ...entrySource(entryPoint),
  compositionId,
  inputProps: flags.props,
  prompt: flags.prompt,
  negativePrompt: flags.negativePrompt,
  steps: flags.steps,
  seed: flags.seed,
  takes: flags.takes,
  maxSegmentSeconds: flags.maxSegmentSeconds,
  overlapSeconds: flags.overlapSeconds,
  backend: flags.backend === 'qubico' || flags.backend === 'offline' ? flags.backend : undefined,
  ...hostOptionsFrom(flags, ctx),
  publicDir: flags.publicDir,
  cacheDir: flags.cacheDir,
  maxCost: flags.maxCost,
  resubmitUnknown: flags.resubmitUnknown,
  redisUrl: flags.redisUrl,
  cacheUrl: flags.cacheUrl,
  cacheEndpoint: flags.cacheEndpoint,
  uploadUrl: flags.uploadUrl,
  ...(flags.rateLimit || flags.maxTasks
    ? {
        client: {
          ...(flags.rateLimit ? {rateLimit: flags.rateLimit} : {}),
          ...(flags.maxTasks ? {maxConcurrentTasks: flags.maxTasks} : {}),
        },
      }
    : {}),
  webhook:
    flags.webhookUrl || flags.webhookListen
      ? (() => {
          if (!flags.webhookUrl || !flags.webhookListen) {
            throw new UsageError(
              '--webhook-url and --webhook-listen go together: the URL the service calls, and host:port to listen on.',
            );
          }
          return {
            url: flags.webhookUrl,
            listen: flags.webhookListen,
            secret: webhookSecretFrom(flags, ctx),
          };
        })()
      : null,
  browserExecutable: flags.browserExecutable,
  chromeMode: flags.chromeMode,
  concurrency: flags.concurrency,
  lockTimeoutMs: flags.lockTimeout === undefined ? undefined : flags.lockTimeout * 1000,
  logger: ctx.logger,
  signal: ctx.signal,
});

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

const costCell = (bill: BillEstimate): string =>
  bill.kind === 'unknown' ? 'GPU time' : `${bill.kind === 'estimate' ? '~' : ''}${usd(bill.usd)}`;

const billLine = (r: {billedSeconds: number; cachedSeconds: number; costUsd: number; backend: string}) =>
  r.backend !== 'offline'
    ? `billed ${seconds(Math.round(r.billedSeconds * 10) / 10)} (${usd(r.costUsd)}), ${seconds(Math.round(r.cachedSeconds * 10) / 10)} from cache`
    : `offline backend: nothing billed, ${seconds(Math.round(r.cachedSeconds * 10) / 10)} from cache`;

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

export const renderCommand = async (
  positionals: string[],
  flags: CliFlags,
  ctx: CliContext,
): Promise<number> => {
  needArgs('render', positionals, 2, 3, '<entry> <composition-id> [output.mp4] [options]');
  const [entry, id, output] = positionals;
  if (flags.renderer === 'lambda') {
    const {lambdaRenderCommand} = await import('./lambda-render-command.ts');
    return lambdaRenderCommand(entry, output, optionsFromFlags(entry, id, flags, ctx), flags, ctx);
  }
  const remotion = await remotionSettingsFor(flags, ctx, output ?? null);
  const printer = createProgressPrinter({stream: ctx.stdout, command: 'render'});
  try {
    const result = await renderWithAudio({
      ...optionsFromFlags(entry, id, flags, ctx),
      ...sessionOptionsFrom(remotion),
      ...remotion.render,
      webpackOverride: remotion.webpackOverride,
      overwrite: remotion.overwrite,
      ...(remotion.outputLocation ? {outputLocation: remotion.outputLocation} : {}),
      onProgress: printer.update,
    });
    printer.finish();
    ctx.stdout.write(`Wrote ${path.relative(process.cwd(), result.outputLocation)}\n`);
    ctx.stdout.write(`${billLine(result)}\n`);
    return 0;
  } finally {
    printer.finish({completed: false});
  }
};

export const simulateCommand = async (
  positionals: string[],
  flags: CliFlags,
  ctx: CliContext,
): Promise<number> => {
  needArgs(
    'simulate',
    positionals,
    0,
    0,
    '[--port 8787] [--provider qubico|piapi|fal|replicate] [--api-key KEY] [--task-latency-ms 2000]',
  );
  const port = flags.port ?? 8787;
  if (port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got ${port}.`);
  if (flags.provider && flags.backend && flags.provider !== flags.backend) {
    throw new UsageError(
      `--provider ${flags.provider} and --backend ${flags.backend} disagree (--backend is an alias of --provider): pass one.`,
    );
  }
  const chosen = flags.provider ?? flags.backend ?? 'qubico';
  if (chosen === 'offline') {
    throw new UsageError(
      "simulate speaks a hosted service's contract: --provider qubico, piapi, fal or replicate (offline needs no server).",
    );
  }
  const facts = PROVIDERS[chosen];
  const apiKey = flags.apiKey ?? ctx.providerEnv[facts.keyEnv];
  ctx.logger.addSecret(apiKey);
  const sim = await startSimulator({
    provider: chosen,
    host: flags.host ?? '127.0.0.1',
    port,
    apiKey: apiKey ?? null,
    taskLatencyMs: flags.taskLatencyMs,
    logger: ctx.logger,
  });
  const label = chosen === 'qubico' ? 'Qubico' : facts.label;
  ctx.stdout.write(`${label} MMAudio API simulator listening on ${sim.url}\n`);
  const keyWhere = chosen === 'qubico' || chosen === 'piapi' ? 'x-api-key' : 'Authorization key';
  ctx.stdout.write(
    apiKey
      ? `Accepting only the key from --api-key / ${facts.keyEnv}.\n`
      : `Accepting any non-empty ${keyWhere} (set ${facts.keyEnv} or --api-key to require one).\n`,
  );
  if (sim.jwksUrl) ctx.stdout.write(`Webhooks are signed with Ed25519; the JWKS is at ${sim.jwksUrl}\n`);
  if (chosen === 'replicate') {
    ctx.stdout.write(
      `Webhooks are signed per Standard Webhooks; the secret is at ${sim.url}/v1/webhooks/default/secret\n`,
    );
  }
  ctx.stdout.write(
    `Use it with: ${facts.baseUrlEnv}=${sim.url} ${facts.keyEnv}=<key> remotion-mmaudio render ...${
      chosen === 'qubico' ? '' : ` --provider ${chosen}`
    }\n`,
  );
  ctx.stdout.write('Press Ctrl-C to stop.\n');
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), {once: true});
  });
  await sim.close();
  ctx.stdout.write(`Stopped after ${sim.requests.length} requests.\n`);
  return 0;
};

export const isCancellation = (err: unknown, signal: AbortSignal): boolean =>
  signal.aborted && !(err instanceof MMAudioError && err.exitCode === 2);
