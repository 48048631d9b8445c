import type {AwsRegion, RenderMediaOnLambdaInput} from '@remotion/lambda-client';
import type {LogLevel} from '@remotion/renderer';
import {UsageError} from '../../errors.ts';
import type {RemoteRenderRequest} from '../remote-renderer.ts';

/**
 * Where and how Remotion Lambda renders: the user's region, deployed function and site, and Remotion
 * Lambda's own knobs (names as `npx remotion lambda render` takes them). See docs/lambda.md.
 */
export type LambdaRendererOptions = {
  /** `--region`, else `REMOTION_AWS_REGION`, else `AWS_REGION`. */
  region?: string | null;
  /** `--function-name`: the deployed render function (`npx remotion lambda functions ls`). */
  functionName?: string | null;
  /** The site's serve URL (`npx remotion lambda sites create` prints it). */
  serveUrl?: string | null;
  /** `--frames-per-lambda`: frames each function renders. Default Remotion's choice. */
  framesPerLambda?: number | null;
  /** `--concurrency-per-lambda`: browser tabs per function. Default 1. */
  concurrencyPerLambda?: number | null;
  /** `--max-retries`: retries of a failed chunk. Default 1 (Remotion's). */
  maxRetries?: number | null;
  /** `--privacy`: of the outputs in S3. Default `public` (Remotion's). */
  privacy?: 'public' | 'private' | 'no-acl' | null;
  /** Renders into this bucket instead of the region's Remotion bucket. */
  forceBucketName?: string | null;
  /** `--jpeg-quality`, `--crf`, `--x264-preset`, `--scale`: the picture's settings, as Remotion's. */
  jpegQuality?: number | null;
  crf?: number | null;
  x264Preset?: RenderMediaOnLambdaInput['x264Preset'] | null;
  scale?: number | null;
  /** `--timeout`: delayRender() timeout in ms. */
  timeoutInMilliseconds?: number | null;
  logLevel?: LogLevel | null;
  /** How often the progress is read (ms). Default 1000. */
  pollIntervalMs?: number | null;
};

/** The options, checked and with their defaults (one place for every rule). */
export type NormalizedLambdaOptions = {
  region: AwsRegion;
  functionName: string;
  serveUrl: string;
  framesPerLambda: number | null;
  concurrencyPerLambda: number | null;
  maxRetries: number;
  privacy: 'public' | 'private' | 'no-acl';
  forceBucketName: string | null;
  jpegQuality: number | null;
  crf: number | null;
  x264Preset: RenderMediaOnLambdaInput['x264Preset'] | null;
  scale: number;
  timeoutInMilliseconds: number | null;
  logLevel: LogLevel;
  pollIntervalMs: number;
};

const positiveInt = (name: string, v: number | null | undefined): number | null => {
  if (v === null || v === undefined) return null;
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} must be a whole number ≥ 1, got ${v}.`);
  return v;
};

/** Checks the options before anything is rendered or sent; a message names the flag and what it takes. */
export const normalizeLambdaOptions = (
  options: LambdaRendererOptions,
  env: NodeJS.ProcessEnv = process.env,
): NormalizedLambdaOptions => {
  const region = options.region ?? env.REMOTION_AWS_REGION ?? env.AWS_REGION ?? null;
  if (!region) {
    throw new UsageError(
      '--renderer lambda needs the region of the function: --region (or REMOTION_AWS_REGION).',
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new UsageError(`--region: "${region}" is not an AWS region.`);
  if (!options.functionName) {
    throw new UsageError(
      '--renderer lambda needs --function-name: the deployed render function (npx remotion lambda functions ls).',
    );
  }
  if (!options.serveUrl || !/^https?:\/\//.test(options.serveUrl)) {
    throw new UsageError(
      `--renderer lambda needs the site's serve URL as <entry> (npx remotion lambda sites ls), got ${JSON.stringify(options.serveUrl ?? null)}.`,
    );
  }
  const privacy = options.privacy ?? 'public';
  if (!['public', 'private', 'no-acl'].includes(privacy)) {
    throw new UsageError(`--privacy must be public, private or no-acl, got ${JSON.stringify(privacy)}.`);
  }
  const maxRetries = options.maxRetries ?? 1;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new UsageError(`--max-retries must be a whole number ≥ 0, got ${maxRetries}.`);
  }
  if (options.jpegQuality !== null && options.jpegQuality !== undefined) {
    if (!(options.jpegQuality >= 0 && options.jpegQuality <= 100)) {
      throw new UsageError(`--jpeg-quality must be 0–100, got ${options.jpegQuality}.`);
    }
  }
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 16)) throw new UsageError(`--scale must be > 0 and ≤ 16, got ${scale}.`);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  if (!(pollIntervalMs >= 100)) throw new UsageError(`pollIntervalMs must be ≥ 100, got ${pollIntervalMs}.`);
  return {
    region: region as AwsRegion,
    functionName: options.functionName,
    serveUrl: options.serveUrl,
    framesPerLambda: positiveInt('--frames-per-lambda', options.framesPerLambda),
    concurrencyPerLambda: positiveInt('--concurrency-per-lambda', options.concurrencyPerLambda),
    maxRetries,
    privacy,
    forceBucketName: options.forceBucketName ?? null,
    jpegQuality: options.jpegQuality ?? null,
    crf: options.crf ?? null,
    x264Preset: options.x264Preset ?? null,
    scale,
    timeoutInMilliseconds: positiveInt('--timeout', options.timeoutInMilliseconds),
    logLevel: options.logLevel ?? 'info',
    pollIntervalMs,
  };
};

/**
 * One remote render → the arguments of `renderMediaOnLambda()`. The picture: h264, muted (the audio is
 * mixed and muxed here). The own audio: `codec: 'wav'` with `imageFormat: 'none'` (Remotion's audio-only
 * render: no frame is screenshotted, and the samples arrive without a lossy encode).
 */
export const lambdaRenderInput = (
  o: NormalizedLambdaOptions,
  request: RemoteRenderRequest,
): RenderMediaOnLambdaInput => ({
  region: o.region,
  functionName: o.functionName,
  serveUrl: o.serveUrl,
  composition: request.compositionId,
  inputProps: request.inputProps,
  envVariables: request.envVariables,
  frameRange: request.frameRange,
  privacy: o.privacy,
  maxRetries: o.maxRetries,
  logLevel: o.logLevel,
  ...(o.framesPerLambda !== null ? {framesPerLambda: o.framesPerLambda} : {}),
  ...(o.concurrencyPerLambda !== null ? {concurrencyPerLambda: o.concurrencyPerLambda} : {}),
  ...(o.forceBucketName !== null ? {forceBucketName: o.forceBucketName} : {}),
  ...(o.timeoutInMilliseconds !== null ? {timeoutInMilliseconds: o.timeoutInMilliseconds} : {}),
  ...(request.kind === 'video'
    ? {
        codec: 'h264' as const,
        muted: true,
        imageFormat: 'jpeg' as const,
        scale: o.scale,
        ...(o.jpegQuality !== null ? {jpegQuality: o.jpegQuality} : {}),
        ...(o.crf !== null ? {crf: o.crf} : {}),
        ...(o.x264Preset !== null ? {x264Preset: o.x264Preset} : {}),
      }
    : {codec: 'wav' as const, imageFormat: 'none' as const, audioCodec: 'pcm-16' as const, muted: false}),
});

/** The CLI's flags (Remotion Lambda's names) → the renderer's options. */
export const lambdaOptionsFromFlags = (
  entry: string,
  flags: {
    region?: string;
    functionName?: string;
    framesPerLambda?: number;
    concurrencyPerLambda?: number;
    maxRetries?: number;
    privacy?: string;
    jpegQuality?: number;
    crf?: number;
    x264Preset?: string;
    scale?: number;
    timeout?: number;
  },
): LambdaRendererOptions => ({
  serveUrl: entry,
  region: flags.region ?? null,
  functionName: flags.functionName ?? null,
  framesPerLambda: flags.framesPerLambda ?? null,
  concurrencyPerLambda: flags.concurrencyPerLambda ?? null,
  maxRetries: flags.maxRetries ?? null,
  privacy: (flags.privacy as LambdaRendererOptions['privacy']) ?? null,
  jpegQuality: flags.jpegQuality ?? null,
  crf: flags.crf ?? null,
  x264Preset: (flags.x264Preset as LambdaRendererOptions['x264Preset']) ?? null,
  scale: flags.scale ?? null,
  timeoutInMilliseconds: flags.timeout ?? null,
});
