/**
 * What every refusal of the client API is: `instanceof ImportClientError` tells it from a failure
 * nobody expected, and `retryable` says whether the same call may succeed later with no change by
 * the caller (a worker starts, an import ends, the server comes back), where `false` needs another
 * request (another ID, a fixed mapping, a file inside the data folder).
 */
export abstract class ImportClientError extends Error {
  abstract readonly retryable: boolean;
}
