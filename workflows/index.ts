// The workflow bundle's entry point: every workflow type the worker registers.
export { importProfilesWorkflow } from './importProfiles';
export { importBatchWorkflow } from './importBatch';
