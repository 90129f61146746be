export { IdentityIndexBuilder, DEFAULT_BUFFER_ENTRIES, type IdentityIndexOptions, type IdentityIndexResult } from './identityIndex';
export { identityKeyReader, type IdentityKeyReader, type IdentityKeyInput } from './identityKey';
export { inspectWithIdentityIndex, type IndexedInspectOptions, type IndexedInspection } from './inspectWithIndex';
export { supersededRowsIn, SupersededRowsError } from './supersededRows';
