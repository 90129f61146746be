import path from 'node:path';
import type { RequestLogEntry, SandboxOptionsInput, SandboxStats } from '../sandbox';
import { spawnNode, type NodeChild } from './childProcess';

export const BENCH_APPTOKEN = 'bench-apptoken-7d1e4b';

/** A sandbox running in its own process (bench/sandboxProcess.ts), read through its admin endpoints. */
export interface SandboxChild {
  url: string;
  pid: number;
  process: NodeChild;
  stats(): Promise<SandboxStats>;
  requestLog(): Promise<RequestLogEntry[]>;
  stop(): Promise<void>;
}

export async function startSandboxChild(options: SandboxOptionsInput): Promise<SandboxChild> {
  const script = path.join(__dirname, 'sandboxProcess.js');
  const { process: child, match } = await spawnNode(script, {
    args: [JSON.stringify({ apptoken: BENCH_APPTOKEN, ...options })],
    ready: /sandbox listening on (\S+)/,
  });
  const url = match[1] as string;
  const admin = async <T>(endpoint: string): Promise<T> => {
    const response = await fetch(`${url}/__sandbox/${endpoint}`);
    if (!response.ok) throw new Error(`sandbox admin ${endpoint}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    url,
    pid: child.pid,
    process: child,
    stats: () => admin<SandboxStats>('stats'),
    requestLog: () => admin<RequestLogEntry[]>('requests'),
    stop: () => child.stop(),
  };
}
