import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {isValidElement, type ReactElement, type ReactNode} from 'react';
import {describe, expect, it} from 'vitest';
import {mmaudioDemoSchema} from '../../../remotion/demo/MmaudioDemo.tsx';
import {
  MUSIC_LOOP_SECONDS,
  MUSIC_SAMPLE_RATE,
  makeMusicLoop,
} from '../../../remotion/demo/make-music-loop.ts';
import {
  DEMO_DURATION_IN_FRAMES,
  DEMO_FPS,
  demoEvents,
  demoMotionRanges,
  demoSceneStarts,
  demoStillRanges,
} from '../../../remotion/demo/timeline.ts';
import {RemotionRoot} from '../../../remotion/Root.tsx';
import {decodeWav, encodeWav, parseWavHeader} from '../../../src/wav/wav.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MARGIN = 10;

const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

describe('demo timeline', () => {
  it('lasts two minutes at 30 fps and has three scenes split by hard cuts', () => {
    expect(DEMO_FPS).toBe(30);
    expect(DEMO_DURATION_IN_FRAMES).toBe(3600);
    expect(demoSceneStarts).toEqual([0, 1200, 2400]);
    const cuts = demoEvents.filter((e) => e.kind === 'cut').map((e) => e.frame);
    expect(cuts).toEqual([1200, 2400]);
  });

  it('lists impacts, whooshes and cuts, sorted, inside the composition', () => {
    const frames = demoEvents.map((e) => e.frame);
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
    for (const f of frames) {
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(DEMO_DURATION_IN_FRAMES);
    }
    const count = (kind: string) => demoEvents.filter((e) => e.kind === kind).length;
    expect(count('impact')).toBeGreaterThanOrEqual(20);
    expect(count('whoosh')).toBeGreaterThanOrEqual(10);
  });

  it('keeps every still passage clear of motion and events by at least 10 frames', () => {
    const motion = demoMotionRanges();
    for (const still of demoStillRanges) {
      expect(still[1] - still[0]).toBeGreaterThanOrEqual(150);
      expect(still[0]).toBeGreaterThanOrEqual(0);
      expect(still[1]).toBeLessThanOrEqual(DEMO_DURATION_IN_FRAMES);
      const padded: [number, number] = [still[0] - MARGIN, still[1] + MARGIN];
      for (const m of motion) expect(overlaps(padded, m), `${still} vs motion ${m}`).toBe(false);
      for (const e of demoEvents)
        expect(overlaps(padded, [e.frame, e.frame + 1]), `${still} vs ${e.frame}`).toBe(false);
    }
    // Each scene has at least one still passage.
    for (const [i, start] of demoSceneStarts.entries()) {
      const end = demoSceneStarts[i + 1] ?? DEMO_DURATION_IN_FRAMES;
      expect(demoStillRanges.some(([from, to]) => from >= start && to <= end)).toBe(true);
    }
  });
});

const findComposition = (node: ReactNode, id: string): ReactElement<Record<string, unknown>> | null => {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = findComposition(child, id);
      if (found) return found;
    }
    return null;
  }
  if (!isValidElement<Record<string, unknown>>(node)) return null;
  if (node.props.id === id) return node;
  return findComposition(node.props.children as ReactNode, id);
};

describe('mmaudio-demo composition', () => {
  it('is registered with valid default props and one prompt per scene', () => {
    const composition = findComposition(RemotionRoot({}) as ReactNode, 'mmaudio-demo');
    expect(composition).not.toBeNull();
    const props = composition!.props;
    expect([props.fps, props.durationInFrames, props.width, props.height]).toEqual([30, 3600, 1280, 720]);
    const defaults = mmaudioDemoSchema.parse(props.defaultProps);
    expect(defaults.mmaudio.prompt?.length).toBeGreaterThan(0);
    expect(defaults.mmaudio.scenes?.map((s) => s.from)).toEqual(demoSceneStarts);
    expect(typeof props.calculateMetadata).toBe('function');
  });
});

describe('demo music loop', () => {
  const file = path.join(root, 'public/demo/music-loop.wav');
  const bytes = new Uint8Array(readFileSync(file));

  it('is a small 48 kHz wav, the one make-music-loop.ts writes', () => {
    expect(bytes.length).toBeLessThanOrEqual(300_000);
    const header = parseWavHeader(bytes);
    expect(header.sampleRate).toBe(MUSIC_SAMPLE_RATE);
    expect(header.frames).toBe(MUSIC_LOOP_SECONDS * MUSIC_SAMPLE_RATE);
    const fresh = encodeWav({sampleRate: MUSIC_SAMPLE_RATE, channels: [makeMusicLoop()]});
    expect(Buffer.from(fresh).equals(Buffer.from(bytes))).toBe(true);
  });

  it('is quiet and loops without a click', () => {
    const [samples] = decodeWav(bytes).channels;
    let peak = 0;
    let maxStep = 0;
    for (let i = 0; i < samples.length; i++) {
      peak = Math.max(peak, Math.abs(samples[i]));
      if (i > 0) maxStep = Math.max(maxStep, Math.abs(samples[i] - samples[i - 1]));
    }
    expect(peak).toBeLessThanOrEqual(0.51);
    // The jump from the last sample back to the first is no bigger than a step inside the loop.
    expect(Math.abs(samples[0] - samples[samples.length - 1])).toBeLessThanOrEqual(maxStep);
  });
});
