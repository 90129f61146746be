import { describe, expect, it } from 'vitest';
import { ClientConfigError } from '../../../client/connect';
import {
  ImportAlreadyExistsError,
  ImportEndedWithoutReportError,
  ImportIdInUseError,
  ImportNotFoundError,
  ImportSteeringError,
  InvalidImportRequestError,
  exitCodeForClientError,
  NoSuchBatchError,
} from '../../../client/importErrors';
import { NoWorkerError, WorkerNotAnsweringError } from '../../../client/workerPresence';
import { ImportClientError } from '../../../common/clientError';
import { ExitCode } from '../../../common/report';
import { SourceArgumentError } from '../../../common/source';

/**
 * A service tells the client API's refusals from failures nobody expected by one class, and
 * decides whether to call again later by one field, without a list of names or reading messages.
 */
describe('every refusal of the client API is an ImportClientError that says whether to call again', () => {
  const stuck = { stuck: 0, stuckBatches: [] };
  it.each([
    ['the import already ran', new ImportAlreadyExistsError('a'), false, ExitCode.usage],
    ['the ID is in use by another source', new ImportIdInUseError('a', 'x.csv', 'y.csv'), false, ExitCode.usage],
    ['no such import', new ImportNotFoundError('a'), false, ExitCode.usage],
    ['ended without a report', new ImportEndedWithoutReportError('a', 'TERMINATED'), false, ExitCode.failed],
    ['a bad request', new InvalidImportRequestError(['batchSize: too big']), false, ExitCode.usage],
    ['a source that names nothing', new SourceArgumentError('no such file'), false, ExitCode.usage],
    ['bad settings', new ClientConfigError('invalid configuration'), false, ExitCode.usage],
    ['a re-run of an import that failed on its input', new ImportSteeringError('a', 'fails_again', 'm'), false, ExitCode.usage],
    ['a batch the import does not have', new NoSuchBatchError('a', 9, 3, stuck), false, ExitCode.usage],
    ['a re-run asked while the import still runs', new ImportSteeringError('a', 'running', 'm'), true, ExitCode.usage],
    ['no worker polls the queue', new NoWorkerError('q', null), true, ExitCode.usage],
    ['the worker does not answer', new WorkerNotAnsweringError('q', 10_000), true, ExitCode.usage],
    ['the Temporal server cannot be reached', new ClientConfigError('cannot reach', true), true, ExitCode.usage],
  ] as const)('%s', (_what, error, retryable, exitCode) => {
    expect(error).toBeInstanceOf(ImportClientError);
    expect(error).toBeInstanceOf(Error);
    expect(error.retryable).toBe(retryable);
    // As the CLI and the example script exit: 2 to fix the request or wait, 3 for an import that failed.
    expect(exitCodeForClientError(error)).toBe(exitCode);
  });

  it('leaves a failure nobody expected to the caller', () => {
    expect(exitCodeForClientError(new Error('boom'))).toBeUndefined();
    expect(exitCodeForClientError('text')).toBeUndefined();
  });
});
