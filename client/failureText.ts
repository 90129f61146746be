/** The parts of a Temporal failure (as history events carry it) that say what went wrong. */
export interface FailureLike {
  message?: string | null;
  cause?: FailureLike | null;
  activityFailureInfo?: { activityType?: { name?: string | null } | null } | null;
}

/**
 * What a workflow's failure says, down to its cause. A step that failed for good ends the workflow
 * with "Activity task failed" alone: why (a report folder it cannot write) is in the cause.
 */
export function failureText(failure: FailureLike | null | undefined): string | undefined {
  const parts: string[] = [];
  for (let at = failure; at; at = at.cause) {
    const activity = at.activityFailureInfo?.activityType?.name;
    if (activity) parts.push(`${activity} failed`);
    else if (at.message) parts.push(at.message);
  }
  return parts.length > 0 ? parts.join(': ') : undefined;
}
