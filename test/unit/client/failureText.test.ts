import { describe, expect, it } from 'vitest';
import { failureText } from '../../../client/failureText';

/** Failures as a WorkflowExecutionFailed event carries them (temporal.api.failure.v1.Failure). */
describe('failureText: why an import failed, from its workflow failure', () => {
  it("names the step that failed and its cause, not Temporal's bare 'Activity task failed'", () => {
    const failure = {
      message: 'Activity task failed',
      activityFailureInfo: { activityType: { name: 'writeReport' }, scheduledEventId: 41 },
      cause: {
        message: "EACCES: permission denied, mkdir '/reports/spring-sale'",
        applicationFailureInfo: { type: 'Error', nonRetryable: false },
      },
    };
    expect(failureText(failure)).toBe("writeReport failed: EACCES: permission denied, mkdir '/reports/spring-sale'");
  });

  it("keeps a failure of the workflow's own as it is", () => {
    expect(failureText({ message: 'the import ID is not valid', cause: null })).toBe('the import ID is not valid');
  });

  it('is undefined when the failure says nothing', () => {
    expect(failureText(undefined)).toBeUndefined();
    expect(failureText({ message: '' })).toBeUndefined();
  });
});
