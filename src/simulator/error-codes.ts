/** Error codes of the simulator's answers, so tests and clients can tell the limits apart. */
export const simulatorErrorCodes = {
  missingKey: 'missing_api_key',
  invalidKey: 'invalid_api_key',
  rateLimit: 'rate_limit_exceeded',
  concurrencyLimit: 'concurrent_task_limit_exceeded',
  dailyLimit: 'daily_request_limit_exceeded',
  injectedFault: 'injected_fault',
  taskNotFound: 'task_not_found',
  resultNotFound: 'result_not_found',
  videoTooLarge: 'video_too_large',
} as const;
