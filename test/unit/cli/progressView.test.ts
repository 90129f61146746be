import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressView } from '../../../client/cli/progressView';
import type { Progress } from '../../../common/progress';
import { formatProgressLine, formatSourceRead } from '../../../common/progressLine';

function progress(done: number, phase: Progress['phase'] = 'importing'): Progress {
  return {
    importId: 'p',
    phase,
    rows: { total: 1_000, done, imported: done, rejected: 0, skipped: 0, inFlight: 100 },
    batches: { total: 10, done: done / 100, succeeded: done / 100, failed: 0, inFlight: 1, stuck: 0, stuckBatches: [] },
    concurrency: 4,
    rowsPerSecond: 250,
    etaSeconds: (1_000 - done) / 250,
    startedAt: '2026-11-28T00:00:00.000Z',
    updatedAt: '2026-11-28T00:00:04.000Z',
  };
}

function stream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & { columns: number };
  let out = '';
  (s as unknown as PassThrough).on('data', (chunk: Buffer) => (out += chunk.toString()));
  Object.assign(s, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: s, text: () => out };
}

/** What the bar draws on a terminal for these progress answers, one after another. */
function barText(...answers: Progress[]): string {
  const out = stream(true);
  const view = createProgressView(out.stream);
  for (const answer of answers) view.update(answer);
  view.stop();
  return out.text();
}

describe('the progress line of status, watch and the UI', () => {
  it('lists the stuck batches by number, as `resolve` takes them', () => {
    const stuck = (numbers: number[], count = numbers.length) => {
      const p = progress(500);
      return formatProgressLine({ ...p, batches: { ...p.batches, stuck: count, stuckBatches: numbers } });
    };
    // Before: "(1 in flight, 3 stuck)", while resolve's refusal says status lists the stuck batches.
    expect(stuck([4, 9, 12])).toContain('batches 5/10 (1 in flight, 3 stuck: batches 4, 9, 12), 250 rows/s');
    expect(stuck([7])).toContain('(1 in flight, 1 stuck: batch 7)');
    const many = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(stuck(many, 130)).toContain('(1 in flight, 130 stuck: batches 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 120 more (`status --json` lists up to 100))');
    expect(stuck([])).toContain('(1 in flight), ');
  });
});

describe('the progress view of watch and start --wait', () => {
  it('prints plain, timestamped lines when the output is not a terminal', () => {
    const out = stream(false);
    const view = createProgressView(out.stream);
    view.update(progress(0, 'inspecting'));
    view.update(progress(100, 'paused'));
    view.stop();
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z paused: 100\/1,000 rows \(100 imported, 0 rejected, 0 skipped\), batches 1\/10/);
    expect(out.text()).not.toContain('\u001b[');
  });

  it('a paused import is one line, not a line a second as its rate falls', () => {
    const out = stream(false);
    const view = createProgressView(out.stream);
    view.update(progress(100, 'importing'));
    for (let second = 1; second <= 20; second++) view.update({ ...progress(100, 'paused'), rowsPerSecond: 250 / second, unchangedSeconds: second });
    view.stop();
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/ paused: 100\/1,000 rows .*, 250 rows\/s/);
  });

  it('draws a bar with percentage and rate on a terminal', () => {
    const bar = barText(progress(500));
    expect(bar).toMatch(/={20}-{20} 50% \| 500\/1,000 rows \| 250 rows\/s \| ETA 2s \| importing, 0 rejected, 1 in flight/);
    expect(bar).not.toContain('NaN');
  });

  it('says a dry run is one: rows that would be imported, not imported', () => {
    const dry = { ...progress(500), dryRun: true as const };
    expect(formatProgressLine(dry)).toMatch(/^importing \(dry run\): 500\/1,000 rows \(500 would be imported, 0 rejected, 0 skipped\)/);
    expect(formatProgressLine(progress(500))).toMatch(/^importing: 500\/1,000 rows \(500 imported, /);
    const bar = barText(dry);
    expect(bar).toContain('| importing (dry run), 0 rejected');
  });

  it('writes the counts on the bar as the lines do, and ? for a total not known yet (not 0/1)', () => {
    const bar = barText({ ...progress(0, 'inspecting'), rows: { ...progress(0).rows, total: null } }, { ...progress(0), rows: { ...progress(0).rows, total: 300_000, done: 11_500 } });
    expect(bar).toContain('| 0/? rows |');
    expect(bar).toContain('| 11,500/300,000 rows |');
  });

  it('shows how far the inspection has read, as a line and on the bar', () => {
    const inspecting = { ...progress(0, 'inspecting'), rows: { ...progress(0).rows, total: null }, inspection: { bytesRead: 412_000_000, bytesTotal: 1_170_000_000 } };
    expect(formatProgressLine(inspecting)).toBe('inspecting: 412 of 1,170 MB read (35%)');
    // Without a heartbeat yet, the usual line.
    expect(formatProgressLine({ ...inspecting, inspection: undefined })).toMatch(/^inspecting: 0\/\? rows/);

    const bar = barText(inspecting);
    expect(bar).toContain('| inspecting, 412 of 1,170 MB read (35%)');
  });

  it('writes small sizes with a decimal, an unknown size without a share, and never more than 100%', () => {
    expect(formatSourceRead({ bytesRead: 1_048_576, bytesTotal: 3_456_789 })).toBe('1.0 of 3.5 MB read (30%)');
    expect(formatSourceRead({ bytesRead: 25_600_000, bytesTotal: null })).toBe('26 MB read');
    expect(formatSourceRead({ bytesRead: 0, bytesTotal: 0 })).toBe('0 KB read');
    // Before, a small file read as "0.0 of 0.0 MB read (100%)".
    expect(formatSourceRead({ bytesRead: 412, bytesTotal: 412 })).toBe('1 of 1 KB read (100%)');
    expect(formatSourceRead({ bytesRead: 250_000, bytesTotal: 999_000 })).toBe('250 of 999 KB read (25%)');
    expect(formatSourceRead({ bytesRead: 5_000_001, bytesTotal: 5_000_000 })).toBe('5.0 of 5.0 MB read (100%)');
  });
});
