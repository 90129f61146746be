import { readFileSync } from 'node:fs';
import path from 'node:path';

export const root = path.resolve(__dirname, '../../..');

/** The README's "From a Node service" block, as written. */
export function serviceExample(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### From a Node service'));
  const block = /```(?:js|ts)\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('the README has no js block under "From a Node service"');
  return block;
}

/** Every `xp-import/...` module the README tells a service to import. */
export function readmeSpecifiers(): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  return [...new Set([...readme.matchAll(/['`](xp-import\/dist\/[\w/.-]+)['`]/g)].map((match) => match[1] as string))];
}
