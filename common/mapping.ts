import { z } from 'zod';

/**
 * A mapping file: how source columns become Xtremepush attributes. Issue #4 extends it; the
 * schema here is the single definition used by the CLI, the client API and the activities.
 */
export const AttributeTypeSchema = z.enum(['string', 'number', 'boolean', 'date', 'json']);
export type AttributeType = z.infer<typeof AttributeTypeSchema>;

export const BlankPolicySchema = z.enum(['leave', 'clear']);
export type BlankPolicy = z.infer<typeof BlankPolicySchema>;

export const ColumnMappingSchema = z.union([
  z.string().min(1),
  z
    .object({
      to: z.string().min(1).optional(),
      type: AttributeTypeSchema.optional(),
      blank: BlankPolicySchema.optional(),
      skip: z.boolean().optional(),
    })
    .strict(),
]);
export type ColumnMapping = z.infer<typeof ColumnMappingSchema>;

export const MappingSchema = z
  .object({
    /** Source column name → Xtremepush attribute name, or a full column rule. */
    columns: z.record(z.string(), ColumnMappingSchema).default({}),
    /** Attributes sent with the same value on every row, e.g. `{ "email_subscription": 1 }`. */
    constants: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    /** Blank policy for columns that do not name one. */
    blank: BlankPolicySchema.default('leave'),
    /** ISO 3166-1 alpha-2 country for national phone numbers, e.g. `IE`. */
    defaultCountry: z.string().length(2).optional(),
  })
  .strict();
export type Mapping = z.infer<typeof MappingSchema>;
export type MappingInput = z.input<typeof MappingSchema>;
