import type React from 'react';
import {Composition} from 'remotion';
import {calculateTestTimelineMetadata, TestTimeline, testTimelineSchema} from './test/TestTimeline.tsx';

export const RemotionRoot: React.FC = () => {
  return (
    <>
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
    </>
  );
};
