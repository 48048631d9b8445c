import path from 'node:path';
import {UsageError} from '../errors.ts';
import type {GenerateAudioOptions} from '../pipeline/options.ts';
import {createLambdaRenderer} from '../renderers/lambda/create-lambda-renderer.ts';
import {type LambdaRendererOptions, lambdaOptionsFromFlags} from '../renderers/lambda/lambda-options.ts';
import {renderWithRenderer} from '../renderers/render-with-renderer.ts';
import type {CliContext} from './cli-context.ts';
import type {CliFlags} from './parse-cli-args.ts';
import {createProgressPrinter} from './progress-printer.ts';

/** Remotion's flags a Lambda render cannot honour here (the output is h264 mp4 of every frame). */
const UNSUPPORTED = ['codec', 'frames', 'every-nth-frame', 'prores-profile', 'video-bitrate', 'pixel-format'];

/** `render --renderer lambda`'s flags (Remotion Lambda's names, and Remotion's picture flags) → the renderer's options. */
export const lambdaRendererOptionsFromCli = (entry: string, flags: CliFlags): LambdaRendererOptions => {
  const r = flags.remotion;
  for (const flag of UNSUPPORTED) {
    if (r[flag] !== undefined && !(flag === 'codec' && r[flag] === 'h264')) {
      throw new UsageError(
        `--${flag} is not supported with --renderer lambda (the output is an h264 mp4 of every frame).`,
      );
    }
  }
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return lambdaOptionsFromFlags(entry, {
    region: flags.region,
    functionName: flags.functionName,
    framesPerLambda: flags.framesPerLambda,
    concurrencyPerLambda: flags.concurrencyPerLambda,
    maxRetries: flags.maxRetries,
    privacy: flags.privacy,
    jpegQuality: num(r['jpeg-quality']),
    crf: num(r.crf),
    x264Preset: str(r['x264-preset']),
    scale: num(r.scale),
    timeout: num(r.timeout),
  });
};

/**
 * `render <serve-url> <id> [output.mp4] --renderer lambda --region R --function-name F`: the picture
 * rendered once on Remotion Lambda, the audio generated, mixed and muxed here (docs/lambda.md).
 */
export const lambdaRenderCommand = async (
  entry: string,
  output: string | undefined,
  options: GenerateAudioOptions,
  flags: CliFlags,
  ctx: CliContext,
): Promise<number> => {
  const renderer = createLambdaRenderer(lambdaRendererOptionsFromCli(entry, flags));
  const printer = createProgressPrinter({stream: ctx.stdout, command: 'render'});
  try {
    const result = await renderWithRenderer({
      ...options,
      renderer,
      ...(output ? {outputLocation: output} : {}),
      uploadTo: flags.upload ?? null,
      publishUrl: flags.publishUrl ?? null,
      onProgress: printer.update,
    });
    printer.finish();
    ctx.stdout.write(
      `Wrote ${path.relative(process.cwd(), result.outputLocation)} (picture rendered on Lambda)\n`,
    );
    if (result.remote.costUsd !== null)
      ctx.stdout.write(`Lambda: about $${result.remote.costUsd.toFixed(4)}\n`);
    if (result.uploaded)
      ctx.stdout.write(`Uploaded to s3://${result.uploaded.bucket}/${result.uploaded.key}\n`);
    return 0;
  } finally {
    printer.finish({completed: false});
  }
};
