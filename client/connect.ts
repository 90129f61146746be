import { ImportClientError } from '../common/clientError';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import {
  describeEnvIssues,
  namespaceMissingMessage,
  SettingFileError,
  temporalConnectionOptions,
  temporalAddressProblem,
  temporalUnreachableMessage,
  TemporalEnvSchema,
  withoutEmptyValues,
  type TemporalEnv,
} from '../common/config';
import { tlsMismatchHint } from '../common/tlsMismatch';

/** Settings the client cannot use, or a Temporal server it cannot reach (`retryable`: that one may come back). */
export class ClientConfigError extends ImportClientError {
  override name = 'ClientConfigError';
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

export function loadTemporalEnv(source: NodeJS.ProcessEnv = process.env): TemporalEnv {
  const parsed = TemporalEnvSchema.safeParse(withoutEmptyValues(source));
  if (!parsed.success) throw new ClientConfigError(`invalid configuration:\n${describeEnvIssues(parsed.error)}`);
  return parsed.data;
}

export interface ImportClientContext {
  client: Client;
  taskQueue: string;
  /** Set where an import runs on another task queue than this process's XP_IMPORT_TASK_QUEUE (then `taskQueue` is the import's). */
  commandTaskQueue?: string;
  close(): Promise<void>;
}

/** A Temporal client for imports, configured like the worker (TEMPORAL_ADDRESS, ...). */
export async function connectImportClient(env: TemporalEnv = loadTemporalEnv()): Promise<ImportClientContext> {
  const addressProblem = temporalAddressProblem(env.TEMPORAL_ADDRESS);
  if (addressProblem) throw new ClientConfigError(addressProblem);
  let options;
  try {
    options = temporalConnectionOptions(env, (file) => readFileSync(file));
  } catch (error) {
    throw error instanceof SettingFileError ? new ClientConfigError(error.message) : error;
  }
  const connection = await Connection.connect({ ...options, connectTimeout: 10_000 }).catch((error: unknown) => {
    throw new ClientConfigError(temporalUnreachableMessage(env.TEMPORAL_ADDRESS, error) + tlsMismatchHint(error, options.tls !== undefined), true);
  });
  await assertNamespaceExists(connection, env).catch(async (error: unknown) => {
    await connection.close();
    throw error;
  });
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  return { client, taskQueue: env.XP_IMPORT_TASK_QUEUE, close: () => connection.close() };
}

/**
 * A wrong TEMPORAL_NAMESPACE is a setting to fix (exit 2), said once here rather than as the
 * NOT_FOUND of whichever call a command makes first. Any other failure of this look (a key not
 * allowed to describe the namespace) is left to the command's own calls.
 */
async function assertNamespaceExists(connection: Connection, env: TemporalEnv): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace: env.TEMPORAL_NAMESPACE });
  } catch (error) {
    const missing = namespaceMissingMessage(error, env.TEMPORAL_NAMESPACE, env.TEMPORAL_ADDRESS);
    if (missing) throw new ClientConfigError(missing);
  }
}
