import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImportReportSchema } from '../../common/report';
import { runCli } from '../support/cli';
import { historyText, importHistories } from '../support/history';
import { startTestStack, type TestStack } from '../support/stack';
import { killWorkers, spawnWorker, type WorkerProcess } from '../support/workerProcess';

/*
 * Invariant 2 for a CSV file exported without its header line: its first row of data is read as
 * the column names, the mapping does not fit, and the failure must say so without quoting them,
 * in Temporal's histories, the report, `status` and the worker's log. `xp-import validate`, which
 * runs locally, shows them. Through the built command (`npm run build` first) and a worker process.
 */
const HEADERLESS = 'leakid11,Johnleak Smithleak,Dublin\nleakid12,Mary Jones,Cork\n';
const FIRST_ROW = ['leakid11', 'Johnleak', 'Smithleak', 'johnleak_smithleak', 'Dublin'];

function leaksIn(text: string): string[] {
  return FIRST_ROW.filter((cell) => text.toLowerCase().includes(cell.toLowerCase()));
}

describe('a CSV file without its header line', () => {
  let stack: TestStack | undefined;
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await killWorkers([worker]);
    worker = undefined;
    await stack?.stop();
    stack = undefined;
  });

  it('fails with positions, never its first row, in Temporal, the report, status and the log; validate names the columns', async () => {
    stack = await startTestStack({ inProcessWorker: false });
    worker = spawnWorker(stack.env);
    await worker.ready;
    await writeFile(path.join(stack.dataDir, 'nohdr.csv'), HEADERLESS);
    const env = { TEMPORAL_ADDRESS: stack.env.TEMPORAL_ADDRESS, XP_IMPORT_TASK_QUEUE: stack.taskQueue, XP_IMPORT_DATA_DIR: stack.dataDir };

    const started = await runCli(['start', 'nohdr.csv', '--id', 'nohdr', '--wait', '--json'], env);
    expect(started.code).toBe(2);
    const report = ImportReportSchema.parse(JSON.parse(started.stdout));
    expect(report.status).toBe('failed');
    expect(report.failure?.code).toBe('MappingError');
    // Specific and actionable: which columns, what to do, where to see the names.
    expect(report.failure?.message).toContain('- column 2: is not a valid Xtremepush attribute name');
    expect(report.failure?.message).toContain('- column 3: is not a valid Xtremepush attribute name');
    expect(report.failure?.message).toContain('no column goes to user_id or device_id');
    expect(report.failure?.message).toContain('the file lacks its header line: add one');
    expect(report.failure?.message).toContain('`xp-import validate <file>` runs locally and shows the names');
    expect(leaksIn(started.stdout + started.stderr)).toEqual([]);

    // Every history of the import: the inspect activity's failure and the workflow's result (the report).
    const histories = await importHistories(stack.client.client, 'nohdr');
    expect(histories.length).toBeGreaterThanOrEqual(1);
    const text = histories.map((h) => historyText(h.events)).join('\n');
    expect(text).toContain('MappingError');
    expect(text).toContain('column 2');
    expect(leaksIn(text)).toEqual([]);
    // Memo and search attributes, as the server holds them now.
    const described = await stack.client.client.workflow.getHandle('nohdr').describe();
    expect(leaksIn(JSON.stringify({ memo: described.memo, searchAttributes: described.searchAttributes, typedSearchAttributes: described.typedSearchAttributes }))).toEqual([]);

    for (const args of [['status', 'nohdr'], ['status', 'nohdr', '--json'], ['report', 'nohdr'], ['report', 'nohdr', '--json']]) {
      const result = await runCli(args, env);
      expect(result.stdout, args.join(' ')).toContain('column 2');
      expect(leaksIn(result.stdout + result.stderr), args.join(' ')).toEqual([]);
    }

    // The report file is the workflow's result, written to the report folder too.
    const reportFile = path.join(stack.reportDir, 'nohdr', 'report.json');
    expect(readFileSync(reportFile, 'utf8')).toContain('column 2');
    expect(leaksIn(readFileSync(reportFile, 'utf8'))).toEqual([]);

    // The worker's log (JSON lines, INFO): what it logged of the failure.
    expect(leaksIn(worker.log())).toEqual([]);

    // Locally, validate shows the names, and says what is wrong with them.
    const validated = await runCli(['validate', path.join(stack.dataDir, 'nohdr.csv')], env);
    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain('- column "Johnleak Smithleak": is not a valid Xtremepush attribute name');
    expect(validated.stderr).toContain('column "Dublin"');
    expect(validated.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const json = await runCli(['validate', path.join(stack.dataDir, 'nohdr.csv'), '--json'], env);
    expect(json.stdout).toContain('Johnleak Smithleak');
  });
});
