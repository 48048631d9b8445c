import {readdirSync, readFileSync} from 'node:fs';

/** Linux reports CPU times in clock ticks; 100 per second on every mainstream kernel config. */
const CLOCK_TICKS_PER_SECOND = 100;
/** Page size for /proc/<pid>/statm; 4 KiB on x86-64 and the default arm64 kernels. */
const PAGE_BYTES = 4096;

type ProcStat = {pid: number; ppid: number; startTicks: number; ownCpuTicks: number};

/** Fields of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
const readProcStat = (pid: number): ProcStat | null => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state): ppid is field 4, utime/stime fields 14–15, starttime field 22.
    return {
      pid,
      ppid: Number(rest[1]),
      startTicks: Number(rest[19]),
      ownCpuTicks: Number(rest[11]) + Number(rest[12]),
    };
  } catch {
    return null;
  }
};

const readRssBytes = (pid: number): number => {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_BYTES;
  } catch {
    return 0;
  }
};

/** `rootPid` and every live descendant (the browser, its helpers, the compositor, ffmpeg). */
export const listProcessTree = (rootPid: number): ProcStat[] => {
  const all: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat) all.push(stat);
  }
  const childrenOf = new Map<number, ProcStat[]>();
  for (const s of all) {
    const list = childrenOf.get(s.ppid) ?? [];
    list.push(s);
    childrenOf.set(s.ppid, list);
  }
  const root = all.find((s) => s.pid === rootPid);
  if (!root) return [];
  const tree: ProcStat[] = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(childrenOf.get(tree[i].pid) ?? []));
  return tree;
};

/** Busy CPU time of the whole machine so far (all cores, every process), from /proc/stat. */
export const machineBusyMs = (): number => {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS_PER_SECOND;
};

export type ProcessTreeWindow = {
  /** Highest sum of RSS over the tree seen in the window, MB (shared pages counted once per process). */
  peakRssMb: number;
  /** Most processes in the tree at once. */
  peakProcesses: number;
  samples: number;
  /** CPU time the tree used during the window. */
  cpuMs: number;
  /** CPU time everything else on the machine used during the window (other work: noise). */
  otherCpuMs: number;
};

export type ProcessTreeSampler = {
  /**
   * CPU time used by the tree since the sampler started: the own time of every process seen in it,
   * as of its last sample (a process living less than one interval, or the last interval of a process,
   * is missed: an undercount of at most one interval per process).
   */
  cpuMs(): number;
  /** Starts a measurement window; `end()` returns what was seen since. Windows may not overlap. */
  begin(): {end: () => ProcessTreeWindow};
  stop(): void;
};

/**
 * Samples the RSS of this process and all its descendants every `intervalMs` from /proc, and keeps the
 * peak per window, beside the tree's CPU time and the CPU time of everything else on the machine.
 */
export const sampleProcessTree = (
  options: {rootPid?: number; intervalMs?: number} = {},
): ProcessTreeSampler => {
  const rootPid = options.rootPid ?? process.pid;
  const intervalMs = options.intervalMs ?? 200;
  // Own CPU time last seen per process (pid + start time, as pids are reused). Children's counters of
  // /proc/<pid>/stat are not used: Remotion kills the browser's process group on close, the helpers are
  // then reaped by init, and their time would never reach any counter of the tree.
  const ownTicks = new Map<string, number>();
  let peakRss = 0;
  let peakProcesses = 0;
  let samples = 0;
  const sample = () => {
    const tree = listProcessTree(rootPid);
    let rss = 0;
    for (const p of tree) {
      rss += readRssBytes(p.pid);
      const key = `${p.pid}:${p.startTicks}`;
      ownTicks.set(key, Math.max(ownTicks.get(key) ?? 0, p.ownCpuTicks));
    }
    peakRss = Math.max(peakRss, rss);
    peakProcesses = Math.max(peakProcesses, tree.length);
    samples++;
  };
  const cpuMs = () => {
    sample();
    let ticks = 0;
    for (const t of ownTicks.values()) ticks += t;
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    cpuMs,
    begin() {
      peakRss = 0;
      peakProcesses = 0;
      samples = 0;
      const cpu0 = cpuMs();
      const busy0 = machineBusyMs();
      return {
        end: () => {
          const cpu = cpuMs() - cpu0;
          const busyMs = machineBusyMs() - busy0;
          return {
            peakRssMb: Math.round(peakRss / 1e6),
            peakProcesses,
            samples,
            cpuMs: Math.round(cpu),
            otherCpuMs: Math.max(0, Math.round(busyMs - cpu)),
          };
        },
      };
    },
    stop: () => clearInterval(timer),
  };
};
