import type { SourceRef } from './source';

export function describeSource(ref: SourceRef): string {
  return ref.kind === 'file' ? ref.path : ref.url.replace(/\?.*$/, '?…');
}
