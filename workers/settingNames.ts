import { WorkerEnvSchema } from '../common/config';

/**
 * Names of environment settings, so that a misspelt one is said at start instead of ignored: an
 * `XP_IMPORT_REPORTS_DIR` left the reports (personal data) in ./xp-import-reports without a word.
 */

/** The prefixes whose names are ours or Temporal's: anything else in the environment is not our business. */
const WATCHED_PREFIXES = ['XP_IMPORT_', 'XTREMEPUSH_', 'TEMPORAL_'] as const;

/** What the worker reads: the schema's keys, so a setting is known here the moment it is added there. */
export const WORKER_SETTINGS: readonly string[] = Object.keys(WorkerEnvSchema.shape);

/**
 * Names that are not the worker's settings but are not mistakes either. Each is read by something
 * else that may share the worker's environment (a test keeps this list in step with the source
 * and .env.example).
 */
const OTHER_KNOWN_NAMES: readonly string[] = [
  // Read by other parts of xp-import: the CLI (bin/xp-import.ts), the Temporal binary finder
  // (workers/temporalBinary.ts, workers/projectRoot.ts), the tests.
  'XP_IMPORT_DEBUG',
  'TEMPORAL_CLI_PATH',
  'XP_IMPORT_TOOLS_DIR',
  'XP_IMPORT_RECORD_HISTORIES',
  'XP_IMPORT_TEST_LOG_LEVEL',
  // Settings of the docker-compose stack (.env.example), exported by a shell that sources .env.
  'XP_IMPORT_IMAGE',
  'XP_IMPORT_WORKERS',
  'XP_IMPORT_HOST_DATA_DIR',
  'XTREMEPUSH_APPTOKEN_SECRET_FILE',
  'TEMPORAL_VERSION',
  'TEMPORAL_UI_VERSION',
  'TEMPORAL_HISTORY_SHARDS',
  'TEMPORAL_NAMESPACE_RETENTION',
  'TEMPORAL_UI_ORIGIN',
  // The Temporal UI server's, set in docker-compose.yml.
  'TEMPORAL_CORS_ORIGINS',
  'TEMPORAL_DEFAULT_NAMESPACE',
  // The Temporal CLI's own (environment configuration, codec, TLS by path or data, debugging).
  'TEMPORAL_ENV',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_CONFIG_FILES',
  'TEMPORAL_CODEC_ENDPOINT',
  'TEMPORAL_CODEC_AUTH',
  'TEMPORAL_TLS_CA_DATA',
  'TEMPORAL_TLS_CERT_DATA',
  'TEMPORAL_TLS_KEY_DATA',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  'TEMPORAL_VERSION_CHECK_DISABLED',
  'TEMPORAL_OTEL_DEBUG',
  // The Temporal SDK's own (its core and its workflow debugger).
  'TEMPORAL_DEBUG',
  'TEMPORAL_DEBUGGER_PLUGIN_URL',
  'TEMPORAL_CORE_PRETTY_LOGS',
  'TEMPORAL_MAX_INCOMING_GRPC_BYTES',
  'TEMPORAL_POLL_SHUTDOWN_INTERRUPT_WAIT_MS',
  'TEMPORAL_PRINT_FULL_PAYLOADS',
  'TEMPORAL_WORKFLOW_TASK_DURATION_WARN_SECONDS',
];

/** gRPC headers for the Temporal CLI: `TEMPORAL_GRPC_META_<header>`, any header. */
const KNOWN_PREFIXES = ['TEMPORAL_GRPC_META_'] as const;

const KNOWN = new Set([...WORKER_SETTINGS, ...OTHER_KNOWN_NAMES]);

/** Further than this from every known name, a name is not taken for a misspelling of one. */
const NEAR = 2;

export interface UnknownSetting {
  name: string;
  /** The nearest known name, when one is near enough to be what was meant. */
  closest?: string;
}

/** Levenshtein distance: letters added, removed or changed to turn one name into the other. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const change = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + change));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known name nearest to `name`, the worker's own first among equals; undefined when none is near. */
export function closestKnownName(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const known of KNOWN) {
    const distance = editDistance(name, known);
    if (distance <= NEAR && (best === undefined || distance < best.distance)) best = { name: known, distance };
  }
  return best?.name;
}

function isUnknown(name: string): boolean {
  return WATCHED_PREFIXES.some((prefix) => name.startsWith(prefix)) && !KNOWN.has(name) && !KNOWN_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * Names in `source` that look like ours or Temporal's but that nothing reads, sorted, with the
 * name probably meant. Names only: a misspelt XTREMEPUSH_APPTOKEN's value is the token.
 */
export function unknownSettings(source: Record<string, string | undefined>): UnknownSetting[] {
  return Object.keys(source)
    .filter(isUnknown)
    .sort()
    .map((name) => {
      const closest = closestKnownName(name);
      return closest === undefined ? { name } : { name, closest };
    });
}

/** One line about an unknown name, for a log message or stderr. */
export function describeUnknownSetting({ name, closest }: UnknownSetting): string {
  return closest === undefined
    ? `${name} is set, but xp-import reads no such setting (it is ignored): check its spelling against the README's Configuration, or unset it`
    : `${name} is set, but xp-import reads no such setting (it is ignored): did you mean ${closest}? Rename it, or unset it`;
}
