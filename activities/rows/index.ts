export { compileMapping, type CompileMappingInput } from './compileMapping';
export { MappingError, type LocalMappingProblem, type MappingProblem } from './mappingError';
export { ROW_ISSUE_CODES, type Cell, type CsvRecord, type JsonRecord, type RowIssue, type RowIssueCode, type RowMapper, type RowOutcome, type MappableRecord } from './types';
export { MAX_STRING_LENGTH } from './text';
