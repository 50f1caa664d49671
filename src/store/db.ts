// Connection pool and explicit transactions. Every engine operation is one transaction.
import pg from 'pg';
import { StoreError } from './errors.js';

export type Db = pg.Pool;
export type Tx = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

// int8 (bigserial ids, counts) as JS numbers: ids stay far below 2^53 in one database.
pg.types.setTypeParser(20, (v) => Number(v));

export function createPool(url: string, max = 10): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: 'stocksync',
    // Our named statements are key lookups over arrays: PostgreSQL's custom plans (re-planned
    // on every call, since arrays defeat its cost comparison) cost as much as running them.
    // One generic plan per connection cut an order batch from 4.5 to 3.5 ms (bench/results/orders.json).
    options: '-c plan_cache_mode=force_generic_plan',
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return pool;
}

/**
 * Runs `fn` in a transaction. `fn` may hand over its last write as literal SQL through
 * `commitWith`: it is sent together with the COMMIT, one round trip instead of two (the
 * last statement of a transaction).
 */
export async function withTx<T>(db: Db, fn: (tx: Tx, commitWith: (sql: string) => void) => Promise<T>): Promise<T> {
  return withClient(db, async (client) => {
    try {
      await client.query('BEGIN');
      let last: string | undefined;
      const result = await fn(client, (sql) => {
        last = sql;
      });
      // Simple protocol: both statements in one message; an error in the first skips the COMMIT.
      await client.query(last === undefined ? 'COMMIT' : `${last};\nCOMMIT`);
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
  });
}

/** A pooled client for `fn`, released after it (for transactions: withTx, store/pipelined-tx.ts). */
export async function withClient<T>(db: Db, fn: (client: Tx) => Promise<T>): Promise<T> {
  let client: Tx;
  try {
    client = await db.connect();
  } catch (e) {
    throw new StoreError('DB_UNAVAILABLE', `cannot reach PostgreSQL: ${(e as Error).message}`);
  }
  // A server dying mid-transaction emits 'error' on the checked-out client: without a
  // listener that would crash the process; the failing query reports it instead.
  const onError = () => {};
  client.on('error', onError);
  try {
    return await fn(client);
  } finally {
    client.off('error', onError);
    client.release();
  }
}

/** Thrown inside withTx to roll back on purpose and hand a result to the caller. */
export class Rollback<T> extends Error {
  constructor(readonly result: T) {
    super('rollback');
  }
}

export async function withTxOrRollback<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await withTx(db, fn);
  } catch (e) {
    if (e instanceof Rollback) return e.result as T;
    throw e;
  }
}

/** Fails unless the database answers. */
export async function pingDatabase(q: Queryable): Promise<void> {
  await q.query('SELECT 1');
}
