// The order path's transaction helper: BEGIN sent with the first statement, COMMIT with
// the last ones; a failure anywhere commits nothing and leaves the client usable.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createPool, type Db } from '../../src/store/db.js';
import { withPipelinedTx } from '../../src/store/pipelined-tx.js';

let t: TestDatabase;
let one: Db; // a single connection: every transaction below reuses the same client
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false, poolSize: 2 });
  one = createPool(t.url, 1);
  await t.db.query(`CREATE TABLE notes (n int PRIMARY KEY)`);
});
afterAll(async () => {
  await one.end();
  await t.drop();
});
beforeEach(async () => {
  await t.db.query(`TRUNCATE notes`);
});

const insert = (n: number) => ({ text: `INSERT INTO notes VALUES ($1) RETURNING n`, values: [n] });
const notes = async () => (await t.db.query<{ n: number }>(`SELECT n FROM notes ORDER BY n`)).rows.map((r) => r.n);

describe('withPipelinedTx', () => {
  it('commits the first statement and the ones sent with the COMMIT, in one transaction', async () => {
    const result = await withPipelinedTx(
      one,
      (tx) => tx.query(insert(1)),
      async (tx, first) => {
        const second = await tx.query(insert(2));
        // now() is the transaction's start: earlier than this statement's only inside a transaction.
        const { inTransaction } = (await tx.query(`SELECT now() < statement_timestamp() AS "inTransaction"`)).rows[0];
        return { result: { first: first.rows[0].n, second: second.rows[0].n, inTransaction }, beforeCommit: (c) => [c.query(insert(3))] };
      },
    );
    expect(result).toEqual({ first: 1, second: 2, inTransaction: true });
    expect(await notes()).toEqual([1, 2, 3]);
  });

  it('a failing first statement commits nothing and the client is usable afterwards', async () => {
    await t.db.query(`INSERT INTO notes VALUES (1)`);
    await expect(
      withPipelinedTx(
        one,
        (tx) => tx.query(insert(1)),
        async () => ({ result: null, beforeCommit: () => [] }),
      ),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await one.query(`SELECT 1 AS ok`)).rows).toEqual([{ ok: 1 }]);
    expect(await notes()).toEqual([1]);
  });

  it('a failure among the statements sent with the COMMIT rolls everything back', async () => {
    await expect(
      withPipelinedTx(
        one,
        (tx) => tx.query(insert(1)),
        async (tx) => {
          await tx.query(insert(2));
          return { result: null, beforeCommit: (c) => [c.query(`SELECT 1 / 0`), c.query(insert(3))] };
        },
      ),
    ).rejects.toMatchObject({ code: '22012' });
    expect(await notes()).toEqual([]);
    // The same client, out of pipeline mode and out of the aborted transaction.
    await withPipelinedTx(
      one,
      (tx) => tx.query(insert(4)),
      async () => ({ result: null, beforeCommit: () => [] }),
    );
    expect(await notes()).toEqual([4]);
  });
});
