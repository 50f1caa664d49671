// Schemas and helpers every resource of the admin API shares: paging with opaque cursors,
// ids in paths, timestamps in answers.
import * as z from 'zod';
import { connectionIdSchema, skuCodeSchema } from '../../config/schema.js';
import { badInput } from './problem.js';

export { connectionIdSchema, skuCodeSchema };

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** `?limit=&cursor=`: a page of at most `limit` rows, after the row the cursor names. */
export const pageQuery = {
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, `must be from 1 to ${MAX_LIMIT}`)
    .max(MAX_LIMIT, `must be from 1 to ${MAX_LIMIT}`)
    .default(DEFAULT_LIMIT),
  cursor: z.string().max(1000, 'is not a cursor this API gave').optional().meta({ description: 'The `nextCursor` of the previous page' }),
};

/** Cursors are opaque to clients: base64url of a small JSON value. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | null {
  if (cursor === undefined) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // falls through to the problem below
  }
  throw badInput([{ field: 'query.cursor', message: 'is not a cursor this API gave' }]);
}

/** One page of `rows` (fetched with limit + 1) and the cursor of the next, if any. */
export function page<T>(rows: T[], limit: number, cursorOf: (last: T) => unknown): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(cursorOf(items[items.length - 1]!)) : null };
}

const idCursor = z.object({ id: z.number().int() });

/**
 * A page of rows keyed by a numeric id (newest first, or oldest first: `fetch` decides):
 * `fetch` gets the id the cursor names (null on the first page) and limit + 1.
 */
export async function pageById<T>(
  q: { cursor?: string | undefined; limit: number },
  fetch: (fromId: number | null, limit: number) => Promise<T[]>,
  idOf: (row: T) => number,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const from = decodeCursor(q.cursor, idCursor)?.id ?? null;
  return page(await fetch(from, q.limit + 1), q.limit, (row) => ({ id: idOf(row) }));
}

export const pagedOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const idParam = z.object({ id: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be positive') });
export const connectionParam = z.object({ id: connectionIdSchema });
export const timestamp = z.iso.datetime();
export const boolQuery = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');

/** Reason or note a person writes (required, trimmed, bounded). */
export const noteSchema = z.string({ error: 'is required' }).trim().min(1, 'is required').max(1000, 'must be at most 1000 characters');
