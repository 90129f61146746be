import { z } from 'zod';
import { wholeNumber } from './wholeNumber';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS, DEFAULT_XTREMEPUSH_API_URL } from './limits';

/**
 * Settings read from the environment, validated once at start. The client and the worker share
 * the Temporal part; only the worker reads the Xtremepush part (the token never leaves it).
 */
const optionalPath = z.string().min(1).optional();
const positiveInt = wholeNumber(1);

/** A TCP port, from an environment variable or a flag. */
export const PortSchema = wholeNumber(1, 65535);

export const TemporalEnvSchema = z.object({
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
export type TemporalEnv = z.infer<typeof TemporalEnvSchema>;

export const REGION_URLS = {
  eu: DEFAULT_XTREMEPUSH_API_URL,
  us: 'https://api.us.xtremepush.com',
} as const;

export const WorkerEnvSchema = TemporalEnvSchema.extend({
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
  /** API calls per second across all workers of the task queue (Temporal enforces it server-side). */
  XP_IMPORT_API_RATE_LIMIT: z.coerce.number().positive().optional(),
  /** On SIGTERM, how long in-flight activities may take to finish before the worker exits. */
  XP_IMPORT_SHUTDOWN_GRACE_MS: positiveInt.default(30_000),
  XP_IMPORT_METRICS_PORT: PortSchema.optional(),
  XP_IMPORT_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  XP_IMPORT_WORKFLOW_BUNDLE: optionalPath,
  /** A file the worker rewrites every 10 s while it runs: container healthchecks read its age. */
  XP_IMPORT_HEALTH_FILE: optionalPath,
});
export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

/** Formats zod issues as one line per variable, naming it and what is wrong. */
export function describeEnvIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`).join('\n');
}

/**
 * Connection options for the worker's NativeConnection and the client's Connection alike. Files
 * are read through the caller's `readFile`, since this module also loads inside workflows.
 */
export function temporalConnectionOptions(env: TemporalEnv, readFile: (file: string) => Buffer) {
  const apiKey = env.TEMPORAL_API_KEY ?? (env.TEMPORAL_API_KEY_FILE ? readFile(env.TEMPORAL_API_KEY_FILE).toString('utf8').trim() : undefined);
  const useTls = env.TEMPORAL_TLS === 'true' || apiKey !== undefined || env.TEMPORAL_TLS_CERT !== undefined;
  const tls = useTls
    ? {
        serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME,
        serverRootCACertificate: env.TEMPORAL_TLS_CA ? readFile(env.TEMPORAL_TLS_CA) : undefined,
        clientCertPair: env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY ? { crt: readFile(env.TEMPORAL_TLS_CERT), key: readFile(env.TEMPORAL_TLS_KEY) } : undefined,
      }
    : undefined;
  return { address: env.TEMPORAL_ADDRESS, tls, apiKey };
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
