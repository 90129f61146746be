import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  describeEnvIssues,
  readSettingFile,
  REGION_URLS,
  SettingFileError,
  temporalConnectionOptions,
  WorkerEnvSchema,
  withoutEmptyValues,
  type TemporalConnectionOptions,
  type WorkerEnv,
  temporalAddressProblem,
} from '../common/config';

import { DEFAULT_XTREMEPUSH_API_URL } from '../common/limits';
import { unknownSettings } from './settingNames';

/** A missing or invalid setting: the worker stops with this message, naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface WorkerConfig {
  env: WorkerEnv;
  /** Read at load time, so that a TLS or API key file that cannot be read stops the worker before it starts. */
  temporal: TemporalConnectionOptions;
  apiUrl: string;
  /** Exactly one way to authenticate; kept out of logs by never being printed. */
  auth: { kind: 'apptoken'; apptoken: string } | { kind: 'oauth'; clientId: string; clientSecret: string };
  dataDir: string | undefined;
  reportDir: string;
}

/** A setting's file that cannot be used is a configuration error: exit 2, naming the variable. */
function asConfigError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw error instanceof SettingFileError ? new ConfigError(error.message) : error;
  }
}

function readSecretFile(variable: string, file: string): string {
  return asConfigError(() => readSettingFile(variable, file, (f) => readFileSync(f)))
    .toString('utf8')
    .trim();
}

/** The settings that say how the worker authenticates: a misspelling of one is named where their absence is refused. */
const CREDENTIAL_SETTINGS: ReadonlySet<string> = new Set([
  'XTREMEPUSH_APPTOKEN',
  'XTREMEPUSH_APPTOKEN_FILE',
  'XTREMEPUSH_OAUTH_CLIENT_ID',
  'XTREMEPUSH_OAUTH_CLIENT_SECRET',
  'XTREMEPUSH_OAUTH_CLIENT_SECRET_FILE',
] satisfies (keyof WorkerEnv)[]);

/** `; XTREMEPUSH_APPTOKN is set: did you mean XTREMEPUSH_APPTOKEN?`, or nothing: "is required" alone sent people looking for a token they had set. */
function misspeltCredentials(set: Record<string, string>): string {
  return unknownSettings(set)
    .filter(({ closest }) => closest !== undefined && CREDENTIAL_SETTINGS.has(closest))
    .map(({ name, closest }) => `; ${name} is set: did you mean ${closest}?`)
    .join('');
}

/**
 * The API reached over plain http at a host that is not this machine: every request carries the
 * apptoken (or an OAuth token) in clear text over the network. The sandbox on loopback is fine.
 */
export function cleartextApiHost(apiUrl: string): string | undefined {
  const url = new URL(apiUrl);
  if (url.protocol !== 'http:') return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host) ? undefined : host;
}

export function loadWorkerConfig(source: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const set = withoutEmptyValues(source);
  const parsed = WorkerEnvSchema.safeParse(set);
  if (!parsed.success) throw new ConfigError(`invalid worker configuration:\n${describeEnvIssues(parsed.error)}`);
  const env = parsed.data;
  const addressProblem = temporalAddressProblem(env.TEMPORAL_ADDRESS);
  if (addressProblem) throw new ConfigError(addressProblem);

  const temporal = asConfigError(() => temporalConnectionOptions(env, (file) => readFileSync(file)));
  // Named but missing, the worker would bundle the workflows from its sources instead, without a word.
  if (env.XP_IMPORT_WORKFLOW_BUNDLE && !existsSync(env.XP_IMPORT_WORKFLOW_BUNDLE)) {
    throw new ConfigError(`XP_IMPORT_WORKFLOW_BUNDLE points to ${env.XP_IMPORT_WORKFLOW_BUNDLE}, which does not exist: build it (npm run build) or unset the variable`);
  }
  if (env.XTREMEPUSH_API_URL && env.XTREMEPUSH_REGION) {
    throw new ConfigError('set XTREMEPUSH_API_URL or XTREMEPUSH_REGION, not both');
  }
  const apiUrl = env.XTREMEPUSH_API_URL ?? (env.XTREMEPUSH_REGION ? REGION_URLS[env.XTREMEPUSH_REGION] : DEFAULT_XTREMEPUSH_API_URL);

  if (env.XTREMEPUSH_APPTOKEN && env.XTREMEPUSH_APPTOKEN_FILE) throw new ConfigError('set XTREMEPUSH_APPTOKEN or XTREMEPUSH_APPTOKEN_FILE, not both');
  const apptoken = env.XTREMEPUSH_APPTOKEN ?? (env.XTREMEPUSH_APPTOKEN_FILE ? readSecretFile('XTREMEPUSH_APPTOKEN_FILE', env.XTREMEPUSH_APPTOKEN_FILE) : undefined);
  const clientSecret =
    env.XTREMEPUSH_OAUTH_CLIENT_SECRET ??
    (env.XTREMEPUSH_OAUTH_CLIENT_SECRET_FILE ? readSecretFile('XTREMEPUSH_OAUTH_CLIENT_SECRET_FILE', env.XTREMEPUSH_OAUTH_CLIENT_SECRET_FILE) : undefined);
  let auth: WorkerConfig['auth'];
  if (env.XTREMEPUSH_OAUTH_CLIENT_ID && clientSecret) {
    if (apptoken) throw new ConfigError('configure either an apptoken or an OAuth client, not both');
    auth = { kind: 'oauth', clientId: env.XTREMEPUSH_OAUTH_CLIENT_ID, clientSecret };
  } else if (env.XTREMEPUSH_OAUTH_CLIENT_ID || clientSecret) {
    throw new ConfigError(`OAuth needs both XTREMEPUSH_OAUTH_CLIENT_ID and XTREMEPUSH_OAUTH_CLIENT_SECRET (or _FILE)${misspeltCredentials(set)}`);
  } else if (apptoken) {
    auth = { kind: 'apptoken', apptoken };
  } else {
    throw new ConfigError(`XTREMEPUSH_APPTOKEN is required (or XTREMEPUSH_APPTOKEN_FILE, or XTREMEPUSH_OAUTH_CLIENT_ID and _SECRET)${misspeltCredentials(set)}`);
  }

  return {
    env,
    temporal,
    apiUrl,
    auth,
    dataDir: env.XP_IMPORT_DATA_DIR ? path.resolve(env.XP_IMPORT_DATA_DIR) : undefined,
    reportDir: path.resolve(env.XP_IMPORT_REPORT_DIR),
  };
}
