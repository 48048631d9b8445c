import type React from 'react';
import {AbsoluteFill, useCurrentFrame} from 'remotion';
import {z} from 'zod';
import {GeneratedAudio, type GeneratedAudioManifestProps, mmaudioPropsSchema} from '../../src/react/index.ts';

/**
 * A tiny composition for the Studio tests: 60 s at 2 fps, 160×90, three scenes whose prompts are props
 * (`mmaudio.scenes`), its manifest loaded in `calculateMetadata` by `withGeneratedAudioManifest()`.
 */
export const testStudioSchema = z.object({mmaudio: mmaudioPropsSchema});

export type TestStudioProps = z.infer<typeof testStudioSchema> & GeneratedAudioManifestProps;

const palette = ['#e63946', '#2a9d8f', '#457b9d'];

export const TestStudio: React.FC<TestStudioProps> = (props) => {
  const frame = useCurrentFrame();
  const scenes = props.mmaudio.scenes ?? [];
  const scene = Math.max(
    0,
    scenes.findLastIndex((s) => s.from <= frame),
  );
  return (
    <AbsoluteFill style={{background: palette[scene % palette.length]}}>
      <div
        style={{
          position: 'absolute',
          left: (frame * 5) % 144,
          top: 30,
          width: 16,
          height: 16,
          background: '#fff',
        }}
      />
      <GeneratedAudio manifest={props.mmaudioManifest} />
    </AbsoluteFill>
  );
};
