import { startSandbox, type SandboxOptionsInput } from '../sandbox';

/**
 * The sandbox in a process of its own, for the benchmark: `node dist/bench/sandboxProcess.js
 * '<SandboxOptionsInput as JSON>'`. Unlike `xp-import sandbox` it takes every option (count store,
 * request log size, task timing), so the sandbox's CPU is not the benchmark's and vice versa.
 * Readers use the admin endpoints (`/__sandbox/stats`, `/__sandbox/requests`).
 */
async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as SandboxOptionsInput;
  const sandbox = await startSandbox(options);
  process.stdout.write(`sandbox listening on ${sandbox.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await sandbox.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`sandbox process: ${(error as Error).message}\n`);
  process.exit(2);
});
