// SKUs: search by code or name, lowest stock first, with every channel's target (what the
// engine wants it to show) and shown count (what the channel last confirmed).
import { html, nothing } from 'lit-html';
import { api, query, type Connection, type Page, type Sku } from '../api.js';
import { count } from '../format.js';
import { empty, type PageFactory } from '../page.js';
import { table, type Column } from '../table.js';

const PAGE_SIZE = 50;

export const skusPage: PageFactory = (ctx) => {
  const q = ctx.params.get('q') ?? '';
  const low = ctx.params.get('low') === 'true';
  const sort = ctx.params.get('sort') === 'sku' ? 'sku' : 'ats';
  let cursors: (string | null)[] = [null]; // the cursor of each page seen, for "previous"
  let page: Page<Sku> | undefined;
  let channels: string[] = [];

  const go = (next: { q?: string; low?: boolean; sort?: string }) =>
    ctx.navigate(`#/skus${query({ q: next.q ?? q, low: (next.low ?? low) || undefined, sort: (next.sort ?? sort) === 'sku' ? 'sku' : undefined })}`);

  const listingOf = (s: Sku, connectionId: string) => s.listings.find((x) => x.connectionId === connectionId);
  const listingCell = (s: Sku, connectionId: string) => {
    const l = listingOf(s, connectionId);
    if (!l) return html`<span class="muted" title="not listed on ${connectionId}">—</span>`;
    const title = l.quarantinedReason
      ? `quarantined: ${l.quarantinedReason}`
      : l.dirty
        ? `waiting for a push: the channel shows ${l.shown ?? 'nothing yet'}, the target is ${l.target}`
        : 'the channel shows its target';
    return html`<span title=${title}>${count(l.target)} / ${l.shown === null ? '—' : count(l.shown)}</span>${
      l.dirty ? html` <span class="dot" aria-label="dirty">●</span>` : nothing
    }`;
  };
  const listingTone = (s: Sku, connectionId: string) => {
    const l = listingOf(s, connectionId);
    return l?.quarantinedReason ? 'bad' : l?.dirty ? 'warn' : '';
  };
  const columns = (channels: string[]): Column<Sku>[] => [
    {
      head: 'SKU',
      cell: (s) => html`<a href="#/sku/${encodeURIComponent(s.sku)}">${s.sku}</a>${s.isBundle ? html` <span class="badge muted">bundle</span>` : nothing}`,
    },
    { head: 'Name', cell: (s) => s.name ?? '' },
    { head: 'ATS', num: true, cell: (s) => count(s.ats), tone: (s) => (s.ats <= 0 ? 'bad' : s.ats <= 5 ? 'warn' : '') },
    { head: 'On hand', num: true, cell: (s) => count(s.onHand) },
    { head: 'Claimed', num: true, cell: (s) => count(s.claimed) },
    ...channels.map((c): Column<Sku> => ({ head: c, num: true, cell: (s) => listingCell(s, c), tone: (s) => listingTone(s, c) })),
  ];

  const view: ReturnType<PageFactory> = {
    title: 'SKUs',
    refreshEveryMs: 10_000,
    async load() {
      const [p, c] = await Promise.all([
        api.get<Page<Sku>>(`/skus${query({ q, low: low || undefined, sort, limit: PAGE_SIZE, cursor: cursors.at(-1) })}`),
        // Every channel gets a column, listed on this page or not, so the columns stay put from page to page.
        channels.length ? null : api.get<{ items: Connection[] }>('/connections'),
      ]);
      page = p;
      if (c) channels = c.items.filter((x) => x.kind === 'channel').map((x) => x.id);
    },
    view() {
      return html`<h1>SKUs</h1>
        <form
          class="toolbar"
          role="search"
          @submit=${(e: Event) => {
            e.preventDefault();
            go({ q: String(new FormData(e.currentTarget as HTMLFormElement).get('q') ?? '').trim() });
          }}
        >
          <input name="q" type="search" placeholder="SKU or name" .value=${q} aria-label="Search SKUs" />
          <button type="submit">Search</button>
          <label><input type="checkbox" .checked=${low} @change=${(e: Event) => go({ low: (e.target as HTMLInputElement).checked })} /> Only low stock (ATS ≤ 5)</label>
          <label
            >Sort
            <select @change=${(e: Event) => go({ sort: (e.target as HTMLSelectElement).value })}>
              <option value="ats" ?selected=${sort === 'ats'}>lowest ATS first</option>
              <option value="sku" ?selected=${sort === 'sku'}>by SKU</option>
            </select></label
          >
        </form>
        ${
          !page
            ? html`<p class="muted">Loading…</p>`
            : page.items.length === 0
              ? empty(q ? `No SKU matches “${q}”.` : low ? 'No SKU is low on stock.' : 'No SKUs configured.')
              : html`<p class="muted">Per channel: target / shown (units). ● waiting for a push. ATS: available to sell.</p>
                ${table(columns(channels), page.items, { key: (s) => `sku-${s.sku}` })}
                <div class="pager">
                  <button
                    ?disabled=${cursors.length < 2}
                    @click=${async () => {
                      cursors = cursors.slice(0, -1);
                      await view.load();
                      ctx.update();
                    }}
                  >
                    ← Previous
                  </button>
                  <button
                    ?disabled=${!page.nextCursor}
                    @click=${async () => {
                      cursors = [...cursors, page!.nextCursor];
                      await view.load();
                      ctx.update();
                    }}
                  >
                    Next →
                  </button>
                </div>`
        }`;
    },
  };
  return view;
};
