import {readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {renderWithAudio} from '../../src/pipeline/render/render-with-audio.ts';
import {parseWavHeader} from '../../src/wav/wav.ts';
import {bundleTestProject, makeTempProject, type TempProject, testTimelineProps} from './helpers/project.ts';

let serveUrl: string;
let project: TempProject;

beforeAll(async () => {
  serveUrl = await bundleTestProject();
  project = makeTempProject();
});
afterAll(() => project.cleanup());

const pcm = (file: string) => {
  const bytes = new Uint8Array(readFileSync(file));
  const h = parseWavHeader(bytes);
  return {header: h, data: Buffer.from(bytes.subarray(h.dataOffset, h.dataOffset + h.dataBytes))};
};

describe('mixing the generated layers without an audio pass', () => {
  it('gives exactly the samples of Remotion’s audio-only render of the layers (own audio, volume 0.7)', async () => {
    // 30 fps: 1600 samples per frame. The composition's own beeps sit at 5 s; the layers play at 0.7.
    const inputProps = {
      ...testTimelineProps({durationInSeconds: 12, fps: 30, ownAudio: true}),
      mmaudioVolume: 0.7,
    };
    const common = {
      serveUrl,
      compositionId: 'test-timeline',
      inputProps,
      backend: 'offline' as const,
      maxSegmentSeconds: 5,
      publicDir: project.publicDir,
      cacheDir: project.cacheDir,
    };
    const direct = await renderWithAudio({
      ...common,
      outputLocation: path.join(project.dir, 'direct.mp4'),
      separateAudioTo: path.join(project.dir, 'direct.wav'),
    });
    expect(direct.audioMode).toBe('direct');
    expect(direct.timings.audioPassMs).toBeLessThan(direct.timings.framePassMs);
    const pass = await renderWithAudio({
      ...common,
      audioMode: 'audio-pass',
      outputLocation: path.join(project.dir, 'pass.mp4'),
      separateAudioTo: path.join(project.dir, 'pass.wav'),
    });
    expect(pass.audioMode).toBe('audio-pass');
    expect(pass.segments.every((s) => s.cached)).toBe(true);

    const a = pcm(path.join(project.dir, 'direct.wav'));
    const b = pcm(path.join(project.dir, 'pass.wav'));
    expect(a.header.sampleRate).toBe(48_000);
    expect(a.header.channels).toBe(2);
    expect(a.header.frames).toBe(12 * 48_000);
    expect(b.header.frames).toBe(a.header.frames);
    // Sample for sample.
    let differing = 0;
    for (let i = 0; i < a.data.length; i += 2)
      if (a.data.readInt16LE(i) !== b.data.readInt16LE(i)) differing++;
    console.log(
      `direct mix vs Remotion's audio pass: ${differing} of ${a.data.length / 2} samples differ; ` +
        `audio ${direct.timings.audioPassMs} ms direct vs ${pass.timings.audioPassMs} ms audio pass`,
    );
    expect(differing).toBe(0);
    // And not trivially: both carry the generated layers and the beeps.
    let peak = 0;
    for (let i = 0; i < a.data.length; i += 2) peak = Math.max(peak, Math.abs(a.data.readInt16LE(i)));
    expect(peak).toBeGreaterThan(8000);
  }, 600_000);
});
