import { spawn, execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli';

describe('npm run demo', () => {
  // The shell's TEMPORAL_NAMESPACE and XP_IMPORT_TASK_QUEUE are for another cluster: a reviewer saw the
  // demo's worker take them while its client did not, and the demo hang. Its XTREMEPUSH_* are for the
  // real API (the README has them exported): the demo refused to start, "not both" of two it did not set.
  it('starts the local stack, imports its generated sample, prints the report and the UI address, and exits 0, whatever the shell sets for Temporal and Xtremepush', async () => {
    const shell = { TEMPORAL_NAMESPACE: 'imports', XP_IMPORT_TASK_QUEUE: 'demo-elsewhere', XTREMEPUSH_APPTOKEN_FILE: '/etc/hostname', XTREMEPUSH_REGION: 'us' };
    // On ports of its own: another Temporal may have 7233 (before, the demo could only take that one).
    const result = await runCli(['demo', '--rows', '3000', '--port', '27233'], shell, 240_000);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/import demo-\d+: completed/);
    expect(result.stdout).toMatch(/rows\s+3,000 total: 3,000 imported, 0 rejected, 0 skipped/);
    expect(result.stdout).toMatch(/sandbox now holds 3,000 profiles/);
    // Its own server stops with it: the address given is the one `xp-import server` will serve.
    expect(result.stdout).toMatch(/Temporal UI, once `xp-import server --db-file \.data\/demo\/temporal\.db --port 27233` runs: http:\/\/localhost:28233\/namespaces\/default\/workflows\/demo-\d+ /);
  });

  it('on SIGTERM stops its Temporal server and exits, as dev does', async () => {
    const demo = spawn(process.execPath, [CLI, 'demo', '--rows', '20000'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));
    // This line comes once the stack, its server child included, is up and the sample is written.
    await new Promise<void>((resolve) => demo.stderr.on('data', (chunk: Buffer) => chunk.toString('utf8').includes('generated') && resolve()));
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(demo.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    expect(children.length).toBeGreaterThan(0);
    demo.kill('SIGTERM');
    // Killed by the signal, it would have no exit code (and leave its server running).
    expect(await exited).not.toBeNull();
    const alive = children.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
