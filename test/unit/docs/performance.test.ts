import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable, type BenchResults } from '../../../bench/results';

const root = path.resolve(__dirname, '../../..');

/** Issue 6: the README's Performance table is the table of the run in bench/results.json, and says how it was made. */
describe('the README Performance section', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const results = JSON.parse(readFileSync(path.join(root, 'bench/results.json'), 'utf8')) as BenchResults;
  const section = readme.slice(readme.indexOf('## Performance'), readme.indexOf('\n## ', readme.indexOf('## Performance') + 1));

  it('holds the table of the committed full bench run, every part of it', () => {
    expect(results.settings.quick).toBe(false);
    for (const part of ['a', 'b', 'c', 'd', 'e', 'f', 'g'] as const) expect(results[part], `part ${part}`).toBeDefined();
    expect(section).toContain(formatTable(results));
  });

  it('names the command, the commit and the machine of that run', () => {
    expect(section).toContain('`npm run bench`');
    expect(section).toContain(results.code.commit.slice(0, 7));
    expect(section).toContain(`${results.machine.cores} cores`);
  });
});
