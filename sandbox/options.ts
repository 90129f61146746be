import { z } from 'zod';

/**
 * The sandbox's settings: zod schemas are the single definition behind startSandbox(), the CLI and
 * the admin config endpoint. The sandbox stands alone, so nothing here comes from common/.
 */

/** The API methods the sandbox answers, named as in the URL (`/api/external/<method>`, `/api/oauth/token`). */
export const API_METHODS = ['import/profile', 'info/task', 'list/task', 'list/profile', 'oauth/token'] as const;
export const ApiMethodSchema = z.enum(API_METHODS);
export type ApiMethod = z.infer<typeof ApiMethodSchema>;

const RateSchema = z.number().min(0).max(1);
const MillisSchema = z.number().min(0);

export const LatencySchema = z.union([
  MillisSchema,
  z.tuple([MillisSchema, MillisSchema]).refine(([min, max]) => min <= max, 'a latency range is [min, max] with min <= max'),
]);
export type Latency = z.infer<typeof LatencySchema>;

/** Rates of the faults that replace or disturb a response; they share one draw, so they must add up to at most 1. */
export const REQUEST_FAULT_RATES = ['rateLimit', 'serverError', 'reset', 'slowRate', 'dropAfterApply', 'gatewayAfterApply', 'garbledAfterApply', 'firewallRefusal'] as const;

export const FaultConfigSchema = z
  .object({
    /** Seeds every pseudo-random stream: the same seed and request sequence give the same faults. */
    seed: z.number().int().default(1),
    /** Delay before answering any API method: a number, or [min, max] drawn per request. */
    latencyMs: LatencySchema.default(0),
    /** Methods the request fault rates apply to. */
    faultMethods: z.array(ApiMethodSchema).default(['import/profile']),
    /** Share of requests answered 429. */
    rateLimit: RateSchema.default(0),
    /** Share of the 429s that carry a `Retry-After` header. */
    retryAfterShare: RateSchema.default(0.5),
    retryAfterSeconds: z.number().int().min(0).default(1),
    /** Share of requests answered with one of `serverErrorStatuses`. */
    serverError: RateSchema.default(0),
    serverErrorStatuses: z.array(z.number().int().min(500).max(599)).min(1).default([500, 502, 503]),
    /** Share of requests whose connection is reset without an answer; nothing is applied. */
    reset: RateSchema.default(0),
    /** Share of requests answered only after `slowResponseMs`; the request IS applied. */
    slowRate: RateSchema.default(0),
    slowResponseMs: MillisSchema.default(10_000),
    /** Share of requests applied (or accepted as a task) whose connection then drops before the answer. */
    dropAfterApply: RateSchema.default(0),
    /** Share of requests applied (or accepted as a task) that a gateway then answers with its HTML 504 page. */
    gatewayAfterApply: RateSchema.default(0),
    /** Share of requests applied (or accepted as a task) whose answer arrives cut short (its status, half its JSON). */
    garbledAfterApply: RateSchema.default(0),
    /** Share of requests refused by a firewall in front of the API with its HTML 403 page; nothing is applied. */
    firewallRefusal: RateSchema.default(0),
    /** Share of tasks that end `failed`; their rows are not applied. */
    taskFailRate: RateSchema.default(0),
    /** Share of tasks that stay `processing` until a new config no longer asks for stuck tasks. */
    stuckTaskRate: RateSchema.default(0),
    /** Task IDs that stay `processing` while they are listed. */
    stuckTaskIds: z.array(z.union([z.number(), z.string()])).default([]),
    /** Identity values: every task whose rows include one of them fails. */
    failTasksContaining: z.array(z.string()).default([]),
    /** Identity values: a request with a row for one of them is answered 400 "Invalid rows" and applies nothing. */
    rejectIdentities: z.array(z.string()).default([]),
    /** Apptokens answered 403 (valid but not authorised for the API). */
    forbiddenTokens: z.array(z.string()).default([]),
    /** A token revoked mid-import: once this many import requests were accepted (since this config), the apptoken is answered 401. */
    revokeTokenAfterImports: z.number().int().min(0).nullable().default(null),
  })
  .strict()
  .refine((config) => REQUEST_FAULT_RATES.reduce((sum, rate) => sum + config[rate], 0) <= 1, {
    message: `${REQUEST_FAULT_RATES.join(' + ')} must add up to at most 1`,
  });
export type FaultConfig = z.infer<typeof FaultConfigSchema>;
export type FaultConfigInput = z.input<typeof FaultConfigSchema>;

export const OAuthOptionsSchema = z
  .object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    tokenLifetimeMs: z.number().int().min(1).default(3_600_000),
  })
  .strict();
export type OAuthOptions = z.infer<typeof OAuthOptionsSchema>;

export const TaskTimingSchema = z
  .object({
    queuedMs: MillisSchema.default(20),
    /** A number, or [min, max] drawn per task (tasks whose times vary, as a real queue's do). */
    processingMs: LatencySchema.default(50),
  })
  .strict();

/** The token the sandbox takes unless told another (`--apptoken`); `dev` and `demo` use it. */
export const DEFAULT_SANDBOX_TOKEN = 'sandbox-token';

export const SandboxOptionsSchema = z
  .object({
    /** 0 picks a free port. */
    port: z.number().int().min(0).max(65_535).default(0),
    host: z.string().min(1).default('127.0.0.1'),
    apptoken: z.string().min(1).default(DEFAULT_SANDBOX_TOKEN),
    /** 'count' keeps counters and a compact set of identity hashes instead of profiles: for large benchmarks. */
    store: z.enum(['full', 'count']).default('full'),
    /** Enables `POST /api/oauth/token` and `Authorization: Bearer` tokens. */
    oauth: OAuthOptionsSchema.optional(),
    taskTiming: TaskTimingSchema.prefault({}),
    /** 'not-found' answers info/task with 404, so clients must fall back to list/task. */
    infoTaskMode: z.enum(['info', 'not-found']).default('info'),
    /** 'string' hands out task IDs like "task-7", to exercise clients that must not assume numbers. */
    taskIds: z.enum(['number', 'string']).default('number'),
    /** Most recent request log entries kept; 0 keeps none. */
    requestLogLimit: z.number().int().min(0).default(100_000),
    /** Largest request body accepted (413 beyond). */
    maxBodyBytes: z.number().int().min(1).default(64 * 1024 * 1024),
    faults: FaultConfigSchema.prefault({}),
  })
  .strict();
export type SandboxOptions = z.infer<typeof SandboxOptionsSchema>;
export type SandboxOptionsInput = z.input<typeof SandboxOptionsSchema>;

/** Invalid sandbox options or fault settings; `issues` says which field and why. */
export class SandboxConfigError extends Error {
  override readonly name = 'SandboxConfigError';
  constructor(readonly issues: string) {
    super(`invalid sandbox settings: ${issues}`);
  }
}

/** Parses with a schema, turning a zod failure into a SandboxConfigError. */
export function parseSettings<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new SandboxConfigError(z.prettifyError(result.error));
  return result.data;
}
