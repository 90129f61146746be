import type { Mapping, MappingInput } from '../../common/mapping';
import type { Delimiter, SourceFormat } from '../../common/source';
import { inspectSource, type ByteSource, type InspectOptions, type SourceInspection } from '../source';
import type { BatchStarts } from '../source/batchStarts';
import type { BlockDigester } from '../source/blockDigests';
import { tooManyRowsError } from '../source/errors';
import { IdentityIndexBuilder, MAX_INDEXED_ROW, type IdentityIndexOptions, type IdentityIndexResult } from './identityIndex';
import { identityKeyParser, type RowIdentity } from './identityKey';

export interface IndexedInspectOptions {
  format: SourceFormat;
  delimiter?: Delimiter;
  mapping?: Mapping | MappingInput;
  /** Where the superseded rows go (packed uint32 LE, ascending); the unreadable ones go beside (unreadableSupersededFileFor). */
  supersededFile: string;
  index?: IdentityIndexOptions;
  digester?: BlockDigester;
  batchStarts?: BatchStarts;
  onLayout?: InspectOptions['onLayout'];
}

export interface IndexedInspection extends SourceInspection {
  index: IdentityIndexResult;
}

/**
 * The import's one pass over the source: inspection (fingerprint, header, rows) and, in the same
 * read, the identity of every row for "the last row wins". The mapping is checked against the
 * header as soon as the header is read, so a mapping that does not fit stops the pass early.
 */
export async function inspectWithIdentityIndex(src: ByteSource, options: IndexedInspectOptions): Promise<IndexedInspection> {
  const index = new IdentityIndexBuilder(options.index);
  try {
    const inspection = await inspectSource<RowIdentity>(src, {
      format: options.format,
      delimiter: options.delimiter,
      ...(options.digester ? { digester: options.digester } : {}),
      ...(options.batchStarts ? { batchStarts: options.batchStarts } : {}),
      ...(options.onLayout ? { onLayout: options.onLayout } : {}),
      records: (header, delimiter) => ({
        parser: identityKeyParser({ format: options.format, header, delimiter, mapping: options.mapping }),
        visit: ({ row, key, unreadable, alsoReadAs }) => {
          if (row > MAX_INDEXED_ROW) throw tooManyRowsError(src.describe(), MAX_INDEXED_ROW);
          if (key !== undefined) index.add(key, row, unreadable);
          if (alsoReadAs !== undefined) index.add(alsoReadAs, row, true);
        },
      }),
    });
    return { ...inspection, index: await index.finish(options.supersededFile) };
  } finally {
    index.discard();
  }
}
