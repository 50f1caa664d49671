// `config check` on the admin API's settings: server.adminToken (an environment reference,
// never a literal), and the manual platform (a channel without baseUrl or credentials).
import { describe, expect, it } from 'vitest';
import { ENV, baseDoc, issuesOf, load } from './helpers.js';

function withManual(extra: Record<string, unknown> = {}) {
  const doc = baseDoc();
  doc.connections.push({ id: 'wholesale', kind: 'channel', platform: 'manual', buffer: { reserve: 10 }, ...extra });
  doc.skus[0].listings.wholesale = {};
  return doc;
}

describe('admin API settings in the config', () => {
  it('takes server.adminToken as an environment reference only', () => {
    const doc = baseDoc();
    doc.server.adminToken = { env: 'ADMIN_TOKEN' };
    expect(load(doc, { ...ENV, ADMIN_TOKEN: 'tok-123' }).server.adminToken).toBe('tok-123');
    doc.server.adminToken = 'literal-token';
    expect(issuesOf(doc)).toEqual([
      'server.adminToken: literal secrets are not allowed in the config file; use an environment reference such as { env: MY_SECRET }',
    ]);
  });

  it('accepts a manual channel without baseUrl or credentials, fulfilled by the only warehouse', () => {
    const c = load(withManual());
    const wholesale = c.connections.find((x) => x.id === 'wholesale');
    expect(wholesale).toMatchObject({ kind: 'channel', platform: 'manual', fulfilledBy: 'wh-main', buffer: { reserve: 10 } });
    expect(wholesale?.baseUrl).toBeUndefined();
  });

  it('still requires baseUrl of every other channel, and refuses credentials or listing ids on a manual one', () => {
    const doc = withManual({ credentials: { apiToken: { env: 'WH_TOKEN' } } });
    delete doc.connections[0].baseUrl;
    doc.skus[0].listings.wholesale = { sellerSku: 'X' };
    expect(issuesOf(doc)).toEqual([
      'connections[0].baseUrl: required',
      'connections[3].credentials.apiToken: manual takes no credentials',
      'skus[0].listings.wholesale.sellerSku: a manual listing takes no ids (write {})',
    ]);
  });
});
