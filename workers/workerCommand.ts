import { Runtime } from '@temporalio/worker';
import { ExitCode } from '../common/report';
import { cleartextApiHost, ConfigError, loadWorkerConfig, type WorkerConfig } from './config';
import { assertPortFree, PortInUseError } from './devServer';
import { checkWorkerFolders } from './folders';
import { runImportWorker } from './importWorker';
import { JsonLinesLogger } from './logger';
import { shutdownGraceMs, withoutEmptyValues } from '../common/config';
import { describeUnknownSetting, unknownSettings, type UnknownSetting } from './settingNames';
import { describeUrl } from '../common/sourceName';

/** `xp-import worker`: a worker configured from the environment, until SIGINT or SIGTERM. */
export async function runWorkerCommand(): Promise<number> {
  // Found before the settings are checked: a misspelt name may be why they are refused.
  const unknown = unknownSettings(withoutEmptyValues(process.env));
  let config;
  try {
    config = loadWorkerConfig();
    checkWorkerFolders(config);
    // The SDK would report a taken metrics port as its own error text, later, from inside the runtime.
    const port = config.env.XP_IMPORT_METRICS_PORT;
    if (port) await assertPortFree('0.0.0.0', port, 'XP_IMPORT_METRICS_PORT');
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PortInUseError) {
      // No logger yet (its level is a setting): plain lines, as the error itself.
      for (const setting of unknown) process.stderr.write(`xp-import worker: ${describeUnknownSetting(setting)}\n`);
      process.stderr.write(`xp-import worker: ${error.message}\n`);
      return ExitCode.usage;
    }
    throw error;
  }
  const logger = new JsonLinesLogger(config.env.XP_IMPORT_LOG_LEVEL);
  warnOfUnknownSettings(logger, unknown);
  const metricsPort = config.env.XP_IMPORT_METRICS_PORT;
  Runtime.install({
    logger,
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      // The SDK core's own warnings go through the same JSON lines, not as plain text beside them.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      // The SDK's own metrics (task latencies, slots, activity results) on /metrics for Prometheus.
      ...(metricsPort ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${metricsPort}` } } } : {}),
    },
  });
  try {
    await runWorkerUntilStopped(config, logger, metricsPort);
  } catch (error) {
    // Temporal unreachable, or without the namespace: one line saying what to set, not the SDK's error chain.
    process.stderr.write(`xp-import worker: ${error instanceof Error ? error.message : String(error)}\n`);
    // Once the runtime is installed, a worker that failed (a missing namespace, any other error)
    // leaves the SDK's threads behind, which would keep the process alive and deaf to SIGTERM.
    process.exit(error instanceof ConfigError ? ExitCode.usage : ExitCode.failed);
  }
  logger.info('worker stopped');
  return ExitCode.ok;
}

/**
 * One WARN line per name that looks like a setting but that nothing reads: a misspelt
 * XP_IMPORT_REPORT_DIR put the reports (personal data) in the default folder without a word.
 * The name only, never the value (a misspelt XTREMEPUSH_APPTOKEN's value is the token).
 */
function warnOfUnknownSettings(logger: JsonLinesLogger, unknown: readonly UnknownSetting[]): void {
  for (const setting of unknown) {
    logger.warn('unknown setting', {
      variable: setting.name,
      ...(setting.closest ? { closest: setting.closest } : {}),
      consequence: 'the worker ignores it',
      todo: describeUnknownSetting(setting),
    });
  }
}

async function runWorkerUntilStopped(config: WorkerConfig, logger: JsonLinesLogger, metricsPort: number | undefined): Promise<void> {
  const { XP_IMPORT_SHUTDOWN_GRACE_MS: grace, XTREMEPUSH_REQUEST_TIMEOUT_MS: requestTimeout } = config.env;
  if (grace !== undefined && grace < requestTimeout) {
    logger.warn('shutdown grace shorter than a request may take', {
      shutdownGraceMs: grace,
      requestTimeoutMs: requestTimeout,
      consequence: 'a request still running when the grace ends is cut off; the API may have applied it, and the next worker sends it again (counted in possibleDuplicates)',
      todo: 'set XP_IMPORT_SHUTDOWN_GRACE_MS above XTREMEPUSH_REQUEST_TIMEOUT_MS, or leave it unset (the timeout + 10 s)',
    });
  }
  const cleartextHost = cleartextApiHost(config.apiUrl);
  if (cleartextHost !== undefined) {
    logger.warn('the Xtremepush API is reached over plain http', {
      host: cleartextHost,
      consequence: 'the apptoken (or OAuth token) and every row sent cross the network unencrypted',
      todo: 'use the https:// URL of the API (XTREMEPUSH_REGION sets it), or a proxy on this machine',
    });
  }
  if (config.dataDir === undefined) {
    // Optional (a worker may import URLs only), but every local import it picks up would fail.
    logger.warn('no XP_IMPORT_DATA_DIR: this worker reads http(s) sources only', {
      consequence: 'an import of a local file that this worker picks up fails with SourceAccessError',
      todo: 'set XP_IMPORT_DATA_DIR to the folder local sources are in, or run this worker on a task queue for URL imports only',
    });
  }
  await runImportWorker(config, {
    onApiUnreachable: (reason) =>
      logger.warn('the Xtremepush API did not answer the start-up check', {
        reason,
        consequence: 'the worker starts; imports it picks up retry their calls until the API answers',
        todo: 'check XTREMEPUSH_API_URL and the network between this worker and the API',
      }),
    onReady: () =>
      logger.info('worker ready', {
        taskQueue: config.env.XP_IMPORT_TASK_QUEUE,
        namespace: config.env.TEMPORAL_NAMESPACE,
        temporal: config.env.TEMPORAL_ADDRESS,
        // User info or a query in the URL would be credentials: the log names scheme, host and path only.
        api: describeUrl(config.apiUrl),
        dataDir: config.dataDir ?? null,
        reportDir: config.reportDir,
        shutdownGraceMs: shutdownGraceMs(config.env),
        metrics: metricsPort ? `http://0.0.0.0:${metricsPort}/metrics` : null,
      }),
  });
}
