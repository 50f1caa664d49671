// The config's `catalog:` section (catalogue discovery): off by default with a daily
// schedule before reconciliation, and precise messages for a bad value.
import { describe, expect, it } from 'vitest';
import { baseDoc, issuesOf, load } from './helpers.js';

describe('catalog settings in the config', () => {
  it('defaults to no discovery, case-sensitive SKUs and a daily schedule', () => {
    expect(load(baseDoc()).catalog).toEqual({ discover: false, schedule: '30 2 * * *', caseFold: false });
  });

  it('takes discover, a cron schedule and caseFold', () => {
    const doc = baseDoc() as Record<string, unknown>;
    doc['catalog'] = { discover: true, schedule: '0 */6 * * *', caseFold: true };
    expect(load(doc as ReturnType<typeof baseDoc>).catalog).toEqual({ discover: true, schedule: '0 */6 * * *', caseFold: true });
  });

  it('refuses a bad schedule, a non-boolean and an unknown key', () => {
    const doc = baseDoc() as Record<string, unknown>;
    doc['catalog'] = { discover: 'yes', schedule: 'every day', fold: true };
    const issues = issuesOf(doc as ReturnType<typeof baseDoc>);
    expect(issues).toContain('catalog.discover: must be true or false');
    expect(issues.some((i) => i.startsWith('catalog.schedule: not a valid cron expression'))).toBe(true);
    expect(issues.some((i) => i.startsWith('catalog') && i.includes('fold'))).toBe(true);
  });
});

describe('examples/catalog-discovery.yaml', () => {
  it('is a valid config that discovers', async () => {
    const { loadConfig } = await import('../../src/config/index.js');
    const c = await loadConfig('examples/catalog-discovery.yaml', {});
    expect(c.catalog).toEqual({ discover: true, schedule: '30 2 * * *', caseFold: false });
    expect(c.skus.map((s) => s.sku)).toEqual(['DEMO-0001', 'MUG-PAIR']);
  });
});
