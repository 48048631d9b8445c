import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {
  ENTRY,
  makeTempProject,
  projectDirArgs,
  runCli,
  type TempProject,
  testTimelineProps,
} from './helpers/project.ts';

let project: TempProject;

beforeAll(() => {
  project = makeTempProject();
});

afterAll(() => {
  project.cleanup();
});

/** No key of any service in the environment, whatever the machine has. */
const noKeys = () => ({
  QUBICO_API_KEY: '',
  PIAPI_API_KEY: '',
  FAL_KEY: '',
  REPLICATE_API_TOKEN: '',
  REMOTION_MMAUDIO_STATE_DIR: project.stateDir,
});

const args = (command: string, ...extra: string[]) => [
  command,
  ENTRY,
  'test-timeline',
  '--props',
  JSON.stringify(testTimelineProps({durationInSeconds: 70, fps: 2})),
  ...projectDirArgs(project),
  '--prompt',
  'rain',
  ...extra,
];

describe('plan --provider: each host’s segment limit and bill', () => {
  it('qubico 60 s at $0.05/s, piapi and fal 30 s, replicate 60 s billed by GPU time', async () => {
    const rows: Record<string, string | number>[] = [];
    for (const provider of ['qubico', 'piapi', 'fal', 'replicate']) {
      const run = await runCli(args('plan', '--provider', provider), {cwd: project.dir, env: noKeys()}).done;
      expect(run.code, run.stderr).toBe(0);
      const segments = /(\d+) segments? of at most (\d+) s/.exec(run.stdout);
      const bill = run.stdout.trim().split('\n').at(-1) ?? '';
      rows.push({provider, segments: Number(segments?.[1]), maxSeconds: Number(segments?.[2]), bill});
    }
    console.table(rows);
    expect(rows.map((r) => [r.segments, r.maxSeconds])).toEqual([
      [2, 60],
      [3, 30],
      [3, 30],
      [2, 60],
    ]);
    expect(rows[0].bill).toMatch(/× \$0\.05 = \$3\.5\d \(Qubico\)/);
    expect(rows[1].bill).toMatch(/× \$0\.0005 = \$0\.04 \(PiAPI\)/);
    expect(rows[2].bill).toMatch(/× \$0\.001 = \$0\.07 \(fal\.ai/);
    expect(rows[3].bill).toMatch(/bills GPU time .*no estimate/);
  }, 300_000);

  it('--max-segment-seconds caps the provider’s limit', async () => {
    const run = await runCli(args('plan', '--provider', 'fal', '--max-segment-seconds', '20'), {
      cwd: project.dir,
      env: noKeys(),
    }).done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/4 segments of at most 20 s, .*for fal\.ai/);
  }, 120_000);

  it('two keys and no --provider: exit 2, both named, nothing done', async () => {
    const run = await runCli(args('generate'), {
      cwd: project.dir,
      env: {...noKeys(), QUBICO_API_KEY: 'q-key-0123456789', FAL_KEY: 'f-key-0123456789'},
    }).done;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /QUBICO_API_KEY and FAL_KEY are all set: choose .*--provider qubico\|fal\. Nothing was sent\./,
    );
    expect(run.stderr).not.toContain('q-key-0123456789');
  }, 120_000);

  it('--provider and --backend that disagree, or an unknown provider: exit 2', async () => {
    const disagree = await runCli(args('plan', '--provider', 'fal', '--backend', 'qubico'), {
      cwd: project.dir,
      env: noKeys(),
    }).done;
    expect(disagree.code).toBe(2);
    expect(disagree.stderr).toMatch(/disagree/);
    const unknown = await runCli(args('plan', '--provider', 'openai'), {cwd: project.dir, env: noKeys()})
      .done;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--provider must be one of qubico, piapi, fal, replicate, offline/);
  }, 120_000);
});
