import { Context } from '@temporalio/activity';
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

/** A byte source that heartbeats as it is read: long scans of big files stay visibly alive. */
export function heartbeatingSource(source: ByteSource): ByteSource {
  return {
    describe: () => source.describe(),
    stat: () => source.stat(),
    async *stream(start: number, endExclusive?: number) {
      const context = Context.current();
      for await (const chunk of source.stream(start, endExclusive)) {
        context.heartbeat();
        yield chunk;
      }
    },
  };
}
