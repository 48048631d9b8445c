import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {bundleTestProject} from '../../integration/helpers/project.ts';
import {
  type MatrixCase,
  type MatrixRow,
  matrixTable,
  runMatrixCase,
  writeMatrixArtifact,
} from './run-matrix-case.ts';

/**
 * The matrix's test body, for each of its files (split in two so they run side by side). Remotion is the
 * judge: each case is rendered by remotion-mmaudio and by Remotion itself (see ../cases.ts).
 */
export const defineMatrixSuite = (part: string, cases: MatrixCase[]): void => {
  let serveUrl: string;
  const rows: MatrixRow[] = [];

  beforeAll(async () => {
    serveUrl = await bundleTestProject();
  });
  afterAll(() => {
    if (rows.length === 0) return;
    console.log(`Composition matrix (${part}):\n${matrixTable(rows)}`);
    writeMatrixArtifact(`composition-matrix-${part}`, rows);
  });

  describe(`composition matrix (${part}): remotion-mmaudio render against Remotion’s own render`, () => {
    it.each(cases.map((c) => [c.name, c] as const))(
      '%s',
      async (_, c) => {
        const row = await runMatrixCase(c, serveUrl);
        rows.push(row);
        console.log(matrixTable([row]));
        // The same video: every frame, at the same times, the same pictures. Ours joins chunks encoded one by
        // one, Remotion encodes once: two H.264 encodes of the same frames differ by codec noise only (measured
        // 44–50 dB PSNR), while a frame shifted by one scores what a neighbouring frame does (≤ 30 dB here).
        expect(row.framesOurs).toBe(row.frames);
        expect(row.framesRemotion).toBe(row.frames);
        expect(Math.abs(row.durationOurs - row.durationRemotion)).toBeLessThan(0.5 / row.fps);
        expect(row.minPsnr).toBeGreaterThanOrEqual(40);
        expect(row.minPsnr).toBeGreaterThan(row.maxNeighbourPsnr + 8);
        // The same audio: before the codec sample for sample; after it within the codec's own noise (ours
        // against Remotion's mp4 differs by two encodes' noise, about 3 dB more than one; allowed 6).
        expect(row.wavDifferingSamples).toBe(0);
        expect(row.audioDifferenceDb).toBeGreaterThanOrEqual(row.codecFloorDb - 6);
        expect(Math.abs(row.audioOffsetSamples)).toBeLessThanOrEqual(4096);
        // The fast path only where it is proven.
        expect(row.audioPath.startsWith(c.expectAudio === 'direct' ? 'direct mix' : 'audio pass')).toBe(true);
        // Every generated segment plays where the manifest puts it.
        if (row.worstPlacementFrames !== null) expect(row.worstPlacementFrames).toBeLessThanOrEqual(0.5);
      },
      600_000,
    );
  });
};
