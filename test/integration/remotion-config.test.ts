import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {probeVideoStream} from '../../src/media/probe-video-stream.ts';
import type {Manifest} from '../../src/react/manifest.ts';
import {probeStreams} from '../matrix/helpers/run-matrix-case.ts';
import {
  ENTRY,
  makeTempProject,
  projectDirArgs,
  runCli,
  type TempProject,
  testTimelineProps,
} from './helpers/project.ts';

// A Remotion project whose remotion.config.ts sets the codec, the CRF and the concurrency: the CLI run
// from it gets them without any flag, and a flag still wins over the file (Remotion's precedence).
let project: TempProject;

const CONFIG = `import {Config} from '@remotion/cli/config';

Config.setCodec('h265');
Config.setCrf(30);
Config.setConcurrency(1);
Config.setBrowserExecutable('/usr/bin/chromium');
Config.setChromeMode('chrome-for-testing');
`;

beforeAll(() => {
  project = makeTempProject();
  writeFileSync(
    path.join(project.dir, 'package.json'),
    JSON.stringify({name: 'config-project', private: true}),
  );
  writeFileSync(
    path.join(project.dir, 'tsconfig.json'),
    JSON.stringify({compilerOptions: {strict: true, module: 'esnext', moduleResolution: 'bundler'}}),
  );
  writeFileSync(path.join(project.dir, 'remotion.config.ts'), CONFIG);
  mkdirSync(path.join(project.dir, 'out'), {recursive: true});
});
afterAll(() => project.cleanup());

const props = JSON.stringify(testTimelineProps({durationInSeconds: 4, fps: 5}));
const args = () => ['--props', props, ...projectDirArgs(project), '--backend', 'offline', '--log', 'verbose'];

/** The encoder's own record of its settings (x265 writes them into the stream, "crf=30.0"). */
const crfOf = (file: string): number | null => {
  const match = /crf=(\d+(?:\.\d+)?)/.exec(readFileSync(file).toString('latin1'));
  return match ? Number(match[1]) : null;
};

describe('remotion.config.ts and Remotion flags', () => {
  it('takes codec, CRF and concurrency from remotion.config.ts without any flag', async () => {
    const run = await runCli(['render', ENTRY, 'test-timeline', ...args()], {cwd: project.dir}).done;
    const out = path.join(project.dir, 'out/test-timeline.mp4');
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const streams = await probeStreams(out);
    const crf = crfOf(out);
    const log = `${run.stdout}\n${run.stderr}`;
    console.log(
      `config only → ${path.relative(project.dir, out)}: ${streams.videoCodec}/${streams.pixelFormat}/${streams.audioCodec}, crf ${crf}; ${log.match(/From the Remotion config: .*/)?.[0]}`,
    );
    expect(streams.videoCodec).toBe('hevc');
    expect(streams.audioCodec).toBe('aac');
    expect(crf).toBe(30);
    expect(log).toMatch(/From the Remotion config: .*codec.*crf.*concurrency/);
  }, 600_000);

  it('a flag wins over the config; --frames renders, bills and publishes only that range', async () => {
    const plan = await runCli(['plan', ENTRY, 'test-timeline', ...args(), '--frames', '5-14'], {
      cwd: project.dir,
    }).done;
    expect(plan.code, plan.stderr).toBe(0);
    console.log(plan.stdout);
    // 10 frames at 5 fps: 2 s billed at most.
    expect(plan.stdout).toMatch(/Billed if nothing is cached: 2 s × \$0\.05 = \$0\.10/);

    const out = path.join(project.dir, 'out/range.mp4');
    const run = await runCli(
      ['render', ENTRY, 'test-timeline', out, ...args(), '--crf', '35', '--frames', '5-14'],
      {cwd: project.dir},
    ).done;
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const [streams, video] = await Promise.all([probeStreams(out), probeVideoStream(out)]);
    const manifest = JSON.parse(
      readFileSync(path.join(project.publicDir, 'mmaudio/test-timeline/manifest.json'), 'utf8'),
    ) as Manifest;
    const covered = manifest.segments.map((s) => [s.startFrame, s.endFrame]);
    console.log(
      `--crf 35 --frames 5-14 → ${streams.videoCodec}, crf ${crfOf(out)}, ${video.frames} frames, ${video.durationInSeconds} s; manifest segments ${JSON.stringify(covered)}`,
    );
    expect(streams.videoCodec).toBe('hevc');
    expect(crfOf(out)).toBe(35);
    expect(video.frames).toBe(10);
    expect(Math.abs(video.durationInSeconds - 2)).toBeLessThan(0.1);
    expect(Math.min(...covered.map((c) => c[0]))).toBe(5);
    expect(Math.max(...covered.map((c) => c[1]))).toBe(15);
  }, 600_000);

  it('--help lists the Remotion flags it honours', async () => {
    const run = await runCli(['--help']).done;
    const flags = [
      '--codec',
      '--crf',
      '--video-bitrate',
      '--audio-bitrate',
      '--audio-codec',
      '--pixel-format',
      '--image-format',
      '--jpeg-quality',
      '--scale',
      '--frames',
      '--every-nth-frame',
      '--x264-preset',
      '--color-space',
      '--prores-profile',
      '--muted',
      '--env-file',
      '--props',
      '--gl',
      '--timeout',
      '--concurrency',
      '--overwrite',
      '--width',
      '--height',
    ];
    expect(flags.filter((f) => !run.stdout.includes(f))).toEqual([]);
  });
});
