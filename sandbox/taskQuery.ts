import { z } from 'zod';
import { SandboxHttpError } from './http';
import type { TaskRecord } from './taskBoard';

/** The documented list/task form: `{condition: [[field, op, value], …], order: ["id DESC"], limit, offset}`. */
const TASK_FIELDS = ['id', 'identifier', 'status', 'create_time', 'finish_time'] as const;
type TaskField = (typeof TASK_FIELDS)[number];

const ConditionSchema = z.tuple([z.enum(TASK_FIELDS), z.enum(['=', '!=', '<>', 'in', 'not in', '<', '<=', '>', '>=']), z.unknown()]);
const OrderSchema = z
  .string()
  .regex(new RegExp(`^(${TASK_FIELDS.join('|')})(\\s+(asc|desc))?$`, 'i'), 'order items look like "id DESC"');

const ListTaskQuerySchema = z.object({
  condition: z.array(ConditionSchema).default([]),
  order: z.union([OrderSchema.transform((item) => [item]), z.array(OrderSchema)]).default(['id DESC']),
  limit: z.coerce.number().int().min(0).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

type Condition = z.infer<typeof ConditionSchema>;

/** Filters, orders and pages tasks, given in creation order, as list/task does. */
export function listTasks(tasksInCreationOrder: TaskRecord[], body: Record<string, unknown>): TaskRecord[] {
  const parsed = ListTaskQuerySchema.safeParse(body);
  if (!parsed.success) throw new SandboxHttpError(400, `invalid list/task query: ${z.prettifyError(parsed.error)}`);
  const { condition, order, limit, offset } = parsed.data;
  const creationRank = new Map(tasksInCreationOrder.map((task, index) => [task, index]));
  const matching = tasksInCreationOrder.filter((task) => condition.every((rule) => matches(task, rule)));
  const sortKeys = order.map((item) => {
    const [field, direction] = item.trim().split(/\s+/);
    return { field: field!.toLowerCase() as TaskField, sign: direction?.toLowerCase() === 'desc' ? -1 : 1 };
  });
  matching.sort((a, b) => {
    for (const { field, sign } of sortKeys) {
      // IDs may be strings like "task-10": creation order is their true order.
      const difference =
        field === 'id' || field === 'create_time'
          ? creationRank.get(a)! - creationRank.get(b)!
          : String(a[field]).localeCompare(String(b[field]));
      if (difference !== 0) return difference * sign;
    }
    return 0;
  });
  return matching.slice(offset, offset + limit);
}

function matches(task: TaskRecord, [field, operator, expected]: Condition): boolean {
  const actual = task[field];
  switch (operator) {
    case '=':
      return same(actual, expected);
    case '!=':
    case '<>':
      return !same(actual, expected);
    case 'in':
      return Array.isArray(expected) && expected.some((value) => same(actual, value));
    case 'not in':
      return Array.isArray(expected) && !expected.some((value) => same(actual, value));
    default:
      return compare(actual, expected, operator);
  }
}

/** Task IDs compare as text, so `7` finds task 7 and `"7"` does too. */
function same(actual: unknown, expected: unknown): boolean {
  if (actual === null || expected === null) return actual === expected;
  return asText(actual) === asText(expected);
}

function compare(actual: unknown, expected: unknown, operator: '<' | '<=' | '>' | '>='): boolean {
  if (actual === null || expected === null || expected === undefined) return false;
  const numeric = Number.isFinite(Number(actual)) && Number.isFinite(Number(expected));
  const difference = numeric ? Number(actual) - Number(expected) : asText(actual).localeCompare(asText(expected));
  if (operator === '<') return difference < 0;
  if (operator === '<=') return difference <= 0;
  if (operator === '>') return difference > 0;
  return difference >= 0;
}

function asText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
