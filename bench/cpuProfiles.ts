import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The busiest functions of a CPU profile (node --cpu-prof), by self time. */
export interface CpuProfileSummary {
  file: string;
  totalSeconds: number;
  idleSeconds: number;
  gcSeconds: number;
  /** Self seconds per function (`name file:line`), busiest first. */
  top: Array<{ fn: string; seconds: number }>;
  /** Self seconds per package or project folder (`libphonenumber-js`, `activities/submit`, …). */
  byArea: Array<{ area: string; seconds: number }>;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Node flags that make a process write its CPU profiles (one per thread) into `dir` when it exits. */
export function cpuProfileFlags(dir: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** Summaries of every profile in `dir`, busiest thread first. */
export function summariseCpuProfiles(dir: string, topN = 15): CpuProfileSummary[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  return files
    .map((f) => summarise(path.join(dir, f), topN))
    .sort((a, b) => b.totalSeconds - b.idleSeconds - (a.totalSeconds - a.idleSeconds));
}

function summarise(file: string, topN: number): CpuProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfMicros = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
    total += delta;
  });
  const byFn = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = frames.get(id);
    if (!frame) continue;
    const where = frame.url ? `${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFn.set(fn, (byFn.get(fn) ?? 0) + micros);
    const area = areaOf(frame.url, frame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
  }
  const seconds = (micros: number) => Math.round(micros / 1e4) / 100;
  const ranked = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, topN);
  return {
    file: path.basename(file),
    totalSeconds: seconds(total),
    idleSeconds: seconds(byFn.get('(idle)') ?? 0),
    gcSeconds: seconds(byFn.get('(garbage collector)') ?? 0),
    top: ranked(byFn).map(([fn, micros]) => ({ fn, seconds: seconds(micros) })),
    byArea: ranked(byArea).map(([area, micros]) => ({ area, seconds: seconds(micros) })),
  };
}

/** A package name under node_modules, a project folder under dist/, a node: module, or the V8 pseudo-frame. */
function areaOf(url: string, functionName: string): string {
  if (!url) return functionName || '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const project = /dist\/((?:[^/]+\/)?[^/]+)\//.exec(url) ?? /dist\/([^/]+)$/.exec(url);
  if (project) return project[1] as string;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url.split('/').slice(-1)[0] ?? url;
}
