import { readdirSync, readFileSync } from 'node:fs';

/**
 * What Linux says about a process, read from /proc: memory (VmRSS now, VmHWM the peak since start)
 * and CPU time. The benchmark reads other processes this way (the worker, the sandbox, the Temporal
 * server), so no process has to measure itself.
 */
export interface ProcessMemory {
  rssBytes: number;
  /** The kernel's high-water mark of the resident set: the peak since the process started. */
  peakRssBytes: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** Memory of a process; null when it has exited (or /proc is not there). */
export function readMemory(pid: number): ProcessMemory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

/** User + system CPU seconds a process has used so far; null when it has exited. */
export function readCpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** Child processes of `pid` whose command line contains `needle`: finds the Temporal server the bench started. */
export function findChildProcess(pid: number, needle: string): number | null {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  for (const thread of threads) {
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter(Boolean).map(Number)) {
      try {
        if (readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(needle)) return child;
      } catch {
        // exited meanwhile
      }
    }
  }
  return null;
}

/**
 * Samples a process's resident set while it runs. VmHWM alone is the true peak; the samples add
 * the shape (and a peak for kernels that do not report VmHWM).
 */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private sampledPeak = 0;
  private last: ProcessMemory | null = null;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 250,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
    return this;
  }

  /** Stops sampling; call while the process still runs so its VmHWM can be read. */
  stop(): ProcessMemory {
    this.sample();
    clearInterval(this.timer);
    const last = this.last ?? { rssBytes: 0, peakRssBytes: 0 };
    return { rssBytes: last.rssBytes, peakRssBytes: Math.max(last.peakRssBytes, this.sampledPeak) };
  }

  private sample(): void {
    const memory = readMemory(this.pid);
    if (memory === null) return;
    this.last = memory;
    this.sampledPeak = Math.max(this.sampledPeak, memory.rssBytes);
  }
}

/** CPU seconds of one thread of a process (the main thread's id is the process's). */
export function readThreadCpuSeconds(pid: number, tid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU seconds used by named processes between `start()` and `stop()`: where the time of a run went
 * (the worker, the sandbox, the Temporal server, the direct script). `main:<name>` is the main
 * thread alone, where a node process runs JavaScript.
 */
export class CpuMeter {
  private before = new Map<string, number>();

  private readonly processes: Record<string, number>;

  /** The benchmark's own process is always metered, as `bench`. */
  constructor(processes: Record<string, number>) {
    this.processes = { bench: process.pid, ...processes };
  }

  start(): this {
    this.before = this.read();
    return this;
  }

  /**
   * CPU seconds per process since `start()`, plus `machine` (every core, every process) and
   * `elsewhere` (machine minus the metered processes: other work on the machine disturbing the run).
   */
  stop(): Record<string, number> {
    const now = this.read();
    const used: Record<string, number> = {};
    for (const [name, seconds] of now) used[name] = round2(seconds - (this.before.get(name) ?? 0));
    const ours = Object.entries(used).filter(([name]) => !name.startsWith('main:') && name !== 'machine').reduce((n, [, s]) => n + s, 0);
    used.elsewhere = round2(Math.max(0, (used.machine ?? 0) - ours));
    return used;
  }

  private read(): Map<string, number> {
    const seen = new Map<string, number>([['machine', readMachineBusySeconds()]]);
    for (const [name, pid] of Object.entries(this.processes)) {
      const total = readCpuSeconds(pid);
      if (total !== null) seen.set(name, total);
      const main = readThreadCpuSeconds(pid, pid);
      if (main !== null && name !== 'temporal') seen.set(`main:${name}`, main);
    }
    return seen;
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** CPU seconds the whole machine spent busy so far (all cores): with our processes' share, it shows how much load came from elsewhere. */
export function readMachineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu  user nice system idle iowait irq softirq steal …
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Waits until the machine is quiet: under `busyShare` of a core busy over a second, or `maxMs` at
 * most. The Temporal server goes on starting (namespace, search attributes) after it answers, and
 * (e) ran while it did: its passes read at a third of their speed in one run.
 */
export async function untilMachineQuiet(maxMs = 20_000, busyShare = 0.1): Promise<{ waitedMs: number; busyShare: number }> {
  const started = Date.now();
  for (;;) {
    const before = readMachineBusySeconds();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const busy = readMachineBusySeconds() - before;
    if (busy < busyShare || Date.now() - started >= maxMs) return { waitedMs: Date.now() - started, busyShare: busy };
  }
}
