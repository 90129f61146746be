import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerEnvSchema } from '../../../common/config';
import { SEARCH_ATTRIBUTES } from '../../../common/searchAttributes';
import { sandboxOptionsFromArgs } from '../../../sandbox';
import { loadWorkerConfig } from '../../../workers/config';
import { SERVER_DYNAMIC_CONFIG } from '../../../workers/devServer';
import { parse } from 'yaml';
import { commandText, interpolate, readCompose, readEnvExample, resolvedEnvironment, service } from './support';

const { raw, doc } = readCompose();
const vars = readEnvExample().active;
const workerEnv = resolvedEnvironment(service(doc, 'worker'), vars);

const LONG_RUNNING = ['postgres', 'temporal', 'temporal-ui', 'worker', 'sandbox'];
const ONE_SHOT = ['temporal-schema', 'temporal-namespace', 'temporal-search-attributes'];

/** Each service's dependencies and the condition it waits for. */
const EXPECTED_DEPENDENCIES: Record<string, Record<string, string>> = {
  postgres: {},
  'temporal-schema': { postgres: 'service_healthy' },
  temporal: { 'temporal-schema': 'service_completed_successfully' },
  'temporal-namespace': { temporal: 'service_healthy' },
  'temporal-search-attributes': { 'temporal-namespace': 'service_completed_successfully' },
  'temporal-ui': { temporal: 'service_healthy' },
  worker: { temporal: 'service_healthy', 'temporal-search-attributes': 'service_completed_successfully' },
  sandbox: {},
};

let folder: string | undefined;
afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Container port -> [host ip, host port] of a service's published ports, interpolated. */
function published(name: string): Map<string, [string, string]> {
  const ports = new Map<string, [string, string]>();
  for (const spec of service(doc, name).ports ?? []) {
    const [ip = '', host = '', container = ''] = interpolate(spec, vars).split(':');
    ports.set(container, [ip, host]);
  }
  return ports;
}

function durationMs(text: string): number {
  const [, amount = 'NaN', unit = ''] = /^(\d+)(ms|s|m)$/.exec(text) ?? [];
  return Number(amount) * ({ ms: 1, s: 1000, m: 60_000 }[unit] ?? Number.NaN);
}

describe('docker-compose.yml: the stack', () => {
  it('has the database, Temporal and its setup, the UI, the workers and the sandbox, and nothing else', () => {
    expect(Object.keys(doc.services).sort()).toEqual([...LONG_RUNNING, ...ONE_SHOT].sort());
  });

  it.each(LONG_RUNNING)('%s keeps running: restarted, with a healthcheck', (name) => {
    const svc = service(doc, name);
    expect(svc.restart).toBe('unless-stopped');
    expect(svc.healthcheck?.test[0]).toMatch(/^CMD(-SHELL)?$/);
  });

  it.each(ONE_SHOT)('%s runs once: never restarted, no healthcheck, others wait for it to succeed', (name) => {
    const svc = service(doc, name);
    expect(svc.restart).toBe('no');
    expect(svc.healthcheck).toBeUndefined();
    const waiting = Object.values(doc.services).filter((other) => other.depends_on?.[name]);
    expect(waiting.length).toBeGreaterThan(0);
    for (const other of waiting) expect(other.depends_on?.[name]?.condition).toBe('service_completed_successfully');
  });

  it.each(Object.entries(EXPECTED_DEPENDENCIES))('%s waits for exactly its dependencies, healthy or completed', (name, expected) => {
    const actual = Object.fromEntries(Object.entries(service(doc, name).depends_on ?? {}).map(([dep, { condition }]) => [dep, condition]));
    expect(actual).toEqual(expected);
  });

  it('starts postgres, schema, server, namespace, search attributes, then the workers', () => {
    // Depth of each service in the dependency graph: a service starts after everything shallower.
    const depth = (name: string, seen: string[] = []): number => {
      if (seen.includes(name)) throw new Error(`dependency cycle: ${[...seen, name].join(' -> ')}`);
      const deps = Object.keys(service(doc, name).depends_on ?? {});
      return deps.length === 0 ? 0 : 1 + Math.max(...deps.map((dep) => depth(dep, [...seen, name])));
    };
    const chain = ['postgres', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-search-attributes', 'worker'];
    expect(chain.map((name) => depth(name))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(depth('temporal-ui')).toBeGreaterThan(depth('temporal'));
  });

  it('publishes the Temporal UI on 8080 and the frontend on 7233, on loopback unless PUBLISH_IP says otherwise', () => {
    expect(published('temporal-ui').get('8080')).toEqual(['127.0.0.1', '8080']);
    expect(published('temporal').get('7233')).toEqual(['127.0.0.1', '7233']);
    expect(service(doc, 'postgres').ports).toBeUndefined();
    expect(service(doc, 'worker').ports).toBeUndefined();
    expect(interpolate(service(doc, 'temporal-ui').ports?.[0] ?? '', { PUBLISH_IP: '10.1.2.3' })).toBe('10.1.2.3:8080:8080');
  });

  it("keeps postgres's data in its volume whatever the image's default (postgres 18 moved it, and refuses a volume at the old path)", () => {
    const postgres = service(doc, 'postgres');
    const volume = (postgres.volumes as Array<{ type: string; target: string }>).find((v) => v.type === 'volume');
    expect(volume?.target).toBeDefined();
    expect((postgres.environment as Record<string, string>).PGDATA).toBe(volume?.target);
  });

  it('pins every pulled image to a version, the same one for the Temporal server and admin-tools', () => {
    const tags = new Map<string, string>();
    for (const svc of Object.values(doc.services)) {
      if (svc.build) continue;
      const [repository = '', tag = ''] = interpolate(svc.image, vars).split(':');
      expect(tag, repository).toMatch(/^\d+(\.\d+)*$/);
      tags.set(repository, tag);
    }
    expect(tags.get('temporalio/admin-tools')).toBe(tags.get('temporalio/server'));
    expect([...tags.keys()].sort()).toEqual(['postgres', 'temporalio/admin-tools', 'temporalio/server', 'temporalio/ui']);
  });

  it('documents the same defaults in the compose file and in .env.example', () => {
    for (const [, name = '', fallback = ''] of raw.matchAll(/\$\{([A-Z_][A-Z0-9_]*):-([^}]*)\}/g)) {
      if (vars[name] !== undefined) expect(vars[name], name).toBe(fallback);
    }
  });

  it('creates and migrates both Temporal databases with temporal-sql-tool, from admin-tools', () => {
    const schema = service(doc, 'temporal-schema');
    expect(schema.image).toMatch(/^temporalio\/admin-tools:/);
    const script = commandText(schema);
    for (const db of ['temporal', 'temporal_visibility']) {
      for (const step of ['create', 'setup-schema -v 0.0', 'update-schema -d']) expect(script).toContain(`temporal-sql-tool --db ${db} ${step}`);
    }
    expect(script).toContain('set -eu');
  });

  it('gives the Temporal server a dynamic config file, which its image lacks', () => {
    const temporal = service(doc, 'temporal');
    const target = temporal.environment?.DYNAMIC_CONFIG_FILE_PATH;
    expect(target).toMatch(/^\//);
    const mounts = (temporal.configs as Array<{ source: string; target: string }> | undefined) ?? [];
    expect(mounts.map((m) => m.target)).toContain(target);
    for (const m of mounts) expect(doc.configs?.[m.source]?.content).toBeTypeOf('string');
  });

  it("sets the server's dynamic config as the dev server does", () => {
    const mount = (service(doc, 'temporal').configs as Array<{ source: string }>)[0] as { source: string };
    const settings = parse(doc.configs?.[mount.source]?.content as string) as Record<string, Array<{ value: unknown }>>;
    const values = Object.fromEntries(Object.entries(settings).map(([key, constrained]) => [key, constrained.map((c) => c.value)]));
    expect(values).toEqual(Object.fromEntries(Object.entries(SERVER_DYNAMIC_CONFIG).map(([key, value]) => [key, [value]])));
  });

  it('registers exactly the search attributes of common/searchAttributes.ts, after the namespace exists', () => {
    const script = commandText(service(doc, 'temporal-search-attributes'));
    expect(script).toContain('temporal operator search-attribute create');
    const registered = [...script.matchAll(/--name\s+(\w+)\s+--type\s+(\w+)/g)].map(([, name, type]) => ({ name, cliType: type }));
    expect(registered).toEqual(SEARCH_ATTRIBUTES);
    expect(commandText(service(doc, 'temporal-namespace'))).toContain('temporal operator namespace create');
  });
});

describe('docker-compose.yml: the worker', () => {
  const worker = service(doc, 'worker');

  it('is built from the Dockerfile runtime stage and runs several replicas', () => {
    expect(worker.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile', target: 'runtime' });
    expect(Number(interpolate(String(worker.deploy?.replicas), vars))).toBeGreaterThanOrEqual(2);
    expect(worker.container_name).toBeUndefined();
  });

  it('names only variables the worker reads (WorkerEnvSchema)', () => {
    const known = Object.keys(WorkerEnvSchema.shape);
    const unknown = Object.keys(worker.environment ?? {}).filter((name) => !known.includes(name));
    expect(unknown).toEqual([]);
  });

  it('gets an environment from .env.example that the worker accepts', () => {
    const parsed = WorkerEnvSchema.safeParse(workerEnv);
    expect(parsed.error?.issues ?? []).toEqual([]);
    folder ??= mkdtempSync(path.join(tmpdir(), 'xp-import-deploy-'));
    const token = path.join(folder, 'token');
    writeFileSync(token, 'placeholder-for-the-test\n');
    const config = loadWorkerConfig({ ...workerEnv, XTREMEPUSH_APPTOKEN_FILE: token });
    expect(config.auth.kind).toBe('apptoken');
    expect(config.dataDir).toBe('/data');
    expect(config.reportDir).toBe('/reports');
    expect(config.env.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('leaves optional settings unset rather than empty, and passes them on when .env sets them', () => {
    for (const name of ['XTREMEPUSH_REGION', 'XTREMEPUSH_API_URL', 'XP_IMPORT_API_RATE_LIMIT']) {
      expect(worker.environment?.[name]).toBeNull();
      expect(workerEnv).not.toHaveProperty(name);
    }
    const withRegion = resolvedEnvironment(worker, { ...vars, XTREMEPUSH_REGION: 'us', XP_IMPORT_API_RATE_LIMIT: '20' });
    expect(WorkerEnvSchema.parse(withRegion)).toMatchObject({ XTREMEPUSH_REGION: 'us', XP_IMPORT_API_RATE_LIMIT: 20 });
  });

  it('reads the apptoken from a Docker secret file, never from a variable', () => {
    const [secret] = worker.secrets ?? [];
    expect(worker.secrets).toHaveLength(1);
    expect(workerEnv.XTREMEPUSH_APPTOKEN_FILE).toBe(`/run/secrets/${secret?.target}`);
    const source = doc.secrets?.[secret?.source ?? ''];
    expect(source?.file).toBeTypeOf('string');
    expect(source?.environment).toBeUndefined();
  });

  it('mounts the data folder read-only and the shared report volume writable, where its settings point', () => {
    const mounts = worker.volumes ?? [];
    const data = mounts.find((m) => m.target === workerEnv.XP_IMPORT_DATA_DIR);
    const reports = mounts.find((m) => m.target === workerEnv.XP_IMPORT_REPORT_DIR);
    expect(data).toMatchObject({ type: 'bind', read_only: true });
    expect(reports).toMatchObject({ type: 'volume' });
    expect(reports?.read_only).not.toBe(true);
    expect(Object.keys(doc.volumes ?? {})).toContain(reports?.source);
  });

  it('stops only after its shutdown grace time, itself longer than a request may take, so in-flight requests finish', () => {
    const grace = Number(workerEnv.XP_IMPORT_SHUTDOWN_GRACE_MS);
    expect(durationMs(worker.stop_grace_period ?? '')).toBeGreaterThan(grace);
    // Before, 30 s against 60 s: a slow request was cut off at SIGTERM, and sent again by the next worker.
    expect(grace).toBeGreaterThan(Number(workerEnv.XTREMEPUSH_REQUEST_TIMEOUT_MS));
  });
});

describe('docker-compose.yml: secrets and the sandbox', () => {
  it('sets no token, client secret or API key as a variable in any service', () => {
    for (const [name, svc] of Object.entries(doc.services)) {
      const secretLike = Object.keys(svc.environment ?? {}).filter((key) => /(APPTOKEN|CLIENT_SECRET|API_KEY)$/.test(key));
      expect(secretLike, name).toEqual([]);
    }
    expect(raw).not.toMatch(/--apptoken/);
  });

  it('runs the sandbox only under the opt-in profile `sandbox`; nothing else has a profile', () => {
    expect(service(doc, 'sandbox').profiles).toEqual(['sandbox']);
    const profiled = Object.entries(doc.services).filter(([, svc]) => svc.profiles).map(([name]) => name);
    expect(profiled).toEqual(['sandbox']);
  });

  it('does not make the workers wait for or call the sandbox by default', () => {
    for (const svc of Object.values(doc.services)) expect(svc.depends_on?.sandbox).toBeUndefined();
    expect(Object.values(workerEnv).filter((value) => value.includes('sandbox'))).toEqual([]);
    expect(JSON.stringify(service(doc, 'worker').environment)).not.toContain('sandbox');
  });

  it('runs the sandbox from the worker image with flags the sandbox accepts', () => {
    const sandbox = service(doc, 'sandbox');
    expect(sandbox.image).toBe(service(doc, 'worker').image);
    expect(sandbox.build).toEqual(service(doc, 'worker').build);
    expect(sandbox.command).toEqual(['node', 'dist/bin/xp-import.js', 'sandbox', '--port', '8900', '--host', '0.0.0.0']);
    const args = Array.isArray(sandbox.command) ? sandbox.command.slice(3) : [];
    expect(sandboxOptionsFromArgs(args)).toMatchObject({ port: 8900, host: '0.0.0.0' });
    expect(published('sandbox').get('8900')).toEqual(['127.0.0.1', '8900']);
  });
});
