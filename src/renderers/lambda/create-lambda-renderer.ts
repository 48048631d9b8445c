import {createWriteStream} from 'node:fs';
import {mkdir, rename, rm} from 'node:fs/promises';
import path from 'node:path';
import type {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {setTimeout as sleep} from 'node:timers/promises';
import type {
  cancelRenderOnLambda,
  getRenderProgress,
  RenderProgress,
  renderMediaOnLambda,
} from '@remotion/lambda-client';
import {MMAudioError, UsageError} from '../../errors.ts';
import {tempPathFor} from '../../media/atomic.ts';
import {downloadOverHttp} from '../download-over-http.ts';
import type {RemoteLocation, RemoteRenderer} from '../remote-renderer.ts';
import {type LambdaRendererOptions, lambdaRenderInput, normalizeLambdaOptions} from './lambda-options.ts';

/** The functions of `@remotion/lambda-client` the renderer calls. */
export type LambdaClientFunctions = {
  renderMediaOnLambda: typeof renderMediaOnLambda;
  getRenderProgress: typeof getRenderProgress;
  cancelRenderOnLambda: typeof cancelRenderOnLambda;
};

/** A render Lambda reported as failed: its first error, with the chunk and the logs' address. */
export class LambdaRenderError extends MMAudioError {}

/**
 * `@remotion/lambda-client` from the user's project: the client must be the version of the deployed
 * function (Remotion refuses a mismatch), so it is the project's own, not one of ours.
 */
const loadLambdaClient = async (): Promise<LambdaClientFunctions> => {
  try {
    return (await import('@remotion/lambda-client')) as LambdaClientFunctions;
  } catch (err) {
    throw new UsageError(
      '--renderer lambda needs @remotion/lambda-client at the version of your deployed function: npm i @remotion/lambda-client@<your Remotion version>.',
      {cause: err},
    );
  }
};

const location = (url: string | null, bucket: string | null, key: string | null): RemoteLocation => {
  if (!url) throw new LambdaRenderError('Remotion Lambda finished without an output file.');
  return {url, bucket, key};
};

/**
 * Remotion Lambda as the remote renderer: `renderMediaOnLambda()` with the user's region, function and
 * site, then `getRenderProgress()` every `pollIntervalMs` until done (its frames, chunks and accrued
 * cost reported as the frame pass's progress). An abort cancels the render (`cancelRenderOnLambda`).
 * Outputs and artifacts are read with the S3 client (region and credentials from the usual AWS
 * variables), so private renders work too.
 *
 * Not run here (no AWS): its argument mapping is unit-tested and it type-checks against
 * `@remotion/lambda-client`; see docs/lambda.md.
 */
export const createLambdaRenderer = (
  options: LambdaRendererOptions,
  dependencies: {client?: LambdaClientFunctions; env?: NodeJS.ProcessEnv} = {},
): RemoteRenderer => {
  const o = normalizeLambdaOptions(options, dependencies.env);
  const client = () => (dependencies.client ? Promise.resolve(dependencies.client) : loadLambdaClient());
  return {
    name: 'lambda',
    render: async (request) => {
      const lambda = await client();
      request.signal?.throwIfAborted();
      const {renderId, bucketName} = await lambda.renderMediaOnLambda(lambdaRenderInput(o, request));
      const cancel = () => {
        lambda.cancelRenderOnLambda({region: o.region, bucketName, renderId}).catch(() => undefined);
      };
      request.signal?.addEventListener('abort', cancel, {once: true});
      try {
        for (;;) {
          const progress: RenderProgress = await lambda.getRenderProgress({
            renderId,
            bucketName,
            functionName: o.functionName,
            region: o.region,
            logLevel: o.logLevel,
          });
          request.onProgress?.({
            overallProgress: progress.overallProgress,
            renderedFrames: progress.framesRendered,
            chunks: progress.chunks || null,
            costUsd: progress.costs.currency === 'USD' ? progress.costs.accruedSoFar : null,
          });
          if (progress.fatalErrorEncountered) {
            const [first] = progress.errors;
            throw new LambdaRenderError(
              `Remotion Lambda render ${renderId} failed${first ? `${first.chunk !== null ? ` in chunk ${first.chunk}` : ''}: ${first.message}` : ''}. Logs: ${first?.explanation ?? 'CloudWatch'}`.trim(),
            );
          }
          if (progress.done) {
            return {
              location: location(progress.outputFile, progress.outBucket, progress.outKey),
              sizeInBytes: progress.outputSizeInBytes,
              artifacts: progress.artifacts.map((a) => ({
                filename: a.filename,
                location: {url: a.s3Url, bucket: progress.outBucket ?? bucketName, key: a.s3Key},
              })),
              costUsd: progress.costs.currency === 'USD' ? progress.costs.accruedSoFar : null,
              renderId,
            };
          }
          await sleep(o.pollIntervalMs, undefined, {signal: request.signal});
        }
      } finally {
        request.signal?.removeEventListener('abort', cancel);
      }
    },
    download: async (loc, destination, signal) => {
      if (!loc.bucket || !loc.key) return downloadOverHttp(loc.url, destination, signal);
      const {GetObjectCommand, S3Client} = await import('@aws-sdk/client-s3');
      const s3 = new S3Client({region: o.region});
      await mkdir(path.dirname(destination), {recursive: true});
      const tmp = tempPathFor(destination);
      try {
        const out = await s3.send(new GetObjectCommand({Bucket: loc.bucket, Key: loc.key}), {
          abortSignal: signal,
        });
        if (!out.Body) throw new LambdaRenderError(`s3://${loc.bucket}/${loc.key} has no body.`);
        await pipeline(out.Body as Readable, createWriteStream(tmp), {signal});
        await rename(tmp, destination);
        return out.ContentLength ?? 0;
      } finally {
        s3.destroy();
        await rm(tmp, {force: true});
      }
    },
  };
};
