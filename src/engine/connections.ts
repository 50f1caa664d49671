// Looks up the connection an operation names, with a typed error when it is wrong.
import { StocksyncError } from '../errors.js';
import { findConnection } from '../store/catalog.js';
import type { Queryable } from '../store/db.js';
import type { ConnectionRef } from '../store/skus.js';

export type { ConnectionRef };

export async function getConnection(tx: Queryable, id: string): Promise<ConnectionRef> {
  const c = await findConnection(tx, id);
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
