import { Context } from '@temporalio/activity';
import type { SourceReadProgress } from '../common/progress';
import type { ByteSource } from './source/byteSource';
import type { FailedAttemptMark } from './takeovers';

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
  /** Heartbeats again with the last position read (for work after the reading, such as a merge), and `mark` beside it. */
  heartbeat(mark?: FailedAttemptMark): void;
}

/**
 * A source heartbeats each chunk it hands on, and on a timer in between: a slow server can take
 * longer than the heartbeat timeout to send one chunk (1 MiB; at 40 KB/s, 25 s), or to answer its
 * first request, and a read that is moving is not a dead worker. A server that stops sending is
 * the HTTP source's own timeouts' business.
 */
export function heartbeatingSource(source: ByteSource, everyMs = 5_000): HeartbeatingSource {
  const context = Context.current();
  const progress: SourceReadProgress = { bytesRead: 0, bytesTotal: null };
  const heartbeat = (mark?: FailedAttemptMark) => context.heartbeat({ ...progress, ...mark });
  return {
    describe: () => source.describe(),
    async stat() {
      const stat = await heartbeatWhile(source.stat(), () => ({ ...progress }), everyMs);
      progress.bytesTotal = stat.size;
      return stat;
    },
    async *stream(start: number, endExclusive?: number) {
      progress.bytesRead = start;
      const timer = setInterval(heartbeat, everyMs);
      try {
        for await (const chunk of source.stream(start, endExclusive)) {
          progress.bytesRead += chunk.length;
          heartbeat();
          yield chunk;
        }
      } finally {
        clearInterval(timer);
      }
    },
    heartbeat,
  };
}
