import {MMAudioError} from '../../errors.ts';

/** A segment could not be generated; names the segment so the user knows which one. */
export class SegmentGenerationError extends MMAudioError {
  readonly segmentIndex: number;
  constructor(segmentIndex: number, message: string, options?: {cause?: unknown}) {
    super(`Segment ${segmentIndex + 1}: ${message}`, options);
    this.segmentIndex = segmentIndex;
  }
}
