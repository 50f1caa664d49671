import { describe, expect, it } from 'vitest';
import { createLogger, formatPretty, redactUrlSecrets } from '../../src/log.js';
import { buildServer } from '../../src/server/app.js';
import { createTestDatabase } from '../helpers/db.js';

function capture(format: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  const logger = createLogger({ stream: { write: (l: string) => lines.push(l) }, format, level: 'debug', env: {} });
  return { logger, text: () => lines.join('') };
}

const SECRETS = ['shpat_SECRET1', 'SECRET2-api', 'SECRET3-pass', 'SECRET4-hook', 'Bearer SECRET5', 'SECRET6-shop', 'SECRET7-cred', 'postgres://u:SECRET8@h/db'];

describe('logger', () => {
  it('redacts secrets wherever connectors tend to log them', () => {
    for (const format of ['json', 'pretty'] as const) {
      const { logger, text } = capture(format);
      logger.info({ accessToken: SECRETS[0], conn: { apiToken: SECRETS[1] } }, 'one');
      logger.warn({ login: { user: { password: SECRETS[2] } }, webhookSecret: SECRETS[3] }, 'two');
      logger.error({ req: { headers: { authorization: SECRETS[4], 'x-shopify-access-token': SECRETS[5] } } }, 'three');
      logger.child({ connection: { id: 'shop-main', credentials: { token: SECRETS[6] } } }).debug('four');
      logger.info({ config: { database: { url: SECRETS[7] } } }, 'five');
      const out = text();
      for (const secret of SECRETS) expect(out, format).not.toContain(secret);
      expect(out).toContain('[redacted]');
      expect(out).toContain('shop-main'); // the rest stays
    }
  });

  it('writes one JSON object a line, or one readable line', () => {
    const json = capture('json');
    json.logger.info({ sku: 'SKU-1', units: 3 }, 'pushed');
    const rec = JSON.parse(json.text()) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 30, msg: 'pushed', sku: 'SKU-1', units: 3 });

    const pretty = capture('pretty');
    pretty.logger.info({ sku: 'SKU-1', note: 'two words' }, 'pushed');
    // eslint-disable-next-line no-regex-spaces -- the level padded to five columns, as printed
    expect(pretty.text()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  pushed sku=SKU-1 note="two words"\n$/);
    expect(formatPretty('not json')).toBe('not json');
  });

  it('takes its level from STOCKSYNC_LOG_LEVEL and refuses unknown ones', () => {
    const lines: string[] = [];
    const logger = createLogger({ stream: { write: (l: string) => lines.push(l) }, env: { STOCKSYNC_LOG_LEVEL: 'warn' } });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
    expect(() => createLogger({ env: { STOCKSYNC_LOG_LEVEL: 'verbose' } })).toThrow(/STOCKSYNC_LOG_LEVEL: must be one of/);
  });
});

describe('secrets in URLs (issue 14, defect 10)', () => {
  it('redacts secret query values and user-info passwords, keeping the rest', () => {
    expect(redactUrlSecrets('/webhooks/amazon?token=SECRET9&topic=x')).toBe('/webhooks/amazon?token=[redacted]&topic=x');
    expect(redactUrlSecrets('/a?x=1&api_key=K&Signature=S&sig=T&access%5Ftoken=U#frag')).toBe(
      '/a?x=1&api_key=[redacted]&Signature=[redacted]&sig=[redacted]&access%5Ftoken=[redacted]#frag',
    );
    expect(redactUrlSecrets('postgres://u:pw@h:5432/db?sslmode=require')).toBe('postgres://u:[redacted]@h:5432/db?sslmode=require');
    expect(redactUrlSecrets('/healthz')).toBe('/healthz');
  });

  it('keeps the Amazon notification token out of the request lines logged at debug', async () => {
    const lines: string[] = [];
    const logger = createLogger({ stream: { write: (l: string) => lines.push(l) }, format: 'json', level: 'debug', env: {} });
    const testDb = await createTestDatabase();
    try {
      const app = await buildServer({ db: testDb.db, logger, connectors: new Map() });
      await app.inject({ method: 'POST', url: '/webhooks/amazon-eu?token=SECRET-NOTIFY&note=kept', payload: {} });
      logger.debug({ url: 'https://sellingpartnerapi.example/x?token=SECRET-FETCH&page=2' }, 'fetch');
      await app.close();
    } finally {
      await testDb.drop();
    }
    const out = lines.join('');
    expect(out).toContain('incoming request');
    expect(out).toContain('/webhooks/amazon-eu?token=[redacted]&note=kept');
    expect(out).toContain('page=2');
    expect(out).not.toContain('SECRET-NOTIFY');
    expect(out).not.toContain('SECRET-FETCH');
  });
});
