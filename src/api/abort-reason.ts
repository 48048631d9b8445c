/** The reason of an aborted signal, or a standard AbortError when it has none. */
export const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
