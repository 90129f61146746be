import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectImportClient } from '../client/connect';
import { startImport, waitForReport, type StartImportRequest } from '../client/imports';
import type { ImportReport } from '../common/report';
import { cpuProfileFlags, summariseCpuProfiles, type CpuProfileSummary } from './cpuProfiles';
import { memoryProbeSetup, readHeapPeaks, type HeapPeaks } from './memoryProbe';
import { measureImportHistories, type HistoryStats } from './historyStats';
import { CpuMeter, type ProcessMemory } from './procStats';
import type { BenchContext } from './benchContext';
import { benchDataDir, type SampleFile } from './sampleFiles';
import { BENCH_APPTOKEN } from './sandboxChild';
import { startWorkerChild, type WorkerChild } from './workerChild';

export interface XpImportRunOptions {
  label: string;
  temporalAddress: string;
  sandboxUrl: string;
  file: SampleFile;
  batchSize: number;
  concurrency: number;
  /** Worker processes sharing the import (default 1). */
  workers?: number;
  workerEnv?: Record<string, string>;
  tuning?: StartImportRequest['tuning'];
  /** Also fetch and measure every history of the import (slow for thousands of batches). */
  histories?: boolean;
  /** Write the workers' CPU profiles here (node --cpu-prof) and summarise them in the result. */
  profileDir?: string;
  /** More node flags for the workers (experiments: heap limits, --require probes). */
  workerNodeFlags?: string[];
  /** Other processes whose CPU time during the import is reported (the sandbox, the Temporal server). */
  meter?: Record<string, number>;
  log: (line: string) => void;
}

export interface XpImportRunResult {
  importId: string;
  rows: number;
  batches: number;
  status: ImportReport['status'];
  seconds: number;
  rowsPerSecond: number;
  /** Per worker process: its peak resident set (VmHWM) and the peak V8 heap of each of its threads. */
  workers: Array<{ pid: number; peakRssBytes: number } & HeapPeaks>;
  /** CPU seconds during the import: each worker (`worker1`…, `main:worker1` its JavaScript thread) and the metered processes. */
  cpuSeconds: Record<string, number>;
  history?: HistoryStats;
  profiles?: CpuProfileSummary[];
}

/**
 * What the imports of every part share: this bench's server, log and concurrency, the part's label
 * (in the log and as the CPU profile folder), its histories measured. A part adds its batch size.
 */
export function partImport(ctx: BenchContext, label: string, file: SampleFile, sandboxUrl: string, meter: Record<string, number>): Omit<XpImportRunOptions, 'batchSize'> {
  return {
    label,
    temporalAddress: ctx.temporalAddress,
    sandboxUrl,
    file,
    concurrency: ctx.options.concurrency,
    histories: true,
    meter,
    profileDir: ctx.profileDir(label),
    log: ctx.log,
  };
}

let runCounter = 0;

/**
 * One import end to end, the way a user runs it: fresh worker processes on a task queue of their
 * own, `startImport`, and the clock stopped when the final report is there.
 */
export async function runXpImport(options: XpImportRunOptions): Promise<XpImportRunResult> {
  const taskQueue = `bench-${process.pid}-${Date.now()}-${runCounter++}`;
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'xp-import-bench-reports-'));
  const probeDir = path.join(reportDir, 'memory-probe');
  const probe = memoryProbeSetup(probeDir);
  const env = {
    ...probe.env,
    TEMPORAL_ADDRESS: options.temporalAddress,
    XP_IMPORT_TASK_QUEUE: taskQueue,
    XTREMEPUSH_API_URL: options.sandboxUrl,
    XTREMEPUSH_APPTOKEN: BENCH_APPTOKEN,
    XP_IMPORT_DATA_DIR: benchDataDir(),
    XP_IMPORT_REPORT_DIR: reportDir,
    ...options.workerEnv,
  };
  const workers: WorkerChild[] = [];
  const client = await connectImportClient({ TEMPORAL_ADDRESS: options.temporalAddress, TEMPORAL_NAMESPACE: 'default', XP_IMPORT_TASK_QUEUE: taskQueue });
  try {
    for (let i = 0; i < (options.workers ?? 1); i++) workers.push(await startWorkerChild(env, [...probe.nodeFlags, ...(options.profileDir ? cpuProfileFlags(options.profileDir) : []), ...(options.workerNodeFlags ?? [])]));
    const meter = new CpuMeter({ ...Object.fromEntries(workers.map((w, i) => [`worker${i + 1}`, w.pid])), ...options.meter }).start();
    const importId = `bench-${options.label}-${Date.now()}`;
    options.log(`${options.label}: importing ${options.file.rows.toLocaleString('en-US')} rows (batch ${options.batchSize}, concurrency ${options.concurrency}, ${workers.length} worker(s))…`);
    const started = performance.now();
    await startImport(client, {
      source: options.file.name,
      importId,
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      ...(options.tuning ? { tuning: options.tuning } : {}),
    });
    const report = await waitForReport(client, importId, undefined, 500);
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = meter.stop();
    const memory: ProcessMemory[] = workers.map((w) => w.memory());
    options.log(`${options.label}: ${report.status} in ${seconds.toFixed(1)} s (${Math.round(report.rows.total / seconds).toLocaleString('en-US')} rows/s)`);
    const result: XpImportRunResult = {
      importId,
      rows: report.rows.total,
      batches: report.batches.total,
      status: report.status,
      seconds,
      rowsPerSecond: report.rows.imported / seconds,
      workers: workers.map((w, i) => ({ pid: w.pid, peakRssBytes: memory[i]?.peakRssBytes ?? 0, ...readHeapPeaks(probeDir, w.pid) })),
      cpuSeconds,
    };
    if (options.histories) {
      const fetchStarted = performance.now();
      result.history = await measureImportHistories(client.client, importId, report.batches.total, options.concurrency);
      options.log(`${options.label}: measured ${result.history.batchWorkflows + result.history.parentRuns} histories in ${((performance.now() - fetchStarted) / 1000).toFixed(1)} s`);
    }
    // Profiles are written when the workers exit.
    await stopAll(workers);
    if (options.profileDir) result.profiles = summariseCpuProfiles(options.profileDir);
    return result;
  } finally {
    await stopAll(workers);
    await client.close();
    rmSync(reportDir, { recursive: true, force: true });
  }
}

async function stopAll(workers: WorkerChild[]): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
}
