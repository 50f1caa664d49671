// Fuzz of two entry points a person types into (issue 14, part 4): the config file and the
// command line. A config is either loaded or refused as CONFIG_INVALID naming what is
// wrong, never another error; a command line ends with an exit code from the table and, on
// failure, one `error CODE: message` line, never an INTERNAL error (a bug).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { StocksyncError } from '../../src/errors.js';
import { run } from '../../src/cli/program.js';
import { EXIT } from '../../src/cli/exit-codes.js';

const EXAMPLE = readFileSync(new URL('../../examples/stocksync.yaml', import.meta.url), 'utf8');
const LINES = EXAMPLE.split('\n');
const ENV = { STOCKSYNC_SECRET_KEY: 'x'.repeat(32) };

/** The example with a few lines replaced, deleted or duplicated, or values swapped for any text. */
const mutatedConfig = fc
  .array(
    fc.record({
      line: fc.nat(LINES.length - 1),
      op: fc.constantFrom('delete', 'duplicate', 'value', 'garbage', 'indent'),
      text: fc.oneof(fc.string(), fc.constantFrom('-1', '1e400', 'null', '[]', '{}', '"\u0000"', '*a', '&a x', '9999999999999', '0.5', 'true')),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((edits) => {
    const lines = [...LINES];
    for (const e of edits) {
      const at = e.line % lines.length;
      const l = lines[at] ?? '';
      if (e.op === 'delete') lines.splice(at, 1);
      else if (e.op === 'duplicate') lines.splice(at, 0, l);
      else if (e.op === 'value') lines[at] = l.includes(':') ? `${l.slice(0, l.indexOf(':') + 1)} ${e.text}` : e.text;
      else if (e.op === 'indent') lines[at] = ` ${l}`;
      else lines[at] = e.text;
    }
    return lines.join('\n');
  });

export const CONFIG_CASES = 400;

describe('config file fuzz', () => {
  it('loads or refuses with CONFIG_INVALID and at least one named issue, nothing else', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: mutatedConfig }, { weight: 1, arbitrary: fc.string({ maxLength: 400 }) }), (text) => {
        try {
          parseConfig(text, ENV, 'fuzz.yaml');
        } catch (e) {
          expect(e).toBeInstanceOf(StocksyncError);
          expect((e as StocksyncError).code).toBe('CONFIG_INVALID');
          expect((e as StocksyncError).message.length).toBeGreaterThan(0);
          refused++;
        }
      }),
      { numRuns: CONFIG_CASES },
    );
    expect(refused).toBeGreaterThan(CONFIG_CASES / 4); // the mutations do break configs
  });
});

// Not `sandbox`, `start` or `demo`: with valid flags they start servers, as they should.
const COMMANDS = ['status', 'sku', 'reconcile', 'release', 'prune', 'migrate', 'config', 'simulate', 'nope', ''];
const FLAG = fc.oneof(
  fc.constantFrom('--json', '--connection', '--sku', '--all', '--port', '--seed', '--skus', '--duration', '--strategy', '--scale', '--help', '-x', '--'),
  fc.string({ maxLength: 12 }).map((s) => `--${s}`),
);
const VALUE = fc.oneof(fc.constantFrom('-1', '0', '1e9', 'NaN', '', 'abc', '99999999999999999999', '\u0000', '1.5', '100000'), fc.string({ maxLength: 12 }));

describe('command line fuzz', () => {
  afterEach(() => vi.restoreAllMocks());

  it('every command line ends with a known exit code and a one-line error, never INTERNAL', async () => {
    let out = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...COMMANDS), fc.array(fc.oneof(FLAG, VALUE), { maxLength: 5 }), async (command, rest) => {
        out = '';
        // A config that does not exist: no command reaches a database or a platform.
        const argv = ['node', 'stocksync', '--config', '/nonexistent/stocksync.yaml', ...(command ? [command] : []), ...rest];
        // simulate with flags that all parse would run a simulation: give it one bad flag.
        if (command === 'simulate') argv.push('--skus', '0');
        const code = await run(argv);
        expect(Object.values(EXIT)).toContain(code);
        expect(out).not.toMatch(/error INTERNAL/);
        if (code !== EXIT.OK) expect(out).toMatch(/error [A-Z_]+: |error: |Usage: /);
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});
