import {staticFile} from 'remotion';
import {isHttpUrl} from '../contract/audio-src.ts';

/**
 * The URL a layer's `<Audio>` loads: an http(s) `src` (a manifest given in input props, e.g. published to
 * a bucket) as it is, a path in the public folder through `staticFile()`.
 */
export const resolveAudioSrc = (src: string): string => (isHttpUrl(src) ? src : staticFile(src));
