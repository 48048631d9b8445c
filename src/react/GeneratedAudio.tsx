import {Audio} from '@remotion/media';
import type React from 'react';
import {useMemo} from 'react';
import {Sequence, useCurrentFrame, useVideoConfig} from 'remotion';
import {crossfadeGain} from './crossfade-gain.ts';
import {getGeneratedAudioPass} from './generated-audio-pass.ts';
import {PlacementReport} from './generated-audio-placement.tsx';
import type {Manifest, ManifestSegment} from './manifest.ts';
import {manifestFromProps} from './manifest-from-props.ts';
import {OwnTimelineRows} from './own-timeline-rows.tsx';
import {type MmaudioTakes, mmaudioTakesSchema} from './props-schema.ts';
import {useSequenceOffset} from './remotion-internals.ts';
import {resolveAudioSrc} from './resolve-audio-src.ts';
import {segmentLayerName} from './segment-layer-name.ts';
import {StudioStatusLine} from './studio-status-line.tsx';
import {useGeneratedAudio} from './use-generated-audio.ts';
import {useStudioGeneration} from './use-studio-generation.ts';

export type GeneratedAudioProps = {
  /**
   * The manifest if already loaded (see `withGeneratedAudioManifest()`), or `null` when it is known not
   * to exist yet. Left out: the component fetches `public/mmaudio/<compositionId>/manifest.json` itself.
   * A manifest in the composition's input props (`mmaudio.manifest`) wins over both.
   */
  manifest?: Manifest | null;
  /** Whose generated audio to play. Default: the current composition. */
  compositionId?: string;
  /**
   * Volume of the generated audio, on top of the crossfades: a number ≥ 0 or a function of the frame
   * (the frame where `<GeneratedAudio />` is placed, i.e. the composition frame at the top level).
   * Default `1`.
   */
  volume?: number | ((frame: number) => number);
  /** Mutes every generated layer. Default `false`. */
  muted?: boolean;
  /** During a render, fail the render when the audio has not been generated. Default `false`. */
  required?: boolean;
  /**
   * The take to play per segment (segment index → seed) when `generate --takes N` made several. Default:
   * the composition's `mmaudio.takes` prop (editable in Studio's props panel), else every first take.
   */
  takes?: MmaudioTakes;
};

/** One `<Sequence>` + `<Audio>` per segment, as `<GeneratedAudio />` places them. */
export type GeneratedAudioLayer = {
  segment: ManifestSegment;
  /** `MMAudio 1 · 0:00–0:43` */
  name: string;
  from: number;
  durationInFrames: number;
  /** Path relative to the public dir (pass it to `staticFile()`), or an http(s) URL (a manifest in props). */
  src: string;
  /** The layer's gain (crossfade × `volume`) at a frame counted from the segment's start. */
  volume: (frameInSegment: number) => number;
  /** The gain when it is the same on every frame (crossfades baked in, a numeric `volume`), else null. */
  constantVolume: number | null;
};

/**
 * The `mmaudio.takes` prop of the composition, or null when it has none. A malformed one is left to the
 * props schema (Studio flags it in the props panel; `generate` refuses it) and picks nothing here.
 */
const takesFromProps = (props: unknown): MmaudioTakes | null => {
  const raw = (props as {mmaudio?: {takes?: unknown}} | null | undefined)?.mmaudio?.takes;
  if (raw === undefined) return null;
  const parsed = mmaudioTakesSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
};

const validateVolume = (volume: unknown): void => {
  if (typeof volume === 'function') return;
  if (typeof volume !== 'number' || !Number.isFinite(volume) || volume < 0) {
    throw new TypeError(
      `<GeneratedAudio />: volume must be a number ≥ 0 or a function of the frame, got ${String(volume)}`,
    );
  }
};

/**
 * The layers of a manifest: where each segment plays, its timeline name, and its gain per frame
 * (crossfade × `volume`). Results longer than their segment are cut at the segment's end; shorter ones
 * leave silence.
 */
export const generatedAudioLayers = (
  manifest: Manifest,
  volume: GeneratedAudioProps['volume'] = 1,
  /** The composition frame where `<GeneratedAudio />`'s own frame 0 is (inside a `<Sequence>`). Default 0. */
  offset = 0,
): GeneratedAudioLayer[] => {
  validateVolume(volume);
  const baked = manifest.crossfade === 'in-audio';
  return [...manifest.segments]
    .sort((a, b) => a.startFrame - b.startFrame || a.index - b.index)
    .map((segment) => ({
      segment,
      name: segmentLayerName(segment, manifest.fps),
      from: segment.startFrame - offset,
      durationInFrames: segment.endFrame - segment.startFrame,
      src: segment.src,
      volume: (f: number) =>
        (baked ? (f >= 0 && f < segment.endFrame - segment.startFrame ? 1 : 0) : crossfadeGain(segment, f)) *
        (typeof volume === 'function' ? volume(segment.startFrame - offset + f) : volume),
      constantVolume: baked && typeof volume === 'number' ? volume : null,
    }));
};

/**
 * One segment's `<Audio>`. A gain that changes over time is evaluated here, from this layer's own frame
 * (`useCurrentFrame()` inside the segment's `<Sequence>`: frames since the segment's start, also when the
 * sequence starts before its parent and is cut), and given to `<Audio>` as a number. Remotion's own volume
 * callback counts from where the media becomes audible instead, which would shift a volume function by
 * the cut-off part.
 */
const LayerAudio: React.FC<{layer: GeneratedAudioLayer; muted: boolean}> = ({layer, muted}) => {
  const frame = useCurrentFrame();
  const volume = layer.constantVolume ?? Math.max(0, layer.volume(frame));
  return (
    <Audio
      src={resolveAudioSrc(layer.src)}
      trimAfter={layer.durationInFrames}
      volume={volume}
      muted={muted}
    />
  );
};

/**
 * Plays the audio generated for the current composition by `npx remotion-mmaudio generate`: one `<Audio>`
 * per segment, placed to the frame inside a `<Sequence>` named `MMAudio 1 · 0:00–0:43` (so every layer has
 * its own named row and bar in Studio's timeline), with equal-power crossfades where segments overlap.
 * Remotion mixes the layers with the composition's own audio.
 *
 * The audio stays on the picture it was generated from: inside a `<Sequence from={30}>` the layers are
 * shifted back by 30 frames, so each segment still plays at its own composition frames (a sequence's
 * `durationInFrames` cuts them as it cuts everything in it).
 *
 * Renders nothing until the audio exists (Studio shows a hint in the console), and nothing during the
 * pipeline's frame pass.
 *
 * ```tsx
 * export const MyVideo: React.FC = () => (
 *   <AbsoluteFill>
 *     <MyScenes />
 *     <GeneratedAudio volume={0.9} />
 *   </AbsoluteFill>
 * );
 * ```
 */
export const GeneratedAudio: React.FC<GeneratedAudioProps> = ({
  manifest,
  compositionId,
  volume = 1,
  muted = false,
  required = false,
  takes,
}) => {
  validateVolume(volume);
  const {id, props} = useVideoConfig();
  const offset = useSequenceOffset();
  const own = compositionId === undefined || compositionId === id;
  const picks = takes ?? (own ? takesFromProps(props) : null);
  // A manifest in the input props (`mmaudio.manifest`: URLs, for renders that cannot see public/, e.g.
  // Lambda) is the one given for this render: it wins over the file and over `manifest` (which
  // withGeneratedAudioManifest sets to null when public/ has none). An invalid one throws here, naming
  // the field, so the render stops with that message.
  const fromProps = own ? manifestFromProps(props) : null;
  const state = useGeneratedAudio({compositionId, manifest: fromProps ?? manifest, required, takes: picks});
  // Studio only: new mmaudio props → a request to `remotion-mmaudio studio`'s worker; its status line.
  const studioStatus = useStudioGeneration(compositionId === undefined || compositionId === id ? id : null);
  const layers = useMemo(
    () => (state.manifest ? generatedAudioLayers(state.manifest, volume, offset) : []),
    [state.manifest, volume, offset],
  );
  // The pipeline's frame pass places no audio; it only learns where the layers would go.
  if (getGeneratedAudioPass() === 'frames') {
    return (
      <PlacementReport compositionId={compositionId ?? id} volume={volume} muted={muted} takes={picks} />
    );
  }
  const statusLine = studioStatus ? <StudioStatusLine status={studioStatus} /> : null;
  if (state.status !== 'ready') return statusLine;
  // Each segment its own row and bar in Studio's timeline (Studio would collapse these mapped siblings).
  return (
    <OwnTimelineRows>
      {layers.map((layer) => (
        <Sequence
          key={`${layer.segment.index}:${layer.src}`}
          from={layer.from}
          durationInFrames={layer.durationInFrames}
          name={layer.name}
          layout="none"
        >
          <LayerAudio layer={layer} muted={muted} />
        </Sequence>
      ))}
      {statusLine}
    </OwnTimelineRows>
  );
};
