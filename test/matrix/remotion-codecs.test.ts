import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {RemotionRenderSettings} from '../../src/pipeline/render-settings.ts';
import {bundleTestProject} from '../integration/helpers/project.ts';
import {
  codecTable,
  type MatrixCase,
  type MatrixRow,
  runMatrixCase,
  writeMatrixArtifact,
} from './helpers/run-matrix-case.ts';

// Remotion is the judge, codec by codec: `renderWithAudio` with Remotion's render settings against
// Remotion's own renderMedia with the same settings, of the same composition with the published layers.
let serveUrl: string;
const rows: MatrixRow[] = [];

/** Tiny: 160×90, 10 fps, 3 s, two segments (a crossfade seam), a music bed of its own. */
const CASE: MatrixCase = {
  name: 'codec case',
  fps: 10,
  durationInFrames: 30,
  maxSegmentSeconds: 2,
  ownAudio: [{kind: 'bed', player: 'media', volume: 0.5, playbackRate: 1, loop: false}],
  expectAudio: 'direct',
};

const CODECS: [string, Omit<RemotionRenderSettings, 'width' | 'height'>][] = [
  ['h264 --crf 20', {codec: 'h264', crf: 20}],
  ['h265', {codec: 'h265'}],
  ['vp9 (webm)', {codec: 'vp9'}],
  ['prores', {codec: 'prores'}],
  ['mp3 (audio only)', {codec: 'mp3'}],
];

beforeAll(async () => {
  serveUrl = await bundleTestProject();
});
afterAll(() => {
  if (rows.length === 0) return;
  console.log(`Codecs against Remotion:\n${codecTable(rows)}`);
  writeMatrixArtifact('remotion-codecs', rows);
});

describe('render with Remotion’s codecs: remotion-mmaudio against Remotion’s own render', () => {
  it.each(CODECS)(
    '%s',
    async (_, settings) => {
      const row = await runMatrixCase(CASE, serveUrl, settings);
      rows.push(row);
      console.log(codecTable([row]));
      // The same streams: codec, pixel format, audio codec.
      expect(row.streamsOurs).toMatchObject({
        videoCodec: row.streamsRemotion.videoCodec,
        pixelFormat: row.streamsRemotion.pixelFormat,
        audioCodec: row.streamsRemotion.audioCodec,
      });
      expect(row.streamsOurs.audioCodec).not.toBeNull();
      expect(
        Math.abs(row.streamsOurs.durationInSeconds - row.streamsRemotion.durationInSeconds),
      ).toBeLessThan(0.5 / row.fps);
      if (row.codec === 'mp3') {
        expect(row.streamsOurs.videoCodec).toBeNull();
        expect(row.videoPath).toBe('no video');
      } else {
        // Frames once: the chunks, encoded with the codec and its settings, are the output.
        expect(row.videoPath).toBe('chunks joined');
        expect(row.framesOurs).toBe(row.frames);
        expect(row.framesRemotion).toBe(row.frames);
        expect(Math.abs(row.durationOurs - row.durationRemotion)).toBeLessThan(0.5 / row.fps);
        expect(row.minPsnr).toBeGreaterThanOrEqual(40);
        expect(row.minPsnr).toBeGreaterThan(row.maxNeighbourPsnr + 8);
      }
      // The same audio: sample for sample before the codec, within the codec's own noise after it.
      expect(row.wavDifferingSamples).toBe(0);
      expect(row.audioDifferenceDb).toBeGreaterThanOrEqual(row.codecFloorDb - 6);
      expect(Math.abs(row.audioOffsetSamples)).toBeLessThanOrEqual(4096);
    },
    600_000,
  );
});
