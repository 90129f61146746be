import type { CodeVersion, MachineInfo } from './machine';
import type { HistoriesResult } from './scenarios/histories';
import type { LatencyResult } from './scenarios/latency';
import type { ManyBatchesResult } from './scenarios/manyBatches';
import type { MemoryResult } from './scenarios/memory';
import type { ParsingResult } from './scenarios/parsing';
import type { ThroughputResult } from './scenarios/throughput';
import type { TwoWorkersResult } from './scenarios/twoWorkers';
import type { XpImportRunResult } from './xpImportRun';

/** Everything one `npm run bench` measured; written to bench/results.json. */
export interface BenchResults {
  generatedAt: string;
  command: string;
  seconds: number;
  machine: MachineInfo;
  code: CodeVersion;
  settings: { quick: boolean; rows: number; largeRows: number; concurrency: number; manyBatchesSize: number };
  /** 1-, 5- and 15-minute load averages at the start and the end: other work on the machine shows here. */
  loadAverage: { start: number[]; end: number[] };
  a?: ThroughputResult;
  b?: LatencyResult;
  c?: MemoryResult;
  d?: HistoriesResult;
  e?: ParsingResult;
  f?: ManyBatchesResult;
  g?: TwoWorkersResult;
}

type Row = [part: string, measure: string, value: string, target: string, met: string];

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (n: number) => `${n.toFixed(2)}×`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
const rowsLabel = (rows: number) => (rows >= 1_000_000 && rows % 1_000_000 === 0 ? `${rows / 1_000_000} M` : int(rows));

/** The table printed at the end of a run (and pasted into the README). */
export function formatTable(results: BenchResults): string {
  const rows: Row[] = [];
  const { a, b, c, d, e, f, g } = results;
  if (a) {
    const label = `${rowsLabel(a.rows)} rows, batch ${int(a.batchSize)}, concurrency ${a.concurrency}, no latency`;
    const rounds = a.rounds ?? [];
    const median = rounds.length > 1 ? ` (median of ${rounds.length} rounds)` : '';
    rows.push(['(a)', `${label}: xp-import rows/s${median}`, int(a.xpImport.rowsPerSecond), '', '']);
    rows.push(['', `direct script rows/s (same row work: identity index, row mapper)${median}`, int(a.direct.rowsPerSecond), '', '']);
    const ofRounds = rounds.length > 1 && a.ratioOfMedians !== undefined ? ' (median of the rounds\' ratios)' : '';
    rows.push(['', `xp-import ÷ direct script${ofRounds}`, ratio(a.ratio), `≥ ${ratio(a.target)}`, yes(a.met)]);
    if (rounds.length > 1) rows.push(['', 'the same, round by round (each round: direct script, then xp-import)', rounds.map((r) => ratio(r.xpImportRowsPerSecond / r.directRowsPerSecond)).join(' / '), '', '']);
    if (ofRounds) rows.push(['', 'xp-import median ÷ direct script median', ratio(a.ratioOfMedians as number), '', '']);
    rows.push(['', 'direct script rows/s (raw cells: no validation, no index)', int(a.directRaw.rowsPerSecond), '', '']);
    rows.push(['', 'xp-import ÷ raw direct script', ratio(a.ratioVsRaw), '', '']);
  }
  if (b) {
    const label = `${rowsLabel(b.rows)} rows, ${b.requestLatencyMs} ms requests, ${b.taskMs / 1000} s tasks, concurrency ${b.concurrency}`;
    rows.push(['(b)', `${label}: xp-import rows/s`, int(b.xpImport.rowsPerSecond), '', '']);
    rows.push(['', `theoretical limit ${b.concurrency} × ${int(b.batchSize)} ÷ (${b.requestLatencyMs / 1000} s + ${b.taskMs / 1000} s)`, int(b.theoreticalRowsPerSecond), '', '']);
    rows.push(['', 'xp-import ÷ theoretical limit', ratio(b.ratio), `≥ ${ratio(b.target)}`, yes(b.met)]);
    rows.push(['', 'direct script ÷ theoretical limit (looks one after another from the post, no Temporal)', ratio(b.directRatio), '', '']);
    rows.push(['', `limit with the measured request time (${int(b.measuredRequestMs)} ms)`, int(b.theoreticalWithMeasuredRequest), '', '']);
    if (b.looksPerBatch) rows.push(['', 'Task Info calls per batch: xp-import / direct script', `${b.looksPerBatch.xpImport.toFixed(1)} / ${b.looksPerBatch.direct.toFixed(1)}`, '', '']);
  }
  if (c) {
    const several = c.small.lowestPeakRssBytes !== undefined && c.small.lowestPeakRssBytes !== c.small.peakRssBytes;
    rows.push(['(c)', `worker peak RSS, ${rowsLabel(c.small.rows)} rows (batch ${int(c.batchSize)}${several ? '; the highest of (a)' : ''})`, mb(c.small.peakRssBytes), `< ${mb(c.targets.bytes)}`, yes(c.small.peakRssBytes < c.targets.bytes)]);
    rows.push(['', `worker peak RSS, ${rowsLabel(c.large.rows)} rows`, mb(c.large.peakRssBytes), `< ${mb(c.targets.bytes)}`, yes(c.large.peakRssBytes < c.targets.bytes)]);
    rows.push(['', `${rowsLabel(c.large.rows)} peak ÷ ${rowsLabel(c.small.rows)} peak${several ? ` (the lowest of (a), ${mb(c.small.lowestPeakRssBytes as number)})` : ''}`, ratio(c.ratio), `≤ ${ratio(c.targets.ratio)}`, yes(c.met.ratio)]);
  }
  if (d) {
    for (const i of d.imports) {
      rows.push([
        '(d)',
        `${i.label}: ${int(i.batches)} batches, ${i.parentRuns} parent run(s): parent events per batch`,
        i.parentEventsPerBatch.toFixed(2),
        `≤ ${d.targets.parentEventsPerBatch}`,
        yes(i.parentEventsPerBatch <= d.targets.parentEventsPerBatch),
      ]);
    }
    rows.push(['', 'largest payload in any history', `${(d.worst.largestPayloadBytes / 1024).toFixed(1)} KB`, `≤ ${d.targets.payloadBytes / 1024} KB`, yes(d.met.payloadBytes)]);
    rows.push(['', 'events of the largest run', int(d.worst.largestRunEvents), `≤ ${int(d.targets.runEvents)}`, yes(d.met.runEvents)]);
  }
  if (e) {
    rows.push(['(e)', `planning (${rowsLabel(e.rows)} rows, ${mb(e.bytes)}, batches of ${int(e.batchSize)})`, `${e.planMBps.toFixed(0)} MB/s`, '', '']);
    rows.push(['', 'inspection with the identity index / without it', `${e.inspectMBps.toFixed(0)} / ${e.inspectWithoutIndexMBps.toFixed(0)} MB/s`, '', '']);
    rows.push(['', 'validation (`xp-import validate`), rows/s', int(e.validateRowsPerSecond), '', '']);
    rows.push(['', 'building batches (read + validate + map) / reading alone, rows/s', `${int(e.buildRowsPerSecond)} / ${int(e.readRowsPerSecond)}`, '', '']);
  }
  if (f) {
    const label = `${rowsLabel(f.rows)} rows, batch ${int(f.batchSize)} (${int(f.run.batches)} batches): ${f.run.status}`;
    rows.push(['(f)', `${label}, rows/s`, int(f.run.rowsPerSecond), 'completes', yes(f.completed)]);
  }
  if (g) {
    const label = `${rowsLabel(g.rows)} rows on 2 workers, rate limit ${g.rateLimit}/s`;
    rows.push(['(g)', `${label}: rows/s`, int(g.run.rowsPerSecond), '', '']);
    rows.push(['', 'activities run by each worker', g.activitiesByWorker.join(' + '), 'both > 0', yes(g.met.bothWorked)]);
    rows.push(['', 'profiles in the store / rows applied', `${int(g.storeProfiles)} / ${int(g.rowsApplied)}`, int(g.rows), yes(g.met.storeComplete)]);
    rows.push([
      '',
      `API calls: most in 1 s, most in 5 s, all (${g.rates.meanPerSecond.toFixed(2)}/s over ${g.rates.spanSeconds.toFixed(0)} s)`,
      `${g.rates.maxInWindow['1']}, ${g.rates.maxInWindow['5']}, ${g.rates.requests}`,
      `≤ ${g.allowance.oneSecond}, ${g.allowance.fiveSeconds}, ${g.allowance.whole}`,
      yes(g.met.underLimit),
    ]);
  }
  return render(rows);
}

function render(rows: Row[]): string {
  const header: Row = ['part', 'measure', 'value', 'target', 'met'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]?.length ?? 0)));
  const line = (r: Row) => `| ${r.map((cell, i) => (i === 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Every xp-import the run made, by label. */
export function importsOf(results: BenchResults): Record<string, XpImportRunResult> {
  const runs: Record<string, XpImportRunResult> = {};
  if (results.a) runs.a = results.a.xpImport;
  if (results.b) runs.b = results.b.xpImport;
  Object.assign(runs, results.c?.runs);
  if (results.f) runs.f = results.f.run;
  if (results.g) runs.g = results.g.run;
  return runs;
}

/** Two lines per import: where its time went (from histories and CPU meters), for the log. */
export function formatDiagnostics(results: BenchResults): string {
  const lines: string[] = [];
  for (const [label, run] of Object.entries(importsOf(results))) {
    const t = run.history?.timeline;
    if (!t) continue;
    const m = t.meanMs;
    lines.push(
      `${label}: ${run.seconds.toFixed(1)} s; per batch (mean ms): start→submit ${m.startToSubmit}, submit ${m.submit}, →wait ${m.submitToWait}, wait ${m.wait} (${t.polls.toFixed(1)} poll attempts), →parent ${m.waitToParent}; task seen ${t.taskSeenMs ?? 0} ms after its post, by the submit in ${((t.seenBySubmit ?? 0) * 100).toFixed(0)}% of batches, refill ${m.refill}; window occupancy ${(t.occupancy * 100).toFixed(0)}%; first batch after ${t.firstBatchAfterMs} ms, tail ${t.tailMs} ms`,
    );
    lines.push(`   CPU s: ${Object.entries(run.cpuSeconds).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  return lines.join('\n');
}
