import {Audio} from '@remotion/media';
import type React from 'react';
import {AbsoluteFill, Sequence, staticFile} from 'remotion';
import {z} from 'zod';
import {GeneratedAudio, type GeneratedAudioManifestProps, mmaudioPropsSchema} from '../../src/react/index.ts';
import {DropScene, RushScene, StackScene} from './Scenes.tsx';
import {DEMO_DURATION_IN_FRAMES, demoSceneStarts} from './timeline.ts';

export const mmaudioDemoSchema = z.object({
  title: z.string(),
  /** Volume of the composition's own music loop, under the generated sound. */
  musicVolume: z.number().min(0).max(1),
  /** What remotion-mmaudio asks the sound generator for (editable in Studio's props panel). */
  mmaudio: mmaudioPropsSchema,
});

export type MmaudioDemoProps = z.infer<typeof mmaudioDemoSchema> & GeneratedAudioManifestProps;

/**
 * The demo: two minutes of motion graphics whose events (landings, collisions, whooshes, hard cuts and
 * still passages, see timeline.ts) a video-to-audio model can follow. Its own quiet music loop plays under
 * the generated sound, to show Remotion mixing both.
 */
export const MmaudioDemo: React.FC<MmaudioDemoProps> = (props) => {
  const sceneEnds = [...demoSceneStarts.slice(1), DEMO_DURATION_IN_FRAMES];
  const scenes = [
    <DropScene key="drops" title={props.title} />,
    <RushScene key="rush" />,
    <StackScene key="stack" />,
  ];
  const names = ['Scene 1 · drops', 'Scene 2 · rush', 'Scene 3 · stack'];
  return (
    <AbsoluteFill style={{background: '#000'}}>
      {demoSceneStarts.map((from, i) => (
        <Sequence key={from} from={from} durationInFrames={sceneEnds[i] - from} name={names[i]}>
          {scenes[i]}
        </Sequence>
      ))}
      <Audio src={staticFile('demo/music-loop.wav')} loop volume={props.musicVolume} name="Music loop" />
      <GeneratedAudio manifest={props.mmaudioManifest} />
    </AbsoluteFill>
  );
};
