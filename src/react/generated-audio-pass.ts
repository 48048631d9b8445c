/**
 * Which pass of the remotion-mmaudio pipeline is rendering this page, if any.
 *
 * The pipeline passes `envVariables: {REMOTION_MMAUDIO_PASS: 'frames' | 'audio'}` to Remotion, which
 * exposes them in the page as `window.process.env`. Read from `window` on purpose: a bundler replacing
 * `process.env.X` at build time would freeze the value into the bundle.
 *
 * - `'frames'`: the picture pass, before any audio exists: `<GeneratedAudio />` renders and fetches nothing.
 * - `'audio'`: the audio pass: the manifest is always read from the public dir, never from props, so a
 *   manifest resolved before this run's `generate` cannot stand in for the new one.
 * - `null`: Studio, the Player, or a plain `npx remotion render`.
 */
export type GeneratedAudioPass = 'frames' | 'audio' | null;

export const getGeneratedAudioPass = (): GeneratedAudioPass => {
  if (typeof window === 'undefined') return null;
  try {
    const env = (window as unknown as {process?: {env?: Record<string, unknown>}}).process?.env;
    const value = env?.REMOTION_MMAUDIO_PASS;
    return value === 'frames' || value === 'audio' ? value : null;
  } catch {
    return null;
  }
};
