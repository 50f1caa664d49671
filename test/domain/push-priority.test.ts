// Which pushes are urgent (src/domain/push-priority.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLowering, isRaise } from '../../src/domain/push-priority.js';

describe('push priority', () => {
  it('a lowering, or a count never pushed, is urgent; a raise or a verification is not', () => {
    expect(isLowering({ target: 3, pushed: 5 })).toBe(true);
    expect(isLowering({ target: 3, pushed: null })).toBe(true);
    expect(isLowering({ target: 5, pushed: 5 })).toBe(false);
    expect(isLowering({ target: 6, pushed: 5 })).toBe(false);
    expect(isRaise({ quantity: 6, expected: 5 })).toBe(true);
    expect(isRaise({ quantity: 5, expected: 5 })).toBe(false); // a verification may find the channel too high
    expect(isRaise({ quantity: 6, expected: null })).toBe(false);
  });

  it('the dispatcher and the connector agree: a push item from a listing raises exactly when the listing neither lowers nor verifies (property)', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.option(fc.nat(100), { nil: null }), (target, pushed) => {
        const raise = isRaise({ quantity: target, expected: pushed });
        expect(raise).toBe(!isLowering({ target, pushed }) && target !== pushed);
      }),
    );
  });
});
