// One SKU: its stock over time (rebuilt from the ledger, newest entry back), what each
// channel is told and shows, the claims of orders not yet counted by the warehouse, open
// incidents, and the latest ledger entries.
import { html, nothing } from 'lit-html';
import { ref } from 'lit-html/directives/ref.js';
import { api, type Claim, type LedgerEntry, type Listing, type Page, type SkuDetail } from '../api.js';
import { TimeChart } from '../charts.js';
import { ago, count, signed, time, units } from '../format.js';
import { badge, empty, stat, type PageFactory } from '../page.js';
import { table, type Column } from '../table.js';

const LEDGER_FOR_CHART = 500;

/** Available and ATS after each entry, oldest first, from today's figures walked back through the ledger (newest first). */
export function stockOverTime(now: { available: number; ats: number }, newestFirst: LedgerEntry[]) {
  const points: { at: number; available: number; ats: number }[] = [];
  let { available, ats } = now;
  for (const e of newestFirst) {
    points.push({ at: Date.parse(e.createdAt) / 1000, available, ats });
    available -= e.availableDelta;
    ats -= e.availableDelta - e.claimedDelta;
  }
  return points.reverse();
}

const listingColumns: Column<Listing>[] = [
  { head: 'Channel', cell: (l) => l.connectionId },
  { head: 'Target', num: true, cell: (l) => units(l.target) },
  { head: 'Shown', num: true, cell: (l) => (l.shown === null ? '—' : units(l.shown)), tone: () => 'shown' },
  {
    head: 'State',
    cell: (l) =>
      l.quarantinedReason ? badge(`quarantined: ${l.quarantinedReason}`, 'bad') : l.dirty ? badge('waiting for a push', 'warn') : badge('in sync', 'ok'),
  },
  { head: 'Last push', cell: (l) => ago(l.lastPushAt) },
];
const claimColumns: Column<Claim>[] = [
  { head: 'Order', cell: (c) => `#${c.orderId}` },
  { head: 'Channel', cell: (c) => c.connectionId },
  { head: 'Quantity', num: true, cell: (c) => units(c.quantity) },
];
const ledgerColumns: Column<LedgerEntry>[] = [
  { head: 'When', cell: (e) => time(e.createdAt) },
  { head: 'Kind', cell: (e) => e.kind },
  { head: 'Available', num: true, cell: (e) => (e.availableDelta ? signed(e.availableDelta) : '') },
  { head: 'Claimed', num: true, cell: (e) => (e.claimedDelta ? signed(e.claimedDelta) : '') },
  { head: 'Where / order', cell: (e) => (e.orderId ? `order #${e.orderId}` : [e.warehouse, e.location].filter(Boolean).join(' / ')) },
  { head: 'Source', cell: (e) => html`${e.source ?? ''}${e.note ? html` <span class="muted">${e.note}</span>` : nothing}` },
];

export const skuPage: PageFactory = (ctx) => {
  const code = ctx.arg ?? '';
  let sku: SkuDetail | undefined;
  let history: LedgerEntry[] = [];
  const chart = new TimeChart({ yLabel: 'units', steps: true, height: 220, tick: count, fitted: true, integer: true });

  const view: ReturnType<PageFactory> = {
    title: code,
    refreshEveryMs: 5_000,
    async load() {
      const enc = encodeURIComponent(code);
      const [s, ledger] = await Promise.all([api.get<SkuDetail>(`/skus/${enc}`), api.get<Page<LedgerEntry>>(`/skus/${enc}/ledger?limit=${LEDGER_FOR_CHART}`)]);
      sku = s;
      history = ledger.items;
      const points = stockOverTime({ available: s.available, ats: s.ats }, history);
      // The chart ends now, at today's figures.
      points.push({ at: Date.now() / 1000, available: s.available, ats: s.ats });
      chart.update(
        points.map((p) => p.at),
        [points.map((p) => p.available), points.map((p) => p.ats)],
        [
          { label: 'available', value: units },
          { label: 'ATS', value: units },
        ],
      );
    },
    view() {
      if (!sku)
        return html`<h1>${code}</h1>
        <p class="muted">Loading…</p>`;
      const s = sku;
      const openClaims = s.claims.filter((c) => c.state === 'open');
      return html`<p><a href="#/skus">← SKUs</a></p>
        <h1>${s.sku} ${s.name ? html`<span class="muted">${s.name}</span>` : nothing} ${s.isBundle ? badge('bundle') : nothing}</h1>
        <div class="stats">
          ${stat('ATS', units(s.ats), 'available to sell', s.ats <= 0 ? 'bad' : s.ats <= 5 ? 'warn' : '')} ${stat('On hand', units(s.onHand))}
          ${stat('Available', units(s.available), 'in sellable locations')} ${stat('Claimed', units(s.claimed), 'orders the warehouse has not counted yet')}
        </div>
        ${
          s.components.length
            ? html`<p>Made of ${s.components.map((c, i) => html`${i ? ', ' : ''}${c.quantity} × <a href="#/sku/${encodeURIComponent(c.sku)}">${c.sku}</a>`)}.</p>`
            : nothing
        }
        <h2>Stock over time</h2>
        ${
          s.isBundle
            ? empty("A bundle's stock is what its components make; see each component's history.")
            : history.length === 0
              ? empty('No ledger entry yet.')
              : html`<figure>
                <figcaption>After each of the latest ${count(history.length)} ledger entries</figcaption>
                <div class="chart" ${ref(chart.ref)}></div>
              </figure>`
        }
        <h2>Channels</h2>
        ${s.listings.length === 0 ? empty('Not listed on any channel.') : table(listingColumns, s.listings, { key: (l) => `connection-${l.connectionId}` })}
        <p><a href="#/buffers?sku=${encodeURIComponent(s.sku)}">Change this SKU's buffer on a channel →</a></p>
        ${
          s.incidents.length
            ? html`<h2>Open incidents</h2>
              <p><a href="#/incidents">${count(s.incidents.length)} open: resolve them on the Incidents page →</a></p>`
            : nothing
        }
        <h2>Open claims</h2>
        ${
          s.claims.filter((c) => c.state === 'open').length === 0
            ? empty('No open claim: every order of this SKU has been counted by its warehouse.')
            : table(claimColumns, openClaims)
        }
        <h2>Latest ledger entries</h2>
        ${history.length === 0 ? empty('No ledger entry yet.') : table(ledgerColumns, history.slice(0, 20))}`;
    },
    dispose: () => chart.destroy(),
  };
  return view;
};
