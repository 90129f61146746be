import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';

/**
 * Workflow code is loaded again for every workflow the worker runs. A zod schema built at module
 * load costs each batch workflow ~30 ms of CPU and memory that grows with the import, so the
 * bundle must hold no zod (workflows import only types from the zod-schema modules; a lint rule
 * says so, this test proves it on the real bundle).
 */
describe('the workflow bundle', () => {
  it('contains no zod and stays small', () => {
    const code = readFileSync(inject('workflowBundle'), 'utf8');
    expect(code).not.toMatch(/node_modules\/zod\//);
    expect(code).toContain('importProfilesWorkflow');
    expect(code).toContain('importBatchWorkflow');
    expect(code.length).toBeLessThan(3 * 1024 * 1024);
  });
});
