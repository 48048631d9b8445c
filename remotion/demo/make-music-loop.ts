/**
 * Writes public/demo/music-loop.wav: the demo's own quiet music, a 2.5 s loop (one bar at 96 BPM) of a
 * soft pad and a plucked arpeggio, 48 kHz mono 16-bit (~240 kB). Deterministic: running it again writes
 * the same bytes.
 *
 *   npx tsx remotion/demo/make-music-loop.ts
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {encodeWav} from '../../src/wav/wav.ts';

export const MUSIC_SAMPLE_RATE = 48_000;
export const MUSIC_LOOP_SECONDS = 2.5;

/** Renders the loop. Every pad frequency completes whole cycles and pluck tails wrap around, so it loops seamlessly. */
export const makeMusicLoop = (): Float32Array => {
  const rate = MUSIC_SAMPLE_RATE;
  const n = Math.round(MUSIC_LOOP_SECONDS * rate);
  const out = new Float32Array(n);
  // Rounded to multiples of 1 / 2.5 s = 0.4 Hz so that each pad voice ends where it began.
  const loopHz = 1 / MUSIC_LOOP_SECONDS;
  const seamless = (hz: number) => Math.round(hz / loopHz) * loopHz;
  const pad = [220, 261.63, 329.63, 493.88].map(seamless); // A minor add9
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    // One slow swell per loop.
    const swell = 0.75 + 0.25 * Math.sin(2 * Math.PI * loopHz * t);
    let v = 0;
    for (const hz of pad) v += Math.sin(2 * Math.PI * hz * t);
    out[i] = 0.035 * swell * v;
  }
  // Eighth notes at 96 BPM: 0.3125 s apart.
  const arpeggio = [440, 523.25, 659.25, 783.99, 659.25, 523.25, 493.88, 523.25];
  const step = MUSIC_LOOP_SECONDS / arpeggio.length;
  arpeggio.forEach((hz, k) => {
    const start = Math.round(k * step * rate);
    const length = Math.round(0.6 * rate);
    for (let j = 0; j < length; j++) {
      const t = j / rate;
      const attack = Math.min(1, t / 0.004);
      const env = attack * Math.exp(-t / 0.11);
      const v = env * (Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(4 * Math.PI * hz * t));
      out[(start + j) % n] += (k === 0 ? 0.2 : 0.14) * v;
    }
  });
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  const gain = 0.5 / peak;
  for (let i = 0; i < n; i++) out[i] *= gain;
  return out;
};

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const target = path.join(root, 'public/demo/music-loop.wav');
  mkdirSync(path.dirname(target), {recursive: true});
  const wav = encodeWav({sampleRate: MUSIC_SAMPLE_RATE, channels: [makeMusicLoop()]});
  writeFileSync(target, wav);
  console.log(`Wrote ${path.relative(root, target)} (${wav.length} bytes)`);
}
