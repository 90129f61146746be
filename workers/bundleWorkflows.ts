import { bundleWorkflowCode } from '@temporalio/worker';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Builds the workflow bundle once (webpack), so workers start fast and every worker runs exactly
 * the same workflow code. `npm run build` writes dist/workflow-bundle.js; tests build their own.
 */
const workflowsDir = path.join(__dirname, '..', 'workflows');
/** workflows/index.ts when running from sources (tests), dist/workflows/index.js when built. */
export const WORKFLOWS_ENTRY = path.join(workflowsDir, existsSync(path.join(workflowsDir, 'index.ts')) ? 'index.ts' : 'index.js');

export async function buildWorkflowBundle(outFile: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: quietLogger });
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return outFile;
}

export function defaultBundlePath(): string {
  return path.join(__dirname, '..', 'workflow-bundle.js');
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};

if (require.main === module) {
  buildWorkflowBundle(defaultBundlePath()).then(
    (file) => process.stdout.write(`workflow bundle: ${path.relative(process.cwd(), file)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
