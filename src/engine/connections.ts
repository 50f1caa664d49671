// Looks up the connection an operation names, with a typed error when it is wrong.
import { StocksyncError } from '../errors.js';
import type { Queryable } from '../store/db.js';

export interface ConnectionRef {
  id: string;
  kind: 'channel' | 'warehouse';
  platform: string;
  fulfilledBy: string | null;
}

export async function getConnection(tx: Queryable, id: string): Promise<ConnectionRef> {
  const { rows } = await tx.query<ConnectionRef>(
    `SELECT id, kind, platform, fulfilled_by AS "fulfilledBy" FROM connections WHERE id = $1`,
    [id],
  );
  const c = rows[0];
  if (!c) throw new StocksyncError('NOT_FOUND', `connection ${id} is not configured`, { connectionId: id });
  return c;
}

export async function channelConnection(tx: Queryable, id: string): Promise<ConnectionRef> {
  const c = await getConnection(tx, id);
  if (c.kind !== 'channel') throw new StocksyncError('INPUT_INVALID', `connection ${id} is a ${c.kind}, not a channel`);
  return c;
}

export async function warehouseConnection(tx: Queryable, id: string): Promise<ConnectionRef> {
  const c = await getConnection(tx, id);
  if (c.kind !== 'warehouse') throw new StocksyncError('INPUT_INVALID', `connection ${id} is a ${c.kind}, not a warehouse`);
  return c;
}

export async function loadConnections(tx: Queryable, ids: readonly string[]): Promise<Map<string, ConnectionRef>> {
  const { rows } = await tx.query<ConnectionRef>(
    `SELECT id, kind, platform, fulfilled_by AS "fulfilledBy" FROM connections WHERE id = ANY($1::text[])`,
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, r]));
}
