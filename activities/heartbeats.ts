import { Context } from '@temporalio/activity';
import type { SourceReadProgress } from '../common/progress';
import type { ByteSource } from './source/byteSource';

/** Heartbeats while a slow step (an HTTP request) runs, so a live worker is never taken for dead. */
export async function heartbeatWhile<T>(work: Promise<T>, details?: () => unknown, everyMs = 5_000): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(details?.()), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** A byte source that heartbeats how far it has been read: long scans of big files stay visibly alive. */
export interface HeartbeatingSource extends ByteSource {
  /** Heartbeats again with the last position read (for work after the reading, such as a merge). */
  heartbeat(): void;
}

export function heartbeatingSource(source: ByteSource): HeartbeatingSource {
  const progress: SourceReadProgress = { bytesRead: 0, bytesTotal: null };
  const heartbeat = () => Context.current().heartbeat({ ...progress });
  return {
    describe: () => source.describe(),
    async stat() {
      const stat = await source.stat();
      progress.bytesTotal = stat.size;
      return stat;
    },
    async *stream(start: number, endExclusive?: number) {
      progress.bytesRead = start;
      for await (const chunk of source.stream(start, endExclusive)) {
        progress.bytesRead += chunk.length;
        heartbeat();
        yield chunk;
      }
    },
    heartbeat,
  };
}
