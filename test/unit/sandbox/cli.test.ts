import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { runSandboxCommand, sandboxOptionsFromArgs, SandboxUsageError } from '../../../sandbox';
import { post, TOKEN, waitFor } from './support';

describe('xp-import sandbox', () => {
  it('turns flags into options', () => {
    const options = sandboxOptionsFromArgs(['--port', '0', '--apptoken', 'T', '--latency', '20-40', '--seed', '7', '--task-ms', '100', '--store', 'count']);
    expect(options).toMatchObject({
      port: 0,
      apptoken: 'T',
      store: 'count',
      taskTiming: { queuedMs: 30, processingMs: 70 },
      faults: { latencyMs: [20, 40], seed: 7 },
    });
    expect(sandboxOptionsFromArgs(['--latency', '15']).faults.latencyMs).toBe(15);
  });

  it.each([
    [['--store', 'everything'], /store/],
    [['--port', 'eighty'], /port/],
    [['--colour', 'red'], /colour/],
    [['extra'], /extra/],
  ])('refuses %j as bad usage', (argv, message) => {
    expect(() => sandboxOptionsFromArgs(argv)).toThrow(SandboxUsageError);
    expect(() => sandboxOptionsFromArgs(argv)).toThrow(message);
  });

  it('--help prints the flags and starts nothing', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    await runSandboxCommand(['--help'], { out });
    expect(printed).toMatch(/^usage: xp-import sandbox /);
    for (const flag of ['--port', '--apptoken', '--latency', '--seed', '--task-ms', '--store']) expect(printed).toContain(flag);
    expect(printed).not.toContain('listening');
  });

  it('prints the URL, serves until SIGTERM, then closes', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const listenersBefore = process.listenerCount('SIGTERM');
    const running = runSandboxCommand(['--port', '0', '--apptoken', 'cli-token'], { out });
    const url = await waitFor(() => /^sandbox listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(printed)?.[1]);

    const response = await post(url, '/api/external/list/profile', { apptoken: 'cli-token', limit: 1 });
    expect(response.status).toBe(200);
    expect((await post(url, '/api/external/list/profile', { apptoken: TOKEN, limit: 1 })).status).toBe(401);

    process.emit('SIGTERM');
    await running;
    await expect(post(url, '/api/external/list/profile', { apptoken: 'cli-token' })).rejects.toThrow();
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore);
  });
});
