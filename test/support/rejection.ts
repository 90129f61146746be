import { expect } from 'vitest';

/** What a promise rejects with; undefined when it resolves, so the test's own assertion fails. */
export function rejectionOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The Error a promise must reject with: the test fails here when it resolves or throws a non-Error. */
export async function failureOf(work: Promise<unknown>): Promise<Error> {
  const error = await rejectionOf(work);
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}
