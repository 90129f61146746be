import { describe, expect, it } from 'vitest';
import { ClientConfigError } from '../../../client/connect';
import {
  ImportAlreadyExistsError,
  ImportEndedWithoutReportError,
  ImportIdInUseError,
  ImportNotFoundError,
  ImportSteeringError,
  InvalidImportRequestError,
  NoSuchBatchError,
} from '../../../client/importErrors';
import { NoWorkerError, WorkerNotAnsweringError } from '../../../client/workerPresence';
import { ImportClientError } from '../../../common/clientError';
import { SourceArgumentError } from '../../../common/source';

/**
 * A service tells the client API's refusals from failures nobody expected by one class, and
 * decides whether to call again later by one field, without a list of names or reading messages.
 */
describe('every refusal of the client API is an ImportClientError that says whether to call again', () => {
  const stuck = { stuck: 0, stuckBatches: [] };
  it.each([
    ['the import already ran', new ImportAlreadyExistsError('a'), false],
    ['the ID is in use by another source', new ImportIdInUseError('a', 'x.csv', 'y.csv'), false],
    ['no such import', new ImportNotFoundError('a'), false],
    ['ended without a report', new ImportEndedWithoutReportError('a', 'TERMINATED'), false],
    ['a bad request', new InvalidImportRequestError(['batchSize: too big']), false],
    ['a source that names nothing', new SourceArgumentError('no such file'), false],
    ['bad settings', new ClientConfigError('invalid configuration'), false],
    ['a re-run of an import that failed on its input', new ImportSteeringError('a', 'fails_again', 'm'), false],
    ['a batch the import does not have', new NoSuchBatchError('a', 9, 3, stuck), false],
    ['a re-run asked while the import still runs', new ImportSteeringError('a', 'running', 'm'), true],
    ['no worker polls the queue', new NoWorkerError('q', null), true],
    ['the worker does not answer', new WorkerNotAnsweringError('q', 10_000), true],
    ['the Temporal server cannot be reached', new ClientConfigError('cannot reach', true), true],
  ] as const)('%s', (_what, error, retryable) => {
    expect(error).toBeInstanceOf(ImportClientError);
    expect(error).toBeInstanceOf(Error);
    expect(error.retryable).toBe(retryable);
  });
});
