import {readFileSync} from 'node:fs';
import path from 'node:path';
import {bundle} from '@remotion/bundler';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type Manifest, manifestFolder, manifestPath} from '../../src/contract/manifest.ts';
import {generateAudio} from '../../src/pipeline/generate.ts';
import {segmentPlacements} from '../integration/helpers/audio-analysis.ts';
import {
  decodeAudio,
  ENTRY,
  makeTempProject,
  type TempProject,
  testTimelineProps,
} from '../integration/helpers/project.ts';
import {BROWSER, compareWavs, renderWav} from './helpers/render-wav.ts';
import {type ServedDirectory, serveDirectory} from './helpers/serve-directory.ts';

const ID = 'test-timeline';
// 12 s at 5 fps, 5 s segments with overlaps (crossfades baked into the wavs), the composition's own beep at 5 s.
const props = testTimelineProps({durationInSeconds: 12, fps: 5, ownAudio: true});

let project: TempProject;
let cleanServeUrl: string;
let server: ServedDirectory;
let manifest: Manifest;

beforeAll(async () => {
  project = makeTempProject();
  // A site bundled before any audio existed: what a Lambda site deployed earlier is.
  cleanServeUrl = await bundle({entryPoint: ENTRY, publicDir: project.publicDir});
  await generateAudio({
    entryPoint: ENTRY,
    compositionId: ID,
    inputProps: props,
    backend: 'offline',
    maxSegmentSeconds: 5,
    publicDir: project.publicDir,
    cacheDir: project.cacheDir,
    browserExecutable: BROWSER.browserExecutable,
    logLevel: 'error',
  });
  manifest = JSON.parse(readFileSync(path.join(project.publicDir, manifestPath(ID)), 'utf8')) as Manifest;
  server = await serveDirectory(path.join(project.publicDir, manifestFolder(ID)));
}, 300_000);
afterAll(async () => {
  await server?.close();
  project?.cleanup();
});

describe('<GeneratedAudio /> with the manifest in input props (mmaudio.manifest)', () => {
  it('plays wavs from http URLs on 127.0.0.1 in a bundle without them, sample for sample as the public/ manifest', async () => {
    // The judge: a plain render of a bundle made after generate (public/ has the manifest and wavs).
    const publicServeUrl = await bundle({entryPoint: ENTRY, publicDir: project.publicDir});
    const fromPublic = path.join(project.dir, 'from-public.wav');
    await renderWav(publicServeUrl, ID, props, fromPublic);

    // The same manifest with every src an http URL, passed in the props to the bundle without audio.
    const propsManifest: Manifest = {
      ...manifest,
      segments: manifest.segments.map((s) => ({...s, src: `${server.origin}/${path.basename(s.src)}`})),
    };
    const fromProps = path.join(project.dir, 'from-props.wav');
    await renderWav(cleanServeUrl, ID, {...props, mmaudio: {manifest: propsManifest}}, fromProps);

    const {samples, differing, peak} = compareWavs(fromPublic, fromProps);
    const mix = (await decodeAudio(fromProps)).channels[0];
    const placements = segmentPlacements(mix, manifest, project.publicDir, {avoid: [[4.9, 6.2]]});
    const fetched = new Set(server.requests.filter((r) => r.method === 'GET').map((r) => r.path));
    console.log(
      [
        `| segment | frames | offset (samples) | offset (frames) | correlation |`,
        `|---|---|---|---|---|`,
        ...placements.map((p) => {
          const s = manifest.segments[p.index];
          return `| ${p.index + 1} | ${s.startFrame}–${s.endFrame} | ${p.offsetSamples} | ${p.offsetFrames.toFixed(3)} | ${p.correlation.toFixed(4)} |`;
        }),
        `props manifest vs public/ manifest: ${samples} samples, ${differing} differ (peak ${peak}); wavs fetched over HTTP: ${fetched.size}/${manifest.segments.length}`,
      ].join('\n'),
    );
    expect(manifest.segments.length).toBeGreaterThanOrEqual(3);
    expect(peak).toBeGreaterThan(1000);
    expect(differing).toBe(0);
    for (const p of placements) {
      expect(p.offsetSamples).toBe(0);
      expect(p.correlation).toBeGreaterThan(0.99);
    }
    expect(fetched.size).toBe(manifest.segments.length);
  }, 300_000);

  it('refuses a src that is neither an http(s) URL nor a public path, naming the field', async () => {
    const bad: Manifest = {
      ...manifest,
      segments: manifest.segments.map((s, i) => (i === 1 ? {...s, src: 'file:///etc/hostname'} : s)),
    };
    await expect(
      renderWav(cleanServeUrl, ID, {...props, mmaudio: {manifest: bad}}, path.join(project.dir, 'bad.wav')),
    ).rejects.toThrow(/segments.*1.*src.*neither an http\(s\) URL nor a path in the public folder/s);
  }, 120_000);
});
