import {type ChildProcess, spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {UsageError} from '../errors.ts';
import type {CliContext} from './cli-context.ts';
import {optionsFromFlags} from './options-from-flags.ts';
import type {CliFlags} from './parse-cli-args.ts';
import {startStudioWorker} from './start-studio-worker.ts';

/** The Remotion CLI of the user's project (else ours): `remotion studio` runs from it. */
const remotionCliPath = (entryPoint: string): string => {
  for (const from of [path.resolve(entryPoint), import.meta.filename]) {
    try {
      const pkg = createRequire(from).resolve('@remotion/cli/package.json');
      const cli = path.join(path.dirname(pkg), 'remotion-cli.js');
      if (existsSync(cli)) return cli;
    } catch {
      // Try the next place.
    }
  }
  throw new UsageError('remotion-mmaudio studio needs @remotion/cli: npm i -D @remotion/cli');
};

/**
 * `remotion-mmaudio studio <entry>`: Remotion Studio plus a generation worker. Edit the `mmaudio` props of a
 * composition in the props panel and the worker generates the changed segments, with the offline backend
 * unless started with `--max-cost` (the budget of the whole session, never exceeded).
 */
export const studioCommand = async (
  positionals: string[],
  flags: CliFlags,
  ctx: CliContext,
): Promise<number> => {
  if (positionals.length !== 1) {
    throw new UsageError('Usage: remotion-mmaudio studio <entry> [--port 3000] [--max-cost <usd>] [options]');
  }
  const [entry] = positionals;
  if (!existsSync(entry)) throw new UsageError(`Entry file not found: ${path.resolve(entry)}`);
  const paid = flags.maxCost !== undefined;
  if (!paid && flags.backend && flags.backend !== 'offline') {
    throw new UsageError(
      `--backend ${flags.backend} in Studio needs --max-cost <usd>: the budget of the session. Without it, Studio generates with the offline backend.`,
    );
  }
  const publicDir = path.resolve(flags.publicDir ?? 'public');
  const {
    compositionId: _id,
    entryPoint: _entry,
    serveUrl: _serveUrl,
    inputProps: _props,
    maxCost: _cost,
    ...base
  } = optionsFromFlags(entry, '-', {...flags, backend: paid ? flags.backend : 'offline'}, ctx);
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  const worker = await startStudioWorker({
    entryPoint: entry,
    base: {...base, publicDir},
    maxCost: flags.maxCost ?? null,
    publicDir,
    logger: ctx.logger,
    out,
  });
  out(
    paid
      ? `Generation worker: edits to the mmaudio props in Studio are generated with a paid provider when one is configured, within $${flags.maxCost?.toFixed(2)} for this session.`
      : 'Generation worker: edits to the mmaudio props in Studio are generated with the offline backend (start with --max-cost <usd> to use a paid provider).',
  );

  const args = [remotionCliPath(entry), 'studio', entry, '--public-dir', publicDir, '--no-open'];
  if (flags.port !== undefined) args.push('--port', String(flags.port));
  const studio: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {...process.env, BROWSER: 'none'},
  });
  const exited = new Promise<number>((resolve) => {
    studio.once('exit', (code) => resolve(code ?? 0));
  });
  const stopped = new Promise<'stopped'>((resolve) => {
    if (ctx.signal.aborted) resolve('stopped');
    ctx.signal.addEventListener('abort', () => resolve('stopped'), {once: true});
  });
  try {
    const outcome = await Promise.race([exited, stopped]);
    if (outcome === 'stopped') {
      studio.kill('SIGTERM');
      await exited;
      return 0;
    }
    ctx.logger.error(`Remotion Studio exited with code ${outcome}.`);
    return 1;
  } finally {
    await worker.close();
    out(`Generation worker stopped after ${worker.runs.length} run${worker.runs.length === 1 ? '' : 's'}.`);
  }
};
