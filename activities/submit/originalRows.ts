import type { ImportJob } from '../../common/batch';
import type { BatchPlan } from '../../common/plan';
import type { RejectedRow } from '../reports/rejectParts';
import { readBatch } from '../source';
import { openSource } from '../sourceAccess';
import type { BuildFolders } from './buildFromSource';

export type OriginalRow = Pick<RejectedRow, 'cells' | 'value' | 'raw'>;

/**
 * A batch's records as the source has them, by row number. A row the API refuses is known only
 * as the cells of its request (mapped, blanks left out, in the part's own attribute order), which
 * would not line up under the source's header in the rejects file; this is what goes there, so
 * the file can be fixed and imported again. Read only when the API has refused a row.
 */
export async function originalRows(folders: BuildFolders, job: ImportJob, batch: BatchPlan): Promise<Map<number, OriginalRow>> {
  const source = await openSource(folders.dataDir, job.source);
  const rows = new Map<number, OriginalRow>();
  for await (const record of readBatch(source, { format: job.format, layout: job.layout, batch })) {
    rows.set(record.row, 'cells' in record ? { cells: record.cells } : 'value' in record ? { value: record.value } : { raw: record.raw });
  }
  return rows;
}
