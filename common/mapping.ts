import { z } from 'zod';

/**
 * A mapping file: how source columns become Xtremepush attributes. The schema here is the single
 * definition used by the CLI, the client API and the activities; docs/mapping.md documents it.
 *
 * The schema checks shape only. Whether the mapping fits a file (attribute names, identity,
 * subscriptions, columns the header lacks) is checked by the activities' `compileMapping`, which
 * lists every problem at once instead of stopping at the first.
 */
export const AttributeTypeSchema = z.enum(['string', 'number', 'boolean', 'date', 'json'], { error: 'a "type" is one of string, number, boolean, date or json' });
export type AttributeType = z.infer<typeof AttributeTypeSchema>;

/** `leave`: a blank cell keeps the stored value (nothing is sent). `clear`: a blank cell sends "". */
export const BlankPolicySchema = z.enum(['leave', 'clear'], { error: '"blank" is leave (a blank cell keeps the stored value) or clear (it sends "")' });
export type BlankPolicy = z.infer<typeof BlankPolicySchema>;

/** Xtremepush attribute names: lowercase letters, digits and underscore (documented). */
export const ATTRIBUTE_NAME_PATTERN = /^[a-z0-9_]+$/;

export const ColumnRuleSchema = z
  .object({
    /** Attribute name in Xtremepush; the source column's own name when absent. */
    to: z.string().min(1).optional(),
    /** Type of a custom attribute; well-known attributes (email, mobile_number, ...) have their own rules. */
    type: AttributeTypeSchema.optional(),
    /** What a blank cell does; the mapping's `blank` when absent. */
    blank: BlankPolicySchema.optional(),
    /** Leave the column out entirely. */
    skip: z.boolean().optional(),
  })
  .strict()
  // A skipped column is never sent: a `to`, `type` or `blank` beside it would be silently ignored.
  .refine((rule) => rule.skip !== true || (rule.to === undefined && rule.type === undefined && rule.blank === undefined), {
    message: '"skip": true leaves the column out, so "to", "type" and "blank" beside it would do nothing: keep either the skip or the rest',
  });
export type ColumnRule = z.infer<typeof ColumnRuleSchema>;

/**
 * A bare string is shorthand for `{ "to": "<string>" }`. A rule that does not parse is told by
 * what is wrong in it, not by the union's "Invalid input", which names neither form.
 */
export const ColumnMappingSchema = z.union([z.string().min(1), ColumnRuleSchema], {
  error: (issue) => {
    if (issue.code !== 'invalid_union') return undefined;
    const inRule = issue.input !== null && typeof issue.input === 'object' ? issue.errors[1]?.[0] : undefined;
    if (inRule) return inRule.path.length > 0 ? `"${inRule.path.join('.')}": ${inRule.message}` : inRule.message;
    return 'a column maps to an attribute name (a string such as "first_name") or to a rule such as { "to": "points", "type": "number" }';
  },
});
export type ColumnMapping = z.infer<typeof ColumnMappingSchema>;

export const ConstantValueSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: 'a constant is a string, a number or true/false (to leave an attribute alone, leave it out)',
});
export type ConstantValue = z.infer<typeof ConstantValueSchema>;

export const DecimalSeparatorSchema = z.enum(['.', ','], { message: 'use "." or ","' });
export type DecimalSeparator = z.infer<typeof DecimalSeparatorSchema>;

/**
 * JSON.parse keeps a "__proto__" key as an entry of its own, but a zod record leaves it out of what
 * it returns (assigning it would set the object's prototype) and says nothing: the entry, even one
 * holding an invalid rule, would be dropped without a word. It is refused instead, saying what to do.
 */
function withoutProtoKey<T extends z.ZodType>(record: T, message: string) {
  return z.preprocess<unknown, T, z.input<T>>((value, ctx) => {
    if (value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__')) ctx.addIssue({ code: 'custom', message, path: ['__proto__'], input: value });
    return value;
  }, record);
}

export const MappingSchema = z
  .object({
    /** Source column name (CSV header cell, NDJSON key) → Xtremepush attribute name, or a full column rule. */
    columns: withoutProtoKey(
      z.record(z.string(), ColumnMappingSchema),
      'a column named "__proto__" cannot be named in a mapping, as a JSON object takes that key for its prototype: rename the column in the file (or leave it out of the file) and remove this entry',
    ).default({}),
    /** Attributes sent with the same value on every row, e.g. `{ "email_subscription": 1 }`. */
    constants: withoutProtoKey(
      z.record(z.string(), ConstantValueSchema),
      '"__proto__" cannot be a constant: a JSON object takes that key for its prototype, and xp-import sends no attribute of that name; remove it',
    ).default({}),
    /** Blank policy for columns that do not name one. */
    blank: BlankPolicySchema.default('leave'),
    /** ISO 3166-1 alpha-2 country for national phone numbers, e.g. `IE`; case-insensitive. */
    defaultCountry: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'use a two-letter ISO 3166-1 country code such as IE')
      .transform((code) => code.toUpperCase())
      .optional(),
    /** How `number` columns write decimals: "." (`1234.5`) or "," (`1234,5`, `1.234,5`). */
    decimalSeparator: DecimalSeparatorSchema.optional(),
  })
  .strict();
export type Mapping = z.infer<typeof MappingSchema>;
export type MappingInput = z.input<typeof MappingSchema>;
