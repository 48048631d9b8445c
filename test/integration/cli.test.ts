import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {makeTestMp4} from './helpers/make-mp4.ts';
import {
  ENTRY,
  listFiles,
  makeTempProject,
  projectDirArgs,
  runCli,
  type TempProject,
  testTimelineProps,
} from './helpers/project.ts';

const KEY = 'test-key-cli-0123456789abcdef';
let sim: Simulator;
let project: TempProject;

beforeAll(async () => {
  sim = await startSimulator({apiKey: KEY, taskLatencyMs: 4000});
  project = makeTempProject();
});

afterAll(async () => {
  await sim.close();
  project.cleanup();
});

const env = () => ({
  QUBICO_API_KEY: KEY,
  QUBICO_BASE_URL: sim.url,
  REMOTION_MMAUDIO_STATE_DIR: project.stateDir,
});
const base = () => [
  '--props',
  JSON.stringify(testTimelineProps({durationInSeconds: 20, fps: 5})),
  ...projectDirArgs(project),
  '--backend',
  'qubico',
  '--prompt',
  'wind',
];

describe('bad input through the CLI', () => {
  const cases: {name: string; args: () => string[]; message: RegExp}[] = [
    {
      name: 'a prompt over 500 characters',
      args: () => ['render', ENTRY, 'test-timeline', ...base(), '--prompt', 'x'.repeat(501)],
      message: /--prompt is 501 characters; the API accepts at most 500/,
    },
    {
      name: 'an unknown composition id',
      args: () => ['generate', ENTRY, 'no-such-composition', ...base()],
      message: /No composition with the id "no-such-composition".*Available: .*test-timeline/,
    },
    {
      name: 'a missing entry file',
      args: () => ['render', path.join(project.dir, 'missing.ts'), 'test-timeline', ...base()],
      message: /Entry file not found: .*missing\.ts/,
    },
    {
      name: 'bad --props JSON',
      args: () => ['generate', ENTRY, 'test-timeline', ...base(), '--props', '{"fps": 5,'],
      message: /--props must be a JSON object or the path of a JSON file/,
    },
    {
      name: '--steps 10',
      args: () => ['render', ENTRY, 'test-timeline', ...base(), '--steps', '10'],
      message: /--steps must be an integer from 20 to 50, got 10/,
    },
    {
      name: 'an unknown flag',
      args: () => ['render', ENTRY, 'test-timeline', ...base(), '--promtp', 'typo'],
      message: /Unknown option '--promtp'/,
    },
  ];

  it.each(cases)(
    '$name: exit 2, one clear line, no request, nothing written',
    async ({args, message}) => {
      const before = listFiles(project.publicDir);
      const run = await runCli(args(), {cwd: project.dir, env: env()}).done;
      expect(run.code, run.stderr).toBe(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines[lines.length - 1]).toMatch(/^Error: /);
      expect(lines[lines.length - 1]).toMatch(message);
      expect(run.stdout + run.stderr).not.toContain(KEY);
      expect(sim.requests).toHaveLength(0);
      expect(listFiles(project.publicDir)).toEqual(before);
      expect(existsSync(path.join(project.dir, 'out'))).toBe(false);
    },
    120_000,
  );

  it('plan prints the segment table and the bill, and sends nothing', async () => {
    const run = await runCli(['plan', ENTRY, 'test-timeline', ...base(), '--max-segment-seconds', '8'], {
      cwd: project.dir,
      env: env(),
    }).done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/test-timeline: 20 s at 5 fps \(100 frames\), 160×90/);
    expect(run.stdout).toMatch(/3 segments of at most 8 s/);
    expect(run.stdout).toMatch(/^1 +0–3\d +0:00–0:0\d/m);
    expect(run.stdout).toMatch(
      /Billed if nothing is cached: 2\d(\.\d+)? s × \$0\.05 = \$1\.\d\d( \(Qubico\))?\. .*Nothing was sent\./,
    );
    expect(sim.requests).toHaveLength(0);
  }, 120_000);
});

describe('Ctrl-C', () => {
  it('cancels polling cleanly, keeps the submitted tasks in the journal, and the next run resumes them', async () => {
    const args = ['generate', ENTRY, 'test-timeline', ...base(), '--max-segment-seconds', '8'];
    const submits = () => sim.requests.filter((r) => r.kind === 'submit' && r.status === 202);
    let sent = false;
    const run = runCli(args, {cwd: project.dir, env: env()});
    const deadline = Date.now() + 120_000;
    while (submits().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(submits()).toHaveLength(3);
    if (run.pid) {
      process.kill(run.pid, 'SIGINT');
      sent = true;
    }
    expect(sent).toBe(true);
    const cancelled = await run.done;
    expect(cancelled.code).toBe(130);
    expect(cancelled.stderr).toMatch(/Cancelled\. Tasks already submitted are kept in the journal/);
    const journal = readdirSync(path.join(project.cacheDir, 'journal')).filter((f) => f.endsWith('.json'));
    expect(journal.length).toBeGreaterThanOrEqual(1);

    const again = await runCli(args, {cwd: project.dir, env: env()}).done;
    expect(again.code, again.stderr).toBe(0);
    expect(submits()).toHaveLength(3);
    expect(again.stdout).toMatch(/resuming task/);
  }, 240_000);
});

describe('remotion-mmaudio simulate', () => {
  it('serves the API contract: the documented request gets 202, a request without a key 401', async () => {
    let url = '';
    const server = runCli(['simulate', '--port', '0'], {
      env: {QUBICO_API_KEY: ''},
      onStdout: (chunk) => {
        url ||= /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk)?.[1] ?? '';
      },
    });
    const deadline = Date.now() + 30_000;
    while (!url && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const video = readFileSync(await makeTestMp4({seconds: 2})).toString('base64');
    const body = JSON.stringify({model: 'Qubico/mmaudio', input: {video, prompt: 'rain on a tin roof'}});
    const accepted = await fetch(`${url}/v1/inference`, {
      method: 'POST',
      headers: {'x-api-key': 'any-key', 'content-type': 'application/json'},
      body,
    });
    expect(accepted.status).toBe(202);
    const task = (await accepted.json()) as {task_id: string; status: string; model: string};
    expect(task).toMatchObject({status: 'pending', model: 'Qubico/mmaudio'});
    expect(task.task_id).toMatch(/\S/);
    const unauthorised = await fetch(`${url}/v1/inference`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body,
    });
    expect(unauthorised.status).toBe(401);
    expect(await unauthorised.json()).toMatchObject({
      error: {code: expect.any(String), message: expect.any(String)},
    });
    if (server.pid) process.kill(server.pid, 'SIGINT');
    const stopped = await server.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/Stopped after 2 requests/);
  }, 60_000);
});
