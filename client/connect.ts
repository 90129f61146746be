import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { describeEnvIssues, temporalConnectionOptions, temporalUnreachableMessage, TemporalEnvSchema, withoutEmptyValues, type TemporalEnv } from '../common/config';

export class ClientConfigError extends Error {
  override name = 'ClientConfigError';
}

export function loadTemporalEnv(source: NodeJS.ProcessEnv = process.env): TemporalEnv {
  const parsed = TemporalEnvSchema.safeParse(withoutEmptyValues(source));
  if (!parsed.success) throw new ClientConfigError(`invalid configuration:\n${describeEnvIssues(parsed.error)}`);
  return parsed.data;
}

export interface ImportClientContext {
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

/** A Temporal client for imports, configured like the worker (TEMPORAL_ADDRESS, ...). */
export async function connectImportClient(env: TemporalEnv = loadTemporalEnv()): Promise<ImportClientContext> {
  const connection = await Connection.connect({ ...temporalConnectionOptions(env, (file) => readFileSync(file)), connectTimeout: 10_000 }).catch(
    (error: unknown) => {
      throw new ClientConfigError(temporalUnreachableMessage(env.TEMPORAL_ADDRESS, error));
    },
  );
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  return { client, taskQueue: env.XP_IMPORT_TASK_QUEUE, close: () => connection.close() };
}
