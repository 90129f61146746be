import { SandboxHttpError } from './http';

/** Documented: import/profile takes at most this many rows. */
export const MAX_ROWS_PER_REQUEST = 10_000;
/** Documented: from this many rows the request is processed asynchronously. */
export const ASYNC_ROW_THRESHOLD = 100;
/** Row problems listed in `errors`; the rest are only counted, so a bad batch keeps a small answer. */
const MAX_LISTED_ROW_ERRORS = 100;

/** A validated import/profile request, with each row's identity worked out once. */
export interface ImportBatch {
  columns: string[];
  rows: unknown[][];
  /** Store key per row: `user_id:<v>` or `device_id:<v>`. */
  identityKeys: string[];
  /** The identity value per row (the `<v>` of the key). */
  identityValues: string[];
  /** True when the request asks to be processed now (`async` 0 or false). */
  forceSync: boolean;
}

/**
 * Validates an import/profile body as Xtremepush does (documented rules plus the assumed `async`
 * flag). Messages name columns and row indexes (0-based), never a cell value.
 */
export function parseImportRequest(body: Record<string, unknown>): ImportBatch {
  const columns = parseColumns(body.columns);
  const rows = body.rows;
  if (!Array.isArray(rows) || rows.length === 0) throw new SandboxHttpError(400, 'rows must be a non-empty array of rows');
  if (rows.length > MAX_ROWS_PER_REQUEST) {
    throw new SandboxHttpError(400, `at most ${MAX_ROWS_PER_REQUEST} rows per request, got ${rows.length}`);
  }
  const userIdAt = columns.indexOf('user_id');
  const deviceIdAt = columns.indexOf('device_id');
  const identityKeys = new Array<string>(rows.length);
  const identityValues = new Array<string>(rows.length);
  const problems: { row: number; message: string }[] = [];
  let problemCount = 0;
  for (let index = 0; index < rows.length; index++) {
    const problem = identifyRow(rows[index], index, columns.length, userIdAt, deviceIdAt, identityKeys, identityValues);
    if (problem !== undefined) {
      problemCount++;
      if (problems.length < MAX_LISTED_ROW_ERRORS) problems.push({ row: index, message: problem });
    }
  }
  if (problems.length > 0) {
    const more = problemCount > 1 ? ` (${problemCount} invalid rows in all)` : '';
    throw new SandboxHttpError(400, `${problems[0]!.message}${more}`, { errors: problems });
  }
  return { columns, rows: rows as unknown[][], identityKeys, identityValues, forceSync: isOff(body.async) };
}

function parseColumns(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((c) => typeof c === 'string' && c.length > 0)) {
    throw new SandboxHttpError(400, 'columns must be a non-empty array of column names (strings)');
  }
  const columns = value as string[];
  if (new Set(columns).size !== columns.length) throw new SandboxHttpError(400, 'columns must not repeat a name');
  // Profiles are plain objects: this one name would replace a profile's prototype instead of naming an attribute.
  if (columns.includes('__proto__')) throw new SandboxHttpError(400, 'column name __proto__ is not allowed');
  if (!columns.includes('user_id') && !columns.includes('device_id')) {
    throw new SandboxHttpError(400, 'columns must include an identity column: user_id or device_id');
  }
  if (columns.includes('email') && !columns.includes('email_subscription')) {
    throw new SandboxHttpError(400, 'an email column requires an email_subscription column');
  }
  if (columns.includes('mobile_number') && !columns.includes('sms_subscription')) {
    throw new SandboxHttpError(400, 'a mobile_number column requires an sms_subscription column');
  }
  return columns;
}

/** Fills the row's identity in place; returns a problem message instead when the row is unusable. */
function identifyRow(
  row: unknown,
  index: number,
  width: number,
  userIdAt: number,
  deviceIdAt: number,
  keys: string[],
  values: string[],
): string | undefined {
  if (!Array.isArray(row)) return `rows[${index}] is not an array`;
  if (row.length !== width) return `rows[${index}] has ${row.length} cells, expected ${width} (one per column)`;
  const userId = userIdAt >= 0 ? identityText(row[userIdAt]) : '';
  if (userId !== '') {
    keys[index] = `user_id:${userId}`;
    values[index] = userId;
    return undefined;
  }
  const deviceId = deviceIdAt >= 0 ? identityText(row[deviceIdAt]) : '';
  if (deviceId !== '') {
    keys[index] = `device_id:${deviceId}`;
    values[index] = deviceId;
    return undefined;
  }
  return `rows[${index}] has an empty identity (user_id or device_id must be a non-empty string or number)`;
}

function identityText(cell: unknown): string {
  if (typeof cell === 'string') return cell.trim() === '' ? '' : cell;
  if (typeof cell === 'number' && Number.isFinite(cell)) return String(cell);
  return '';
}

/** The assumed `async` flag: 0 or false (also as strings, for tolerant form-like clients) means off. */
function isOff(flag: unknown): boolean {
  return flag === 0 || flag === false || flag === '0' || flag === 'false';
}
