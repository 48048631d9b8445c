import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {resolveRemotionSettings} from '../../src/cli/load-remotion-config.ts';
import {parseCliArgs} from '../../src/cli/parse-cli-args.ts';
import {UsageError} from '../../src/errors.ts';
import {
  defaultExtensionFor,
  normalizeRenderSettings,
  resolveFrameRange,
} from '../../src/pipeline/render-settings.ts';

describe("Remotion's render flags", () => {
  it('are read by Remotion’s names and handed to Remotion’s option getters', () => {
    const {flags} = parseCliArgs([
      'render',
      'remotion/index.ts',
      'comp',
      '--codec',
      'h265',
      '--crf',
      '22',
      '--pixel-format',
      'yuv444p',
      '--scale',
      '0.5',
      '--frames',
      '10-19',
      '--muted',
      '--gl',
      'swangle',
      '--concurrency',
      '50%',
      '--width',
      '320',
    ]);
    expect(flags.remotion).toMatchObject({
      codec: 'h265',
      crf: 22,
      'pixel-format': 'yuv444p',
      scale: 0.5,
      frames: '10-19',
      muted: true,
      gl: 'swangle',
      concurrency: '50%',
      width: 320,
    });
    const resolved = resolveRemotionSettings({
      commandLine: flags.remotion,
      remotionRoot: process.cwd(),
      configFile: null,
      outputLocation: null,
    });
    console.log('resolved', JSON.stringify({...resolved.render, envVariables: undefined}), resolved.sources);
    expect(resolved.render).toMatchObject({
      codec: 'h265',
      crf: 22,
      pixelFormat: 'yuv444p',
      scale: 0.5,
      frameRange: [10, 19],
      muted: true,
      chromiumOptions: {gl: 'swangle'},
      width: 320,
    });
    expect(resolved.concurrency).toBeGreaterThanOrEqual(1);
    expect(resolved.sources.codec).toMatch(/flag/);
  });

  it('take the codec from the output name as Remotion does, and refuse a name that contradicts --codec', () => {
    const fromName = resolveRemotionSettings({
      commandLine: {},
      remotionRoot: process.cwd(),
      configFile: null,
      outputLocation: 'out/video.webm',
    });
    expect(fromName.render.codec).toBe('vp8');
    expect(() =>
      resolveRemotionSettings({
        commandLine: {codec: 'h264'},
        remotionRoot: process.cwd(),
        configFile: null,
        outputLocation: 'out/video.webm',
      }),
    ).toThrow(UsageError);
  });

  it('refuse a malformed --frames before anything runs', () => {
    expect(() => parseCliArgs(['render', 'a', 'b', '--frames', 'ten'])).toThrow(/--frames/);
  });

  it('give each codec Remotion’s default extension', () => {
    const table = (['h264', 'h265', 'vp8', 'vp9', 'prores', 'gif', 'mp3', 'aac', 'wav'] as const).map(
      (codec) => [codec, defaultExtensionFor(codec, null)],
    );
    console.log(table.map(([c, e]) => `${c} → .${e}`).join(', '));
    expect(Object.fromEntries(table)).toEqual({
      h264: 'mp4',
      h265: 'mp4',
      vp8: 'webm',
      vp9: 'webm',
      prores: 'mov',
      gif: 'gif',
      mp3: 'mp3',
      aac: 'aac',
      wav: 'wav',
    });
  });

  it('choose frames-once where chunks join without re-encoding, and say why not elsewhere', () => {
    expect(normalizeRenderSettings({codec: 'vp9'}).path).toEqual({kind: 'chunks'});
    expect(normalizeRenderSettings({codec: 'prores'}).path).toEqual({kind: 'chunks'});
    expect(normalizeRenderSettings({codec: 'mp3'}).path).toEqual({kind: 'audio-only'});
    expect(normalizeRenderSettings({codec: 'gif'}).path).toMatchObject({kind: 'remotion-render'});
    expect(normalizeRenderSettings({codec: 'vp9'}).audioCodec).toBe('opus');
    expect(normalizeRenderSettings({codec: 'prores'}).audioCodec).toBe('pcm-16');
  });

  it('refuse bad combinations with a message naming the flag', () => {
    expect(() => normalizeRenderSettings({codec: 'vp9', audioCodec: 'aac'})).toThrow(/--audio-codec aac/);
    expect(() => normalizeRenderSettings({crf: 20, videoBitrate: '2M'})).toThrow(/--crf or --video-bitrate/);
    expect(() => normalizeRenderSettings({everyNthFrame: 2})).toThrow(/gif/);
    expect(() => normalizeRenderSettings({scale: 0})).toThrow(/--scale/);
    expect(() => resolveFrameRange([10, 40], 30)).toThrow(/outside the composition/);
    expect(resolveFrameRange([5, null], 30)).toEqual([5, 29]);
    expect(resolveFrameRange(7, 30)).toEqual([7, 7]);
  });

  it('--env-file gives the composition its variables, beside REMOTION_* from the environment', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mmaudio-env-'));
    try {
      writeFileSync(path.join(dir, 'custom.env'), 'GREETING=hello\nREMOTION_LEVEL=3\n');
      const resolved = resolveRemotionSettings({
        commandLine: {'env-file': 'custom.env'},
        remotionRoot: dir,
        configFile: null,
        outputLocation: null,
      });
      expect(resolved.render.envVariables).toMatchObject({GREETING: 'hello', REMOTION_LEVEL: '3'});
      expect(() =>
        resolveRemotionSettings({
          commandLine: {'env-file': 'missing.env'},
          remotionRoot: dir,
          configFile: null,
          outputLocation: null,
        }),
      ).toThrow(/--env-file missing\.env/);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
