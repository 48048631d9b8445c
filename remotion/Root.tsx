import type React from 'react';
import {Composition} from 'remotion';
import {withGeneratedAudioManifest} from '../src/react/index.ts';
import {MmaudioDemo, mmaudioDemoSchema} from './demo/MmaudioDemo.tsx';
import {DEMO_DURATION_IN_FRAMES, DEMO_FPS, DEMO_HEIGHT, DEMO_WIDTH} from './demo/timeline.ts';
import {calculateMatrixCaseMetadata, MatrixCase, matrixCaseSchema} from './test/MatrixCase.tsx';
import {TestStudio, testStudioSchema} from './test/TestStudio.tsx';
import {calculateTestTimelineMetadata, TestTimeline, testTimelineSchema} from './test/TestTimeline.tsx';

export const RemotionRoot: React.FC = () => {
  return (
    <>
      {/* The demo: motion graphics with events a sound generator can follow, plus its own music loop.
          Its props are written out here so that Studio can save edits made in the props panel. */}
      <Composition
        id="mmaudio-demo"
        component={MmaudioDemo}
        schema={mmaudioDemoSchema}
        calculateMetadata={withGeneratedAudioManifest()}
        defaultProps={{
          title: 'MMAudio',
          musicVolume: 0.1,
          mmaudio: {
            prompt:
              'crisp foley for a motion-graphics piece, clear impacts and fast whooshes, quiet room tone',
            negativePrompt: 'music, speech, voices, singing',
            steps: 25,
            seed: 42,
            // One prompt per scene; `from` = the scene's first frame (demoSceneStarts in demo/timeline.ts).
            scenes: [
              {from: 0, prompt: 'rubber balls dropping one by one onto a wooden floor, solid thuds'},
              {
                from: 1200,
                prompt: 'fast air whooshes of objects flying past, heavy blocks colliding with a bang',
              },
              {
                from: 2400,
                prompt:
                  'calm evening ambience, wooden blocks stacked with knocks, one heavy slam, birds flying by',
              },
            ],
          },
        }}
        durationInFrames={DEMO_DURATION_IN_FRAMES}
        fps={DEMO_FPS}
        width={DEMO_WIDTH}
        height={DEMO_HEIGHT}
      />
      {/* Compositions used by the integration tests: tiny frame rates keep real renders fast. */}
      <Composition
        id="test-timeline"
        component={TestTimeline}
        schema={testTimelineSchema}
        calculateMetadata={calculateTestTimelineMetadata}
        defaultProps={{
          durationInSeconds: 130,
          fps: 2.997,
          width: 160,
          height: 90,
          variant: 0,
          variantFrom: 0,
          variantTo: 0,
          ownAudio: true,
        }}
        durationInFrames={390}
        fps={2.997}
        width={160}
        height={90}
      />
      {/* The composition matrix (test/matrix): one configurable composition per kind of user project.
          Its default props are a user's report: 50 s at 24 fps, 320×180, two short sounds of its own
          played with <Html5Audio>. */}
      <Composition
        id="matrix-case"
        component={MatrixCase}
        schema={matrixCaseSchema}
        calculateMetadata={calculateMatrixCaseMetadata}
        defaultProps={{
          fps: 24,
          durationInFrames: 1200,
          width: 320,
          height: 180,
          ownAudio: [
            {kind: 'short', player: 'html5', from: 185, durationInFrames: 24},
            {kind: 'short', player: 'html5', from: 790, durationInFrames: 24},
          ],
          generated: {sequenceFrom: null, volume: 1, muted: false, required: false},
          cuts: [],
        }}
        durationInFrames={1200}
        fps={24}
        width={320}
        height={180}
      />
      {/* Studio tests: three scenes with their own prompts, the manifest loaded in calculateMetadata. */}
      <Composition
        id="test-studio"
        component={TestStudio}
        schema={testStudioSchema}
        calculateMetadata={withGeneratedAudioManifest()}
        defaultProps={{
          mmaudio: {
            prompt: 'soft room tone',
            seed: 7,
            scenes: [
              {from: 0, prompt: 'rain on a window'},
              {from: 40, prompt: 'footsteps on gravel'},
              {from: 80, prompt: 'birds in a park'},
            ],
          },
        }}
        durationInFrames={120}
        fps={2}
        width={160}
        height={90}
      />
    </>
  );
};
