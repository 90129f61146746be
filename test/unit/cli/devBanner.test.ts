import { describe, expect, it } from 'vitest';
import { devBanner } from '../../../bin/devStack';

describe('xp-import dev says what to set in another terminal', () => {
  const stack = {
    env: { TEMPORAL_ADDRESS: '127.0.0.1:17433', XTREMEPUSH_API_URL: 'http://127.0.0.1:40000', XP_IMPORT_DATA_DIR: '/srv/data', XP_IMPORT_REPORT_DIR: '/srv/reports' },
    dataDir: '/srv/data',
    reportDir: '/srv/reports',
    uiUrl: 'http://127.0.0.1:18433',
    sandboxUrl: 'http://127.0.0.1:40000',
  };

  it('an export line with the address it really listens on and its data folder', () => {
    expect(devBanner(stack).split('\n')).toContain('  export TEMPORAL_ADDRESS=127.0.0.1:17433 XP_IMPORT_DATA_DIR=/srv/data');
  });

  it('names the task queue the worker took from the environment, in the export line too', () => {
    const lines = devBanner({ ...stack, env: { ...stack.env, XP_IMPORT_TASK_QUEUE: 'team-a' } }).split('\n');
    expect(lines[0]).toMatch(/worker on task queue team-a$/);
    expect(lines).toContain('  export TEMPORAL_ADDRESS=127.0.0.1:17433 XP_IMPORT_DATA_DIR=/srv/data XP_IMPORT_TASK_QUEUE=team-a');
    expect(devBanner(stack).split('\n')[0]).toMatch(/worker on task queue xp-import$/);
  });

  it('unsets the shell\'s other TEMPORAL_* settings, which the stack ignores and a CLI there would not', () => {
    // Before, a shell with TEMPORAL_NAMESPACE=foo that followed the export line was told namespace "foo" does not exist.
    const lines = devBanner(stack, { TEMPORAL_NAMESPACE: 'foo', TEMPORAL_ADDRESS: 'elsewhere:7233', TEMPORAL_TLS: 'true', HOME: '/root' }).split('\n');
    expect(lines.slice(3, 5)).toEqual(['  unset TEMPORAL_NAMESPACE TEMPORAL_TLS', '  export TEMPORAL_ADDRESS=127.0.0.1:17433 XP_IMPORT_DATA_DIR=/srv/data']);
    expect(devBanner(stack, { HOME: '/root' })).not.toContain('unset');
  });

  it('quotes a folder the shell would split', () => {
    expect(devBanner({ ...stack, dataDir: "/srv/my data/it's" })).toContain(`XP_IMPORT_DATA_DIR='/srv/my data/it'\\''s'`);
  });
});
