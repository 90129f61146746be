import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

const LEVELS: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/**
 * An Error's own fields are not enumerable, so JSON.stringify writes `{}`: the SDK's "Activity
 * failed" entries said nothing of why. Its name, message, failure type and cause are kept, not its
 * stack (noise in a log; `XP_IMPORT_DEBUG` prints stacks where the CLI has them). These are the
 * messages Temporal keeps as failures, which never carry row values.
 */
function errorsAsObjects(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const type = (value as { type?: unknown }).type;
  return {
    name: value.name,
    message: value.message,
    ...(typeof type === 'string' ? { type } : {}),
    ...(value.cause !== undefined ? { cause: value.cause } : {}),
  };
}

/**
 * JSON lines on stderr: one object per event with the SDK's metadata (workflow ID, activity
 * type, attempt) and, for an activity about one batch, its `batch` (workers/batchLogAttributes.ts).
 * Our own messages name counts and positions only, never row values or the token.
 */
export class JsonLinesLogger implements Logger {
  constructor(
    private readonly level: LogLevel,
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // The SDK's TRACE lines hold whole activations and tasks: inputs, among them a source URL's
    // signature. TRACE is taken as DEBUG.
    if (level === 'TRACE' || LEVELS[level] < LEVELS[this.level]) return;
    // A task token, with namespace access, completes or fails its activity. The SDK puts it in its
    // activity metadata, whole tasks (`task`, `taskEncoded`) in some error lines, and its core in the
    // fields of a late completion's warning (`task_token`).
    const { taskToken: _token, task_token: _coreToken, task: _task, taskEncoded: _encoded, ...kept } = meta ?? {};
    this.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...kept }, errorsAsObjects)}\n`);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
