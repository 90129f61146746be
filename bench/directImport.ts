import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { nextLookDelayMs } from '../activities/awaitTask';
import { inspectWithIdentityIndex, supersededRowsIn } from '../activities/dedupe';
import { compileMapping, type Cell, type RowMapper } from '../activities/rows';
import { LocalFileSource } from '../activities/source';
import { CsvFieldSplitter } from '../activities/source/csvFields';
import { MAX_ROWS_PER_REQUEST } from '../common/limits';

/**
 * The baseline "direct script": what a team would write instead of xp-import. It streams the CSV,
 * cuts batches of `batchSize` rows, POSTs each to import/profile with at most `concurrency`
 * batches in flight, and polls Task Info on the same schedule as xp-import (`nextLookDelayMs`). No
 * Temporal, no retries, no report, no durability: the difference in rows/s is their cost.
 *
 * `rows: 'project'` does the row work xp-import does, with the project's own code: a first pass
 * that indexes every row's identity (the last row of an identity wins, across the file), then
 * each row through the row mapper (the same validation and conversion), superseded rows left
 * out. So xp-import ÷ direct measures durability alone. `rows: 'raw'` only splits cells and turns
 * the subscription columns into numbers (what the API needs): the difference then adds the cost
 * of validation and of "last row wins". Both read lines with readline (the sample files have no
 * quoted newlines) and split cells with the project's CSV splitter.
 */
export interface DirectImportOptions {
  file: string;
  apiUrl: string;
  apptoken: string;
  batchSize: number;
  concurrency: number;
  rows: 'project' | 'raw';
}

export interface DirectImportResult {
  rows: number;
  rejected: number;
  requests: number;
  polls: number;
  seconds: number;
  rowsPerSecond: number;
}

/** The API answered something a direct script cannot go on from; no row value is quoted. */
export class DirectImportError extends Error {
  override name = 'DirectImportError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

type RowBuilder = (cells: string[], row: number) => { columns: string[]; cells: Cell[] } | null;

export async function runDirectImport(options: DirectImportOptions): Promise<DirectImportResult> {
  if (options.batchSize < 1 || options.batchSize > MAX_ROWS_PER_REQUEST) throw new RangeError(`batchSize must be 1-${MAX_ROWS_PER_REQUEST}`);
  const started = performance.now();
  const work = await mkdtemp(path.join(os.tmpdir(), 'xp-import-direct-'));
  try {
    const superseded = options.rows === 'project' ? await indexIdentities(options.file, path.join(work, 'superseded.bin')) : undefined;
    return await streamAndPost(options, superseded, started);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The rows a later row of the same identity replaces, by range: xp-import's own index and reader of it. */
type SupersededLookup = (firstRow: number, lastRow: number) => Promise<Set<number>>;

async function indexIdentities(file: string, supersededFile: string): Promise<SupersededLookup> {
  const inspection = await inspectWithIdentityIndex(new LocalFileSource(file), { format: 'csv', supersededFile });
  if (inspection.index.superseded === 0) return () => Promise.resolve(new Set());
  return async (firstRow, lastRow) => new Set(await supersededRowsIn(supersededFile, firstRow, lastRow));
}

/** Reads the file line by line and posts it batch by batch, at most `concurrency` batches in flight. */
async function streamAndPost(options: DirectImportOptions, superseded: SupersededLookup | undefined, started: number): Promise<DirectImportResult> {
  const api = new ApiCalls(options.apiUrl, options.apptoken);
  const lines = createInterface({ input: createReadStream(options.file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  const splitter = new CsvFieldSplitter(',');
  let build: RowBuilder | undefined;
  let batch = new Map<string, { columns: string[]; rows: Cell[][] }>();
  let inBatch = 0;
  let rows = 0;
  let rejected = 0;
  let skip = new Set<number>();
  const window = new Window(options.concurrency);

  const send = async (groups: Array<{ columns: string[]; rows: Cell[][] }>) => {
    // One request per set of columns, like xp-import's parts; the sample files have one.
    await Promise.all(groups.map(async (group) => {
      const taskId = await api.importProfiles(group.columns, group.rows);
      if (taskId !== undefined) await api.awaitTask(taskId);
    }));
  };
  const flush = async () => {
    if (inBatch === 0) return;
    const groups = [...batch.values()];
    batch = new Map();
    inBatch = 0;
    await window.run(() => send(groups));
  };

  try {
    for await (const line of lines) {
      if (line.length === 0) continue;
      splitter.use(line);
      const cells = splitter.split(0, line.length);
      if (!Array.isArray(cells)) throw new DirectImportError(`line ${rows + 2} is not valid CSV (${cells.code})`);
      if (build === undefined) {
        build = options.rows === 'project' ? mapperBuilder(cells) : rawBuilder(cells);
        continue;
      }
      rows++;
      if (inBatch === 0 && superseded) skip = await superseded(rows, rows + options.batchSize - 1);
      inBatch++;
      const built = skip.has(rows) ? undefined : build(cells, rows);
      if (built === null) rejected++;
      else if (built !== undefined) {
        const signature = built.columns.join('\u0000');
        let group = batch.get(signature);
        if (group === undefined) batch.set(signature, (group = { columns: built.columns, rows: [] }));
        group.rows.push(built.cells);
      }
      if (inBatch === options.batchSize) await flush();
    }
    await flush();
    await window.drain();
  } finally {
    lines.close();
    await api.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows, rejected, requests: api.requests, polls: api.polls, seconds, rowsPerSecond: rows / seconds };
}

function mapperBuilder(header: string[]): RowBuilder {
  const mapper: RowMapper = compileMapping({ format: 'csv', header });
  return (cells, row) => {
    const outcome = mapper.map({ row, line: row + 1, byteOffset: 0, cells });
    if (!outcome.ok) return null;
    const columns = mapper.attributes.filter((a) => outcome.values.has(a));
    return { columns, cells: columns.map((a) => outcome.values.get(a) as Cell) };
  };
}

function rawBuilder(header: string[]): RowBuilder {
  const numeric = header.map((name) => name === 'email_subscription' || name === 'sms_subscription');
  return (cells) => ({ columns: header, cells: cells.map((cell, i) => (numeric[i] ? Number(cell) : cell)) });
}

/** At most `size` jobs at once; `run` waits for a free slot, then starts the job without waiting for it. */
class Window {
  private readonly running = new Set<Promise<void>>();
  private failure: unknown;

  constructor(private readonly size: number) {}

  async run(job: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.size) await Promise.race(this.running);
    if (this.failure !== undefined) throw this.failure as Error;
    const promise: Promise<void> = job()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure !== undefined) throw this.failure as Error;
  }
}

/** The two API calls, with undici as xp-import's client uses it. */
class ApiCalls {
  requests = 0;
  polls = 0;
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

  constructor(
    private readonly baseUrl: string,
    private readonly apptoken: string,
  ) {}

  /** The task ID of an asynchronous import; undefined when the rows were applied at once. */
  async importProfiles(columns: string[], rows: Cell[][]): Promise<string | undefined> {
    this.requests++;
    const body = await this.post('import/profile', { columns, rows });
    const id = (body.model as { id?: string | number | null } | undefined)?.id;
    return id === undefined || id === null ? undefined : String(id);
  }

  /** Polls Task Info: the first look at once, then xp-import's growing delays. */
  async awaitTask(taskId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.polls++;
      const lookedAtMs = Date.now();
      const body = await this.post('info/task', { id: /^\d+$/.test(taskId) ? Number(taskId) : taskId });
      const status = (body.model as { status?: string } | undefined)?.status ?? '';
      if (status === 'completed') return;
      if (status === 'failed') throw new DirectImportError(`task ${taskId} failed`);
      await new Promise((resolve) => setTimeout(resolve, nextLookDelayMs(attempt, Date.now() - lookedAtMs)));
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async post(method: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await request(`${this.baseUrl}/api/external/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ apptoken: this.apptoken, ...payload }),
      dispatcher: this.agent,
    });
    const body = (await response.body.json()) as Record<string, unknown>;
    if (response.statusCode >= 300) throw new DirectImportError(`${method} answered HTTP ${response.statusCode}`, response.statusCode);
    return body;
  }
}
