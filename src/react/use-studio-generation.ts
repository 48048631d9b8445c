import {writeStaticFile} from '@remotion/studio';
import {useEffect, useRef, useState} from 'react';
import {getStaticFiles, staticFile, useRemotionEnvironment, useVideoConfig, watchStaticFile} from 'remotion';
import {getGeneratedAudioPass} from './generated-audio-pass.ts';
import {
  STUDIO_WORKER_FILE,
  type StudioRequest,
  type StudioStatus,
  studioRequestPath,
  studioStatusPath,
  studioStatusSchema,
} from './studio-files.ts';

/** Edits in the props panel arrive per keystroke: ask for audio once they have settled. */
const SETTLE_MS = 800;

// Per composition: the mmaudio props last asked for (or, at first, the saved defaults). Module state, so a
// remount (fast refresh, a rebuild) neither forgets an unsaved edit nor asks twice for the same props.
const askedFor = new Map<string, string>();

const isListed = (file: string): boolean => {
  try {
    return getStaticFiles().some((f) => f.name === file);
  } catch {
    return false;
  }
};

const readStatus = async (compositionId: string): Promise<StudioStatus | null> => {
  const response = await fetch(staticFile(studioStatusPath(compositionId)), {cache: 'no-store'});
  if (!response.ok) return null;
  const parsed = studioStatusSchema.safeParse(await response.json());
  return parsed.success ? parsed.data : null;
};

/**
 * The `mmaudio` props that decide the audio, as JSON: all but `takes`, which only picks among the takes
 * already generated (a new pick must not ask the worker for a run that would publish fewer takes).
 */
const generationInputs = (props: unknown): string => {
  const mmaudio = (props as {mmaudio?: unknown} | null | undefined)?.mmaudio;
  if (typeof mmaudio !== 'object' || mmaudio === null) return JSON.stringify(mmaudio ?? null);
  const {takes: _takes, ...rest} = mmaudio as Record<string, unknown>;
  return JSON.stringify(rest);
};

const newRequestId = (): string =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/**
 * In Remotion Studio, while `remotion-mmaudio studio` runs its worker: asks it for new audio when the
 * composition's `mmaudio` props change (in the props panel, saved or not), by dropping a request file with
 * Studio's `writeStaticFile()`, and returns the worker's status for this composition. Everywhere else
 * (renders, the Player, a Studio without the worker) it does nothing and returns null. `compositionId`
 * null (the audio of another composition than the one whose props these are): nothing either.
 */
export const useStudioGeneration = (compositionId: string | null): StudioStatus | null => {
  const environment = useRemotionEnvironment();
  const {props, defaultProps} = useVideoConfig();
  const active =
    compositionId !== null &&
    environment.isStudio &&
    !environment.isRendering &&
    !environment.isReadOnlyStudio &&
    getGeneratedAudioPass() === null;
  const [status, setStatus] = useState<StudioStatus | null>(null);
  const mmaudio = generationInputs(props);
  const saved = generationInputs(defaultProps);
  const latestProps = useRef(props);
  latestProps.current = props;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the mmaudio props (as JSON) decide; the rest is read when asking
  useEffect(() => {
    if (!active || compositionId === null) return;
    // Until a first request, the saved props stand for the audio on disk (`generate` made it from them).
    if (!askedFor.has(compositionId)) askedFor.set(compositionId, saved);
    if (askedFor.get(compositionId) === mmaudio) return;
    const timer = setTimeout(() => {
      askedFor.set(compositionId, mmaudio);
      // writeStaticFile() exists in every Remotion 4 this package supports; checked all the same.
      if (!isListed(STUDIO_WORKER_FILE) || typeof writeStaticFile !== 'function') return;
      const {mmaudioManifest: _manifest, ...rest} = (latestProps.current ?? {}) as Record<string, unknown>;
      const request: StudioRequest = {
        requestId: newRequestId(),
        compositionId,
        props: rest,
        requestedAt: new Date().toISOString(),
      };
      setStatus({
        requestId: request.requestId,
        state: 'queued',
        message: 'MMAudio: new prompts, asking the remotion-mmaudio worker for audio…',
        updatedAt: request.requestedAt,
      });
      // A static import on purpose: a dynamic one is compiled lazily by Studio's dev server, whose update of
      // the shared @remotion/studio chunk forces a full page reload (and loses unsaved props).
      writeStaticFile({filePath: studioRequestPath(compositionId), contents: JSON.stringify(request)})
        .then(() =>
          console.info(`MMAudio: asked the remotion-mmaudio worker for new audio of "${compositionId}".`),
        )
        .catch((err: unknown) => {
          const message = `MMAudio: could not ask the worker for audio: ${(err as Error).message}`;
          console.error(message);
          setStatus({requestId: request.requestId, state: 'failed', message, updatedAt: request.requestedAt});
        });
    }, SETTLE_MS);
    return () => clearTimeout(timer);
  }, [active, mmaudio]);

  useEffect(() => {
    if (!active || compositionId === null) return;
    let cancelled = false;
    // The worker writes its status in quick succession (the last progress, then done): reads may answer
    // out of order and a watcher event may be coalesced. The newest status wins, and while the worker is
    // busy the file is read again now and then, so a "done" is never left behind a "generating".
    let newest: StudioStatus | null = null;
    const rank = (x: StudioStatus) => (x.state === 'done' || x.state === 'failed' ? 1 : 0);
    const isNewer = (next: StudioStatus) =>
      newest === null ||
      next.updatedAt > newest.updatedAt ||
      (next.updatedAt === newest.updatedAt && rank(next) >= rank(newest));
    const update = () => {
      readStatus(compositionId).then(
        (next) => {
          if (cancelled || !next || !isNewer(next)) return;
          newest = next;
          setStatus(next);
        },
        () => undefined,
      );
    };
    if (isListed(studioStatusPath(compositionId))) update();
    const watcher = watchStaticFile(studioStatusPath(compositionId), (file) => {
      if (file) update();
    });
    const poll = setInterval(() => {
      const busy = newest ? newest.state !== 'done' && newest.state !== 'failed' : false;
      if (busy) update();
    }, 2000);
    return () => {
      cancelled = true;
      clearInterval(poll);
      watcher.cancel();
    };
  }, [active, compositionId]);

  return active ? status : null;
};
