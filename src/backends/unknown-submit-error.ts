import {MMAudioError} from '../errors.ts';

export type UnknownSubmitSegment = {
  /** 0-based. */
  segmentIndex: number;
  /** When the lost submit was made (ISO 8601). */
  submittedAt: string;
};

const formatWhen = (iso: string): string => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
};

/**
 * Segments whose earlier submit has an unknown outcome (the answer was lost, the run was cancelled while
 * it was on the wire, or the service no longer knows the task): the task may exist and be billed, so
 * they are not submitted again unless the user asks with `--resubmit-unknown` (`resubmitUnknown`).
 * The message is one line naming every such segment and when its submit was made.
 */
export class UnknownSubmitError extends MMAudioError {
  readonly segments: UnknownSubmitSegment[];
  constructor(segments: UnknownSubmitSegment[], options?: {cause?: unknown}) {
    const sorted = [...segments].sort((a, b) => a.segmentIndex - b.segmentIndex);
    const named = sorted
      .map((s) => `segment ${s.segmentIndex + 1} (submitted ${formatWhen(s.submittedAt)})`)
      .join(', ');
    const one = sorted.length === 1;
    super(
      `The outcome of an earlier submit is unknown for ${named}: the task may exist and be billed, so ` +
        `${one ? 'it was' : 'they were'} not submitted again. Check your Qubico dashboard, then run again ` +
        `with --resubmit-unknown to submit ${one ? 'it' : 'them'} again (billed again).`,
      options,
    );
    this.segments = sorted;
  }

  /** One error (one line) for the unknown segments of several failures. */
  static merge(errors: readonly UnknownSubmitError[]): UnknownSubmitError {
    const byIndex = new Map<number, UnknownSubmitSegment>();
    for (const e of errors) for (const s of e.segments) byIndex.set(s.segmentIndex, s);
    return new UnknownSubmitError([...byIndex.values()], {cause: errors[0]?.cause});
  }
}
