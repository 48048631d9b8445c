import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runFf} from '../../src/media/ffmpeg.ts';
import type {Manifest} from '../../src/react/manifest.ts';
import {rms} from '../integration/helpers/audio-analysis.ts';
import {decodeAudio, ROOT} from '../integration/helpers/project.ts';

/**
 * The package as a user gets it: `npm pack`ed, installed into fresh Remotion projects at both ends of the
 * supported range (the oldest release of the peer range, and the newest release the registry serves for
 * every companion package), and run through the installed bin.
 */

/** More releases to check, e.g. `PEER_RANGE_EXTRA_VERSIONS=4.0.470,4.0.500` (each must be inside the range). */
const EXTRA = (process.env.PEER_RANGE_EXTRA_VERSIONS ?? '').split(',').filter(Boolean);

const COMPANIONS = ['remotion', '@remotion/renderer', '@remotion/bundler', '@remotion/media'] as const;
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
};
/** The version of a package installed here (the lockfile's). */
const devVersion = (name: string): string =>
  (
    JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
const reactVersion = devVersion('react');

const BROWSER = process.env.REMOTION_BROWSER_EXECUTABLE ?? '/usr/bin/chromium';

type Run = {code: number | null; output: string; seconds: number};

/** npm without the variables `npm test` sets for its own scripts (they would leak into the child's config). */
const childEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

const run = (command: string, args: string[], cwd: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe']});
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({code, output, seconds: (performance.now() - started) / 1000}));
  });

const npm = async (args: string[], cwd: string): Promise<Run> => run('npm', args, cwd);

const npmJson = async <T>(args: string[]): Promise<T> => {
  const r = await npm([...args, '--json'], ROOT);
  if (r.code !== 0) throw new Error(`npm ${args.join(' ')} failed:\n${r.output}`);
  return JSON.parse(r.output) as T;
};

const parseVersion = (v: string): number[] => v.split('.').map(Number);
const compareVersions = (a: string, b: string): number => {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};

/** The floor of the peer range `>=4.0.N <5`, the same for every companion. */
const floorVersion = (): string => {
  const ranges = new Set(COMPANIONS.map((name) => pkg.peerDependencies[name]));
  expect(ranges.size, 'every Remotion companion has the same peer range').toBe(1);
  const match = /^>=(4\.\d+\.\d+) <5$/.exec([...ranges][0]);
  if (!match) throw new Error(`Unexpected peer range ${[...ranges][0]}`);
  return match[1];
};

/** The newest 4.x release that every companion has (they must all be at one exact version). */
const newestCommonVersion = async (): Promise<string> => {
  const lists = await Promise.all(COMPANIONS.map((name) => npmJson<string[]>(['view', name, 'versions'])));
  const common = lists[0].filter((v) => /^4\.\d+\.\d+$/.test(v) && lists.every((l) => l.includes(v)));
  return common.sort(compareVersions).at(-1) as string;
};

/** The zod a Remotion release asks for: what its Studio depends on (and its zod-types' peer, where it has one). */
const zodFor = async (version: string): Promise<string> =>
  npmJson<string>(['view', `@remotion/studio@${version}`, 'dependencies.zod']);

/** Every installed copy of a package below `dir`, as `relative/path@version`. */
const installedCopies = (dir: string, name: string): string[] => {
  const found: string[] = [];
  const walk = (nodeModules: string) => {
    let entries: string[];
    try {
      entries = readdirSync(nodeModules);
    } catch {
      return;
    }
    for (const entry of entries) {
      const names = entry.startsWith('@')
        ? readdirSync(path.join(nodeModules, entry)).map((n) => `${entry}/${n}`)
        : [entry];
      for (const n of names) {
        const pkgDir = path.join(nodeModules, n);
        if (n === name) {
          const {version} = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
            version: string;
          };
          found.push(`${path.relative(dir, pkgDir)}@${version}`);
        }
        walk(path.join(pkgDir, 'node_modules'));
      }
    }
  };
  walk(path.join(dir, 'node_modules'));
  return found;
};

// A user's project: one composition whose generated audio is mixed directly (constant volume), one whose
// volume is a function so that Remotion's own audio pass plays the layers through @remotion/media <Audio>.
// Its schema nests our zod schema in the user's zod object, as Studio's props panel sees it.
const ENTRY_SOURCE = `import type React from 'react';
import {AbsoluteFill, Composition, registerRoot, useCurrentFrame} from 'remotion';
import {GeneratedAudio, mmaudioPropsSchema} from 'remotion-mmaudio/react';
import {z} from 'zod';

const schema = z.object({title: z.string(), mmaudio: mmaudioPropsSchema});

const Scene: React.FC<z.infer<typeof schema> & {volume: number | ((frame: number) => number)}> = ({volume}) => {
  const frame = useCurrentFrame();
  return (
    <AbsoluteFill style={{background: '#1d3557'}}>
      <div style={{position: 'absolute', left: (frame * 11) % 144, top: 30, width: 16, height: 16, background: '#fff'}} />
      <GeneratedAudio volume={volume} />
    </AbsoluteFill>
  );
};

const Direct: React.FC<z.infer<typeof schema>> = (props) => <Scene {...props} volume={1} />;
const AudioPass: React.FC<z.infer<typeof schema>> = (props) => <Scene {...props} volume={() => 1} />;
const common = {schema, durationInFrames: 30, fps: 10, width: 160, height: 90} as const;
const defaultProps = {title: 'peer range', mmaudio: {prompt: 'a white box sliding across a wooden table', seed: 1}};

registerRoot(() => (
  <>
    <Composition id="peer-direct" component={Direct} defaultProps={defaultProps} {...common} />
    <Composition id="peer-audio-pass" component={AudioPass} defaultProps={defaultProps} {...common} />
  </>
));
`;

/** Which way the pipeline mixes each composition's generated audio, and the verbose line that says so. */
const RENDERS = [
  {id: 'peer-direct', audioPath: 'direct mix', logLine: 'Mixing the generated layers directly'},
  {id: 'peer-audio-pass', audioPath: 'audio pass', logLine: 'Rendering the audio with Remotion'},
] as const;

/** A Remotion template's compiler options: strict, bundler resolution, skipLibCheck. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    jsx: 'react-jsx',
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    lib: ['ES2023', 'DOM'],
  },
  include: ['src'],
};

type Project = {
  label: string;
  remotion: string;
  zod: string;
  dir: string;
  installProjectSeconds: number;
  installPackageSeconds: number;
  npmOutput: string;
  installed: boolean;
  typecheckSeconds: number | null;
  renders: Record<string, {seconds: number; audioPath: string; rmsDb: number; ratio: number}>;
};

const projects: Project[] = [];
let workDir: string;
let tarball: string;

const createProject = async (label: string, remotion: string): Promise<Project> => {
  const zod = await zodFor(remotion);
  const dir = path.join(workDir, `${label}-${remotion}`);
  mkdirSync(path.join(dir, 'src'), {recursive: true});
  const versions = Object.fromEntries(
    [...COMPANIONS, '@remotion/cli', '@remotion/zod-types'].map((name) => [name, remotion]),
  );
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: `peer-range-${label}`,
        private: true,
        type: 'module',
        dependencies: {...versions, react: reactVersion, 'react-dom': reactVersion, zod},
        // As a Remotion template has them, at the versions this package is developed with.
        devDependencies: {typescript: devVersion('typescript'), '@types/react': devVersion('@types/react')},
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(path.join(dir, 'src/index.tsx'), ENTRY_SOURCE);
  writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  const flags = ['--no-audit', '--no-fund', '--prefer-offline'];
  // First the user's Remotion project, then our package into it, as a user adds it.
  const base = await npm(['install', ...flags], dir);
  if (base.code !== 0)
    throw new Error(`npm install of the Remotion ${remotion} project failed:\n${base.output}`);
  const ours = await npm(['install', ...flags, tarball], dir);
  return {
    label,
    remotion,
    zod,
    dir,
    installProjectSeconds: base.seconds,
    installPackageSeconds: ours.seconds,
    npmOutput: `${base.output}\n${ours.output}`,
    installed: ours.code === 0,
    typecheckSeconds: null,
    renders: {},
  };
};

beforeAll(async () => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'mmaudio-peer-range-'));
  // dist/ is built by the global setup; --ignore-scripts keeps `prepare` from building it again.
  const packed = await npm(['pack', '--ignore-scripts', '--pack-destination', workDir], ROOT);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.output}`);
  tarball = path.join(workDir, packed.output.trim().split('\n').at(-1) as string);
  const [floor, newest] = [floorVersion(), await newestCommonVersion()];
  const versions: [string, string][] = [
    ['floor', floor],
    ['newest', newest],
    ...EXTRA.map((v) => [v, v] as [string, string]),
  ];
  // Both installs at once: they wait on the registry and the disk more than on the CPU.
  projects.push(...(await Promise.all(versions.map(([label, version]) => createProject(label, version)))));
}, 300_000);

afterAll(() => {
  console.log(
    `remotion-mmaudio peer ranges: remotion ${pkg.peerDependencies.remotion}, zod ${pkg.peerDependencies.zod}, react ${pkg.peerDependencies.react}\n`,
  );
  // One row per render: the project's versions and install times, then what the render measured.
  console.table(
    projects.flatMap((p) =>
      RENDERS.map(({id}) => {
        const r = p.renders[id];
        return {
          project: p.label,
          'remotion + @remotion/*': p.remotion,
          zod: p.zod,
          react: reactVersion,
          'npm install project + package (s)': `${p.installProjectSeconds.toFixed(1)} + ${p.installPackageSeconds.toFixed(1)}`,
          'tsc (s)': p.typecheckSeconds === null ? 'FAILED' : p.typecheckSeconds.toFixed(1),
          composition: id,
          'render (s)': r ? r.seconds.toFixed(1) : '-',
          audio: r ? `${r.audioPath}, ${r.rmsDb.toFixed(1)} dBFS, ×${r.ratio.toFixed(2)} of the wav` : '-',
          result: p.installed && r ? 'ok' : 'FAILED',
        };
      }),
    ),
  );
  if (workDir) rmSync(workDir, {recursive: true, force: true});
});

describe.each(['floor', 'newest', ...EXTRA])(
  'the packed package in a fresh Remotion project (%s of the range)',
  (label) => {
    const project = () => projects.find((p) => p.label === label) as Project;

    it('installs with one remotion and one zod in the tree, without ERESOLVE', () => {
      const p = project();
      expect(p.npmOutput).not.toMatch(/ERESOLVE/);
      expect(p.installed, p.npmOutput).toBe(true);
      expect(installedCopies(p.dir, 'remotion')).toEqual([`node_modules/remotion@${p.remotion}`]);
      expect(installedCopies(p.dir, 'zod')).toEqual([`node_modules/zod@${p.zod}`]);
      expect(installedCopies(p.dir, 'remotion-mmaudio')).toEqual([
        `node_modules/remotion-mmaudio@${pkg.version}`,
      ]);
    });

    it("typechecks the user's composition against the installed remotion-mmaudio, remotion and zod types", async () => {
      const p = project();
      const r = await run(
        process.execPath,
        [path.join(p.dir, 'node_modules/typescript/bin/tsc'), '-p', '.'],
        p.dir,
      );
      p.typecheckSeconds = r.seconds;
      expect(r.output).toBe('');
      expect(r.code).toBe(0);
    }, 120_000);

    for (const {id, audioPath, logLine} of RENDERS) {
      it(`renders ${id} through the installed bin with the generated layers audible`, async () => {
        const p = project();
        const out = path.join(p.dir, 'out', `${id}.mp4`);
        const bin = path.join(p.dir, 'node_modules/.bin/remotion-mmaudio');
        const r = await run(
          bin,
          // --log verbose: the pipeline says which way it mixed; Remotion logs at info (warnings included).
          [
            'render',
            'src/index.tsx',
            id,
            out,
            '--backend',
            'offline',
            '--browser-executable',
            BROWSER,
            '--log',
            'verbose',
          ],
          p.dir,
        );
        expect(r.code, r.output).toBe(0);
        expect(r.output).not.toMatch(/Multiple versions of Remotion|version mismatch|mismatching/i);
        expect(r.output).toContain(logLine);

        const {stdout} = await runFf('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', out]);
        const streams = (JSON.parse(stdout.toString()) as {streams: {codec_type: string}[]}).streams;
        expect(streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);

        // The mp4's sound is the generated layer: as loud as the published wav (AAC changes it slightly).
        const manifest = JSON.parse(
          readFileSync(path.join(p.dir, 'public/mmaudio', id, 'manifest.json'), 'utf8'),
        ) as Manifest;
        expect(manifest.segments).toHaveLength(1);
        const wav = (await decodeAudio(path.join(p.dir, 'public', manifest.segments[0].src))).channels[0];
        const mp4 = (await decodeAudio(out)).channels[0];
        const level = rms(mp4, 0, mp4.length);
        const ratio = level / rms(wav, 0, wav.length);
        p.renders[id] = {
          seconds: r.seconds,
          audioPath,
          rmsDb: 20 * Math.log10(level),
          ratio,
        };
        expect(level).toBeGreaterThan(0.005);
        expect(ratio).toBeGreaterThan(0.8);
        expect(ratio).toBeLessThan(1.25);
      }, 180_000);
    }
  },
);
