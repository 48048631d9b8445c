import {useEffect, useMemo, useRef, useState} from 'react';
import {useDelayRender, useRemotionEnvironment, useVideoConfig, watchStaticFile} from 'remotion';
import {GeneratedAudioError} from '../contract/generated-audio-error.ts';
import {pickTakes} from '../contract/pick-takes.ts';
import {fetchGeneratedAudioManifest} from './fetch-generated-audio-manifest.ts';
import {getGeneratedAudioPass} from './generated-audio-pass.ts';
import {type Manifest, manifestPath} from './manifest.ts';
import type {MmaudioTakes} from './props-schema.ts';
import {useCompositionDurationInFrames} from './remotion-internals.ts';
import {checkManifestMatches, type ManifestExpectation, missingManifestMessage} from './validate-manifest.ts';

export type GeneratedAudioStatus = 'loading' | 'ready' | 'missing' | 'error';

export type GeneratedAudioState = {
  /**
   * `loading` while the manifest is fetched; `ready` with a manifest that matches the composition;
   * `missing` when there is none yet (and always during the pipeline's frame pass, which fetches nothing);
   * `error` when it cannot be read, is invalid, or was made for another id, frame rate or length.
   */
  status: GeneratedAudioStatus;
  manifest: Manifest | null;
  error: Error | null;
};

export type UseGeneratedAudioOptions = {
  /** Whose generated audio to read. Default: the current composition (`useVideoConfig().id`). */
  compositionId?: string;
  /**
   * The manifest if already loaded, e.g. by `withGeneratedAudioManifest()` in `calculateMetadata`: used
   * instead of fetching, and still checked against the composition. `null`: already looked, there is none.
   * `undefined` (default): fetch it.
   */
  manifest?: Manifest | null;
  /** During a render, fail the render when there is no generated audio. Default `false`. */
  required?: boolean;
  /**
   * The take to play per segment (segment index → seed), as the `mmaudio.takes` prop holds it: the
   * returned manifest's segments then describe the picked takes. A pick the manifest has no take for is an
   * `error`. Default: every segment's first take.
   */
  takes?: MmaudioTakes | null;
};

type LoadResult = {manifest: Manifest | null; error: Error | null};

// One request per composition and page, shared by every layer and hook that asks for it.
const loads = new Map<string, Promise<LoadResult>>();
// One hint or error line per composition (and message) and page.
const reported = new Set<string>();

const load = (compositionId: string): Promise<LoadResult> => {
  let pending = loads.get(compositionId);
  if (!pending) {
    pending = fetchGeneratedAudioManifest(compositionId).then(
      (manifest) => ({manifest, error: null}),
      (error: unknown) => ({
        manifest: null,
        error: error instanceof Error ? error : new Error(String(error)),
      }),
    );
    loads.set(compositionId, pending);
  }
  return pending;
};

const settle = (result: LoadResult, expected: ManifestExpectation): GeneratedAudioState => {
  if (result.error) return {status: 'error', manifest: null, error: result.error};
  if (!result.manifest) return {status: 'missing', manifest: null, error: null};
  try {
    return {status: 'ready', manifest: checkManifestMatches(result.manifest, expected), error: null};
  } catch (error) {
    return {status: 'error', manifest: null, error: error as Error};
  }
};

const reportOnce = (key: string, print: () => void) => {
  if (reported.has(key)) return;
  reported.add(key);
  print();
};

const LOADING: GeneratedAudioState = {status: 'loading', manifest: null, error: null};
const MISSING: GeneratedAudioState = {status: 'missing', manifest: null, error: null};

/**
 * The generated audio of a composition: reads `public/mmaudio/<id>/manifest.json` (or takes the manifest
 * passed in) and checks it against the composition. `<GeneratedAudio />` is built on it.
 *
 * - While loading during a render, the frame waits (`delayRender`). In a render, an unusable manifest
 *   fails the render with a message saying what to do (`cancelRender`), and so does a missing one when
 *   `required` is set.
 * - No manifest: `status: 'missing'` and one console hint per page saying how to generate it.
 * - In Studio, a manifest written or changed while Studio is open is picked up without a reload.
 * - During the pipeline's frame pass (`REMOTION_MMAUDIO_PASS=frames`) it fetches nothing.
 *
 * ```tsx
 * const {status} = useGeneratedAudio();
 * return status === 'missing' ? <Badge>No generated audio yet</Badge> : null;
 * ```
 */
export const useGeneratedAudio = (options: UseGeneratedAudioOptions = {}): GeneratedAudioState => {
  const config = useVideoConfig();
  const environment = useRemotionEnvironment();
  const {delayRender, continueRender, cancelRender} = useDelayRender();
  const compositionId = options.compositionId ?? config.id;
  const required = options.required ?? false;
  const pass = getGeneratedAudioPass();
  // Bumped in Studio when the manifest file changes: from then on, read the file rather than props.
  const [version, setVersion] = useState(0);
  const given = pass === 'audio' || version > 0 ? undefined : options.manifest;
  const mode = pass === 'frames' ? 'skip' : given ? 'given' : given === null ? 'none' : 'fetch';
  const {fps} = config;
  const durationInFrames = useCompositionDurationInFrames();

  const givenState = useMemo(
    () => (given ? settle({manifest: given, error: null}, {compositionId, fps, durationInFrames}) : null),
    [given, compositionId, fps, durationInFrames],
  );
  const [fetched, setFetched] = useState<{key: string; state: GeneratedAudioState} | null>(null);
  const fetchKey = `${compositionId}\n${fps}\n${durationInFrames}\n${version}`;

  const loaded: GeneratedAudioState =
    mode === 'skip' || mode === 'none'
      ? MISSING
      : mode === 'given' && givenState
        ? givenState
        : fetched?.key === fetchKey
          ? fetched.state
          : LOADING;
  // The picked takes, applied to the manifest as read (a change of pick reads nothing again).
  const picksKey = JSON.stringify(options.takes ?? null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the picks (as JSON) decide
  const state: GeneratedAudioState = useMemo(() => {
    if (loaded.status !== 'ready' || !loaded.manifest || !options.takes) return loaded;
    try {
      return {status: 'ready', manifest: pickTakes(loaded.manifest, options.takes), error: null};
    } catch (error) {
      return {status: 'error', manifest: null, error: error as Error};
    }
  }, [loaded, picksKey]);

  // During a render, hold the frame from the very first paint until the state is final.
  const [handle] = useState(() =>
    environment.isRendering && mode !== 'skip' && state.status !== 'ready' && !(mode === 'none' && !required)
      ? delayRender(`Loading the generated audio of "${compositionId}"`)
      : null,
  );
  const held = useRef(handle !== null);
  const release = () => {
    if (held.current && handle !== null) {
      held.current = false;
      continueRender(handle);
    }
  };

  useEffect(() => {
    if (mode !== 'fetch') return;
    let cancelled = false;
    load(compositionId).then((result) => {
      if (!cancelled) {
        setFetched({key: fetchKey, state: settle(result, {compositionId, fps, durationInFrames})});
      }
    });
    return () => {
      cancelled = true;
    };
  }, [mode, compositionId, fps, durationInFrames, fetchKey]);

  useEffect(() => {
    if (!environment.isStudio || mode === 'skip') return;
    const watcher = watchStaticFile(manifestPath(compositionId), () => {
      loads.delete(compositionId);
      for (const key of reported) if (key.startsWith(`${compositionId}\n`)) reported.delete(key);
      setVersion((v) => v + 1);
    });
    return () => watcher.cancel();
  }, [environment.isStudio, mode, compositionId]);

  // Runs after the layers below have mounted (and delayed the frame for their own audio), so the frame
  // is never reported ready in between.
  // biome-ignore lint/correctness/useExhaustiveDependencies: release and cancelRender are stable enough; the state decides
  useEffect(() => {
    if (state.status === 'loading') return;
    const file = manifestPath(compositionId);
    let failure: Error | null = null;
    if (state.status === 'error' && state.error) {
      failure = state.error;
    } else if (state.status === 'missing' && mode !== 'skip') {
      const hint = missingManifestMessage(compositionId);
      if (environment.isRendering && required) failure = new GeneratedAudioError(hint, file);
      else reportOnce(`${compositionId}\nmissing`, () => console.info(hint));
    }
    if (failure && environment.isRendering) {
      try {
        cancelRender(failure);
      } catch {
        // cancelRender() throws after recording the error; the renderer picks it up from there.
      }
      return;
    }
    if (failure) reportOnce(`${compositionId}\n${failure.message}`, () => console.error(failure.message));
    release();
  }, [state, mode, compositionId, required, environment.isRendering]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: only on unmount
  useEffect(() => () => release(), []);

  return state;
};
