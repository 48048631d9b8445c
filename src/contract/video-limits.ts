/**
 * Largest proxy video the service takes (decoded bytes; base64 adds a third). Over it the service answers
 * 413. Not published by the service: the simulator's default, and what the proxy bitrate cap keeps far
 * below (60 s at PROXY_MAX_BITRATE ≈ 11 MB).
 */
export const VIDEO_MAX_BYTES = 32 * 1024 * 1024;
