import type { Mapping, MappingInput } from '../../common/mapping';
import type { Delimiter, SourceFormat } from '../../common/source';
import { inspectSource, type ByteSource, type SourceInspection } from '../source';
import { IdentityIndexBuilder, type IdentityIndexOptions, type IdentityIndexResult } from './identityIndex';
import { identityKeyReader } from './identityKey';

export interface IndexedInspectOptions {
  format: SourceFormat;
  delimiter?: Delimiter;
  mapping?: Mapping | MappingInput;
  /** Where the superseded rows go (packed uint32 LE, ascending). */
  supersededFile: string;
  index?: IdentityIndexOptions;
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
    const inspection = await inspectSource(src, {
      format: options.format,
      delimiter: options.delimiter,
      records: (header) => {
        const keyOf = identityKeyReader({ format: options.format, header, mapping: options.mapping });
        return (record) => {
          const key = keyOf(record);
          if (key !== undefined) index.add(key, record.row);
        };
      },
    });
    return { ...inspection, index: await index.finish(options.supersededFile) };
  } finally {
    index.discard();
  }
}
