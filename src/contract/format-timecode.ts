/**
 * Formats seconds as a short timecode for labels and tables: `0:00`, `0:43`, `2:10`, `1:02:03`.
 * Whole seconds, rounded down (a segment ending at 43.9 s reads `0:43`). Browser-safe.
 */
export const formatTimecode = (seconds: number): string => {
  const total = Math.max(0, Math.floor(seconds + 1e-9));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
};
