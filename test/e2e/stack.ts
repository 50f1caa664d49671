// The sandbox + engine stack (src/harness/stack.ts) on a fresh test database.
import { startStackOn, type Stack, type StackOptions } from '../../src/harness/stack.js';
import { createTestDatabase } from '../helpers/db.js';

export type { Stack, StackOptions, ChannelPlatform } from '../../src/harness/stack.js';

/**
 * The layer tests assert whole-ATS counts on every channel: their channels run in shared
 * mode unless a test asks for other buffers (adaptive buffers have tests of their own).
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const testDb = await createTestDatabase({ migrate: false });
  try {
    const stack = await startStackOn(testDb.url, { buffer: '{ mode: shared }', ...opts });
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
