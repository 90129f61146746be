export * from './client';
export * from './credentials';
export * from './errors';
export { extractTaskId, normaliseTaskStatus } from './responses';
