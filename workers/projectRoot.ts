import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder holding xp-import's package.json, whether running from TypeScript sources or from
 * dist/. Git-ignored state (the Temporal binary we build, dev data) lives under it.
 */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'xp-import') {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find xp-import's package.json above ${__dirname}`);
    dir = parent;
  }
}

/** Where tools we build for ourselves (the Temporal CLI) are kept; git-ignored. */
export function toolsDir(): string {
  return process.env.XP_IMPORT_TOOLS_DIR ?? path.join(projectRoot(), '.tools');
}
