import { accessSync, constants, mkdirSync, realpathSync, statSync } from 'node:fs';
import { isInsideOrRoot } from '../activities/sourceAccess';
import { PRIVATE_FOLDER_MODE } from '../activities/wholeFiles';
import path from 'node:path';
import { ConfigError, type WorkerConfig } from './config';

/**
 * The folders a worker needs, checked before it polls: a worker that started with a data folder
 * it cannot read took batches of other workers' imports and failed them, and one whose report
 * folder could not be made retried every inspection until the import hung.
 */
export function checkWorkerFolders(config: WorkerConfig): void {
  if (config.dataDir !== undefined) {
    const info = statOf(config.dataDir);
    if (info === undefined) throw new ConfigError(`XP_IMPORT_DATA_DIR (${config.dataDir}) does not exist: create it, or mount the data volume there`);
    if (!info.isDirectory()) throw new ConfigError(`XP_IMPORT_DATA_DIR (${config.dataDir}) is not a folder`);
    mustAllow('XP_IMPORT_DATA_DIR', config.dataDir, constants.R_OK | constants.X_OK, 'read');
  }
  try {
    // Made by the worker, it is the worker's user's alone, as each import's folder in it is (wholeFiles.ts).
    mkdirSync(config.reportDir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  } catch (error) {
    throw new ConfigError(`XP_IMPORT_REPORT_DIR (${config.reportDir}) cannot be created (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!statOf(config.reportDir)?.isDirectory()) throw new ConfigError(`XP_IMPORT_REPORT_DIR (${config.reportDir}) is not a folder`);
  mustAllow('XP_IMPORT_REPORT_DIR', config.reportDir, constants.W_OK | constants.X_OK, 'write to');
  if (config.dataDir !== undefined && isInsideOrRoot(realpathSync(config.dataDir), realpathSync(config.reportDir))) {
    // Sources are read from the data folder: reports in it could be started as imports, and
    // whoever may start one would read every import's rejects.csv (the rows with personal data).
    throw new ConfigError(
      `XP_IMPORT_REPORT_DIR (${config.reportDir}) is inside XP_IMPORT_DATA_DIR (${config.dataDir}): anyone who can start an import could read its reports and rejected rows as a source; give the reports a folder of their own outside it`,
    );
  }
  const healthFile = config.env.XP_IMPORT_HEALTH_FILE;
  if (healthFile !== undefined) {
    const folder = path.dirname(path.resolve(healthFile));
    if (!statOf(folder)?.isDirectory()) throw new ConfigError(`XP_IMPORT_HEALTH_FILE (${healthFile}): its folder ${folder} does not exist`);
    mustAllow('XP_IMPORT_HEALTH_FILE', folder, constants.W_OK, 'write to');
  }
}

function statOf(file: string) {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function mustAllow(variable: string, folder: string, mode: number, what: string): void {
  try {
    accessSync(folder, mode);
  } catch {
    throw new ConfigError(`${variable} (${folder}): this worker cannot ${what} it (permission denied)`);
  }
}
