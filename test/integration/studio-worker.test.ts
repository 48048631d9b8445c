import {type ChildProcess, spawn} from 'node:child_process';
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import path from 'node:path';
import {type Browser, chromium, type Page} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Manifest} from '../../src/react/manifest.ts';
import {segmentLayerName} from '../../src/react/segment-layer-name.ts';
import {type Simulator, startSimulator} from '../../src/simulator/index.ts';
import {BIN, makeTempProject, projectDirArgs, ROOT, runCli, type TempProject} from './helpers/project.ts';

/**
 * `remotion-mmaudio studio`: Remotion Studio plus the generation worker, driven through Studio's own UI in
 * headless Chromium. A scene prompt edited in the props panel (not saved) makes the worker generate that
 * segment again — and only it — and the timeline picks up the new wav without a reload. A paid provider is
 * configured (the simulator, with a key), yet without --max-cost it gets no request at all.
 */

const COMPOSITION = 'test-studio';
const KEY = 'test-key-studio-0123456789abcdef';
const SEGMENT_ARGS = ['--max-segment-seconds', '21'];

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error()),
      );
    });
  });

describe('remotion-mmaudio studio', () => {
  let sim: Simulator;
  let project: TempProject;
  let studio: ChildProcess | null = null;
  let log = '';
  let origin = '';
  let browser: Browser | null = null;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleLines: string[] = [];
  const navigations: string[] = [];
  const wavRequests: string[] = [];

  // Studio saves props edited in its panel into the source (Root.tsx): it works on a copy of the project's
  // code, inside the repo so that node_modules resolve.
  let codeDir = '';
  let ENTRY = '';

  const env = () => ({
    QUBICO_API_KEY: KEY,
    QUBICO_BASE_URL: sim.url,
    REMOTION_MMAUDIO_STATE_DIR: project.stateDir,
  });
  const readManifest = (): Manifest =>
    JSON.parse(
      readFileSync(path.join(project.publicDir, `mmaudio/${COMPOSITION}/manifest.json`), 'utf8'),
    ) as Manifest;

  beforeAll(async () => {
    sim = await startSimulator({apiKey: KEY});
    project = makeTempProject();
    mkdirSync(path.join(ROOT, '.tmp'), {recursive: true});
    codeDir = mkdtempSync(path.join(ROOT, '.tmp', 'studio-project-'));
    for (const item of ['remotion', 'src', 'remotion.config.ts', 'tsconfig.json']) {
      cpSync(path.join(ROOT, item), path.join(codeDir, item), {recursive: true});
    }
    // Its own package.json makes the copy a Remotion project root of its own (where Studio saves).
    writeFileSync(
      path.join(codeDir, 'package.json'),
      JSON.stringify({name: 'studio-test-copy', private: true, type: 'module'}),
    );
    ENTRY = path.join(codeDir, 'remotion/index.ts');
    // The audio as it is before Studio opens: generated once for the default props.
    const first = await runCli(
      ['generate', ENTRY, COMPOSITION, '--backend', 'offline', ...projectDirArgs(project), ...SEGMENT_ARGS],
      {env: env()},
    ).done;
    expect(first.code, first.stderr).toBe(0);

    studio = spawn(
      process.execPath,
      [BIN, 'studio', ENTRY, '--port', String(await freePort()), ...projectDirArgs(project), ...SEGMENT_ARGS],
      // Run from the copy: Studio saves edits into the files of the project it runs in.
      {cwd: codeDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...env()}},
    );
    origin = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        const match = /Server ready - Local: (http:\/\/localhost:\d+)/.exec(log);
        if (match) resolve(match[1]);
      };
      studio?.stdout?.on('data', onData);
      studio?.stderr?.on('data', onData);
      studio?.once('exit', (code) => reject(new Error(`studio exited with code ${code}:\n${log}`)));
      setTimeout(() => reject(new Error(`Studio did not start within 90 s:\n${log}`)), 90_000);
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({viewport: {width: 1600, height: 1000}});
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    page.on('request', (request) => {
      if (request.url().includes('.wav')) wavRequests.push(decodeURIComponent(request.url()));
    });
    // The first visit compiles the copy's bundle from scratch: slow on a busy machine.
    await page.goto(`${origin}/${COMPOSITION}`, {timeout: 150_000});
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });
  }, 400_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    const child = studio;
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // SIGINT to the CLI only: it stops Studio and its worker itself (and removes the worker file).
      process.kill(child.pid, 'SIGINT');
      const timeout = new Promise((resolve) => setTimeout(resolve, 15_000, 'timeout'));
      if ((await Promise.race([exited, timeout])) === 'timeout') process.kill(-child.pid, 'SIGKILL');
    }
    await sim?.close();
    project?.cleanup();
    if (codeDir) rmSync(codeDir, {recursive: true, force: true});
  }, 60_000);

  it('generates exactly the segment whose prompt was edited in the props panel, offline, and plays it', async () => {
    const before = readManifest();
    expect(before.segments).toHaveLength(3);
    for (const segment of before.segments) {
      await page.getByText(segmentLayerName(segment, before.fps), {exact: true}).waitFor({timeout: 60_000});
    }

    // Edit the second scene's prompt in Studio's props panel, without saving.
    await page.getByRole('button', {name: 'Expand right sidebar'}).click();
    const prompt = page.getByRole('textbox', {name: 'mmaudio.scenes.1.prompt', exact: true});
    await prompt.waitFor({timeout: 15_000});
    expect(await prompt.inputValue()).toBe('footsteps on gravel');
    const edited = Date.now();
    await prompt.fill('a dog barking in the distance');

    // The worker's status line in Studio, then the new manifest.
    const status = page.locator('[data-mmaudio-studio-status]');
    try {
      await page.locator('[data-mmaudio-studio-status="done"]').waitFor({timeout: 420_000});
    } catch (err) {
      await page.screenshot({path: path.join(ROOT, 'test/artifacts/studio-worker-failed.png')});
      throw new Error(
        `No "done" status in Studio (status: ${await status.textContent().catch(() => null)}).\n` +
          `CLI output:\n${log}\nPage console:\n${consoleLines.slice(-30).join('\n')}`,
        {cause: err},
      );
    }
    const statusText = (await status.textContent()) ?? '';
    const doneMs = Date.now() - edited;
    const after = readManifest();
    const changed = after.segments.filter((s, i) => s.src !== before.segments[i].src).map((s) => s.index);
    console.table(
      after.segments.map((s, i) => ({
        segment: s.index + 1,
        prompt: s.prompt,
        before: path.basename(before.segments[i].src),
        after: path.basename(s.src),
      })),
    );
    expect(changed).toEqual([1]);
    expect(after.segments[1].prompt).toMatch(/a dog barking in the distance/);
    expect(statusText).toMatch(/new audio for segment 2; 2 unchanged — offline backend, nothing billed/);

    // The timeline plays the new wav: move the playhead into segment 2 (a <Sequence> mounts its <Audio> only
    // there) and find that <Audio>, loaded by its new name.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const target = Math.round((after.segments[1].startFrame + after.segments[1].endFrame) / 2);
    for (let f = 0; f < target; f++) await page.keyboard.press('ArrowRight');
    const newWav = path.basename(after.segments[1].src);
    await page.getByText(newWav, {exact: true}).waitFor({timeout: 30_000});
    const pickupMs = Date.now() - edited;
    await expect
      .poll(() => wavRequests.some((u) => u.endsWith(after.segments[1].src)), {timeout: 30_000})
      .toBe(true);
    console.table([
      {
        editToDoneMs: doneMs,
        editToTimelineMs: pickupMs,
        simulatorRequests: sim.requests.length,
        statusLine: statusText.trim(),
      },
    ]);
    console.log(
      log
        .split('\n')
        .filter((l) => l.includes('[studio]') || /^\s+\d\. frames/.test(l))
        .join('\n'),
    );
    // A paid provider was configured (key + base URL), but without --max-cost it got nothing.
    expect(sim.requests.length).toBe(0);
    // All of it without a page reload (which would also have lost the unsaved edit).
    expect(navigations).toEqual([]);
    expect(await prompt.inputValue()).toBe('a dog barking in the distance');
    // Studio saved the edit into the copy's Root.tsx (not into the project's).
    console.log(
      'Studio saved the edit into the copy of Root.tsx:',
      readFileSync(path.join(codeDir, 'remotion/Root.tsx'), 'utf8').includes('a dog barking in the distance'),
    );
    expect(readFileSync(path.join(ROOT, 'remotion/Root.tsx'), 'utf8')).not.toContain('a dog barking');
    await page.screenshot({path: path.join(ROOT, 'test/artifacts/studio-worker.png')});
    expect(pageErrors).toEqual([]);
  }, 600_000);
});
