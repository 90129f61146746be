/**
 * Node flags the worker is started with (the Dockerfile's command, the compose file's, the bench's).
 *
 * `--max-semi-space-size=4`: the main thread's young generation (where every request body, payload
 * and row goes first) is 8 MB instead of V8's 32 MB. It can only be set when node starts, unlike
 * the heap growing factor (workers/heapGrowth.ts); the build threads get the same through their own
 * resource limits. 10 M rows as bench (c) imports them, two runs each: the worker's peak 327 and
 * 332 MiB instead of 345 and 361, its main heap 75 MB instead of 101 and 103, and no more CPU
 * (235 s against 247 s). Without it the worker works as well, with 20 to 30 MB more resident.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
