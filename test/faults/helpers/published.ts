import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {type Manifest, manifestFolder, manifestSchema} from '../../../src/react/manifest.ts';
import {decodeWav} from '../../../src/wav/wav.ts';

/**
 * What a reader of `public/mmaudio/<id>/` sees at one moment: no manifest, or a manifest that parses and
 * names only wavs that exist and decode to the length it promises. Anything else is a problem: a
 * manifest that does not parse, a wav missing or of the wrong length or format, a temp file or any other
 * stray file a reader could pick up (temp files are allowed only hidden, i.e. dot-prefixed, as the atomic
 * writers name them).
 */
export type PublishedState = {
  manifest: Manifest | null;
  /** The manifest file's exact text, to compare with an earlier one. */
  manifestText: string | null;
  /** Every name in the folder. */
  names: string[];
  /** Hidden temp files (`.name.<pid>.<hex>.tmp`) of an interrupted write. */
  hiddenTemps: string[];
  /** Wavs in the folder that the manifest does not name. */
  unreferencedWavs: string[];
  problems: string[];
};

export const publishedFolder = (publicDir: string, compositionId: string) =>
  path.join(publicDir, manifestFolder(compositionId));

export const inspectPublished = (publicDir: string, compositionId: string): PublishedState => {
  const folder = publishedFolder(publicDir, compositionId);
  let names: string[] = [];
  try {
    names = readdirSync(folder).sort();
  } catch {
    return {manifest: null, manifestText: null, names, hiddenTemps: [], unreferencedWavs: [], problems: []};
  }
  const problems: string[] = [];
  const hiddenTemps = names.filter((n) => n.startsWith('.') && n.endsWith('.tmp'));
  for (const name of names) {
    if (name === 'manifest.json' || hiddenTemps.includes(name)) continue;
    if (name.endsWith('.wav') && !name.startsWith('.')) continue;
    problems.push(`stray file visible to readers: ${name}`);
  }
  let manifest: Manifest | null = null;
  let manifestText: string | null = null;
  if (names.includes('manifest.json')) {
    manifestText = readFileSync(path.join(folder, 'manifest.json'), 'utf8');
    try {
      manifest = manifestSchema.parse(JSON.parse(manifestText));
    } catch (err) {
      problems.push(
        `manifest.json does not parse: ${err instanceof Error ? err.message.slice(0, 200) : err}`,
      );
    }
  }
  const referenced = new Set<string>();
  if (manifest) {
    if (manifest.compositionId !== compositionId) {
      problems.push(`manifest is for ${manifest.compositionId}`);
    }
    let coveredTo = 0;
    for (const segment of manifest.segments) {
      referenced.add(path.basename(segment.src));
      if (segment.startFrame > coveredTo) {
        problems.push(`frames ${coveredTo}–${segment.startFrame} have no segment`);
      }
      coveredTo = Math.max(coveredTo, segment.endFrame);
      const file = path.join(publicDir, segment.src);
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        problems.push(`${segment.src} is missing`);
        continue;
      }
      try {
        const wav = decodeWav(new Uint8Array(bytes));
        const want = Math.round(segment.durationInSeconds * segment.sampleRate);
        if (wav.sampleRate !== segment.sampleRate) {
          problems.push(`${segment.src} is ${wav.sampleRate} Hz, manifest says ${segment.sampleRate}`);
        }
        if (wav.channels.length !== segment.channels) {
          problems.push(
            `${segment.src} has ${wav.channels.length} channels, manifest says ${segment.channels}`,
          );
        }
        if (wav.channels[0].length !== want) {
          problems.push(`${segment.src} has ${wav.channels[0].length} samples, expected ${want}`);
        }
      } catch (err) {
        problems.push(`${segment.src} does not decode: ${err instanceof Error ? err.message : err}`);
      }
    }
    if (coveredTo !== manifest.durationInFrames) {
      problems.push(`segments end at frame ${coveredTo}, composition has ${manifest.durationInFrames}`);
    }
  }
  const unreferencedWavs = names.filter(
    (n) => n.endsWith('.wav') && !n.startsWith('.') && !referenced.has(n),
  );
  return {manifest, manifestText, names, hiddenTemps, unreferencedWavs, problems};
};

/** The segments' identity, without the creation time: equal for two publications of the same audio. */
export const manifestIdentity = (manifest: Manifest | null): string =>
  manifest ? JSON.stringify(manifest.segments.map((s) => [s.startFrame, s.endFrame, s.cacheKey, s.src])) : '';

/**
 * Names the state against what a reader may legitimately see: the previous complete manifest (exact
 * text), the new complete one (same segments as `next`), or nothing when there was nothing before.
 */
export const classifyPublished = (
  state: PublishedState,
  expected: {previousText: string | null; next: Manifest | null},
): 'previous' | 'new' | 'none' | 'INVALID' => {
  if (state.problems.length > 0) return 'INVALID';
  if (state.manifestText === null) return expected.previousText === null ? 'none' : 'INVALID';
  if (expected.previousText !== null && state.manifestText === expected.previousText) return 'previous';
  if (expected.next && manifestIdentity(state.manifest) === manifestIdentity(expected.next)) return 'new';
  return 'INVALID';
};

/**
 * Unreferenced wavs that publishing should have removed: those no earlier manifest of the case named.
 * The wavs of a replaced manifest stay for PUBLISH_GRACE_MS (a reader that loaded it keeps playing), so
 * they are expected, not stale.
 */
export const staleWavs = (
  state: PublishedState,
  earlier: (Manifest | string | null | undefined)[],
): string[] => {
  const retained = new Set<string>();
  for (const m of earlier) {
    let manifest: Manifest | null = null;
    try {
      manifest = typeof m === 'string' ? manifestSchema.parse(JSON.parse(m)) : (m ?? null);
    } catch {
      manifest = null;
    }
    for (const s of manifest?.segments ?? []) retained.add(path.basename(s.src));
  }
  return state.unreferencedWavs.filter((n) => !retained.has(n));
};
