// The sandbox + engine stack (bench/lib/stack.ts) on a fresh test database.
import { startStackOn, type Stack, type StackOptions } from '../../bench/lib/stack.js';
import { createTestDatabase } from '../helpers/db.js';

export type { Stack, StackOptions, ChannelPlatform } from '../../bench/lib/stack.js';

export async function startStack(opts: StackOptions): Promise<Stack> {
  const testDb = await createTestDatabase({ migrate: false });
  try {
    const stack = await startStackOn(testDb.url, opts);
    return {
      ...stack,
      async close() {
        await stack.close();
        await testDb.drop();
      },
    };
  } catch (e) {
    await testDb.drop();
    throw e;
  }
}
