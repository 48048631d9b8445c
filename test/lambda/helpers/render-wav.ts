import {readFileSync} from 'node:fs';
import {renderMedia, selectComposition} from '@remotion/renderer';
import {parseWavHeader} from '../../../src/wav/wav.ts';

export const BROWSER = {browserExecutable: '/usr/bin/chromium', chromeMode: 'chrome-for-testing' as const};

/** Remotion's own audio-only render (48 kHz stereo 16-bit wav) of a composition with these props. */
export const renderWav = async (
  serveUrl: string,
  id: string,
  inputProps: Record<string, unknown>,
  output: string,
): Promise<void> => {
  const composition = await selectComposition({serveUrl, id, inputProps, ...BROWSER, logLevel: 'error'});
  await renderMedia({
    serveUrl,
    composition,
    inputProps,
    codec: 'wav',
    outputLocation: output,
    enforceAudioTrack: true,
    ...BROWSER,
    logLevel: 'error',
  });
};

/** The interleaved 16-bit samples of a wav. */
export const pcm16 = (file: string): Int16Array => {
  const bytes = new Uint8Array(readFileSync(file));
  const h = parseWavHeader(bytes);
  return new Int16Array(bytes.slice(h.dataOffset, h.dataOffset + h.dataBytes).buffer);
};

/** Samples that differ between two wavs (a length difference counts), and the first one's peak. */
export const compareWavs = (a: string, b: string): {samples: number; differing: number; peak: number} => {
  const x = pcm16(a);
  const y = pcm16(b);
  let differing = Math.abs(x.length - y.length);
  let peak = 0;
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) differing++;
    peak = Math.max(peak, Math.abs(x[i]));
  }
  return {samples: x.length, differing, peak};
};
