import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../sandbox';
import { execForm, readCompose, readDockerfile, readEnvExample, resolvedEnvironment, ROOT, run, service, stage, stageEnv, writeCompiledHealthFile } from './support';

/**
 * The commands the container files run, run here outside Docker exactly as written: the worker's
 * CMD, its healthcheck and the sandbox's healthcheck. Only what needs Docker itself is left out.
 */
const { doc } = readCompose();
const runtime = stage(readDockerfile(), 'runtime');
const imageEnv = stageEnv(runtime);
const workerEnv = resolvedEnvironment(service(doc, 'worker'), readEnvExample().active);
const cleanEnv = { PATH: process.env.PATH ?? '' };

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-deploy-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function healthcheckArgv(name: string): string[] {
  const test = service(doc, name).healthcheck?.test ?? [];
  expect(test[0]).toBe('CMD');
  return test.slice(1);
}

describe('the worker healthcheck command', () => {
  // The one-liner requires ./dist/workers/healthFile.js from the working directory (/app).
  const app = path.join(folder, 'app');
  writeCompiledHealthFile(app);
  const argv = healthcheckArgv('worker');
  const healthFile = path.join(folder, 'worker.health');
  const check = (env: Record<string, string>) => run(argv, { cwd: app, env: { ...cleanEnv, ...env } });

  it('passes while the worker beats', async () => {
    writeFileSync(healthFile, `${Date.now()}\n`);
    expect((await check({ XP_IMPORT_HEALTH_FILE: healthFile })).code).toBe(0);
  });

  it('fails once the last beat is older than 30 s', async () => {
    writeFileSync(healthFile, `${Date.now() - 31_000}\n`);
    expect((await check({ XP_IMPORT_HEALTH_FILE: healthFile })).code).toBe(1);
  });

  it('fails when the file is missing or its variable is unset', async () => {
    expect((await check({ XP_IMPORT_HEALTH_FILE: path.join(folder, 'never-written') })).code).toBe(1);
    expect((await check({})).code).toBe(1);
  });

  it('reads the file the image names', () => {
    expect(imageEnv.XP_IMPORT_HEALTH_FILE).toMatch(/^\/tmp\//);
  });
});

describe('the sandbox healthcheck command', () => {
  it('passes while the sandbox serves and fails once it is gone', async () => {
    const sandbox = await startSandbox({ port: 0 });
    const port = new URL(sandbox.url).port;
    // Same command; the sandbox here listens on a free port rather than the container's 8900.
    const argv = healthcheckArgv('sandbox').map((word) => word.replace(':8900/', `:${port}/`));
    try {
      expect((await run(argv, { cwd: folder, env: cleanEnv })).code).toBe(0);
    } finally {
      await sandbox.close();
    }
    expect((await run(argv, { cwd: folder, env: cleanEnv })).code).toBe(1);
  });
});

const built = existsSync(path.join(ROOT, 'dist', 'bin', 'xp-import.js'));

describe('the worker command (the image CMD, from the built output)', () => {
  it.skipIf(!built)('reads the compose environment and stops only at the missing secret file, exit code 2', async () => {
    const [cmd] = runtime.instructions.filter((i) => i.keyword === 'CMD');
    const missingSecret = path.join(folder, 'secrets', 'xtremepush_apptoken');
    const result = await run(execForm(cmd?.args ?? ''), {
      cwd: ROOT,
      env: { ...cleanEnv, ...imageEnv, ...workerEnv, XTREMEPUSH_APPTOKEN_FILE: missingSecret },
    });
    expect(result.code).toBe(2);
    // Every other variable passed validation: the one complaint is the unreadable secret.
    expect(result.stderr).toBe(`xp-import worker: XTREMEPUSH_APPTOKEN_FILE points to ${missingSecret}, which cannot be read (ENOENT)\n`);
  });
});
