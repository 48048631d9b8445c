import {inspect} from 'node:util';
import {vi} from 'vitest';
import {MMAudioError} from '../../../src/errors.ts';
import {createLogger} from '../../../src/log.ts';
import {renderWithAudio} from '../../../src/pipeline/render/render-with-audio.ts';
import type {RenderWithAudioOptions} from '../../../src/pipeline/render/render-with-audio-options.ts';
import type {RenderWithAudioResult} from '../../../src/pipeline/render/render-with-audio-result.ts';
import {cpuSeconds} from './checks.ts';

export type CapturedRun = {
  /** 0, or the thrown error's exitCode (1 for an error that is not ours). */
  exitCode: number;
  error: unknown;
  result: RenderWithAudioResult | null;
  /** Everything the run's logger printed, at trace level. */
  log: string;
  /** Everything printed through the console meanwhile (Remotion's own logs). */
  console: string;
  /** The error as a user or a log aggregator could see it: message, stack, causes, fields. */
  errorText: string;
  wallMs: number;
  cpuSeconds: number;
};

const describeError = (err: unknown): string => {
  if (err === null || err === undefined) return '';
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 6; depth++) {
    parts.push(current instanceof Error ? `${current.message}\n${current.stack ?? ''}` : String(current));
    current = current instanceof Error ? current.cause : null;
  }
  parts.push(inspect(err, {depth: 6}));
  return parts.join('\n');
};

/**
 * `renderWithAudio` with a logger at trace level whose output is kept, and the console (where Remotion
 * logs) captured instead of printed: the fault table is the suite's output, and both are scanned for
 * secrets. The logger is given no secret: registering the key and the webhook secret is the pipeline's job.
 */
export const runRenderCaptured = async (
  options: Omit<RenderWithAudioOptions, 'logger' | 'logLevel'>,
): Promise<CapturedRun> => {
  let log = '';
  let consoleText = '';
  const logger = createLogger({
    level: 'trace',
    stdout: {write: (s: string) => (log += s)},
    stderr: {write: (s: string) => (log += s)},
  });
  const capture = (...args: unknown[]) => {
    consoleText += `${args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ')}\n`;
  };
  const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation(capture),
  );
  const t0 = Date.now();
  const cpu0 = cpuSeconds();
  let result: RenderWithAudioResult | null = null;
  let error: unknown = null;
  try {
    result = await renderWithAudio({...options, logger});
  } catch (err) {
    error = err;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return {
    exitCode: error === null ? 0 : error instanceof MMAudioError ? error.exitCode : 1,
    error,
    result,
    log,
    console: consoleText,
    errorText: describeError(error),
    wallMs: Date.now() - t0,
    cpuSeconds: cpuSeconds() - cpu0,
  };
};
