import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { inject } from 'vitest';
import { connectImportClient, type ImportClientContext } from '../../client/connect';
import { startSandbox, type Sandbox, type SandboxOptionsInput } from '../../sandbox';
import { loadWorkerConfig } from '../../workers/config';
import { createImportWorker, type ImportWorker } from '../../workers/importWorker';
import { reportFolderProblems } from './reportFolderCheck';

export const SANDBOX_TOKEN = 'test-apptoken-5f3c9a';

export type WorkerTestEnv = Record<string, string> & { TEMPORAL_ADDRESS: string; XP_IMPORT_TASK_QUEUE: string; XP_IMPORT_DATA_DIR: string };

export interface TestStack {
  sandbox: Sandbox;
  /** The in-process worker; absent when the test runs workers as child processes. */
  worker: ImportWorker | undefined;
  client: ImportClientContext;
  taskQueue: string;
  dataDir: string;
  reportDir: string;
  /** The environment of this stack's worker, for child processes (CLI, crash tests). */
  env: WorkerTestEnv;
  stop(): Promise<void>;
}

/** What a CLI process needs to talk to this stack as a user's shell would: the server, the task queue, the data folder. */
export function cliEnvOf(stack: TestStack): Record<string, string> {
  return { TEMPORAL_ADDRESS: stack.env.TEMPORAL_ADDRESS, XP_IMPORT_TASK_QUEUE: stack.taskQueue, XP_IMPORT_DATA_DIR: stack.dataDir };
}

let counter = 0;
let runtimeInstalled = false;

/** The SDK logs every worker state change at INFO; tests want only what went wrong. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger(process.env.XP_IMPORT_TEST_LOG_LEVEL === 'INFO' ? 'INFO' : 'ERROR') });
}

/**
 * A sandbox, a worker on a task queue of its own and a client, against the run's shared dev
 * server. Each test gets fresh folders, so nothing leaks between tests.
 */
export async function startTestStack(
  options: { sandbox?: SandboxOptionsInput; workerEnv?: Record<string, string>; inProcessWorker?: boolean; temporalAddress?: string } = {},
): Promise<TestStack> {
  quietRuntime();
  const root = mkdtempSync(path.join(os.tmpdir(), 'xp-import-test-'));
  const dataDir = path.join(root, 'data');
  const reportDir = path.join(root, 'reports');
  const taskQueue = `test-${process.pid}-${Date.now()}-${counter++}`;
  const sandbox = await startSandbox({ apptoken: SANDBOX_TOKEN, ...options.sandbox });
  const env: WorkerTestEnv = {
    TEMPORAL_ADDRESS: options.temporalAddress ?? inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    XP_IMPORT_TASK_QUEUE: taskQueue,
    XTREMEPUSH_API_URL: sandbox.url,
    XTREMEPUSH_APPTOKEN: SANDBOX_TOKEN,
    XP_IMPORT_DATA_DIR: dataDir,
    XP_IMPORT_REPORT_DIR: reportDir,
    XP_IMPORT_WORKFLOW_BUNDLE: inject('workflowBundle'),
    ...options.workerEnv,
  };
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dataDir, { recursive: true });
  const worker = options.inProcessWorker === false ? undefined : await createImportWorker(loadWorkerConfig(env));
  const running = worker ? worker.worker.run() : Promise.resolve();
  const client = await connectImportClient({ TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: 'default', XP_IMPORT_TASK_QUEUE: taskQueue });
  return {
    sandbox,
    worker,
    client,
    taskQueue,
    dataDir,
    reportDir,
    env,
    async stop() {
      if (worker) {
        await worker.shutdown();
        await running.catch(() => undefined);
        await worker.xtremepush.close();
        await worker.connection.close();
      }
      await client.close();
      await sandbox.close();
      const problems = reportFolderProblems(reportDir);
      rmSync(root, { recursive: true, force: true });
      if (problems.length > 0) throw new Error(`the report folder breaks invariant 3 (every row imported, rejected or skipped, once):\n${problems.join('\n')}`);
    },
  };
}
