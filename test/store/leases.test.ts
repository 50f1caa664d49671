import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLease, releaseLease } from '../../src/store/leases.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe('leases', () => {
  it('one owner at a time; renewals keep it; expiry or release hands it over', async () => {
    expect(await acquireLease(t.db, 'dispatch:x', 'p1', 200)).toBe(true);
    expect(await acquireLease(t.db, 'dispatch:x', 'p2', 200)).toBe(false);
    expect(await acquireLease(t.db, 'dispatch:x', 'p1', 200)).toBe(true); // renewal
    await new Promise((r) => setTimeout(r, 300)); // p1 died: its lease expires
    expect(await acquireLease(t.db, 'dispatch:x', 'p2', 10_000)).toBe(true);
    expect(await acquireLease(t.db, 'dispatch:x', 'p1', 10_000)).toBe(false);
    await releaseLease(t.db, 'dispatch:x', 'p1'); // not the owner: nothing happens
    expect(await acquireLease(t.db, 'dispatch:x', 'p1', 10_000)).toBe(false);
    await releaseLease(t.db, 'dispatch:x', 'p2');
    expect(await acquireLease(t.db, 'dispatch:x', 'p1', 10_000)).toBe(true);
  });

  it('ten processes racing for a lease: exactly one wins', async () => {
    const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => acquireLease(t.db, 'poll:y', `p${i}`, 10_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });
});
