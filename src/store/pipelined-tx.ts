// The order path's transaction: like db.ts withTx, but each end travels with a statement:
// BEGIN with the first, COMMIT with the last, so a batch of orders costs two round trips.
// node-postgres sends a client's queued queries without waiting for each answer while the
// client is in pipeline mode; it is switched on only while such a group is in flight. A
// failed statement aborts the transaction, so the COMMIT behind it rolls back.
// Round trips dominate an order batch's cost on both sides (bench/results/orders.md).
import { withClient, type Db, type Tx } from './db.js';

/** Statements sent together; each returns the promise of its result. */
export type Statements = (tx: Tx) => readonly Promise<unknown>[];

/**
 * Runs `first` (one statement, sent right behind the BEGIN) then `rest`, which answers
 * its result and the statements to send right before the COMMIT.
 */
export async function withPipelinedTx<F, T>(
  db: Db,
  first: (tx: Tx) => Promise<F>,
  rest: (tx: Tx, firstResult: F) => Promise<{ result: T; beforeCommit: Statements }>,
): Promise<T> {
  return withClient(db, async (client) => {
    try {
      const [, f] = await pipelined(client, (tx) => [tx.query('BEGIN'), first(tx)]);
      const { result, beforeCommit } = await rest(client, f as F);
      await pipelined(client, (tx) => [...beforeCommit(tx), tx.query('COMMIT')]);
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
  });
}

/**
 * Sends the statements in one write without waiting between them; settles once every
 * one is answered (node-postgres routes answers in the order it sent, so the mode must
 * not change while any is in flight) and throws the first failure.
 */
async function pipelined(client: Tx, statements: Statements): Promise<unknown[]> {
  const mode = client as unknown as { pipeline: boolean }; // a documented option, read per query
  const socket = client.connection.stream;
  mode.pipeline = true;
  let settled: PromiseSettledResult<unknown>[];
  try {
    socket.cork(); // as node-postgres does around one statement's messages
    let sent: readonly Promise<unknown>[];
    try {
      sent = statements(client);
    } finally {
      socket.uncork();
    }
    settled = await Promise.allSettled(sent);
  } finally {
    mode.pipeline = false;
  }
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
}
