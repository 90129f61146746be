import { z } from 'zod';
import { positiveDecimal, wholeNumber } from './wholeNumber';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS, DEFAULT_XTREMEPUSH_API_URL } from './limits';
import { issueLines } from './zodIssues';

/**
 * Settings read from the environment, validated once at start. The client and the worker share
 * the Temporal part; only the worker reads the Xtremepush part (the token never leaves it).
 */
const optionalPath = z.string().min(1).optional();
const positiveInt = wholeNumber(1);

/** A TCP port, from an environment variable or a flag. */
export const PortSchema = wholeNumber(1, 65535);

const temporalFields = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default(DEFAULT_TEMPORAL_ADDRESS),
  TEMPORAL_NAMESPACE: z.string().min(1).default(DEFAULT_NAMESPACE),
  XP_IMPORT_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  /** Temporal Cloud or a TLS cluster: an API key, or a client certificate and key. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** The API key in a file (a Docker or Kubernetes secret) instead of the variable. */
  TEMPORAL_API_KEY_FILE: optionalPath,
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CERT: optionalPath,
  TEMPORAL_TLS_KEY: optionalPath,
  TEMPORAL_TLS_CA: optionalPath,
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
});
export type TemporalEnv = z.infer<typeof temporalFields>;

/** An API key or a client certificate needs TLS, so either turns it on. */
function tlsOn(env: TemporalEnv): boolean {
  return env.TEMPORAL_TLS === 'true' || env.TEMPORAL_API_KEY !== undefined || env.TEMPORAL_API_KEY_FILE !== undefined || env.TEMPORAL_TLS_CERT !== undefined;
}

/**
 * Combinations the connection would otherwise drop without a word: a certificate without its key
 * (or the reverse) used to connect without either, a CA or server name without TLS in plain text.
 * The worker and the client share them, so both refuse what one of them would refuse.
 */
function checkTemporalCombinations(env: TemporalEnv, ctx: z.RefinementCtx): void {
  const refuse = (variable: keyof TemporalEnv, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
  if (env.TEMPORAL_API_KEY && env.TEMPORAL_API_KEY_FILE) refuse('TEMPORAL_API_KEY_FILE', 'set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both');
  if (env.TEMPORAL_TLS_CERT && !env.TEMPORAL_TLS_KEY) refuse('TEMPORAL_TLS_CERT', 'is set without TEMPORAL_TLS_KEY (its private key): set both, or neither');
  if (env.TEMPORAL_TLS_KEY && !env.TEMPORAL_TLS_CERT) refuse('TEMPORAL_TLS_KEY', 'is set without TEMPORAL_TLS_CERT (its certificate): set both, or neither');
  if (tlsOn(env)) return;
  for (const variable of ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME'] as const) {
    if (env[variable]) refuse(variable, 'is set but TLS is off, so the connection would be plain text: set TEMPORAL_TLS=true');
  }
}

export const TemporalEnvSchema = temporalFields.superRefine(checkTemporalCombinations);

export const REGION_URLS = {
  eu: DEFAULT_XTREMEPUSH_API_URL,
  us: 'https://api.us.xtremepush.com',
} as const;

export const WorkerEnvSchema = temporalFields.extend({
  XTREMEPUSH_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  XTREMEPUSH_REGION: z.enum(['eu', 'us']).optional(),
  XTREMEPUSH_APPTOKEN: z.string().min(1).optional(),
  XTREMEPUSH_APPTOKEN_FILE: optionalPath,
  XTREMEPUSH_OAUTH_CLIENT_ID: z.string().min(1).optional(),
  XTREMEPUSH_OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
  XTREMEPUSH_OAUTH_CLIENT_SECRET_FILE: optionalPath,
  XTREMEPUSH_REQUEST_TIMEOUT_MS: positiveInt.default(60_000),
  XP_IMPORT_DATA_DIR: optionalPath,
  XP_IMPORT_REPORT_DIR: z.string().min(1).default('./xp-import-reports'),
  /** Activities one worker runs at once (batches being sent, tasks being polled). */
  XP_IMPORT_MAX_CONCURRENT_ACTIVITIES: positiveInt.default(32),
  /** Threads that read and map batches ahead of their submit, beside the main thread (0: none). */
  XP_IMPORT_BUILD_THREADS: wholeNumber(0, 16).default(1),
  /** How far the worker's heaps grow past their live data before a full collection (workers/heapGrowth.ts; 0: V8's own). */
  XP_IMPORT_HEAP_GROWING_PERCENT: wholeNumber(0, 400).default(50),
  /** Activities started per second across all workers of the task queue (Temporal enforces it server-side); an activity makes about one API call (docs/production.md, Rate). */
  XP_IMPORT_API_RATE_LIMIT: positiveDecimal().optional(),
  /** On SIGTERM, how long in-flight activities may take to finish before the worker exits (default: shutdownGraceMs). */
  XP_IMPORT_SHUTDOWN_GRACE_MS: positiveInt.optional(),
  XP_IMPORT_METRICS_PORT: PortSchema.optional(),
  // `info` is as clear as `INFO`: the level's case is not worth refusing a worker for.
  XP_IMPORT_LOG_LEVEL: z.preprocess((value) => (typeof value === 'string' ? value.toUpperCase() : value), z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO')),
  XP_IMPORT_WORKFLOW_BUNDLE: optionalPath,
  /** A file the worker rewrites every 10 s while it runs: container healthchecks read its age. */
  XP_IMPORT_HEALTH_FILE: optionalPath,
}).superRefine(checkTemporalCombinations);
export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

/**
 * The shutdown grace when none is set: longer than any request may take. A request cut off at the
 * end of the grace may still be applied by the API, and the next worker sends it again (a possible
 * duplicate); with 30 s against a 60 s request timeout, a slow API's requests were.
 */
export function shutdownGraceMs(env: Pick<WorkerEnv, 'XP_IMPORT_SHUTDOWN_GRACE_MS' | 'XTREMEPUSH_REQUEST_TIMEOUT_MS'>): number {
  return env.XP_IMPORT_SHUTDOWN_GRACE_MS ?? env.XTREMEPUSH_REQUEST_TIMEOUT_MS + 10_000;
}

/** Formats zod issues as one line per variable, naming it and what is wrong. */
export function describeEnvIssues(error: z.ZodError): string {
  return issueLines(error, '(environment)')
    .map((line) => `  ${line}`)
    .join('\n');
}

/**
 * A file named by a setting (TEMPORAL_API_KEY_FILE, TEMPORAL_TLS_CA, ...) that cannot be used. The
 * worker and the client turn it into their configuration error: exit 2 with the variable named,
 * not the raw ENOENT of a read deep in the connection.
 */
export class SettingFileError extends Error {
  override name = 'SettingFileError';
}

/** Reads the file a variable names through the caller's `readFile` (no Node built-ins here: workflows load this module). */
export function readSettingFile(variable: string, file: string, readFile: (file: string) => Buffer): Buffer {
  let content: Buffer;
  try {
    content = readFile(file);
  } catch (error) {
    throw new SettingFileError(`${variable} points to ${file}, which cannot be read (${(error as { code?: string }).code ?? 'error'})`);
  }
  if (content.toString('utf8').trim() === '') throw new SettingFileError(`${variable} points to ${file}, which is empty`);
  return content;
}

/**
 * Connection options for the worker's NativeConnection and the client's Connection alike; throws
 * SettingFileError for a file that cannot be read. The env has passed TemporalEnvSchema, so a
 * certificate comes with its key and a CA only with TLS.
 */
export function temporalConnectionOptions(env: TemporalEnv, readFile: (file: string) => Buffer) {
  const read = (variable: keyof TemporalEnv, file: string) => readSettingFile(variable, file, readFile);
  const apiKey = env.TEMPORAL_API_KEY ?? (env.TEMPORAL_API_KEY_FILE ? read('TEMPORAL_API_KEY_FILE', env.TEMPORAL_API_KEY_FILE).toString('utf8').trim() : undefined);
  const tls = tlsOn(env)
    ? {
        serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME,
        serverRootCACertificate: env.TEMPORAL_TLS_CA ? read('TEMPORAL_TLS_CA', env.TEMPORAL_TLS_CA) : undefined,
        clientCertPair:
          env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY ? { crt: read('TEMPORAL_TLS_CERT', env.TEMPORAL_TLS_CERT), key: read('TEMPORAL_TLS_KEY', env.TEMPORAL_TLS_KEY) } : undefined,
      }
    : undefined;
  return { address: env.TEMPORAL_ADDRESS, tls, apiKey };
}
export type TemporalConnectionOptions = ReturnType<typeof temporalConnectionOptions>;

/**
 * A namespace the server does not have, as the worker's Worker.create and the client's
 * DescribeNamespace report it: one line saying what to do, not the RPC status with its binary
 * details. Undefined for any other error.
 */
export function namespaceMissingMessage(error: unknown, namespace: string, address: string): string | undefined {
  if (!(error instanceof Error) || !/Namespace \S+ (was not found|is not found)/.test(error.message)) return undefined;
  return `namespace "${namespace}" does not exist on the Temporal server at ${address}: create it (temporal operator namespace create --namespace ${namespace}) or set TEMPORAL_NAMESPACE`;
}

/**
 * `http://localhost:7233` is refused by the SDK as an "invalid address", which the worker and the client reported
 * as "cannot reach Temporal … is a server running?". Undefined for an address without a scheme.
 */
export function temporalAddressProblem(address: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(address);
  if (!scheme) return undefined;
  const hostPort = address.slice(scheme[0].length).replace(/\/+$/, '');
  return `TEMPORAL_ADDRESS=${address} has a scheme, but it is host:port without ${scheme[1]}://: set TEMPORAL_ADDRESS=${hostPort} (for TLS, add TEMPORAL_TLS=true rather than https://)`;
}

/**
 * Why Temporal could not be reached, in one line. The worker's native connection reports a Rust
 * transport error (`tonic::transport::Error(Transport, ConnectError(... message: "Connection
 * refused" ...))`); its `message: "..."` part is what an operator needs.
 */
export function temporalUnreachableMessage(address: string, error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const reason = /message: "([^"]+)"/.exec(text)?.[1] ?? text.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
  return `cannot reach Temporal at ${address} (${reason}); is a server running? (xp-import server, or set TEMPORAL_ADDRESS)`;
}

/**
 * The environment without empty values. Compose passes `X=` from an .env file as an empty string,
 * and an empty setting means "not set"; any value that is set is validated as it stands.
 */
export function withoutEmptyValues(source: Record<string, string | undefined>): Record<string, string> {
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) if (value !== undefined && value !== '') set[name] = value;
  return set;
}
