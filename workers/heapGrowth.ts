import { setFlagsFromString } from 'node:v8';

/**
 * XP_IMPORT_HEAP_GROWING_PERCENT (default 50): how far V8 lets a worker's heaps grow past what
 * survived the last full collection before it collects again. V8's own choice (up to 4×, usually
 * about 2× at a worker's rates) let a batch's garbage swing the main heap between 60 and 200 MB;
 * at 50% the worker stays near 370 MB instead of 480 MB at the same rows/s (bench (a) and (c),
 * 1 M rows). Unlike a heap cap (`--max-old-space-size`) it never stops a worker whose batches do
 * need more: a file with hundreds of columns simply collects more often.
 *
 * This applies the growing factor to every heap of this process (the main thread's, the workflow
 * thread's and the build threads'). V8 reads the flag at each full collection, so setting it after
 * start-up works, and from the worker's own configuration rather than a NODE_OPTIONS each
 * deployment would have to carry. 0 leaves V8's own heuristics.
 */
export function applyHeapGrowingPercent(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
