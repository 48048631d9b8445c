// renderWithAudio and its stages live in ./render/, the media helpers in ../media/; these names stay
// importable from here.
export {probeVideoStream} from '../media/probe-video-stream.ts';
export {AudioKeptError} from './render/audio-kept-error.ts';
export {renderWithAudio} from './render/render-with-audio.ts';
export type {RenderWithAudioOptions} from './render/render-with-audio-options.ts';
export type {RenderWithAudioResult} from './render/render-with-audio-result.ts';
