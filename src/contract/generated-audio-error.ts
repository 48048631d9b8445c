/**
 * A generated-audio manifest that cannot be used: unreadable, invalid, or made for another version of the
 * composition. The message says which file and what to do. (Browser-safe: the browser entry imports
 * only `src/react/` and `src/contract/`, so this does not extend the Node side's `MMAudioError`.)
 */
export class GeneratedAudioError extends Error {
  /** The manifest's path relative to the public dir, e.g. `mmaudio/my-comp/manifest.json`. */
  readonly file: string;
  constructor(message: string, file: string, options?: {cause?: unknown}) {
    super(message, options?.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'GeneratedAudioError';
    this.file = file;
  }
}
