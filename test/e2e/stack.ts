// The sandbox + engine stack (src/harness/stack.ts) on a fresh test database.
import { startStackOn, type Stack, type StackOptions } from '../../src/harness/stack.js';
import { createTestDatabase } from '../helpers/db.js';

export type { Stack, StackOptions, ChannelPlatform } from '../../src/harness/stack.js';

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
