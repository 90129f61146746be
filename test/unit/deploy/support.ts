import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Reads the deployment files the way Docker Compose and Docker read them, closely enough to check
 * them without a Docker engine: docker-compose.yml (YAML, then `${VAR}` interpolation from
 * .env.example), .env.example itself, and the Dockerfile's stages and instructions.
 */
export const ROOT = path.resolve(__dirname, '../../..');

// ---- docker-compose.yml ------------------------------------------------------------------------

const CommandSchema = z.union([z.string(), z.array(z.string())]);
const HealthcheckSchema = z.looseObject({ test: z.array(z.string()).min(2) });
const DependsOnSchema = z.record(z.string(), z.looseObject({ condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']) }));
const VolumeMountSchema = z.looseObject({ type: z.enum(['bind', 'volume', 'tmpfs']), source: z.string().optional(), target: z.string(), read_only: z.boolean().optional() });

const ServiceSchema = z.looseObject({
  image: z.string(),
  build: z.looseObject({ context: z.string(), dockerfile: z.string().optional(), target: z.string().optional() }).optional(),
  command: CommandSchema.optional(),
  entrypoint: CommandSchema.optional(),
  restart: z.string().optional(),
  profiles: z.array(z.string()).optional(),
  depends_on: DependsOnSchema.optional(),
  /** Key-only entries (`KEY:`) parse as null: Compose passes them from .env or the shell. */
  environment: z.record(z.string(), z.union([z.string(), z.null()])).optional(),
  ports: z.array(z.string()).optional(),
  healthcheck: HealthcheckSchema.optional(),
  volumes: z.array(VolumeMountSchema).optional(),
  secrets: z.array(z.looseObject({ source: z.string(), target: z.string() })).optional(),
  deploy: z.looseObject({ replicas: z.union([z.string(), z.number()]).optional() }).optional(),
  stop_grace_period: z.string().optional(),
  read_only: z.boolean().optional(),
  tmpfs: z.array(z.string()).optional(),
  user: z.string().optional(),
});
export type ComposeService = z.infer<typeof ServiceSchema>;

const ComposeSchema = z.looseObject({
  services: z.record(z.string(), ServiceSchema),
  volumes: z.record(z.string(), z.unknown()).optional(),
  secrets: z.record(z.string(), z.looseObject({ file: z.string().optional(), environment: z.string().optional() })).optional(),
  configs: z.record(z.string(), z.looseObject({ content: z.string().optional() })).optional(),
});
export type ComposeFile = z.infer<typeof ComposeSchema>;

export function readCompose(): { raw: string; doc: ComposeFile } {
  const raw = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  return { raw, doc: ComposeSchema.parse(parse(raw)) };
}

export function service(doc: ComposeFile, name: string): ComposeService {
  const found = doc.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** A service's command as one string (a `sh -c` script, or the words of an exec-form command). */
export function commandText(svc: ComposeService): string {
  const command = svc.command ?? [];
  return typeof command === 'string' ? command : command.join(' ');
}

// ---- interpolation -----------------------------------------------------------------------------

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}` and `$$`. */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(REFERENCE, (match: string, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (match === '$$' || name === undefined) return '$';
    const value = vars[name];
    if (op === undefined) return value ?? '';
    const missing = op.startsWith(':') ? value === undefined || value === '' : value === undefined;
    if (op.endsWith('-')) return missing ? (arg ?? '') : (value ?? '');
    if (missing) throw new Error(`required variable ${name}: ${arg ?? ''}`);
    return value ?? '';
  });
}

/** Names the compose file reads from .env: every `${VAR…}` and every key-only environment entry. */
export function composeVariables(raw: string, doc: ComposeFile): Set<string> {
  const names = new Set<string>();
  for (const match of raw.matchAll(REFERENCE)) if (match[1]) names.add(match[1]);
  for (const svc of Object.values(doc.services)) {
    for (const [key, value] of Object.entries(svc.environment ?? {})) if (value === null) names.add(key);
  }
  return names;
}

/** A service's environment as its container would get it, with `vars` standing in for .env. */
export function resolvedEnvironment(svc: ComposeService, vars: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(svc.environment ?? {})) {
    if (value === null) {
      if (vars[key] !== undefined) env[key] = vars[key];
    } else {
      env[key] = interpolate(value, vars);
    }
  }
  return env;
}

// ---- .env.example --------------------------------------------------------------------------------

export interface EnvExample {
  lines: string[];
  /** `NAME=value` lines: what `cp .env.example .env` sets. */
  active: Record<string, string>;
  /** Active names and commented-out `# NAME=value` examples alike, in file order. */
  documented: string[];
}

export const ACTIVE_LINE = /^([A-Z][A-Z0-9_]*)=(.*)$/;
export const COMMENTED_LINE = /^#\s*([A-Z][A-Z0-9_]*)=(.*)$/;

export function readEnvExample(): EnvExample {
  const lines = readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n');
  const active: Record<string, string> = {};
  const documented: string[] = [];
  for (const line of lines) {
    const on = ACTIVE_LINE.exec(line);
    const off = COMMENTED_LINE.exec(line);
    if (on?.[1] !== undefined) {
      active[on[1]] = on[2] ?? '';
      documented.push(on[1]);
    } else if (off?.[1] !== undefined) {
      documented.push(off[1]);
    }
  }
  return { lines, active, documented };
}

// ---- Dockerfile ----------------------------------------------------------------------------------

export interface Instruction {
  keyword: string;
  args: string;
}
export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}
export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  args: Record<string, string>;
  stages: Stage[];
}

/** Instructions with continuation lines joined and comments dropped, grouped into stages. */
export function readDockerfile(): Dockerfile {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const logical: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    // Docker drops comment lines everywhere, even inside a continued instruction.
    if (/^\s*#/.test(line)) continue;
    const trimmed = line.trimEnd();
    if (trimmed.endsWith('\\')) {
      pending += `${trimmed.slice(0, -1)} `;
      continue;
    }
    const whole = `${pending}${trimmed}`.trim();
    pending = '';
    if (whole !== '') logical.push(whole);
  }
  const result: Dockerfile = { args: {}, stages: [] };
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, from = '', name = ''] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      result.stages.push({ name, from: interpolate(from, result.args), instructions: [] });
    } else if (result.stages.length === 0 && upper === 'ARG') {
      const [name = '', value = ''] = args.split('=');
      result.args[name] = value;
    } else {
      result.stages.at(-1)?.instructions.push({ keyword: upper, args });
    }
  }
  return result;
}

export function stage(dockerfile: Dockerfile, name: string): Stage {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage ${name}`);
  return found;
}

/** `ENV A=1 B=2` instructions of a stage, merged. */
export function stageEnv(s: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of s.instructions) {
    if (keyword !== 'ENV') continue;
    for (const pair of args.split(/\s+/)) {
      const [name = '', ...value] = pair.split('=');
      env[name] = value.join('=');
    }
  }
  return env;
}

/** The JSON array of an exec-form CMD, or of a HEALTHCHECK's CMD after its options. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return z.array(z.string()).parse(JSON.parse(json));
}

// ---- running the commands the files name -------------------------------------------------------

/**
 * Compiles workers/healthFile.ts into `<dir>/dist/workers/healthFile.js`, where the healthcheck's
 * one-liner requires it from, so that the exact healthcheck command can run in `dir`.
 */
export function writeCompiledHealthFile(dir: string): string {
  const source = readFileSync(path.join(ROOT, 'workers', 'healthFile.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const out = path.join(dir, 'dist', 'workers', 'healthFile.js');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, outputText);
  return out;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `argv` (argv[0] `node` means this Node) and collects its output. */
export function run(argv: string[], options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<RunResult> {
  const [command = '', ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command === 'node' ? process.execPath : command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
