import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes that make imports findable in the Temporal UI and with
 * `temporal workflow list --query "ImportStatus='Running'"`. `xp-import server` registers them on
 * the dev server; on a cluster, `temporal operator search-attribute create` does (see README).
 */
export const ImportStatusKey = defineSearchAttributeKey('ImportStatus', SearchAttributeType.KEYWORD);
export const ImportSourceKey = defineSearchAttributeKey('ImportSource', SearchAttributeType.KEYWORD);
export const RowsImportedKey = defineSearchAttributeKey('RowsImported', SearchAttributeType.INT);
export const RowsRejectedKey = defineSearchAttributeKey('RowsRejected', SearchAttributeType.INT);

/** Name and CLI type of each key, for registering them. */
export const SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; cliType: 'Keyword' | 'Int' }> = [
  { name: ImportStatusKey.name, cliType: 'Keyword' },
  { name: ImportSourceKey.name, cliType: 'Keyword' },
  { name: RowsImportedKey.name, cliType: 'Int' },
  { name: RowsRejectedKey.name, cliType: 'Int' },
];

/** Values of ImportStatus while running and when done. */
export type ImportStatusValue = 'Running' | 'Paused' | 'Completed' | 'CompletedWithRejections' | 'Failed' | 'Cancelled';
