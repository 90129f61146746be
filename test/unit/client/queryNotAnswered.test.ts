import { ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { queryNotAnswered } from '../../../client/workerPresence';

/** A gRPC error as grpc-js rejects with: a message and a status code. */
const grpcError = (code: number) => Object.assign(new Error(`${code} grpc`), { code });

describe('a progress query that got no answer in time', () => {
  it('is a DEADLINE_EXCEEDED, on the error or its cause, whenever it comes', () => {
    expect(queryNotAnswered(grpcError(4), 50, 10_000)).toBe(true);
    expect(queryNotAnswered(new ServiceError('Failed to query Workflow', { cause: grpcError(4) }), 50, 10_000)).toBe(true);
  });

  it("is the SDK's \"Failed to query Workflow\" with another code once the deadline has passed, and only then", () => {
    const failed = new ServiceError('Failed to query Workflow', { cause: grpcError(1) });
    expect(queryNotAnswered(failed, 10_004, 10_000)).toBe(true);
    expect(queryNotAnswered(failed, 2_000, 10_000)).toBe(false);
  });

  it("is the server's \"no poller seen\" (a worker killed moments ago), which comes a second before the deadline", () => {
    const noPoller = Object.assign(new Error('9 FAILED_PRECONDITION: no poller seen for task queue recently, worker may be down'), {
      code: 9,
      details: 'no poller seen for task queue recently, worker may be down',
    });
    expect(queryNotAnswered(new ServiceError('Failed to query Workflow', { cause: noPoller }), 9_016, 10_000)).toBe(true);
    expect(queryNotAnswered(noPoller, 3_000, 10_000)).toBe(true);
    // Another precondition (a workflow task that keeps failing) is not a missing worker.
    const failing = Object.assign(new Error('9 FAILED_PRECONDITION: Cannot query workflow due to Workflow Task in failed state.'), { code: 9 });
    expect(queryNotAnswered(new ServiceError('Failed to query Workflow', { cause: failing }), 2_000, 10_000)).toBe(false);
  });

  it('is not an error that says something else, however late', () => {
    expect(queryNotAnswered(new WorkflowNotFoundError('gone', 'id', undefined), 10_004, 10_000)).toBe(false);
    expect(queryNotAnswered(new Error('query handler threw'), 10_004, 10_000)).toBe(false);
  });
});
