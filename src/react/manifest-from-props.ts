import {GeneratedAudioError} from '../contract/generated-audio-error.ts';
import {propsManifestSchema} from '../contract/props-manifest.ts';
import type {Manifest} from './manifest.ts';

/** Where a manifest in input props lives, as errors name it. */
export const PROPS_MANIFEST_KEY = 'mmaudio.manifest';

const formatPath = (path: readonly PropertyKey[]): string =>
  path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');

/**
 * The manifest a composition was given in its input props (`mmaudio.manifest`), validated; `null` when
 * there is none. Throws a `GeneratedAudioError` naming the field and the problem when it does not match
 * the manifest schema or a `src` is neither an http(s) URL nor a path in the public folder.
 *
 * ```ts
 * // npx remotion lambda render <site> my-video --props='{"mmaudio":{"manifest":{…}}}'
 * const manifest = manifestFromProps(useVideoConfig().props);
 * ```
 */
export const manifestFromProps = (props: unknown): Manifest | null => {
  const raw = (props as {mmaudio?: {manifest?: unknown}} | null | undefined)?.mmaudio?.manifest;
  if (raw === undefined || raw === null) return null;
  const result = propsManifestSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new GeneratedAudioError(
    `Invalid generated-audio manifest in the input props: ${PROPS_MANIFEST_KEY}${formatPath(issue?.path ?? [])}: ` +
      `${issue?.message ?? 'does not match the schema'}. Pass the props that \`remotion-mmaudio generate --publish-url\` printed.`,
    PROPS_MANIFEST_KEY,
  );
};
