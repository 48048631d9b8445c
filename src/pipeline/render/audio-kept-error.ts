import path from 'node:path';
import {MMAudioError} from '../../errors.ts';
import type {GenerateAudioResult} from '../generation/generate-audio-result.ts';

/**
 * A failure after the generated audio was published (mix, mux, disk): the paid audio is safe, and the
 * message says where it is and how to finish without paying again.
 */
export class AudioKeptError extends MMAudioError {
  readonly manifestPath: string;
  constructor(result: GenerateAudioResult, cause: unknown) {
    const why = (cause instanceof Error ? cause.message : String(cause)).trim();
    const [first, ...rest] = why.split('\n');
    const relative = path.relative(process.cwd(), result.manifestPath);
    const where = relative && !relative.startsWith('..') ? relative : result.manifestPath;
    super(
      [
        ...rest,
        `Could not write the video (${first.replace(/\.$/, '')}). The generated audio is kept: ${where} and its ` +
          `${result.segments.length} wav(s) are published, so \`npx remotion render\` plays them, and running ` +
          'this command again renders the video without billing them again.',
      ].join('\n'),
      {cause, exitCode: cause instanceof MMAudioError ? cause.exitCode : 1},
    );
    this.manifestPath = result.manifestPath;
  }
}
