/** Redirects followed (by hand) for one result download. */
export const MAX_RESULT_REDIRECTS = 5;

/**
 * Why the client will not fetch `target` for a result, or null when it may. The API's own origin is
 * always allowed (the key goes only there). Another origin must be https when the API is https, and a
 * redirect is followed to https only (or back to the API's own origin): a signed result URL and the
 * audio never travel in clear text once the API itself was reached over TLS.
 */
export const checkResultUrl = (
  target: URL,
  apiOrigin: string,
  options: {redirected: boolean},
): string | null => {
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return `it must be http(s), got ${target.protocol}`;
  }
  if (target.origin === apiOrigin) return null;
  if (target.username || target.password) return 'it carries a user name or password';
  if (options.redirected && target.protocol !== 'https:') {
    return `a redirect to ${target.protocol}// on another origin (${target.host}) is not followed: https only`;
  }
  if (apiOrigin.startsWith('https:') && target.protocol !== 'https:') {
    return `the API is https, so a result on another origin (${target.host}) must be https too`;
  }
  return null;
};
