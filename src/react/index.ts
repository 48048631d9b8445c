export type {AudioSrcKind} from '../contract/audio-src.ts';
export {audioSrcKind, audioSrcProblem, isHttpUrl} from '../contract/audio-src.ts';
export {GeneratedAudioError} from '../contract/generated-audio-error.ts';
export {pickTakes, segmentTakeSeeds} from '../contract/pick-takes.ts';
export type {PropsManifest} from '../contract/props-manifest.ts';
export {propsManifestSchema} from '../contract/props-manifest.ts';
export type {CrossfadeSegment} from './crossfade-gain.ts';
export {crossfadeGain} from './crossfade-gain.ts';
export type {FetchGeneratedAudioManifestOptions} from './fetch-generated-audio-manifest.ts';
export {fetchGeneratedAudioManifest} from './fetch-generated-audio-manifest.ts';
export {formatTimecode} from './format-timecode.ts';
export type {GeneratedAudioLayer, GeneratedAudioProps} from './GeneratedAudio.tsx';
export {GeneratedAudio, generatedAudioLayers} from './GeneratedAudio.tsx';
export type {GeneratedAudioPass} from './generated-audio-pass.ts';
export {getGeneratedAudioPass} from './generated-audio-pass.ts';
export type {GeneratedAudioPlacement} from './generated-audio-placement.tsx';
export {PLACEMENT_ARTIFACT_PREFIX, placementArtifactName} from './generated-audio-placement.tsx';
export type {Manifest, ManifestSegment, ManifestTake} from './manifest.ts';
export {
  MANIFEST_VERSION,
  manifestFolder,
  manifestPath,
  manifestSchema,
  manifestSegmentSchema,
  manifestTakeSchema,
} from './manifest.ts';
export {manifestFromProps, PROPS_MANIFEST_KEY} from './manifest-from-props.ts';
export type {MmaudioProps, MmaudioScene, MmaudioTakes} from './props-schema.ts';
export {mmaudioPropsSchema, mmaudioSceneSchema, mmaudioTakesSchema} from './props-schema.ts';
export {resolveAudioSrc} from './resolve-audio-src.ts';
export {segmentLayerName} from './segment-layer-name.ts';
export type {
  GeneratedAudioState,
  GeneratedAudioStatus,
  UseGeneratedAudioOptions,
} from './use-generated-audio.ts';
export {useGeneratedAudio} from './use-generated-audio.ts';
export type {ManifestExpectation} from './validate-manifest.ts';
export {checkManifestMatches, missingManifestMessage, parseManifest} from './validate-manifest.ts';
export type {GeneratedAudioManifestProps} from './with-generated-audio-manifest.ts';
export {withGeneratedAudioManifest} from './with-generated-audio-manifest.ts';
