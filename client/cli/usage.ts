import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MappingSchema, type Mapping } from '../../common/mapping';

/** Bad flags, a bad mapping file or a bad environment: exit code 2 with this message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses with a zod schema; on failure names each bad flag and what is wrong with it. */
export function parseFlags<T extends z.ZodType>(schema: T, value: unknown, what = 'option'): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { issues } = parsed.error;
  // A lone value (an import ID, a concurrency): one line that names it.
  if (issues.every((issue) => issue.path.length === 0)) throw new UsageError(`invalid ${what}: ${issues.map((issue) => issue.message).join('; ')}`);
  const lines = issues.map((issue) => `  ${what} ${issue.path.map((p) => `--${String(p).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join('.')}: ${issue.message}`);
  throw new UsageError(`invalid ${what}s:\n${lines.join('\n')}`);
}

/** Reads and validates a mapping file, naming the file and the field at fault. */
export function loadMappingFile(file: string): Mapping {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code ? `cannot read mapping file ${file} (${code})` : `mapping file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = MappingSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new UsageError(`mapping file ${file} is invalid:\n${lines.join('\n')}\nSee docs/mapping.md for the format.`);
  }
  return parsed.data;
}
