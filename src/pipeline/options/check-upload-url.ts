import {UsageError} from '../../errors.ts';
import {parseS3Url} from '../../state/parse-s3-url.ts';
import type {GenerateAudioOptions} from './generate-audio-options.ts';

/** `uploadUrl`: an `s3://bucket/prefix`, and not together with `upload`. */
export const checkUploadUrl = (
  options: Pick<GenerateAudioOptions, 'upload' | 'uploadUrl'>,
): string | null => {
  if (!options.uploadUrl) return null;
  if (options.upload) {
    throw new UsageError('Pass either upload (your own hosting) or uploadUrl (S3), not both.');
  }
  parseS3Url(options.uploadUrl, '--upload-url');
  return options.uploadUrl;
};
