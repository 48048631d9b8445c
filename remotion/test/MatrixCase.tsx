import {Audio} from '@remotion/media';
import type React from 'react';
import {
  AbsoluteFill,
  type CalculateMetadataFunction,
  Html5Audio,
  OffthreadVideo,
  Sequence,
  staticFile,
  useCurrentFrame,
} from 'remotion';
import {z} from 'zod';
import {GeneratedAudio, mmaudioPropsSchema} from '../../src/react/index.ts';

/**
 * One case of the composition matrix (test/matrix): the kinds of compositions users bring. Frame rate,
 * length and size come from props (calculateMetadata), and so does the composition's own audio — music
 * beds, short sounds at given frames, a video with sound, playback rates, volume functions, loops, with
 * either of Remotion's audio players — and where and how `<GeneratedAudio />` plays.
 */
const player = z.enum(['media', 'html5']);

export const matrixOwnAudioSchema = z.discriminatedUnion('kind', [
  /** A music bed across the whole composition (and so across every chunk seam). */
  z.object({
    kind: z.literal('bed'),
    player,
    /** A number, or `ramp`: a volume function of the frame. */
    volume: z.union([z.number(), z.literal('ramp')]),
    playbackRate: z.number().positive(),
    loop: z.boolean(),
  }),
  /** A short sound in a `<Sequence>` from `from` for `durationInFrames` frames. */
  z.object({
    kind: z.literal('short'),
    player,
    from: z.number().int(),
    durationInFrames: z.number().int().positive(),
  }),
  /** `<OffthreadVideo>` of an mp4 that has an audio track, in a `<Sequence>`. */
  z.object({
    kind: z.literal('video'),
    from: z.number().int(),
    durationInFrames: z.number().int().positive(),
  }),
]);

export const matrixCaseSchema = z.object({
  fps: z.number().positive(),
  durationInFrames: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  ownAudio: z.array(matrixOwnAudioSchema),
  generated: z.object({
    /** `from` of a `<Sequence>` around `<GeneratedAudio />`, or null for the top level. */
    sequenceFrom: z.number().int().nullable(),
    volume: z.union([z.number(), z.literal('ramp')]),
    muted: z.boolean(),
    required: z.boolean(),
  }),
  /** Frames where the picture cuts (a new background). Given as `mmaudio.scenes` too, they become seams. */
  cuts: z.array(z.number().int()),
  mmaudio: mmaudioPropsSchema.optional(),
});

export type MatrixCaseProps = z.infer<typeof matrixCaseSchema>;
export type MatrixOwnAudio = z.infer<typeof matrixOwnAudioSchema>;

export const calculateMatrixCaseMetadata: CalculateMetadataFunction<MatrixCaseProps> = ({props}) => ({
  durationInFrames: props.durationInFrames,
  fps: props.fps,
  width: props.width,
  height: props.height,
});

const ramp = (frame: number) => 0.2 + 0.6 * ((frame % 40) / 40);

const OwnAudio: React.FC<{audio: MatrixOwnAudio; index: number}> = ({audio, index}) => {
  if (audio.kind === 'video') {
    return (
      <Sequence from={audio.from} durationInFrames={audio.durationInFrames} name={`Own video ${index}`}>
        <OffthreadVideo src={staticFile('test/tone-clip.mp4')} style={{opacity: 0.5}} />
      </Sequence>
    );
  }
  if (audio.kind === 'short') {
    const Player = audio.player === 'media' ? Audio : Html5Audio;
    return (
      <Sequence
        from={audio.from}
        durationInFrames={audio.durationInFrames}
        name={`Own short ${index}`}
        layout="none"
      >
        <Player src={staticFile('test/beep.wav')} />
      </Sequence>
    );
  }
  const volume = audio.volume === 'ramp' ? ramp : audio.volume;
  return audio.player === 'media' ? (
    <Audio
      src={staticFile('demo/music-loop.wav')}
      volume={volume}
      playbackRate={audio.playbackRate}
      loop={audio.loop}
    />
  ) : (
    <Html5Audio
      src={staticFile('demo/music-loop.wav')}
      volume={volume}
      playbackRate={audio.playbackRate}
      loop={audio.loop}
    />
  );
};

const palette = ['#264653', '#2a9d8f', '#e9c46a', '#f4a261', '#e76f51', '#8338ec'];

export const MatrixCase: React.FC<MatrixCaseProps> = (props) => {
  const frame = useCurrentFrame();
  const scene = props.cuts.filter((c) => c <= frame).length;
  const generated = (
    <GeneratedAudio
      required={props.generated.required}
      muted={props.generated.muted}
      volume={props.generated.volume === 'ramp' ? ramp : props.generated.volume}
    />
  );
  return (
    <AbsoluteFill style={{background: palette[scene % palette.length]}}>
      <div
        style={{
          position: 'absolute',
          left: (frame * 5) % Math.max(1, props.width - 12),
          top: props.height / 3,
          width: 12,
          height: 12,
          background: '#fff',
        }}
      />
      <div
        style={{
          position: 'absolute',
          left: 0,
          bottom: 0,
          height: 4,
          width: `${((frame % 53) / 53) * 100}%`,
          background: '#f1faee',
        }}
      />
      {props.ownAudio.map((audio, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list from props
        <OwnAudio key={i} audio={audio} index={i + 1} />
      ))}
      {props.generated.sequenceFrom === null ? (
        generated
      ) : (
        <Sequence from={props.generated.sequenceFrom} name="Generated audio" layout="none">
          {generated}
        </Sequence>
      )}
    </AbsoluteFill>
  );
};
