export { LocalFileSource, DEFAULT_CHUNK_BYTES, type ByteSource, type SourceStat } from './byteSource';
export {
  SourceFormatError,
  SourceChangedError,
  assertSameVersion,
  RecordErrorSchema,
  RecordErrorCodeSchema,
  type RecordError,
  type RecordErrorCode,
  type SourceFormatErrorCode,
} from './errors';
export { inspectSource, MAX_HEADER_BYTES, type InspectOptions, type RecordReader, type SourceInspection } from './inspect';
export { planBatches, type PlanOptions } from './plan';
export { readBatch, type ReadBatchOptions } from './readBatch';
export { sourceRecordParser, type RecordParser, type SourceRecord, type CsvRecord, type JsonRecord, type FailedRecord } from './recordParsers';
