import type {RenderMediaOnLambdaInput, RenderProgress} from '@remotion/lambda-client';
import {describe, expect, it} from 'vitest';
import {
  createLambdaRenderer,
  type LambdaClientFunctions,
} from '../../../src/renderers/lambda/create-lambda-renderer.ts';
import {
  lambdaOptionsFromFlags,
  lambdaRenderInput,
  normalizeLambdaOptions,
} from '../../../src/renderers/lambda/lambda-options.ts';
import type {RemoteRenderRequest} from '../../../src/renderers/remote-renderer.ts';

const SITE = 'https://remotionlambda-abc.s3.eu-central-1.amazonaws.com/sites/my-site/index.html';
const FN = 'remotion-render-4-0-529-mem2048mb-disk2048mb-120sec';

const request = (kind: 'video' | 'audio'): RemoteRenderRequest => ({
  compositionId: 'my-video',
  inputProps: {title: 'x'},
  frameRange: [0, 899],
  kind,
  envVariables: {REMOTION_MMAUDIO_PASS: 'frames'},
});

describe('Lambda flags → renderMediaOnLambda() options', () => {
  const flags = {
    region: 'eu-central-1',
    functionName: FN,
    framesPerLambda: 40,
    concurrencyPerLambda: 2,
    maxRetries: 3,
    privacy: 'private',
    jpegQuality: 90,
    crf: 18,
    x264Preset: 'slow',
    scale: 0.5,
    timeout: 60_000,
  };
  const o = normalizeLambdaOptions(lambdaOptionsFromFlags(SITE, flags), {});

  it('the picture: h264, muted, jpeg frames, the picture flags passed on', () => {
    const expected: RenderMediaOnLambdaInput = {
      region: 'eu-central-1',
      functionName: FN,
      serveUrl: SITE,
      composition: 'my-video',
      inputProps: {title: 'x'},
      envVariables: {REMOTION_MMAUDIO_PASS: 'frames'},
      frameRange: [0, 899],
      privacy: 'private',
      maxRetries: 3,
      logLevel: 'info',
      framesPerLambda: 40,
      concurrencyPerLambda: 2,
      timeoutInMilliseconds: 60_000,
      codec: 'h264',
      muted: true,
      imageFormat: 'jpeg',
      scale: 0.5,
      jpegQuality: 90,
      crf: 18,
      x264Preset: 'slow',
    };
    expect(lambdaRenderInput(o, request('video'))).toEqual(expected);
  });

  it('the own audio: wav, no frames (imageFormat none), pcm-16, not muted, no picture flags', () => {
    const input = lambdaRenderInput(o, request('audio'));
    expect(input).toMatchObject({codec: 'wav', imageFormat: 'none', audioCodec: 'pcm-16', muted: false});
    for (const key of ['crf', 'jpegQuality', 'x264Preset', 'scale']) expect(input).not.toHaveProperty(key);
    expect(input.frameRange).toEqual([0, 899]);
  });

  it('defaults: Remotion’s (public, 1 retry, no frames-per-lambda), region from REMOTION_AWS_REGION', () => {
    const d = normalizeLambdaOptions({functionName: FN, serveUrl: SITE}, {REMOTION_AWS_REGION: 'us-east-1'});
    const input = lambdaRenderInput(d, request('video'));
    expect(input.region).toBe('us-east-1');
    expect(input.privacy).toBe('public');
    expect(input.maxRetries).toBe(1);
    expect(input).not.toHaveProperty('framesPerLambda');
    expect(input).not.toHaveProperty('crf');
  });

  it.each([
    [{functionName: FN, serveUrl: SITE}, /needs the region/],
    [{region: 'europe', functionName: FN, serveUrl: SITE}, /"europe" is not an AWS region/],
    [{region: 'eu-west-1', serveUrl: SITE}, /needs --function-name/],
    [{region: 'eu-west-1', functionName: FN, serveUrl: 'remotion/index.ts'}, /serve URL as <entry>/],
    [
      {region: 'eu-west-1', functionName: FN, serveUrl: SITE, framesPerLambda: 0},
      /--frames-per-lambda must be a whole number ≥ 1/,
    ],
    [
      {region: 'eu-west-1', functionName: FN, serveUrl: SITE, privacy: 'secret' as 'public'},
      /--privacy must be/,
    ],
    [
      {region: 'eu-west-1', functionName: FN, serveUrl: SITE, jpegQuality: 101},
      /--jpeg-quality must be 0–100/,
    ],
  ])('refuses %j before anything is sent', (options, message) => {
    expect(() => normalizeLambdaOptions(options, {})).toThrow(message);
  });
});

const progress = (patch: Partial<RenderProgress>): RenderProgress =>
  ({
    chunks: 23,
    done: false,
    overallProgress: 0.5,
    framesRendered: 450,
    costs: {accruedSoFar: 0.0123, displayCost: '$0.0123', currency: 'USD', disclaimer: ''},
    fatalErrorEncountered: false,
    errors: [],
    outputFile: null,
    outBucket: null,
    outKey: null,
    outputSizeInBytes: null,
    artifacts: [],
    ...patch,
  }) as unknown as RenderProgress;

const fakeClient = (steps: RenderProgress[]) => {
  const calls: {fn: string; input: unknown}[] = [];
  const client: LambdaClientFunctions = {
    renderMediaOnLambda: async (input) => {
      calls.push({fn: 'renderMediaOnLambda', input});
      return {renderId: 'r1', bucketName: 'remotionlambda-abc'} as Awaited<
        ReturnType<LambdaClientFunctions['renderMediaOnLambda']>
      >;
    },
    getRenderProgress: async (input) => {
      calls.push({fn: 'getRenderProgress', input});
      return steps.shift() ?? progress({});
    },
    cancelRenderOnLambda: async (input) => {
      calls.push({fn: 'cancelRenderOnLambda', input});
    },
  };
  return {client, calls};
};

describe('createLambdaRenderer: the polling around renderMediaOnLambda()', () => {
  const options = {region: 'eu-central-1', functionName: FN, serveUrl: SITE, pollIntervalMs: 100};

  it('polls getRenderProgress until done, reporting frames, chunks and cost; returns the output and artifacts', async () => {
    const {client, calls} = fakeClient([
      progress({overallProgress: 0.2, framesRendered: 100}),
      progress({
        done: true,
        overallProgress: 1,
        framesRendered: 900,
        outputFile: 'https://remotionlambda-abc.s3.eu-central-1.amazonaws.com/renders/r1/out.mp4',
        outBucket: 'remotionlambda-abc',
        outKey: 'renders/r1/out.mp4',
        outputSizeInBytes: 1234,
        artifacts: [
          {
            filename: 'remotion-mmaudio-placement-0.json',
            sizeInBytes: 99,
            s3Url: 'https://x/a',
            s3Key: 'renders/r1/artifacts/a',
          },
        ],
      } as Partial<RenderProgress>),
    ]);
    const seen: string[] = [];
    const out = await createLambdaRenderer(options, {client}).render({
      ...request('video'),
      onProgress: (p) => seen.push(`${p.renderedFrames}/${p.chunks}/${p.costUsd}`),
    });
    console.log(`progress reported: ${seen.join(', ')}`);
    expect(calls.map((c) => c.fn)).toEqual(['renderMediaOnLambda', 'getRenderProgress', 'getRenderProgress']);
    expect(calls[1].input).toEqual({
      renderId: 'r1',
      bucketName: 'remotionlambda-abc',
      functionName: FN,
      region: 'eu-central-1',
      logLevel: 'info',
    });
    expect(seen).toEqual(['100/23/0.0123', '900/23/0.0123']);
    expect(out.location).toEqual({
      url: 'https://remotionlambda-abc.s3.eu-central-1.amazonaws.com/renders/r1/out.mp4',
      bucket: 'remotionlambda-abc',
      key: 'renders/r1/out.mp4',
    });
    expect(out.artifacts).toEqual([
      {
        filename: 'remotion-mmaudio-placement-0.json',
        location: {url: 'https://x/a', bucket: 'remotionlambda-abc', key: 'renders/r1/artifacts/a'},
      },
    ]);
    expect(out.costUsd).toBe(0.0123);
  });

  it('a fatal error stops with its message and chunk', async () => {
    const {client} = fakeClient([
      progress({
        fatalErrorEncountered: true,
        errors: [{chunk: 7, message: 'delayRender() timed out', explanation: null}],
      } as unknown as Partial<RenderProgress>),
    ]);
    await expect(createLambdaRenderer(options, {client}).render(request('audio'))).rejects.toThrow(
      /Remotion Lambda render r1 failed in chunk 7: delayRender\(\) timed out/,
    );
  });

  it('an abort cancels the render on Lambda', async () => {
    const {client, calls} = fakeClient([]);
    const controller = new AbortController();
    const done = createLambdaRenderer(options, {client}).render({
      ...request('video'),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('cancelled')), 150);
    await expect(done).rejects.toThrow(/cancelled|aborted/);
    expect(calls.filter((c) => c.fn === 'cancelRenderOnLambda')).toEqual([
      {
        fn: 'cancelRenderOnLambda',
        input: {region: 'eu-central-1', bucketName: 'remotionlambda-abc', renderId: 'r1'},
      },
    ]);
  });
});

describe('render --renderer lambda: command-line flags → renderMediaOnLambda() options', () => {
  it('Remotion Lambda’s flag names and Remotion’s picture flags reach renderMediaOnLambda()', async () => {
    const {parseCliArgs} = await import('../../../src/cli/parse-cli-args.ts');
    const {lambdaRendererOptionsFromCli} = await import('../../../src/cli/lambda-render-command.ts');
    const {flags, positionals} = parseCliArgs([
      'render',
      SITE,
      'my-video',
      '--renderer',
      'lambda',
      '--region',
      'us-west-2',
      '--function-name',
      FN,
      '--frames-per-lambda',
      '60',
      '--concurrency-per-lambda',
      '2',
      '--max-retries',
      '0',
      '--privacy',
      'no-acl',
      '--crf',
      '20',
      '--jpeg-quality',
      '70',
      '--x264-preset',
      'fast',
      '--scale',
      '2',
      '--timeout',
      '45000',
    ]);
    expect(flags.renderer).toBe('lambda');
    const input = lambdaRenderInput(
      normalizeLambdaOptions(lambdaRendererOptionsFromCli(positionals[0], flags), {}),
      request('video'),
    );
    expect(input).toMatchObject({
      region: 'us-west-2',
      functionName: FN,
      serveUrl: SITE,
      framesPerLambda: 60,
      concurrencyPerLambda: 2,
      maxRetries: 0,
      privacy: 'no-acl',
      crf: 20,
      jpegQuality: 70,
      x264Preset: 'fast',
      scale: 2,
      timeoutInMilliseconds: 45_000,
      codec: 'h264',
      muted: true,
    });
  });

  it('refuses what a Lambda render here cannot honour, before anything is sent', async () => {
    const {parseCliArgs} = await import('../../../src/cli/parse-cli-args.ts');
    const {lambdaRendererOptionsFromCli} = await import('../../../src/cli/lambda-render-command.ts');
    const vp9 = parseCliArgs(['render', SITE, 'v', '--renderer', 'lambda', '--codec', 'vp9']);
    expect(() => lambdaRendererOptionsFromCli(SITE, vp9.flags)).toThrow(
      /--codec is not supported with --renderer lambda/,
    );
    expect(() => parseCliArgs(['render', SITE, 'v', '--renderer', 'cloudrun'])).toThrow(
      /--renderer must be local or lambda, got "cloudrun"/,
    );
  });
});
