export { IdentityIndexBuilder, DEFAULT_BUFFER_ENTRIES, type IdentityIndexOptions, type IdentityIndexResult } from './identityIndex';
export { identityKeyParser, type IdentityKeyInput, type RowIdentity } from './identityKey';
export { inspectWithIdentityIndex, type IndexedInspectOptions, type IndexedInspection } from './inspectWithIndex';
export { AscendingRows, supersededRowsIn, SupersededRowsError, unreadableSupersededFileFor, unreadableSupersededRowsIn } from './supersededRows';
