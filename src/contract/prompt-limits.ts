/**
 * The service's prompt limits: the one copy every check reads (the props schema, the options, the pre-run
 * check of every segment, the client's own validation). Browser-safe: imports nothing.
 */
export const PROMPT_MAX_CHARS = 500;
export const NEGATIVE_PROMPT_MAX_CHARS = 200;

/** Characters as the service counts them: Unicode code points, not UTF-16 units. */
export const countChars = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};
