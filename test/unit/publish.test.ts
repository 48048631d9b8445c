import {spawnSync} from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {adoptLegacyJournalEntry} from '../../src/pipeline/adopt-legacy-journal-entry.ts';
import {computeCacheKey, legacyCacheKey, serviceIdentity} from '../../src/pipeline/cache-key.ts';
import {cleanStaleTempFiles, PUBLISH_GRACE_MS, publishManifest} from '../../src/pipeline/publish.ts';
import {MANIFEST_VERSION, type Manifest} from '../../src/react/manifest.ts';
import {encodeWav} from '../../src/wav/wav.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mmaudio-publish-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const ID = 'publish-test';

/** A one-segment manifest naming `name`, and its wav in a source folder. */
const manifestWith = (name: string): {manifest: Manifest; files: Map<string, string>} => {
  const src = `mmaudio/${ID}/${name}`;
  const from = path.join(dir, 'sources', name);
  mkdirSync(path.dirname(from), {recursive: true});
  writeFileSync(from, encodeWav({sampleRate: 8000, channels: [new Float32Array(8000)]}));
  return {
    files: new Map([[src, from]]),
    manifest: {
      version: MANIFEST_VERSION,
      compositionId: ID,
      fps: 10,
      durationInFrames: 10,
      backend: 'offline',
      createdAt: new Date().toISOString(),
      crossfade: 'in-audio',
      segments: [
        {
          index: 0,
          startFrame: 0,
          endFrame: 10,
          src,
          durationInSeconds: 1,
          sampleRate: 8000,
          channels: 1,
          fadeInFrames: 0,
          fadeOutFrames: 0,
          prompt: name,
          negativePrompt: null,
          steps: 25,
          seed: 1,
          taskId: name,
          cacheKey: name,
        },
      ],
    },
  };
};

/** A pid that no process has: one of a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid ?? 999_999;

describe('publishManifest', () => {
  it("keeps the replaced manifest's wavs (a reader that loaded it keeps playing); removes those retired longer than the grace period", async () => {
    const publicDir = path.join(dir, 'public-a');
    const folder = path.join(publicDir, 'mmaudio', ID);
    const seen: string[][] = [];
    const publish = async (name: string) => {
      await publishManifest({publicDirs: [publicDir], ...manifestWith(name)});
      seen.push(readdirSync(folder).sort());
    };
    await publish('a.wav');
    await publish('b.wav');
    // a was retired an hour and a minute ago: the next publication may remove it.
    const old = new Date(Date.now() - PUBLISH_GRACE_MS - 60_000);
    utimesSync(path.join(folder, 'a.wav'), old, old);
    await publish('c.wav');
    console.log('folder after each publication:', seen.map((s) => s.join(' ')).join(' | '));
    expect(seen[0]).toEqual(['a.wav', 'manifest.json']);
    // b published: a, just replaced, stays.
    expect(seen[1]).toEqual(['a.wav', 'b.wav', 'manifest.json']);
    // c published: b, just replaced, stays; a, retired over an hour ago, is gone.
    expect(seen[2]).toEqual(['b.wav', 'c.wav', 'manifest.json']);
  });

  it('two publications into one folder at the same moment, 20 times: the manifest never names a missing wav', async () => {
    const publicDir = path.join(dir, 'public-c');
    const folder = path.join(publicDir, 'mmaudio', ID);
    let broken = 0;
    for (let trial = 0; trial < 20; trial++) {
      const x = manifestWith(`x${trial}.wav`);
      const y = manifestWith(`y${trial}.wav`);
      await Promise.all([
        publishManifest({publicDirs: [publicDir], ...x}),
        publishManifest({publicDirs: [publicDir], ...y}),
      ]);
      const manifest = JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as Manifest;
      if (!manifest.segments.every((seg) => existsSync(path.join(publicDir, seg.src)))) broken++;
    }
    console.log(`concurrent publications: ${broken} of 20 trials left a manifest naming a missing wav`);
    expect(broken).toBe(0);
  });

  it('the run-start cleanup removes temp files of dead runs only, never one a live run is writing', async () => {
    const publicDir = path.join(dir, 'public-b');
    const folder = path.join(publicDir, 'mmaudio', ID);
    mkdirSync(folder, {recursive: true});
    const dead = deadPid();
    const live = process.ppid;
    const ofDead = `.segment-001.wav.${dead}.0badc0de.tmp`;
    const ofLive = `.segment-002.wav.${live}.0badc0de.tmp`;
    writeFileSync(path.join(folder, ofDead), 'half');
    writeFileSync(path.join(folder, ofLive), 'half');
    await cleanStaleTempFiles(publicDir, ID);
    const left = readdirSync(folder);
    console.log(
      `temp of dead pid ${dead}: ${left.includes(ofDead) ? 'kept' : 'removed'}; of live pid ${live}: ${left.includes(ofLive) ? 'kept' : 'removed'}`,
    );
    expect(left).toEqual([ofLive]);
  });
});

describe('cache keys name the service', () => {
  const base = {
    model: 'Qubico/mmaudio',
    prompt: 'rain',
    negativePrompt: null,
    steps: 25,
    seed: 7,
    pictureHash: 'f'.repeat(64),
    durationInFrames: 300,
    fps: 30,
  };

  it('two services, or credentials in the URL, give different keys, or the same one', () => {
    const real = computeCacheKey({...base, service: serviceIdentity('https://api.qubico.ai')});
    const sim = computeCacheKey({...base, service: serviceIdentity('http://127.0.0.1:8787')});
    const simWithUser = computeCacheKey({
      ...base,
      service: serviceIdentity('http://user:pw@127.0.0.1:8787/'),
    });
    expect(real).not.toBe(sim);
    expect(sim).toBe(simWithUser);
    expect(legacyCacheKey({...base, service: 'x'})).toBe(legacyCacheKey({...base, service: 'y'}));
  });

  it('a journal entry of the old key format is adopted for the same service only', async () => {
    const journal = path.join(dir, 'journal');
    mkdirSync(journal, {recursive: true});
    const entry = (baseUrl: string) =>
      JSON.stringify({cacheKey: 'old', state: 'submitted', taskId: 't-1', baseUrl, segmentIndex: 0, seed: 7});
    writeFileSync(path.join(journal, 'old.json'), entry('http://127.0.0.1:9999'));
    expect(await adoptLegacyJournalEntry(journal, 'old', 'new', 'http://127.0.0.1:8787')).toBe(false);
    expect(existsSync(path.join(journal, 'old.json'))).toBe(true);
    writeFileSync(path.join(journal, 'old.json'), entry('http://127.0.0.1:8787'));
    expect(await adoptLegacyJournalEntry(journal, 'old', 'new', 'http://127.0.0.1:8787')).toBe(true);
    expect(readdirSync(journal)).toEqual(['new.json']);
  });
});
