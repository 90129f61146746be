import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';

describe('npm run demo', () => {
  it('starts the local stack, imports its generated sample, prints the report and the UI address, and exits 0', async () => {
    const result = await runCli(['demo', '--rows', '3000'], {}, 240_000);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/import demo-\d+: completed/);
    expect(result.stdout).toMatch(/rows\s+3,000 total: 3,000 imported, 0 rejected, 0 skipped/);
    expect(result.stdout).toMatch(/sandbox now holds 3,000 profiles/);
    expect(result.stdout).toMatch(/Temporal UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/demo-\d+/);
  });
});
