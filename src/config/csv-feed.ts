// The options of a `platform: csv-feed` connection (a warehouse that exports stock files):
// where the files are, how their columns map, when a file was taken, and when one is held
// for a person to confirm. Checked at config load (cross-checks.ts) and again by the
// connector, so the paths in error messages are the YAML's.
import * as z from 'zod';
import { parseDuration } from './duration.js';

const SOURCE_HELP = 'must be a file:///folder, https://host/file.csv or sftp://user@host[:port]/folder URL';

const source = z.string({ error: SOURCE_HELP }).transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: SOURCE_HELP });
    return z.NEVER;
  }
  if (url.protocol === 'http:') {
    ctx.addIssue({ code: 'custom', message: 'plain http:// is refused (a stock file could be altered on the way); use https://' });
    return z.NEVER;
  }
  if (!['file:', 'https:', 'sftp:'].includes(url.protocol)) {
    ctx.addIssue({ code: 'custom', message: SOURCE_HELP });
    return z.NEVER;
  }
  if (url.protocol === 'sftp:' && url.username === '') {
    ctx.addIssue({ code: 'custom', message: 'an sftp:// source names its user: sftp://user@host/folder' });
    return z.NEVER;
  }
  if (url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'no password in the URL; put it in credentials.password as { env: NAME }' });
    return z.NEVER;
  }
  return url;
});

/** A header name, or a 1-based column number (the only choice with `header: false`). */
const column = z.union([z.string().min(1, 'must not be empty'), z.number().int().min(1)], {
  error: 'must be a header name or a column number from 1',
});

const regex = z.string({ error: 'must be a regular expression' }).superRefine((text, ctx) => {
  try {
    // `(?:x)|` matches the empty string, so its match lists every group of x.
    const groups = new RegExp(`(?:${text})|`).exec('')!.length - 1;
    if (groups < 1) ctx.addIssue({ code: 'custom', message: 'must capture the timestamp in a group, e.g. stock-(\\d{8}T\\d{6}Z)\\.csv' });
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(e as Error).message})` });
  }
});

const duration = z.string({ error: 'must be a duration such as 15m' }).transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 0s, 15m or 1h' });
    return z.NEVER;
  }
  return ms;
});

export const csvFeedOptionsSchema = z
  .strictObject(
    {
      source,
      /** Which files of a folder (file:, sftp:) are stock snapshots: a glob on the name; the newest is read. */
      files: z.string({ error: 'must be a glob such as *.csv' }).min(1, 'must not be empty').default('*.csv'),
      columns: z.strictObject({ sku: column, quantity: column, location: column.optional() }, { error: 'must map sku, quantity and optionally location' }),
      header: z.boolean({ error: 'must be true or false' }).default(true),
      delimiter: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(4, 'must be at most 4 characters').default(','),
      /** The one location of the file's rows when it has no location column. */
      location: z.string({ error: 'must be a string' }).min(1, 'must not be empty').default('main'),
      /** When a file was taken: its modification time, or a time in its name. */
      timestamp: z
        .union([z.literal('mtime'), z.strictObject({ filenamePattern: regex })], {
          error: 'must be mtime or { filenamePattern: "stock-(\\\\d{8}T\\\\d{6}Z)\\\\.csv" }',
        })
        .default('mtime'),
      holdIfZeroingOver: z.number({ error: 'must be a number from 0 to 1' }).min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1').default(0.2),
      absentSkus: z.enum(['zero', 'keep'], { error: 'must be zero or keep' }).default('zero'),
      maxRowBytes: z
        .number({ error: 'must be a whole number' })
        .int('must be a whole number')
        .min(64, 'must be at least 64')
        .max(1_048_576, 'must be at most 1048576')
        .default(65_536),
      /** PEM file of the CA that signed an https:// source's certificate (added to the system's). */
      caFile: z.string({ error: 'must be a path' }).min(1, 'must not be empty').optional(),
      /** The SFTP server's host key, as `ssh-keygen -lf` prints it: SHA256:base64. */
      hostKey: z
        .string({ error: 'must be SHA256:<base64> as ssh-keygen -lf prints it' })
        .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be SHA256:<base64> as ssh-keygen -lf prints it')
        .optional(),
      /** How long after the engine hands an order off the warehouse's files count it (claims settle then). */
      orderLag: duration.prefault('15m'),
      timeoutMs: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(100, 'must be at least 100').max(600_000).default(30_000),
      // Engine-wide connection options (src/runtime/workers.ts).
      authRetryMs: z.number().positive().optional(),
      authRetryMaxMs: z.number().positive().optional(),
    },
    { error: 'must be a mapping' },
  )
  .superRefine((o, ctx) => {
    if (!o.header) {
      for (const key of ['sku', 'quantity', 'location'] as const) {
        if (typeof o.columns[key] === 'string')
          ctx.addIssue({ code: 'custom', path: ['columns', key], message: 'must be a column number (1, 2...) with header: false' });
      }
    }
    if (o.source.protocol === 'sftp:' && o.hostKey === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['hostKey'],
        message: 'required for an sftp:// source: the server key to trust (ssh-keygen -lf on its public key)',
      });
    }
    if (o.caFile !== undefined && o.source.protocol !== 'https:') ctx.addIssue({ code: 'custom', path: ['caFile'], message: 'only for an https:// source' });
    if (o.hostKey !== undefined && o.source.protocol !== 'sftp:') ctx.addIssue({ code: 'custom', path: ['hostKey'], message: 'only for an sftp:// source' });
  });

export type CsvFeedOptions = z.output<typeof csvFeedOptionsSchema>;

/** Credentials a source needs: SFTP a password or a private key. */
export function missingCredentials(o: CsvFeedOptions, credentials: Record<string, unknown>): string | undefined {
  if (o.source.protocol === 'sftp:' && credentials.password === undefined && credentials.privateKey === undefined) {
    return 'an sftp:// source needs credentials.password or credentials.privateKey';
  }
  return undefined;
}

/** Every mistake in a csv-feed connection's options (and a missing SFTP credential), with its path under `options`. */
export function csvFeedIssues(options: unknown, credentials: Record<string, unknown>): { path: (string | number)[]; message: string }[] {
  const parsed = csvFeedOptionsSchema.safeParse(options);
  if (!parsed.success) return parsed.error.issues.map((i) => ({ path: i.path.filter((p) => typeof p !== 'symbol'), message: i.message }));
  const missing = missingCredentials(parsed.data, credentials);
  return missing ? [{ path: ['source'], message: missing }] : [];
}
