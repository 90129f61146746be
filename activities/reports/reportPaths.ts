import path from 'node:path';
import { IMPORT_ID_RULE } from '../../common/batchIds';
import { ImportIdSchema } from '../../common/importInput';
import { supersedingFileFor, unreadableSupersededFileFor } from '../dedupe/supersededRows';
import { InputError } from '../failures';

/** Where one import's report files live under XP_IMPORT_REPORT_DIR. */
export class ReportPaths {
  constructor(
    readonly reportDir: string,
    readonly importId: string,
  ) {
    // The client checks IDs, but whoever can start a workflow can pass any: none may lead out of the folder.
    if (!ImportIdSchema.safeParse(importId).success) throw new InputError(`the import ID is not a folder name of XP_IMPORT_REPORT_DIR: ${IMPORT_ID_RULE}`);
  }

  get root(): string {
    return path.join(this.reportDir, this.importId);
  }
  get report(): string {
    return path.join(this.root, 'report.json');
  }
  rejects(format: 'csv' | 'ndjson'): string {
    return path.join(this.root, format === 'csv' ? 'rejects.csv' : 'rejects.ndjson');
  }
  get rejectParts(): string {
    return path.join(this.root, 'rejects');
  }
  /** Rows the validation rejected in one batch: rewritten whole by every attempt (deterministic). */
  validationRejects(batchIndex: number): string {
    return path.join(this.rejectParts, `batch-${pad(batchIndex + 1)}.part`);
  }
  /** Rows the API rejected in one batch: appended as they are isolated. */
  apiRejects(batchIndex: number): string {
    return path.join(this.rejectParts, `batch-${pad(batchIndex + 1)}-api.part`);
  }
  /**
   * The journal of a batch's running submit: request keys, task IDs and counters (SubmitJournal).
   * In `posted/`, where versions before the journal saved what a failed attempt had posted.
   */
  submitJournal(batchIndex: number): string {
    return path.join(this.submitJournals, `batch-${pad(batchIndex + 1)}.json`);
  }
  get submitJournals(): string {
    return path.join(this.root, 'posted');
  }
  get results(): string {
    return path.join(this.root, 'results');
  }
  /** Tasks that batches abandoned in the runs before left open, for a re-run's submits (openTasks.ts). */
  get openTasks(): string {
    return path.join(this.root, 'open-tasks.json');
  }
  /**
   * Row numbers (packed uint32 LE, ascending) that a later row of the same identity supersedes:
   * written by the inspection, read by every batch, so it lives where every worker can read it.
   */
  get superseded(): string {
    return path.join(this.root, 'superseded.bin');
  }
  /**
   * Rows that could not be read as cells, and that a later row of the identity they read as
   * supersedes (the same way): their rejects say so.
   */
  get unreadableSuperseded(): string {
    return unreadableSupersededFileFor(this.superseded);
  }
  /** The last row of each identity that has earlier rows (the same way): rejected, their reason says what was left out for them. */
  get superseding(): string {
    return supersedingFileFor(this.superseded);
  }
  /** Digests of the source's blocks as the inspection read them (BlockDigester): every batch checks its bytes against them. */
  get sourceDigests(): string {
    return path.join(this.root, 'source-digests.bin');
  }
  /** Where each batch of `batchSize` rows starts in the source with content hash `sha256` (BatchStarts): plan pages read it. */
  batchStarts(batchSize: number, sha256: string): string {
    return path.join(this.root, `batch-starts-${batchSize}-${sha256}.bin`);
  }
}

function pad(n: number): string {
  return String(n).padStart(7, '0');
}
