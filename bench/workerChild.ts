import path from 'node:path';
import { WORKER_NODE_FLAGS } from '../workers/nodeFlags';
import { spawnNode, type NodeChild } from './childProcess';
import { MemorySampler, type ProcessMemory } from './procStats';

/** `xp-import worker` as a child process, exactly as deployments run it (its node flags too), with its memory sampled. */
export interface WorkerChild {
  process: NodeChild;
  pid: number;
  /** Stops sampling and returns the peak (VmHWM) and last resident set; call before `stop`. */
  memory(): ProcessMemory;
  stop(): Promise<void>;
}

export const CLI_SCRIPT = path.resolve(__dirname, '../bin/xp-import.js');

export async function startWorkerChild(env: Record<string, string>, nodeFlags: string[] = []): Promise<WorkerChild> {
  const { process: child } = await spawnNode(CLI_SCRIPT, {
    args: ['worker'],
    env: { XP_IMPORT_LOG_LEVEL: 'INFO', ...env },
    nodeFlags: [...WORKER_NODE_FLAGS, ...nodeFlags],
    ready: /"message":"worker ready"/,
  });
  const sampler = new MemorySampler(child.pid).start();
  return { process: child, pid: child.pid, memory: () => sampler.stop(), stop: () => child.stop() };
}
