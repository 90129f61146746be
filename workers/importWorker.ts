import { existsSync } from 'node:fs';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { AppTokenCredentials, type Credentials } from '../activities/xtremepush/credentials';
import { XtremepushClient } from '../activities/xtremepush/client';
import { OAuthCredentials } from '../activities/xtremepush/oauth';
import { namespaceMissingMessage, shutdownGraceMs, temporalUnreachableMessage } from '../common/config';
import { WORKFLOWS_ENTRY, defaultBundlePath } from './bundleWorkflows';
import { ConfigError, type WorkerConfig } from './config';
import { startHealthFile, type HealthFile } from './healthFile';
import { batchLogAttributes } from './batchLogAttributes';
import { applyHeapGrowingPercent } from './heapGrowth';
import { checkApiAtStart } from './apiCheck';
import { tlsMismatchHint } from '../common/tlsMismatch';

export interface ImportWorker {
  worker: Worker;
  connection: NativeConnection;
  xtremepush: XtremepushClient;
  /** Asks the worker to stop polling and let in-flight activities finish within the grace time; `run()` resolves once they have. The caller closes `xtremepush` and `connection` after that. */
  shutdown(): Promise<void>;
}

/** The token (or the OAuth client) lives here, in the worker process, and nowhere else. */
function credentialsFor(config: WorkerConfig): Credentials {
  const { auth } = config;
  if (auth.kind === 'apptoken') return new AppTokenCredentials(auth.apptoken);
  return new OAuthCredentials({
    baseUrl: config.apiUrl,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    requestTimeoutMs: config.env.XTREMEPUSH_REQUEST_TIMEOUT_MS,
  });
}

/** Prefer a prebuilt bundle (fast start, identical code on every worker); else bundle now. */
function workflowSource(config: WorkerConfig) {
  const bundle = config.env.XP_IMPORT_WORKFLOW_BUNDLE ?? defaultBundlePath();
  return existsSync(bundle) ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_ENTRY };
}

/** A worker asked to stop (SIGTERM through the runtime, or shutdown()) lets its activities finish within the grace. */
const STOPPING_STATES = new Set(['STOPPING', 'DRAINING', 'DRAINED', 'STOPPED']);

function workerOptions(config: WorkerConfig, connection: NativeConnection, xtremepush: XtremepushClient, stopping: () => boolean): WorkerOptions {
  const { env } = config;
  return {
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.XP_IMPORT_TASK_QUEUE,
    ...workflowSource(config),
    activities: createActivities({
      dataDir: config.dataDir,
      reportDir: config.reportDir,
      xtremepush,
      buildThreads: env.XP_IMPORT_BUILD_THREADS,
      // The rate limit counts activity starts: under it, every Task Info look must be one.
      ...(env.XP_IMPORT_API_RATE_LIMIT ? { looksPerFirstAttempt: 1 } : {}),
      stopping,
    }),
    interceptors: { activity: [batchLogAttributes] },
    maxConcurrentActivityTaskExecutions: env.XP_IMPORT_MAX_CONCURRENT_ACTIVITIES,
    // An activity handed out eagerly skips the server's task-queue rate limit (temporalio/temporal#6800),
    // so a rate-limited worker takes none that way.
    ...(env.XP_IMPORT_API_RATE_LIMIT ? { maxTaskQueueActivitiesPerSecond: env.XP_IMPORT_API_RATE_LIMIT, maxEagerActivityReservationsPerWorkflowTask: 0 } : {}),
    shutdownGraceTime: shutdownGraceMs(env),
    // After a worker dies, its workflows move to another worker this soon (default 10 s).
    stickyQueueScheduleToStartTimeout: '3 seconds',
    maxCachedWorkflows: 200,
  };
}

export async function createImportWorker(config: WorkerConfig, beforeWorker?: (xtremepush: XtremepushClient) => Promise<void>): Promise<ImportWorker> {
  const { env } = config;
  applyHeapGrowingPercent(env.XP_IMPORT_HEAP_GROWING_PERCENT);
  const connection = await NativeConnection.connect(config.temporal).catch((error: unknown) => {
    throw new ConfigError(temporalUnreachableMessage(env.TEMPORAL_ADDRESS, error) + tlsMismatchHint(error, config.temporal.tls !== undefined));
  });
  // Asked before the worker exists: a worker of a missing namespace logs the SDK's own warnings
  // about it (its heartbeat's RPC status) before Worker.create fails, ahead of our one line.
  await connection.workflowService.describeNamespace({ namespace: env.TEMPORAL_NAMESPACE }).catch(async (error: unknown) => {
    const missing = namespaceMissingMessage(error, env.TEMPORAL_NAMESPACE, env.TEMPORAL_ADDRESS);
    if (missing === undefined) return;
    await connection.close();
    throw new ConfigError(missing);
  });
  const xtremepush = new XtremepushClient({ baseUrl: config.apiUrl, credentials: credentialsFor(config), requestTimeoutMs: env.XTREMEPUSH_REQUEST_TIMEOUT_MS });
  // Before the worker exists: once it does, the connection cannot be closed until it has run.
  await beforeWorker?.(xtremepush).catch(async (error: unknown) => {
    await xtremepush.close();
    await connection.close();
    throw error;
  });
  // The activities ask about the worker they run on, which exists only once they are registered.
  const made: { worker?: Worker } = {};
  const stopping = () => made.worker !== undefined && STOPPING_STATES.has(made.worker.getState());
  const worker = await Worker.create(workerOptions(config, connection, xtremepush, stopping)).catch(async (error: unknown) => {
    // The open connection would keep the process alive after the error is printed.
    await xtremepush.close();
    await connection.close();
    const missing = namespaceMissingMessage(error, env.TEMPORAL_NAMESPACE, env.TEMPORAL_ADDRESS);
    throw missing ? new ConfigError(missing) : error;
  });
  made.worker = worker;
  return {
    worker,
    connection,
    xtremepush,
    shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      return Promise.resolve();
    },
  };
}

/**
 * Runs a worker until it is shut down (SIGINT/SIGTERM are handled by the Temporal runtime), once
 * the API has not refused its credentials (checkApiAtStart).
 */
export async function runImportWorker(config: WorkerConfig, hooks: { onReady?: () => void; onApiUnreachable?: (reason: string) => void } = {}): Promise<void> {
  const { worker, connection, xtremepush } = await createImportWorker(config, (client) => checkApiAtStart(client, hooks.onApiUnreachable ?? (() => undefined)));
  let health: HealthFile | undefined;
  try {
    const running = worker.run();
    const healthFile = config.env.XP_IMPORT_HEALTH_FILE;
    if (healthFile) health = startHealthFile(healthFile, () => worker.getState() === 'RUNNING');
    hooks.onReady?.();
    await running;
  } finally {
    health?.stop();
    await xtremepush.close();
    await connection.close();
  }
}
