import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { wholeNumber } from '../common/wholeNumber';
import { MappingError } from '../activities/rows';
import { SourceAccessError } from '../activities/failures';
import { SourceChangedError, SourceFormatError } from '../activities/source';
import { RejectsFileError, validateSource } from '../activities/validate';
import { localMessageOf } from '../activities/wording';
import { checkDelimiterFlag, loadMappingFile, parseFlags, UsageError } from '../client/cli/usage';
import { ExitCode } from '../common/report';
import { DelimiterFlagSchema, SourceFormatSchema } from '../common/source';
import { describeUrl, urlParts } from '../common/sourceName';
import type { ValidationFailure } from '../common/validation';
import { formatValidation } from './validateView';

/*
 * `xp-import validate <source>`: the import's validation and normalisation of a local file, with
 * no Temporal and no API. Lives in bin/ because it runs activity code, which client/ may not import.
 */

export const ValidateFlagsSchema = z.object({
  format: SourceFormatSchema.optional(),
  delimiter: DelimiterFlagSchema.optional(),
  mapping: z.string().optional(),
  rejects: z.string().optional(),
  maxErrors: wholeNumber(0, 10_000).default(20),
  json: z.boolean().default(false),
});

/** Declares the verb's arguments and options on a commander command (`program.command('validate')`). */
export function defineValidateCommand(command: Command): Command {
  return command
    .description('check a local file as an import would (same validation and normalisation); no Temporal, no API')
    .argument('<source>', 'path of a local CSV or NDJSON file')
    .addOption(new Option('--format <format>', 'source format (default: from the file name)').choices(['csv', 'ndjson']))
    .option('--delimiter <char>', 'CSV delimiter: , ; tab | (default: detected)')
    .option('--mapping <file>', 'mapping file (JSON, see docs/mapping.md)')
    .option('--rejects <file>', 'write the rejected rows, with their values and reasons, to this file')
    .option('--max-errors <n>', 'rejected rows to list', '20')
    .option('--json', 'print one JSON document on stdout');
}

/**
 * Runs the verb. Exit codes: 0 when every row is valid, 2 when rows would be rejected or the
 * file, the mapping or the flags are bad. Problems are printed as a readable summary, never as
 * a stack trace; `--json` prints a ValidationSummary or a ValidationFailure.
 */
export async function validateCommand(source: string, rawFlags: Record<string, unknown>): Promise<number> {
  let json = rawFlags.json === true;
  try {
    const flags = parseFlags(ValidateFlagsSchema, rawFlags);
    json = flags.json;
    if (source.trim() === '') throw new UsageError('the source is empty: give the path of a local CSV or NDJSON file');
    // Taken for a path, a URL "does not exist": say what validate reads instead.
    if (urlParts(source.trim()) !== undefined) throw new UsageError(`validate reads local files only, not URLs: download ${describeUrl(source.trim())} and validate the copy`);
    checkDelimiterFlag(source, flags.format, flags.delimiter);
    const mapping = flags.mapping === undefined ? undefined : loadMappingFile(flags.mapping);
    const summary = await validateSource(source, { format: flags.format, delimiter: flags.delimiter, mapping, maxErrors: flags.maxErrors, rejectsFile: flags.rejects });
    process.stdout.write(`${json ? JSON.stringify(summary, null, 2) : formatValidation(summary)}\n`);
    // A mapping key no NDJSON line has is a misspelling as surely as a missing CSV column is.
    return summary.rows.rejected === 0 && summary.unusedMappingKeys.length === 0 ? ExitCode.ok : ExitCode.usage;
  } catch (error) {
    const failure = describeFailure(source, error);
    if (failure === undefined) throw error;
    if (json) process.stdout.write(`${JSON.stringify(failure, null, 2)}\n`);
    else process.stderr.write(`xp-import validate: ${failure.error.message}\n`);
    return ExitCode.usage;
  }
}

/** What cannot be validated at all, as the CLI says it; undefined for a bug (which keeps its stack). */
function describeFailure(source: string, error: unknown): ValidationFailure | undefined {
  // Local output: the messages name every header cell (an import's failure gives some by position).
  if (error instanceof SourceFormatError) return { source, error: { code: error.code, message: localMessageOf(error) } };
  // Its own words: the import's ("start a new import") would send a user of validate astray.
  if (error instanceof SourceChangedError) return { source, error: { code: 'changed', message: `${source} changed while it was being validated (${error.detail}): validate it again once it is written in full` } };
  if (error instanceof MappingError) return { source, error: { code: 'mapping', message: localMessageOf(error) } };
  if (error instanceof UsageError) return { source, error: { code: 'usage', message: error.message } };
  if (error instanceof RejectsFileError) return { source, error: { code: 'rejects_file', message: error.message } };
  if (error instanceof SourceAccessError) return { source, error: { code: 'unreadable', message: error.message } };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    const what = code === 'ENOENT' ? `does not exist${inDataDirHint(source)}` : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code})`;
    return { source, error: { code: 'unreadable', message: `${source} ${what}` } };
  }
  return undefined;
}

/**
 * `start` names a file inside the worker's XP_IMPORT_DATA_DIR; validate reads the path as given,
 * from this folder. The same argument working for one and not the other puzzled users.
 */
function inDataDirHint(source: string): string {
  const dataDir = process.env.XP_IMPORT_DATA_DIR;
  if (!dataDir || path.isAbsolute(source)) return '';
  const there = path.join(dataDir, source);
  if (!existsSync(there)) return '';
  return ` (validate reads paths from the current folder, where start names a file in XP_IMPORT_DATA_DIR: validate ${there})`;
}
