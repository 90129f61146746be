import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../../sandbox/faults';
import { FaultConfigSchema, TaskTimingSchema } from '../../../sandbox/options';

describe('task times drawn from a range', () => {
  it('each task gets a time inside [min, max], they differ, and the same seed gives the same times', () => {
    const timing = TaskTimingSchema.parse({ queuedMs: 10, processingMs: [200, 4_000] });
    const draws = (seed: number) => {
      const faults = new FaultInjector(FaultConfigSchema.parse({ seed }));
      return Array.from({ length: 50 }, () => faults.draw('taskTime', timing.processingMs));
    };
    const times = draws(7);
    expect(times.every((t) => t >= 200 && t <= 4_000)).toBe(true);
    expect(new Set(times).size).toBeGreaterThan(40);
    expect(Math.min(...times)).toBeLessThan(1_000);
    expect(Math.max(...times)).toBeGreaterThan(3_000);
    expect(draws(7)).toEqual(times);
    expect(draws(8)).not.toEqual(times);
  });

  it('a single number stays the time of every task, and a range must be [min, max]', () => {
    const faults = new FaultInjector(FaultConfigSchema.parse({}));
    expect(faults.draw('taskTime', TaskTimingSchema.parse({ processingMs: 70 }).processingMs)).toBe(70);
    expect(TaskTimingSchema.safeParse({ processingMs: [500, 100] }).success).toBe(false);
  });
});
