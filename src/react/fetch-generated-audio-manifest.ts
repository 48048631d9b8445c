import {getStaticFiles, staticFile} from 'remotion';
import {GeneratedAudioError} from '../contract/generated-audio-error.ts';
import {getGeneratedAudioPass} from './generated-audio-pass.ts';
import {type Manifest, manifestPath} from './manifest.ts';
import {generateCommand, parseManifest} from './validate-manifest.ts';

export type FetchGeneratedAudioManifestOptions = {
  /** Aborts the request, e.g. the `abortSignal` that `calculateMetadata` receives. */
  signal?: AbortSignal;
};

/**
 * Fetches `public/mmaudio/<compositionId>/manifest.json` through `staticFile()` and validates it.
 * Resolves `null` when there is none (404): the audio has not been generated yet.
 * Rejects with a `GeneratedAudioError` naming the file when it cannot be read, is not JSON, does not match
 * the schema, or belongs to another composition.
 *
 * Works wherever `staticFile()` does: Studio, the Player, renders, and `calculateMetadata`.
 *
 * ```ts
 * const manifest = await fetchGeneratedAudioManifest('my-video', {signal: abortSignal});
 * ```
 */
export const fetchGeneratedAudioManifest = async (
  compositionId: string,
  options: FetchGeneratedAudioManifestOptions = {},
): Promise<Manifest | null> => {
  if (typeof compositionId !== 'string' || compositionId.length === 0) {
    throw new TypeError(
      `fetchGeneratedAudioManifest(): compositionId must be a non-empty string, got ${JSON.stringify(compositionId)}`,
    );
  }
  const file = manifestPath(compositionId);
  // Skip the request when Remotion's list of public files says there is no manifest: a 404 would be
  // printed by Chrome, and so by Remotion, on every render and in Studio. The pipeline's audio pass
  // always asks: it wrote the manifest after bundling, so the bundle's list cannot know it.
  if (getGeneratedAudioPass() !== 'audio' && isListedAsMissing(file)) return null;
  let response: Response;
  try {
    // A manifest is rewritten by every `generate`: never take it from the HTTP cache.
    response = await fetch(staticFile(file), {signal: options.signal, cache: 'no-store'});
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new GeneratedAudioError(
      `Could not fetch the generated-audio manifest ${file}: ${(err as Error).message}`,
      file,
      {cause: err},
    );
  }
  if (response.status === 404) return null;
  if (!response.ok) {
    throw new GeneratedAudioError(
      `Could not fetch the generated-audio manifest ${file}: HTTP ${response.status} ${response.statusText}`.trim(),
      file,
    );
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new GeneratedAudioError(
      `The generated-audio manifest ${file} is not valid JSON. Re-run ${generateCommand(compositionId)} to write a new one.`,
      file,
      {cause: err},
    );
  }
  const manifest = parseManifest(json, file);
  if (manifest.compositionId !== compositionId) {
    throw new GeneratedAudioError(
      `The generated-audio manifest ${file} belongs to composition "${manifest.compositionId}", not "${compositionId}". ` +
        `Re-run ${generateCommand(compositionId)} to regenerate the audio.`,
      file,
    );
  }
  return manifest;
};

/**
 * True only when Remotion's list of public files (Studio: live; a render: the bundle's) is available and
 * does not contain `file`. Unknown (the Player, a server, an empty list) → false: fetch and see.
 */
const isListedAsMissing = (file: string): boolean => {
  if (typeof window === 'undefined' || typeof document === 'undefined') return false;
  if ((window as unknown as {remotion_isPlayer?: boolean}).remotion_isPlayer) return false;
  try {
    const files = getStaticFiles();
    return files.length > 0 && !files.some((f) => f.name === file);
  } catch {
    return false;
  }
};
