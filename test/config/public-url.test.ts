// server.publicUrl: an http(s) base URL, trailing slashes dropped, no query or fragment
// (the engine appends /webhooks/<connection id> to it); absent unless set.
import { describe, expect, it } from 'vitest';
import { baseDoc, issuesAfter, load } from './helpers.js';

describe('server.publicUrl', () => {
  it('is absent unless set, and loses its trailing slashes', () => {
    expect(load(baseDoc()).server.publicUrl).toBeUndefined();
    const doc = baseDoc();
    doc.server.publicUrl = 'https://sync.example.com/stocksync//';
    expect(load(doc).server.publicUrl).toBe('https://sync.example.com/stocksync');
  });

  it('refuses what is not an http(s) base URL, with the reason', () => {
    expect(issuesAfter((d) => (d.server.publicUrl = 'sync.example.com'))).toEqual(['server.publicUrl: must be an http:// or https:// URL']);
    expect(issuesAfter((d) => (d.server.publicUrl = 'ftp://sync.example.com'))).toEqual(['server.publicUrl: must be an http:// or https:// URL']);
    expect(issuesAfter((d) => (d.server.publicUrl = 'https://sync.example.com/?token=x'))).toEqual([
      'server.publicUrl: must have no query string or fragment: /webhooks/<connection> is appended to it',
    ]);
  });
});
