import {createHash, randomBytes} from 'node:crypto';
import {copyFile, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createQubicoClient} from '../../src/api/client.ts';
import {createQubicoBackend} from '../../src/backends/qubico.ts';
import {silentLogger} from '../../src/log.ts';
import {runFf} from '../../src/media/ffmpeg.ts';
import {
  makeSegmentProxy,
  PROXY_BUFSIZE_KBITS,
  PROXY_MAX_BITRATE_KBPS,
} from '../../src/pipeline/make-proxy.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {createSubmitJournal} from '../../src/state/journal.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';

const KEY = 'proxy-limits-key-51c0';
let dir: string;
let sim: Simulator;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mmaudio-proxy-limits-'));
  sim = await startSimulator({apiKey: KEY, taskLatencyMs: 1500, limits: {concurrentTasks: 5}});
});
afterAll(async () => {
  await sim.close();
  await rm(dir, {recursive: true, force: true});
});

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

describe('segment proxies', () => {
  it('full-frame noise at 682×384 stays under the bitrate cap', async () => {
    const seconds = 4;
    const chunk = path.join(dir, 'noise.mp4');
    // Every pixel random in every frame: the worst case for the encoder (confetti, grain, static).
    const raw = path.join(dir, 'noise.gray');
    await writeFile(raw, randomBytes(682 * 384 * 25 * seconds));
    await runFf('ffmpeg', [
      '-y',
      // No rawvideo demuxer in this ffmpeg build: image2pipe with a fixed frame size reads raw frames.
      '-f',
      'image2pipe',
      '-frame_size',
      String(682 * 384),
      '-c:v',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-video_size',
      '682x384',
      '-framerate',
      '25',
      '-i',
      raw,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '0',
      chunk,
    ]);
    const capped = await makeSegmentProxy({
      chunks: [{startFrame: 0, endFrame: seconds * 25, file: chunk}],
      startFrame: 0,
      endFrame: seconds * 25,
      fps: 25,
      width: 682,
      height: 384,
      outputPath: path.join(dir, 'noise-proxy.mp4'),
    });
    const kbps = (capped.bytes * 8) / 1000 / seconds;
    const sixtySecondsMb = ((capped.bytes / seconds) * 60) / 1e6;
    console.log(
      `noise proxy 682×384: ${(capped.bytes / seconds / 1e6).toFixed(2)} MB/s = ${kbps.toFixed(0)} kbit/s (cap ${PROXY_MAX_BITRATE_KBPS}); a 60 s segment ≈ ${sixtySecondsMb.toFixed(1)} MB, ${((sixtySecondsMb * 4) / 3).toFixed(1)} MB as base64`,
    );
    // The VBV model bounds a clip of T seconds by maxrate × T plus one buffer (which starts full); plus
    // the container's bytes. That is the cap's own promise, whatever the encoder's luck on this noise.
    const bound = (PROXY_MAX_BITRATE_KBPS * seconds + PROXY_BUFSIZE_KBITS) / seconds;
    expect(kbps).toBeLessThan(bound * 1.02);
    // And far under what the same noise costs uncapped (12.4 Mbit/s measured).
    expect(kbps).toBeLessThan(4000);
  });

  it('a queued segment reads its proxy when its task slot opens, not before (the file at that moment is what is sent)', async () => {
    const client = createQubicoClient({
      apiKey: KEY,
      baseUrl: sim.url,
      dailyQuota: false,
      maxConcurrentTasks: 1,
      pollIntervalMs: {min: 100, max: 300},
    });
    const backend = createQubicoBackend({client, journal: createSubmitJournal(path.join(dir, 'journal'))});
    const a = await makeTestMp4({seconds: 1, width: 32, height: 18});
    const b = await makeTestMp4({seconds: 2, width: 32, height: 18});
    const proxies = [path.join(dir, 'p0.mp4'), path.join(dir, 'p1.mp4')];
    await copyFile(a, proxies[0]);
    await copyFile(a, proxies[1]);
    const request = (i: number) => ({
      segmentIndex: i,
      proxyPath: proxies[i],
      durationInSeconds: 1,
      prompt: 'rain',
      negativePrompt: null,
      steps: 25,
      seed: i,
      outputPath: path.join(dir, `out-${i}.wav`),
      cacheKey: `key-${i}`,
    });
    const logger = silentLogger();
    const first = backend.generate(request(0), {logger});
    const second = backend.generate(request(1), {logger});
    // Segment 2 waits for the only slot while segment 1's task runs: its proxy changes meanwhile.
    const deadline = Date.now() + 20_000;
    while (sim.tasks.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await copyFile(b, proxies[1]);
    const results = await Promise.all([first, second]);
    await client.close();
    const sent = [...sim.tasks.values()].map((t) => t.videoSha256);
    console.log(
      `tasks: ${sent.length}; segment 2 sent the file as it was when its slot opened: ${sent[1] === (await sha256(b))}`,
    );
    expect(results.map((r) => r.submits)).toEqual([1, 1]);
    expect(sent).toEqual([await sha256(a), await sha256(b)]);
    expect((await stat(results[1].wavPath)).size).toBeGreaterThan(44);
  });
});
