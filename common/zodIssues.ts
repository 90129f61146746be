import type { z } from 'zod';

/** One line per problem: the field it is about (its path, or `whole` for the value itself) and what is wrong. */
export function issueLines(error: z.ZodError, whole: string): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || whole}: ${issue.message}`);
}
