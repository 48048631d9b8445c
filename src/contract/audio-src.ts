/**
 * What a manifest passed in input props may give as a segment's `src`: an `http(s)` URL (a bucket, a CDN)
 * or a path in the public folder as `staticFile()` takes it (`mmaudio/my-video/segment-001-….wav`).
 * Anything else (`file:`, `data:`, `blob:`, an absolute or `..` path) is refused: a render on another
 * machine (Remotion Lambda) could not load it, and a local one should not read outside its bundle.
 */
export type AudioSrcKind = 'url' | 'static-file';

/** True for an absolute `http:` or `https:` URL with a host. */
export const isHttpUrl = (src: string): boolean => {
  if (!/^https?:\/\/[^/\s]/i.test(src)) return false;
  try {
    const url = new URL(src);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
};

/**
 * Why `src` cannot be played from a manifest in input props, or null when it can. The reason names the
 * value and what is accepted.
 */
export const audioSrcProblem = (src: string): string | null => {
  if (isHttpUrl(src)) return null;
  const shown = JSON.stringify(src.length > 80 ? `${src.slice(0, 77)}...` : src);
  if (/^[a-z][a-z0-9+.-]*:/i.test(src)) {
    return `${shown} is neither an http(s) URL nor a path in the public folder (staticFile): its scheme cannot be loaded by a render`;
  }
  if (src.startsWith('/') || src.startsWith('\\')) {
    return `${shown} is an absolute path: give an http(s) URL or a path relative to the public folder (as staticFile() takes it)`;
  }
  if (src.split(/[\\/]/).some((part) => part === '..')) {
    return `${shown} leaves the public folder (..): give an http(s) URL or a path inside the public folder`;
  }
  if (src.trim().length === 0) return 'an empty src: give an http(s) URL or a path in the public folder';
  return null;
};

export const audioSrcKind = (src: string): AudioSrcKind => (isHttpUrl(src) ? 'url' : 'static-file');
