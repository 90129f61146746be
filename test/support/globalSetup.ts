import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWorkflowBundle } from '../../workers/bundleWorkflows';
import { startDevServer, type DevServer } from '../../workers/devServer';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string | null;
    workflowBundle: string;
  }
}

/**
 * One real Temporal dev server per test run (the binary is found or built without any download)
 * and one workflow bundle, shared by every integration test through `inject`.
 */
let server: DevServer | undefined;
let tempDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'xp-import-it-'));
  const [started, bundle] = await Promise.all([
    startDevServer({ headless: false, log: (line) => process.stderr.write(`[temporal] ${line}\n`) }),
    buildWorkflowBundle(path.join(tempDir, 'workflow-bundle.js')),
  ]);
  server = started;
  project.provide('temporalAddress', server.address);
  project.provide('temporalUiUrl', server.uiUrl);
  project.provide('workflowBundle', bundle);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}
