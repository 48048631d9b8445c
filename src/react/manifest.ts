export type {Manifest, ManifestSegment, ManifestTake} from '../contract/manifest.ts';
export {
  MANIFEST_VERSION,
  manifestFolder,
  manifestPath,
  manifestSchema,
  manifestSegmentSchema,
  manifestTakeSchema,
} from '../contract/manifest.ts';
