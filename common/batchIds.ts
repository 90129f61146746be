/** The workflow ID of batch `n` (1-based, as the UI and reports number batches). */
export function batchWorkflowId(importId: string, batchNumber: number): string {
  return `${importId}/batch-${batchNumber}`;
}

/** Failure types that end the whole import at once: retrying batches cannot fix them. */
export const FATAL_FAILURE_TYPES = [
  'AuthenticationError',
  'ForbiddenError',
  'EndpointError',
  'SourceChangedError',
  'SourceFormatError',
  'SourceAccessError',
  'MappingError',
] as const;
