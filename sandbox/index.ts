/** The local stand-in for the Xtremepush External API: see README.md beside this file. */
export { startSandbox, type Sandbox } from './server';
export { runSandboxCommand, sandboxOptionsFromArgs, SandboxUsageError, type SandboxCommandIo } from './cli';
export {
  API_METHODS,
  DEFAULT_SANDBOX_TOKEN,
  FaultConfigSchema,
  SandboxConfigError,
  SandboxOptionsSchema,
  type ApiMethod,
  type FaultConfig,
  type FaultConfigInput,
  type SandboxOptions,
  type SandboxOptionsInput,
} from './options';
export type { SandboxStats } from './sandboxState';
export type { RequestLogEntry } from './requestJournal';
export { TASK_STATUSES, type TaskRecord, type TaskStatus } from './taskBoard';
export { ASYNC_ROW_THRESHOLD, MAX_ROWS_PER_REQUEST } from './importRequest';
