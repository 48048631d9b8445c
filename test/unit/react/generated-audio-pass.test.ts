import {afterEach, describe, expect, it} from 'vitest';
import {getGeneratedAudioPass} from '../../../src/react/generated-audio-pass.ts';

// The page's `window.process.env`, as Remotion sets it up from renderMedia's `envVariables`.
const setWindow = (value: unknown) => {
  (globalThis as {window?: unknown}).window = value;
};

afterEach(() => {
  delete (globalThis as {window?: unknown}).window;
});

describe('getGeneratedAudioPass', () => {
  it('reads REMOTION_MMAUDIO_PASS from window.process.env', () => {
    setWindow({process: {env: {REMOTION_MMAUDIO_PASS: 'frames'}}});
    expect(getGeneratedAudioPass()).toBe('frames');
    setWindow({process: {env: {REMOTION_MMAUDIO_PASS: 'audio'}}});
    expect(getGeneratedAudioPass()).toBe('audio');
  });

  it('is null outside the pipeline, for unknown values, and without a window', () => {
    expect(getGeneratedAudioPass()).toBeNull();
    setWindow({});
    expect(getGeneratedAudioPass()).toBeNull();
    setWindow({process: {}});
    expect(getGeneratedAudioPass()).toBeNull();
    setWindow({process: {env: {REMOTION_MMAUDIO_PASS: 'FRAMES'}}});
    expect(getGeneratedAudioPass()).toBeNull();
    setWindow({process: {env: {NODE_ENV: 'production'}}});
    expect(getGeneratedAudioPass()).toBeNull();
  });

  it('survives a hostile env object', () => {
    setWindow({
      process: {
        get env(): never {
          throw new Error('no env here');
        },
      },
    });
    expect(getGeneratedAudioPass()).toBeNull();
  });
});
