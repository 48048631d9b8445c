import {format} from 'node:util';
import {MMAudioError, UsageError} from '../errors.ts';
import {createLogger} from '../log.ts';
import {type CliContext, isCancellation} from './cli-context.ts';
import {generateCommand} from './generate-command.ts';
import {hideProviderEnv} from './hide-provider-env.ts';
import {parseCliArgs} from './parse-cli-args.ts';
import {planCommand} from './plan-command.ts';
import {renderCommand} from './render-command.ts';
import {simulateCommand} from './simulate-command.ts';
import {studioCommand} from './studio-command.ts';

/** Exit code of a run cancelled with Ctrl-C (128 + SIGINT), as Remotion and shells use. */
export const EXIT_CANCELLED = 130;

export const HELP = `remotion-mmaudio — generated, picture-synchronised sound for Remotion videos (MMAudio)

Usage
  remotion-mmaudio plan     <entry> <composition-id>               segments, billed seconds and $; sends nothing
  remotion-mmaudio generate <entry> <composition-id>               writes public/mmaudio/<id>/ (manifest + wavs)
  remotion-mmaudio render   <entry> <composition-id> [output]      frames once + generated audio (default out/<id>.<ext of the codec>)
  remotion-mmaudio simulate [--port 8787]                          local server speaking the Qubico API contract
                           [--provider qubico|piapi|fal|replicate] or another host's (paths, errors, result
                                                                   format, webhook signing)
  remotion-mmaudio studio   <entry> [--port 3000]                  Remotion Studio + a worker that generates audio when
                                                                   the mmaudio props change (offline unless --max-cost)
  <entry> is the file that calls registerRoot(), or (plan, generate, render) a bundle folder from
  \`npx remotion bundle\` or a serve URL, as \`npx remotion render\` takes: many runs can share one bundle

Options
  --prompt <text>               what the audio should sound like (≤500 chars); default: the composition's mmaudio.prompt prop
  --negative-prompt <text>      what to avoid (≤200 chars)
  --steps <20-50>               sampling steps (default 25)
  --seed <n>                    one seed for every segment (default: a random seed per segment, recorded)
  --takes <1-16>                takes (seeds) per changed segment, each billed (default 1); pick one per
                                segment with the mmaudio.takes prop
  --props <json|file>           input props, as in Remotion
  --max-segment-seconds <1-60>  longest segment sent to the API (default 60)
  --overlap-seconds <s>         crossfade between segments (default 0.5; billed twice, capped at 2 %)
  --provider qubico|piapi|fal|replicate|offline
                                the service to use (and to plan and price for); default: the one whose key is
                                set, offline when none (two keys set: choose, nothing is sent)
  --backend <name>              alias of --provider
  --public-dir <dir>            default public
  --cache-dir <dir>             cache and submit journal (default .mmaudio-cache)
  --rate-limit <n>/<seconds>    the key's request window, polls included (default Qubico's 20/60)
  --max-tasks <n>               the key's tasks in flight at once (default 5)
  --max-cost <usd>              refuse a run that would bill more, before any request
  --resubmit-unknown            submit again segments whose earlier submit has an unknown outcome (its
                                answer was lost: it may have been billed); without it they stop the run
  --redis-url <redis://…>       many machines, one key: window, task slots, daily quota and segment claims
                                in Redis (default REMOTION_MMAUDIO_REDIS_URL); Redis down stops the run
  --cache-url <s3://bucket/p>   the audio cache shared through S3-compatible storage (AWS_* variables)
  --cache-endpoint <url>        endpoint of a non-AWS store (default AWS_ENDPOINT_URL_S3)
  --upload-url <s3://bucket/p>  put proxies there and send the host presigned URLs instead of base64
                                (hosts that take only a URL use --cache-url for this when it is set)
  --publish-url <s3://bucket/p> generate: upload the wavs (named by their hash, immutable) and a manifest of
                                their URLs, and print the props for npx remotion lambda render
  --renderer lambda             render: the picture (and the composition's own audio) rendered once on Remotion
                                Lambda, <entry> being the site's serve URL; the audio generated, mixed and muxed
                                here (docs/lambda.md). With --region, --function-name, and optionally
                                --frames-per-lambda, --concurrency-per-lambda, --max-retries, --privacy,
                                --upload next-to-output|s3://bucket/key.mp4
  --webhook-url <url> --webhook-listen <host:port>
                                webhooks as wake-ups (polling stays the source of truth)
  --browser-executable <path>   Chrome/Chromium to render with (default: a system Chromium, else Remotion's)
  --chrome-mode <mode>          headless-shell | chrome-for-testing (default chrome-for-testing with a system Chromium)
  --concurrency <n>             Remotion render concurrency
  --lock-timeout <s>            longest wait for another run using the same cache or output folder (default 1800)
  --log trace|verbose|info|warn|error   (default info)
  --help

Remotion's render flags (render; plan reads --frames and the config too), as npx remotion render takes them.
remotion.config.ts (or --config) is loaded as Remotion's CLI loads it: a flag wins over the config file,
the config file over Remotion's default. Config.overrideWebpackConfig() applies when bundling.
  --codec <codec>               h264 (default), h265, vp8, vp9, prores, h264-mkv; audio only: mp3, aac, wav;
                                gif, h264-ts and av1 are rendered by Remotion after the frame pass (said at the start)
  --crf <n>                     Constant Rate Factor: lower is better quality, larger file
  --video-bitrate <rate>        target video bitrate, e.g. 2M (not with --crf)
  --audio-bitrate <rate>        target audio bitrate, e.g. 128k (default 320k)
  --audio-codec <codec>         aac, mp3, opus, pcm-16 (default: Remotion's for the codec)
  --pixel-format <format>       e.g. yuv420p (default), yuv444p, yuv420p10le
  --image-format <format>       jpeg or png: the format Remotion takes each frame in
  --jpeg-quality <0-100>        quality of those JPEGs (default 80)
  --scale <n>                   scale the output, e.g. 0.5 or 2
  --frames <a-b>                render only frames a to b (or one frame, or a- to the end); the plan,
                                the bill and the manifest cover only that range
  --every-nth-frame <n>         render every nth frame only (gif only, as in Remotion)
  --x264-preset <preset>        ultrafast … veryslow, placebo (h264 only)
  --color-space <space>         default, bt601, bt709, bt2020-ncl
  --prores-profile <profile>    4444-xq, 4444, hq, standard, light, proxy (prores only)
  --muted                       no audio track (the audio is still generated and published)
  --env-file <file>             env file for the composition (default .env in the Remotion root)
  --gl <renderer>               OpenGL renderer: angle, egl, swiftshader, swangle, vulkan, angle-egl
  --timeout <ms>                delayRender() timeout
  --overwrite                   replace an existing output (the default, as in Remotion)
  --width <px> --height <px>    override the composition's size
  --config <file>               a Remotion config file other than remotion.config.ts

Environment
  QUBICO_API_KEY, QUBICO_BASE_URL (default https://api.qubico.ai), QUBICO_WEBHOOK_SECRET,
  PIAPI_API_KEY, FAL_KEY, REPLICATE_API_TOKEN (and PIAPI_BASE_URL, FAL_BASE_URL, REPLICATE_BASE_URL),
  REMOTION_BROWSER_EXECUTABLE, REMOTION_MMAUDIO_STATE_DIR (daily request counter and request window)

Exit codes: 0 done, 1 runtime failure, 2 bad usage or input (nothing was sent), 130 cancelled (Ctrl-C).
`;

/**
 * While a command runs, what Remotion prints through `console` (the browser's console messages such as
 * `Failed to load resource: net::ERR_CONNECTION_RESET` for a favicon, and its own error details before
 * it throws) goes to our logger at `verbose`: at `info` a failure is the one line that names its cause.
 * Returns the function that puts `console` back.
 */
const routeConsoleTo = (logger: ReturnType<typeof createLogger>): (() => void) => {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => logger.verbose(format(...args).trimEnd());
  }
  return () => {
    methods.forEach((m, i) => {
      console[m] = saved[i];
    });
  };
};

/** Runs the CLI; resolves with the exit code. Never calls process.exit (testable, embeddable). */
export const main = async (
  argv: string[],
  io: {
    stdout?: {write: (chunk: string) => unknown; isTTY?: boolean};
    stderr?: {write: (chunk: string) => unknown};
    signal?: AbortSignal;
  } = {},
): Promise<number> => {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) {
      stderr.write('\nForced exit.\n');
      process.exit(130);
    }
    stderr.write('\nCancelling… (Ctrl-C again to force)\n');
    controller.abort(new MMAudioError('Cancelled by the user.'));
  };
  const ownSignals = !io.signal;
  if (io.signal) io.signal.addEventListener('abort', () => controller.abort(io.signal?.reason), {once: true});
  if (ownSignals) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
  }
  let logger = createLogger({level: 'info', stdout, stderr});
  let restoreConsole: () => void = () => undefined;
  const providerEnv = hideProviderEnv();
  try {
    const {command, positionals, flags} = parseCliArgs(argv);
    logger = createLogger({
      level: flags.log,
      stdout,
      stderr,
      // Every host's key, token and webhook secret (QUBICO_API_KEY, FAL_KEY, REPLICATE_API_TOKEN, …).
      secrets: [
        ...Object.entries(providerEnv.values)
          .filter(([name]) => /_(KEY|TOKEN|SECRET)$/.test(name))
          .map(([, value]) => value),
        flags.apiKey,
      ],
    });
    if (flags.help || command === null || command === 'help') {
      stdout.write(HELP);
      return command === null && !flags.help ? 2 : 0;
    }
    if (flags.apiKey !== undefined && command !== 'simulate') {
      throw new UsageError(
        '--api-key is only for simulate. Set QUBICO_API_KEY in the environment instead: a key on the command line ends up in shell history and process lists.',
      );
    }
    const ctx: CliContext = {logger, stdout, signal: controller.signal, providerEnv: providerEnv.values};
    restoreConsole = routeConsoleTo(logger);
    switch (command) {
      case 'plan':
        return await planCommand(positionals, flags, ctx);
      case 'generate':
        return await generateCommand(positionals, flags, ctx);
      case 'render':
        return await renderCommand(positionals, flags, ctx);
      case 'simulate':
        return await simulateCommand(positionals, flags, ctx);
      case 'studio':
        return await studioCommand(positionals, flags, ctx);
      default:
        logger.error(
          `Unknown command "${command}". Commands: plan, generate, render, simulate, studio. Run remotion-mmaudio --help.`,
        );
        return 2;
    }
  } catch (err) {
    if (isCancellation(err, controller.signal)) {
      logger.error(
        'Cancelled. Tasks already submitted are kept in the journal: run the same command again to resume them without paying twice.',
      );
      return EXIT_CANCELLED;
    }
    if (logger.isEnabled('verbose') && err instanceof Error && err.stack) logger.verbose(err.stack);
    const message = (err instanceof Error ? err.message : String(err)).trim();
    // The last line names the cause: details (e.g. a tool's output) first, the one-line summary last.
    const [summary, ...details] = message.split('\n');
    if (details.length > 0) logger.error(details.join('\n'));
    logger.error(`Error: ${summary}`);
    return err instanceof MMAudioError ? err.exitCode : 1;
  } finally {
    restoreConsole();
    providerEnv.restore();
    if (ownSignals) {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  }
};
