import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkerEnvSchema } from '../../../common/config';
import { WORKER_NODE_FLAGS } from '../../../workers/nodeFlags';
import { execForm, readCompose, readDockerfile, ROOT, service, stage, stageEnv } from './support';

const dockerfile = readDockerfile();
const runtime = stage(dockerfile, 'runtime');
const { doc } = readCompose();
const worker = service(doc, 'worker');

function instructions(stageName: string, keyword: string): string[] {
  return stage(dockerfile, stageName)
    .instructions.filter((i) => i.keyword === keyword)
    .map((i) => i.args);
}

describe('Dockerfile', () => {
  it('builds every stage from node:20-bookworm-slim (glibc, for the core-bridge native library)', () => {
    expect(dockerfile.args.NODE_IMAGE).toBe('node:20-bookworm-slim');
    expect(dockerfile.stages.map((s) => s.from)).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim', 'node:20-bookworm-slim']);
  });

  it('has a build, a production-dependencies and a runtime stage; runtime is last, the default target', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    expect(worker.build?.target).toBe('runtime');
  });

  it('compiles and prebuilds the workflow bundle in the build stage', () => {
    expect(instructions('build', 'RUN')).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b/), 'npm run build']));
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.build).toContain('bundleWorkflows');
  });

  it('ships only production dependencies and the built output', () => {
    expect(instructions('deps', 'RUN').join(' ')).toMatch(/npm ci --omit=dev/);
    expect(instructions('runtime', 'RUN').join(' ')).not.toMatch(/npm (ci|install)/);
    expect(instructions('runtime', 'COPY')).toEqual(
      expect.arrayContaining(['--from=deps /app/node_modules ./node_modules', '--from=build /app/dist ./dist']),
    );
    expect(instructions('runtime', 'COPY').filter((args) => !args.startsWith('--from='))).toEqual(['package.json ./']);
  });

  it('runs in /app as the unprivileged node user, with NODE_ENV=production', () => {
    expect(instructions('runtime', 'WORKDIR')).toEqual(['/app']);
    expect(instructions('runtime', 'USER')).toEqual(['node']);
    expect(stageEnv(runtime).NODE_ENV).toBe('production');
    // USER comes after every RUN, so nothing at run time has root's rights.
    const keywords = runtime.instructions.map((i) => i.keyword);
    expect(keywords.lastIndexOf('RUN')).toBeLessThan(keywords.indexOf('USER'));
  });

  it('starts the worker exactly as the compose file and the bench do, through the package bin', () => {
    const [cmd] = instructions('runtime', 'CMD');
    expect(execForm(cmd ?? '')).toEqual(['node', ...WORKER_NODE_FLAGS, 'dist/bin/xp-import.js', 'worker']);
    expect(WORKER_NODE_FLAGS).toContain('--max-semi-space-size=4');
    expect(worker.command).toEqual(execForm(cmd ?? ''));
    const bin = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
    expect(bin['xp-import']).toBe('dist/bin/xp-import.js');
  });

  it('has the same healthcheck as the compose worker', () => {
    const [healthcheck] = instructions('runtime', 'HEALTHCHECK');
    expect(healthcheck).toMatch(/--interval=\d+s/);
    expect(['CMD', ...execForm(healthcheck ?? '')]).toEqual(worker.healthcheck?.test);
  });

  it('sets only variables the worker reads, and folders that match the compose mounts', () => {
    const env = stageEnv(runtime);
    const known = Object.keys(WorkerEnvSchema.shape);
    // XP_IMPORT_HEALTH_FILE fails here until WorkerEnvSchema lists it (the worker must read it to write the file).
    expect(Object.keys(env).filter((name) => name !== 'NODE_ENV' && !known.includes(name))).toEqual([]);
    const targets = (worker.volumes ?? []).map((m) => m.target);
    expect(targets).toEqual(expect.arrayContaining([env.XP_IMPORT_DATA_DIR, env.XP_IMPORT_REPORT_DIR]));
    // The health file must be writable under the compose worker's read-only root filesystem.
    expect(worker.read_only).toBe(true);
    expect(worker.tmpfs).toContain(path.posix.dirname(env.XP_IMPORT_HEALTH_FILE ?? ''));
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('keeps secrets, customer data, local state and build output out of the build context', () => {
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'secrets', 'data', 'reports', '.data', 'node_modules', 'dist', '.git']));
  });

  it('keeps what the build needs', () => {
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'workflows', 'workers', 'common']) {
      expect(ignored).not.toContain(needed);
    }
  });
});
