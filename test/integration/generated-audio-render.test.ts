import {bundle} from '@remotion/bundler';
import {renderMedia, selectComposition} from '@remotion/renderer';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ENTRY, makeTempProject, type TempProject, testTimelineProps} from './helpers/project.ts';

let project: TempProject;
let serveUrl: string;

beforeAll(async () => {
  project = makeTempProject();
  // A bundle of a public folder without any generated audio.
  serveUrl = await bundle({entryPoint: ENTRY, publicDir: project.publicDir});
});
afterAll(() => project.cleanup());

describe('<GeneratedAudio required /> in a plain render', () => {
  it('fails the render with a message that says how to generate the audio when there is none', async () => {
    const browser = {browserExecutable: '/usr/bin/chromium', chromeMode: 'chrome-for-testing' as const};
    const inputProps = testTimelineProps({durationInSeconds: 4, fps: 5});
    const composition = await selectComposition({
      serveUrl,
      id: 'test-timeline',
      inputProps,
      ...browser,
      logLevel: 'error',
    });
    await expect(
      renderMedia({
        serveUrl,
        composition,
        inputProps,
        codec: 'wav',
        outputLocation: `${project.dir}/audio.wav`,
        ...browser,
        logLevel: 'error',
      }),
    ).rejects.toThrow(/No generated audio for "test-timeline" yet: run npx remotion-mmaudio generate/);
  }, 120_000);
});
