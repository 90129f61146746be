import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, serviceExample } from './readme';

/**
 * A TypeScript service that depends on xp-import (built: `npm test` builds first) compiles the
 * README's example under `strict`, with the client API's types: without declarations every import
 * is `any` and a misspelt field compiles.
 */
describe("the README's example for a Node service", () => {
  it('compiles under strict TypeScript against the built package, and a misspelt report field does not', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xp-service-'));
    try {
      mkdirSync(path.join(dir, 'node_modules'));
      symlinkSync(root, path.join(dir, 'node_modules', 'xp-import'));
      symlinkSync(path.join(root, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'));
      const lines = serviceExample().split('\n');
      const imports = lines.filter((line) => line.startsWith('import '));
      const body = lines.filter((line) => !line.startsWith('import ') && line.trim() !== '');
      const service = [
        ...imports,
        'export async function run(): Promise<void> {',
        ...body.map((line) => `  ${line}`),
        '  // @ts-expect-error: the report is typed, so a misspelt field is an error',
        '  console.log(report.rowz);',
        '}',
        '',
      ].join('\n');
      writeFileSync(path.join(dir, 'service.ts'), service);
      // skipLibCheck as `tsc --init` sets it: @temporalio/common's own declarations name a package without types.
      const compilerOptions = { strict: true, skipLibCheck: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022', noEmit: true, types: ['node'] };
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['service.ts'] }));
      let output = '';
      try {
        execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', dir], { encoding: 'utf8' });
      } catch (error) {
        output = String((error as { stdout?: string }).stdout ?? error);
      }
      expect(output).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
