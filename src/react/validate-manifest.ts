import {GeneratedAudioError} from '../contract/generated-audio-error.ts';
import {type Manifest, manifestPath, manifestSchema} from './manifest.ts';

/** The command that (re)generates a composition's audio, as printed in hints and errors. */
export const generateCommand = (compositionId: string): string =>
  `npx remotion-mmaudio generate <entry> ${compositionId}`;

/** The one-line hint shown when a composition has no generated audio yet. */
export const missingManifestMessage = (compositionId: string): string =>
  `No generated audio for "${compositionId}" yet: run ${generateCommand(compositionId)}`;

const formatPath = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');

/**
 * Validates parsed JSON against `manifestSchema`. Throws a `GeneratedAudioError` naming the file and the
 * first issue (`segments[0].endFrame: ...`).
 */
export const parseManifest = (json: unknown, file: string): Manifest => {
  const result = manifestSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
  const compositionId =
    typeof json === 'object' &&
    json !== null &&
    typeof (json as {compositionId?: unknown}).compositionId === 'string'
      ? (json as {compositionId: string}).compositionId
      : '<composition-id>';
  throw new GeneratedAudioError(
    `Invalid generated-audio manifest ${file}: ${where}${issue?.message ?? 'does not match the schema'}. ` +
      `Re-run ${generateCommand(compositionId)} to write a new one.`,
    file,
  );
};

/** What a manifest must agree with: the composition as it is now. */
export type ManifestExpectation = {
  compositionId: string;
  fps: number;
  durationInFrames: number;
};

/**
 * Checks that a manifest was made for this composition as it is now (same id, frame rate and length).
 * Throws a `GeneratedAudioError` saying what differs and that `generate` must be re-run; returns the
 * manifest otherwise.
 */
export const checkManifestMatches = (manifest: Manifest, expected: ManifestExpectation): Manifest => {
  const file = manifestPath(expected.compositionId);
  const redo = `Re-run ${generateCommand(expected.compositionId)} to regenerate the audio.`;
  if (manifest.compositionId !== expected.compositionId) {
    throw new GeneratedAudioError(
      `The generated-audio manifest ${file} belongs to composition "${manifest.compositionId}", not ` +
        `"${expected.compositionId}". ${redo}`,
      file,
    );
  }
  if (Math.abs(manifest.fps - expected.fps) > 1e-6) {
    throw new GeneratedAudioError(
      `The generated audio in ${file} was made at ${manifest.fps} fps, but "${expected.compositionId}" now ` +
        `runs at ${expected.fps} fps. ${redo}`,
      file,
    );
  }
  if (manifest.durationInFrames !== expected.durationInFrames) {
    throw new GeneratedAudioError(
      `The generated audio in ${file} was made for ${manifest.durationInFrames} frames, but ` +
        `"${expected.compositionId}" now lasts ${expected.durationInFrames} frames. ${redo}`,
      file,
    );
  }
  return manifest;
};
