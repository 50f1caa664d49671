// Quarantine: what the engine set aside with a reason, and the way back for each. Listings a
// permanent push error took out of dispatch (release: pushed again at their target),
// webhooks refused at the door (replay into the inbox), inbox events whose processing failed
// (retry).
import { html } from 'lit-html';
import { api, type InboxEvent, type Page, type QuarantinedListing, type QuarantineRecord } from '../api.js';
import { count, time, units } from '../format.js';
import { act, badge, empty, type PageFactory } from '../page.js';
import { table, type Column } from '../table.js';

export const quarantinePage: PageFactory = (ctx) => {
  let listings: QuarantinedListing[] | undefined;
  let records: QuarantineRecord[] = [];
  let inbox: InboxEvent[] = [];

  const release = (l: QuarantinedListing) =>
    act(ctx, view, async () => {
      await api.post(`/quarantine/listings/${l.listingId}/release`);
      return `${l.sku} on ${l.connectionId} released: it is pushed again at ${units(l.target)}.`;
    });
  const replay = (r: QuarantineRecord, skipSignatureCheck: boolean) =>
    act(ctx, view, async () => {
      const out = await api.post<{ eventId: string; topic: string }>(`/quarantine/records/${r.id}/replay`, { skipSignatureCheck });
      return `Webhook ${r.id} replayed into the inbox as ${out.topic} ${out.eventId}.`;
    });
  const retry = (e: InboxEvent) =>
    act(ctx, view, async () => {
      await api.post(`/quarantine/inbox/${e.id}/retry`);
      return `Inbox event ${e.id} is queued again.`;
    });

  const listingColumns: Column<QuarantinedListing>[] = [
    { head: 'SKU', cell: (l) => html`<a href="#/sku/${encodeURIComponent(l.sku)}">${l.sku}</a>` },
    { head: 'Channel', cell: (l) => l.connectionId },
    { head: 'Target', num: true, cell: (l) => units(l.target) },
    { head: 'Shown', num: true, cell: (l) => (l.shown === null ? '—' : units(l.shown)) },
    { head: 'Reason', cell: (l) => l.reason, tone: () => 'reason' },
    { head: 'Since', cell: (l) => time(l.quarantinedAt) },
    { head: '', cell: (l) => html`<button @click=${() => release(l)}>Release</button>` },
  ];
  const replayCell = (r: QuarantineRecord) =>
    r.replayedAt
      ? badge(`replayed ${time(r.replayedAt)}`, 'ok')
      : r.source === 'webhook'
        ? html`<button @click=${() => replay(r, false)}>Replay</button>
            <button
              class="link"
              title="Replay even though its signature does not verify: you vouch for it"
              @click=${() => confirm('Replay without checking the signature? Only if you know where this webhook came from.') && replay(r, true)}
            >
              without signature check
            </button>`
        : '';
  const recordColumns: Column<QuarantineRecord>[] = [
    { head: '#', cell: (r) => r.id },
    { head: 'Source', cell: (r) => r.source },
    { head: 'Connection', cell: (r) => r.connectionId ?? '—' },
    { head: 'Reason', cell: (r) => r.reason, tone: () => 'reason' },
    { head: 'When', cell: (r) => time(r.createdAt) },
    { head: '', cell: replayCell },
  ];
  const inboxColumns: Column<InboxEvent>[] = [
    { head: '#', cell: (e) => e.id },
    { head: 'Connection', cell: (e) => e.connectionId },
    { head: 'Topic', cell: (e) => e.topic },
    { head: 'Reason', cell: (e) => e.reason ?? '', tone: () => 'reason' },
    { head: 'Attempts', num: true, cell: (e) => count(e.attempts) },
    { head: 'Received', cell: (e) => time(e.receivedAt) },
    { head: '', cell: (e) => html`<button @click=${() => retry(e)}>Retry</button>` },
  ];

  const view: ReturnType<PageFactory> = {
    title: 'Quarantine',
    refreshEveryMs: 10_000,
    async load() {
      const [l, r, i] = await Promise.all([
        api.get<Page<QuarantinedListing>>('/quarantine/listings?limit=200'),
        api.get<Page<QuarantineRecord>>('/quarantine/records?limit=100'),
        api.get<Page<InboxEvent>>('/quarantine/inbox?limit=100'),
      ]);
      [listings, records, inbox] = [l.items, r.items, i.items];
    },
    view() {
      if (!listings)
        return html`<h1>Quarantine</h1>
        <p class="muted">Loading…</p>`;
      return html`<h1>Quarantine</h1>
        <h2>Listings <span class="muted">(${count(listings.length)})</span></h2>
        <p class="muted">A platform refused a push for good (a deleted product, a wrong id): the listing is not pushed until released.</p>
        ${
          listings.length === 0
            ? empty('No quarantined listing: every listing is being pushed.')
            : table(listingColumns, listings, { key: (l) => `listing-${l.listingId}` })
        }
        <h2>Refused records <span class="muted">(${count(records.length)})</span></h2>
        <p class="muted">Webhooks refused at the door, and rows a poll, push or reconciliation could not read. A webhook can be replayed.</p>
        ${records.length === 0 ? empty('Nothing refused.') : table(recordColumns, records, { key: (r) => `record-${r.id}` })}
        <h2>Inbox events that failed <span class="muted">(${count(inbox.length)})</span></h2>
        ${inbox.length === 0 ? empty('No stored event failed processing.') : table(inboxColumns, inbox, { key: (e) => `inbox-${e.id}` })}`;
    },
  };
  return view;
};
