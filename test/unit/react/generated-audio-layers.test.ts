import {describe, expect, it} from 'vitest';
import {crossfadeGain} from '../../../src/react/crossfade-gain.ts';
import {generatedAudioLayers} from '../../../src/react/GeneratedAudio.tsx';
import type {Manifest, ManifestSegment} from '../../../src/react/manifest.ts';
import {segmentLayerName} from '../../../src/react/segment-layer-name.ts';

const segment = (
  index: number,
  startFrame: number,
  endFrame: number,
  fade: [number, number],
): ManifestSegment => ({
  index,
  startFrame,
  endFrame,
  src: `mmaudio/demo/segment-${String(index).padStart(3, '0')}-abc.wav`,
  durationInSeconds: (endFrame - startFrame) / 30,
  sampleRate: 48000,
  channels: 2,
  fadeInFrames: fade[0],
  fadeOutFrames: fade[1],
  prompt: 'p',
  negativePrompt: null,
  steps: 25,
  seed: 1,
  taskId: `t${index}`,
  cacheKey: `k${index}`,
});

const manifest: Manifest = {
  version: 1,
  compositionId: 'demo',
  fps: 30,
  durationInFrames: 3600,
  backend: 'offline',
  createdAt: '2025-01-01T00:00:00.000Z',
  // Deliberately out of order: layers come out sorted by start.
  segments: [segment(1, 1185, 2415, [30, 30]), segment(0, 0, 1215, [0, 30]), segment(2, 2385, 3600, [30, 0])],
};

describe('segmentLayerName', () => {
  it('names a layer by its 1-based index and timecodes', () => {
    expect(segmentLayerName({index: 0, startFrame: 0, endFrame: 1290}, 30)).toBe('MMAudio 1 · 0:00–0:43');
    expect(segmentLayerName({index: 1, startFrame: 1185, endFrame: 2415}, 30)).toBe('MMAudio 2 · 0:39–1:20');
    expect(segmentLayerName({index: 9, startFrame: 108000, endFrame: 111723}, 30)).toBe(
      'MMAudio 10 · 1:00:00–1:02:04',
    );
    // Fractional frame rates: 43.9 s reads 0:43.
    expect(segmentLayerName({index: 0, startFrame: 0, endFrame: 131}, 2.997)).toBe('MMAudio 1 · 0:00–0:43');
  });
});

describe('generatedAudioLayers', () => {
  it('places one layer per segment, in order, with its name, bounds and source', () => {
    const layers = generatedAudioLayers(manifest);
    expect(layers.map((l) => [l.name, l.from, l.durationInFrames, l.src])).toEqual([
      ['MMAudio 1 · 0:00–0:40', 0, 1215, 'mmaudio/demo/segment-000-abc.wav'],
      ['MMAudio 2 · 0:39–1:20', 1185, 1230, 'mmaudio/demo/segment-001-abc.wav'],
      ['MMAudio 3 · 1:19–2:00', 2385, 1215, 'mmaudio/demo/segment-002-abc.wav'],
    ]);
  });

  it('gives each layer the crossfade gain times a number volume', () => {
    const layers = generatedAudioLayers(manifest, 0.5);
    for (const layer of layers) {
      for (const f of [0, 1, 29, 30, 600, layer.durationInFrames - 30, layer.durationInFrames - 1]) {
        expect(layer.volume(f)).toBeCloseTo(crossfadeGain(layer.segment, f) * 0.5, 15);
      }
    }
    // Across each overlap the summed power stays at volume².
    const [a, b] = layers;
    for (let frame = 1185; frame < 1215; frame++) {
      expect(a.volume(frame - a.from) ** 2 + b.volume(frame - b.from) ** 2).toBeCloseTo(0.25, 12);
    }
  });

  it('calls a volume function with the composition frame', () => {
    const seen: number[] = [];
    const layers = generatedAudioLayers(manifest, (frame) => {
      seen.push(frame);
      return frame < 2000 ? 1 : 0.25;
    });
    expect(layers[1].volume(100)).toBe(1);
    expect(layers[2].volume(100)).toBe(0.25);
    expect(seen).toEqual([1285, 2485]);
  });

  it('rejects a volume that is not a number ≥ 0 or a function', () => {
    expect(() => generatedAudioLayers(manifest, -1)).toThrow(/volume must be a number ≥ 0/);
    expect(() => generatedAudioLayers(manifest, Number.NaN)).toThrow(TypeError);
    expect(() => generatedAudioLayers(manifest, '1' as unknown as number)).toThrow(/got 1/);
  });

  it('places nothing for a manifest without segments', () => {
    expect(generatedAudioLayers({...manifest, segments: []})).toEqual([]);
  });
});

describe('generatedAudioLayers with crossfades baked into the audio', () => {
  it('leaves the volume at the layer volume: the wavs carry their own ramps', () => {
    const manifest = {
      version: 1 as const,
      compositionId: 'baked',
      fps: 10,
      durationInFrames: 300,
      backend: 'offline' as const,
      createdAt: '2026-01-01T00:00:00.000Z',
      crossfade: 'in-audio' as const,
      segments: [0, 1].map((index) => ({
        index,
        startFrame: index * 148,
        endFrame: index === 0 ? 152 : 300,
        src: `mmaudio/baked/segment-00${index + 1}-aaaaaaaaaaaa.wav`,
        durationInSeconds: index === 0 ? 15.2 : 15.2,
        sampleRate: 48000,
        channels: 1,
        fadeInFrames: index === 0 ? 0 : 4,
        fadeOutFrames: index === 0 ? 4 : 0,
        prompt: 'p',
        negativePrompt: null,
        steps: 25,
        seed: 1,
        taskId: `t${index}`,
        cacheKey: `k${index}`,
      })),
    };
    const layers = generatedAudioLayers(manifest, 0.5);
    for (const layer of layers) {
      for (let f = 0; f < layer.durationInFrames; f++) expect(layer.volume(f)).toBe(0.5);
      expect(layer.volume(layer.durationInFrames)).toBe(0);
      // The same gain on every frame: given to <Audio> as a number.
      expect(layer.constantVolume).toBe(0.5);
    }
    // Inside <Sequence from={30}>: placed 30 frames earlier in the sequence's time, and a volume function
    // gets the frame in <GeneratedAudio />'s own time.
    const seen: number[] = [];
    const shifted = generatedAudioLayers(
      manifest,
      (f) => {
        seen.push(f);
        return 1;
      },
      30,
    );
    expect(shifted.map((l) => l.from)).toEqual(layers.map((l) => l.from - 30));
    expect(shifted[0].constantVolume).toBeNull();
    shifted[1].volume(5);
    expect(seen).toEqual([shifted[1].segment.startFrame - 30 + 5]);
  });
});
