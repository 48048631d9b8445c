import {Audio} from '@remotion/media';
import type React from 'react';
import {AbsoluteFill, type CalculateMetadataFunction, Sequence, staticFile, useCurrentFrame} from 'remotion';
import {z} from 'zod';
import {GeneratedAudio, mmaudioPropsSchema} from '../../src/react/index.ts';

/**
 * A configurable composition for the integration tests. Its length, frame rate and size come from props
 * so one bundle serves every test. Every frame looks different (a moving box and a frame counter bar);
 * frames in [variantFrom, variantTo) change colour with `variant`, which changes the picture of exactly
 * the segments that cover them.
 */
export const testTimelineSchema = z.object({
  durationInSeconds: z.number().positive(),
  fps: z.number().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  variant: z.number().int().nonnegative(),
  variantFrom: z.number().int().nonnegative(),
  variantTo: z.number().int().nonnegative(),
  /** Adds the composition's own audio: a short beep every 10 seconds (public/test/beep.wav). */
  ownAudio: z.boolean(),
  /** Volume of the generated layers (`<GeneratedAudio volume>`). Default 1. */
  mmaudioVolume: z.number().nonnegative().optional(),
  /** Prompts, seed and the take picked per segment (`mmaudio.takes`). */
  mmaudio: mmaudioPropsSchema.optional(),
});

export type TestTimelineProps = z.infer<typeof testTimelineSchema>;

export const calculateTestTimelineMetadata: CalculateMetadataFunction<TestTimelineProps> = ({props}) => ({
  durationInFrames: Math.max(1, Math.round(props.durationInSeconds * props.fps)),
  fps: props.fps,
  width: props.width,
  height: props.height,
});

const palette = ['#e63946', '#2a9d8f', '#e9c46a', '#457b9d', '#f4a261', '#8338ec'];

export const TestTimeline: React.FC<TestTimelineProps> = (props) => {
  const frame = useCurrentFrame();
  const inVariant = frame >= props.variantFrom && frame < props.variantTo;
  const background = inVariant ? palette[props.variant % palette.length] : '#1d3557';
  const x = (frame * 7) % Math.max(1, props.width - 16);
  const beeps = Math.floor(props.durationInSeconds / 10);
  return (
    <AbsoluteFill style={{background}}>
      <div
        style={{
          position: 'absolute',
          left: x,
          top: props.height / 3,
          width: 16,
          height: 16,
          background: '#fff',
        }}
      />
      <div
        style={{
          position: 'absolute',
          left: 0,
          bottom: 0,
          height: 6,
          width: `${((frame % 97) / 97) * 100}%`,
          background: '#f1faee',
        }}
      />
      {props.ownAudio
        ? Array.from({length: beeps}, (_, i) => (
            <Sequence
              // biome-ignore lint/suspicious/noArrayIndexKey: the beeps are a fixed list
              key={i}
              from={Math.round((i * 10 + 5) * props.fps)}
              durationInFrames={Math.max(1, Math.round(props.fps))}
              name={`Own beep ${i + 1}`}
              layout="none"
            >
              <Audio src={staticFile('test/beep.wav')} />
            </Sequence>
          ))
        : null}
      <GeneratedAudio required volume={props.mmaudioVolume ?? 1} />
    </AbsoluteFill>
  );
};
