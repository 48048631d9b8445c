export {formatTimecode} from './format-timecode.ts';
export type {Manifest, ManifestSegment} from './manifest.ts';
export {
  MANIFEST_VERSION,
  manifestFolder,
  manifestPath,
  manifestSchema,
  manifestSegmentSchema,
} from './manifest.ts';
export type {MmaudioProps, MmaudioScene} from './props-schema.ts';
export {mmaudioPropsSchema, mmaudioSceneSchema} from './props-schema.ts';
