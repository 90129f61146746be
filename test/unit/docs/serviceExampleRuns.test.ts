import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevStack, type DevStack } from '../../../bin/devStack';
import { freePort } from '../../../workers/devServer';
import { readmeSpecifiers, root, serviceExample } from './readme';

const run = promisify(execFile);

/**
 * A service that installs xp-import as the README says (`npm install /path/to/xp-import`, from a
 * built clone: `npm test` builds first) and runs the README's example as written, in an .mjs file,
 * with node. Before, the example's paths had no `.js`: node refused them (ERR_MODULE_NOT_FOUND) in
 * an ES module, and top-level await is refused in CommonJS, so it could not run either way.
 */
describe("the README's example for a Node service, run with node", () => {
  let service: string;
  let stack: DevStack;

  beforeAll(async () => {
    service = mkdtempSync(path.join(os.tmpdir(), 'xp-service-run-'));
    writeFileSync(path.join(service, 'package.json'), JSON.stringify({ name: 'service', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', root], { cwd: service, stdio: 'pipe' });
    stack = await startDevStack({ port: await freePort(), headless: true, quiet: true, dataDir: path.join(service, 'data'), reportDir: path.join(service, 'reports') });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(service, { recursive: true, force: true });
  });

  it('imports every module the README names from outside the repository', async () => {
    const specifiers = readmeSpecifiers();
    expect(specifiers.length).toBeGreaterThan(2);
    const script = `for (const s of ${JSON.stringify(specifiers)}) await import(s);`;
    await expect(run(process.execPath, ['--input-type=module', '-e', script], { cwd: service })).resolves.toBeDefined();
  });

  it('imports a file through a worker and prints its progress and report', async () => {
    writeFileSync(path.join(stack.dataDir, 'customers.csv'), 'user_id,email,email_subscription\nu1,ann@example.com,1\nu2,bob@example.com,1\n');
    writeFileSync(path.join(service, 'service.mjs'), serviceExample());
    const env = { PATH: process.env.PATH, TEMPORAL_ADDRESS: stack.env.TEMPORAL_ADDRESS, XP_IMPORT_TASK_QUEUE: stack.env.XP_IMPORT_TASK_QUEUE, XP_IMPORT_DATA_DIR: stack.dataDir };
    const { stdout } = await run(process.execPath, ['service.mjs'], { cwd: service, env, timeout: 60_000 });
    expect(stdout).toMatch(/^customers-\S+: completed$/m);
    // Two rows end within the wait's first second: its one progress line may come before the inspection counted them.
    expect(stdout).toMatch(/^\d\/(2|\?) rows$/m);
  }, 90_000);
});
