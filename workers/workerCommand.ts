import { Runtime } from '@temporalio/worker';
import { ExitCode } from '../common/report';
import { ConfigError, loadWorkerConfig } from './config';
import { runImportWorker } from './importWorker';
import { JsonLinesLogger } from './logger';

/** `xp-import worker`: a worker configured from the environment, until SIGINT or SIGTERM. */
export async function runWorkerCommand(): Promise<number> {
  let config;
  try {
    config = loadWorkerConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`xp-import worker: ${error.message}\n`);
      return ExitCode.usage;
    }
    throw error;
  }
  const logger = new JsonLinesLogger(config.env.XP_IMPORT_LOG_LEVEL);
  Runtime.install({ logger, shutdownSignals: ['SIGINT', 'SIGTERM'] });
  await runImportWorker(config, () =>
    logger.info('worker ready', {
      taskQueue: config.env.XP_IMPORT_TASK_QUEUE,
      namespace: config.env.TEMPORAL_NAMESPACE,
      temporal: config.env.TEMPORAL_ADDRESS,
      api: config.apiUrl,
      dataDir: config.dataDir ?? null,
      reportDir: config.reportDir,
    }),
  );
  logger.info('worker stopped');
  return ExitCode.ok;
}
