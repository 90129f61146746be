export { IdentityIndexBuilder, DEFAULT_BUFFER_ENTRIES, type IdentityIndexOptions, type IdentityIndexResult } from './identityIndex';
export { identityKeyParser, type IdentityKeyInput, type RowIdentity } from './identityKey';
export { inspectWithIdentityIndex, type IndexedInspectOptions, type IndexedInspection } from './inspectWithIndex';
export { AscendingRows, markedRowsIn, supersededRowsIn, SupersededRowsError, supersedingFileFor, unreadableSupersededFileFor } from './supersededRows';
