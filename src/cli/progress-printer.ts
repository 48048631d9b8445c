import type {GenerateProgress} from '../pipeline/options.ts';

type Stage = {title: string; stages: GenerateProgress['stage'][]};

export type ProgressPrinter = {
  update: (progress: GenerateProgress) => void;
  /** Ends the current stage line: marked done after a success, left as it was after a failure. */
  finish: (options?: {completed?: boolean}) => void;
};

const BAR_WIDTH = 20;

const bar = (fraction: number): string => {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * BAR_WIDTH);
  return `${'━'.repeat(filled)}${'─'.repeat(BAR_WIDTH - filled)}`;
};

const detailOf = (title: string, p: GenerateProgress): {text: string; fraction: number} => {
  const cached = p.cachedSegments > 0 ? ` (${p.cachedSegments} cached)` : '';
  if (title === 'Rendering frames') {
    const seg = p.segmentsDone > 0 ? ` · audio ${p.segmentsDone}/${p.segmentsTotal} segments${cached}` : '';
    return {
      text: `${title} ${p.renderedFrames}/${p.totalFrames}${seg}`,
      fraction: p.totalFrames ? p.renderedFrames / p.totalFrames : 0,
    };
  }
  if (title === 'Generating audio') {
    return {
      text: `${title} ${p.segmentsDone}/${p.segmentsTotal} segments${cached}`,
      fraction: p.segmentsTotal ? p.segmentsDone / p.segmentsTotal : 0,
    };
  }
  return {text: title, fraction: p.stage === 'done' ? 1 : 0};
};

/**
 * Remotion-style stage lines: `(2/4) ━━━━━━━━━━────────── Rendering frames 120/390`. On a TTY the
 * current line is rewritten in place; otherwise a plain line is printed when a stage starts, ends, or a
 * segment completes — readable in CI logs.
 */
export const createProgressPrinter = (options: {
  stream: {write: (chunk: string) => unknown; isTTY?: boolean};
  command: 'generate' | 'render';
}): ProgressPrinter => {
  const stages: Stage[] = [
    {title: 'Bundling', stages: ['bundling']},
    {title: 'Rendering frames', stages: ['rendering']},
    {title: 'Generating audio', stages: ['generating', 'publishing']},
    ...(options.command === 'render'
      ? [{title: 'Rendering audio and muxing', stages: ['audio', 'muxing', 'done']} satisfies Stage]
      : []),
  ];
  const tty = Boolean(options.stream.isTTY);
  let current = -1;
  let lastLine = '';
  let lastWrite = 0;
  let lastPlainKey = '';
  let started = Date.now();
  const write = (s: string) => options.stream.write(s);
  const lineFor = (index: number, p: GenerateProgress, finished: boolean) => {
    const {text, fraction} = detailOf(stages[index].title, p);
    const prefix = `(${index + 1}/${stages.length})`;
    const suffix = finished ? ` ${((Date.now() - started) / 1000).toFixed(1)} s` : '';
    return `${prefix} ${bar(finished ? 1 : fraction)} ${text}${suffix}`;
  };
  let lastProgress: GenerateProgress | null = null;
  const closeStage = (completed = true) => {
    if (current < 0 || !lastProgress) return;
    if (!completed) {
      if (tty) write('\n');
      return;
    }
    const line = lineFor(current, lastProgress, true);
    if (tty) write(`\r\x1b[2K${line}\n`);
    else write(`${line}\n`);
  };
  return {
    update(p) {
      let index = stages.findIndex((s) => s.stages.includes(p.stage));
      if (p.stage === 'done' && options.command === 'generate') index = stages.length - 1;
      if (index < 0) return;
      if (index !== current) {
        closeStage();
        current = index;
        started = Date.now();
        lastPlainKey = '';
      }
      lastProgress = p;
      const line = lineFor(index, p, false);
      if (tty) {
        const now = Date.now();
        if (line !== lastLine && now - lastWrite > 80) {
          write(`\r\x1b[2K${line}`);
          lastLine = line;
          lastWrite = now;
        }
      } else {
        // Plain output: a line per stage start, per finished segment and per tenth of the frames.
        const tenth = p.totalFrames ? Math.floor((10 * p.renderedFrames) / p.totalFrames) : 0;
        const key = `${index}:${p.segmentsDone}:${index === 1 ? tenth : 0}`;
        if (key !== lastPlainKey) {
          write(`${line}\n`);
          lastPlainKey = key;
        }
      }
    },
    finish({completed = true} = {}) {
      closeStage(completed);
      current = -1;
      lastProgress = null;
    },
  };
};
