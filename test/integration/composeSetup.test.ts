import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findTemporalBinary } from '../../workers/temporalBinary';
import { interpolate, readCompose, run, service } from '../unit/deploy/support';

/**
 * The compose stack's one-shot set-up services run here as written, against a real Temporal dev
 * server instead of the compose one: their scripts with the admin-tools image's `temporal` CLI
 * (ours, the same CLI) on the PATH. Only Docker itself is left out.
 */
const { doc } = readCompose();
const bin = mkdtempSync(path.join(os.tmpdir(), 'xp-import-compose-bin-'));
symlinkSync(findTemporalBinary() as string, path.join(bin, 'temporal'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function scriptOf(name: string): string {
  const command = service(doc, name).command;
  expect(Array.isArray(command) && command.length === 1).toBe(true);
  // Compose turns `$$` into `$` before the shell sees the script.
  return interpolate((command as string[])[0] as string, {});
}

describe('the compose set-up services', () => {
  const namespace = `compose-${process.pid}-${Date.now()}`;
  // HOME as the image has one: the CLI reads its config folder from there.
  const env = { HOME: bin, PATH: `${bin}:${process.env.PATH ?? ''}`, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: namespace, RETENTION: '7d' };
  const runService = (name: string) => run(['/bin/sh', '-c', scriptOf(name)], { cwd: bin, env, timeoutMs: 120_000 });

  it('create the namespace once, find it there on the next `up`, and register the search attributes, again without harm', async () => {
    const created = await runService('temporal-namespace');
    expect({ code: created.code, said: created.stdout.trim().split('\n').at(-1) }).toEqual({ code: 0, said: `namespace ${namespace} is there` });
    const again = await runService('temporal-namespace');
    expect(again.code).toBe(0);
    for (let up = 0; up < 2; up++) expect((await runService('temporal-search-attributes')).code).toBe(0);
    const listed = await run(['temporal', 'operator', 'search-attribute', 'list', '--address', env.TEMPORAL_ADDRESS, '--namespace', namespace], { cwd: bin, env });
    for (const name of ['ImportStatus', 'ImportSource', 'RowsImported', 'RowsRejected']) expect(listed.stdout).toContain(name);
  }, 180_000);
});
