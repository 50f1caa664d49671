// Incidents: oversells (a channel sold units the stock did not have) and orders naming an
// unknown SKU. A person resolves each with a note saying what was done (refund, restock...).
import { html, nothing } from 'lit-html';
import { api, query, type Incident, type Page } from '../api.js';
import { time, units } from '../format.js';
import { act, badge, empty, formValues, type PageFactory } from '../page.js';
import { table, type Column } from '../table.js';

export const incidentsPage: PageFactory = (ctx) => {
  const state = (['open', 'resolved', 'all'] as const).find((s) => s === ctx.params.get('state')) ?? 'open';
  let page: Page<Incident> | undefined;
  let resolving: number | null = null;

  const resolve = (id: number) => (e: Event) => {
    const { note = '' } = formValues(e);
    void act(ctx, view, async () => {
      await api.post(`/incidents/${id}/resolve`, { note });
      resolving = null;
      return `Incident ${id} resolved.`;
    });
  };

  const resolution = (i: Incident) =>
    i.resolvedAt
      ? html`${badge('resolved', 'ok')} ${time(i.resolvedAt)}<br /><span class="muted">${i.resolutionNote}</span>`
      : resolving === i.id
        ? html`<form class="inline" @submit=${resolve(i.id)}>
            <input name="note" placeholder="What was done (required)" required maxlength="1000" aria-label="Resolution note" />
            <button type="submit">Resolve</button>
            <button type="button" class="link" @click=${() => ((resolving = null), ctx.update())}>Cancel</button>
          </form>`
        : html`<button @click=${() => ((resolving = i.id), ctx.update())}>Resolve…</button>`;

  const columns: Column<Incident>[] = [
    { head: '#', cell: (i) => i.id },
    { head: 'Kind', cell: (i) => (i.kind === 'oversell' ? badge('oversell', 'bad') : badge('unknown SKU', 'warn')) },
    { head: 'SKU', cell: (i) => (i.sku ? html`<a href="#/sku/${encodeURIComponent(i.sku)}">${i.sku}</a>` : '—') },
    { head: 'Channel', cell: (i) => i.connectionId ?? '—' },
    { head: 'Order', cell: (i) => (i.orderId ? `#${i.orderId}` : '—') },
    { head: 'Short', num: true, cell: (i) => (i.unitsShort === null ? '—' : units(i.unitsShort)) },
    { head: 'When', cell: (i) => time(i.createdAt) },
    { head: 'Resolution', cell: resolution },
  ];

  const view: ReturnType<PageFactory> = {
    title: 'Incidents',
    refreshEveryMs: 10_000,
    async load() {
      page = await api.get<Page<Incident>>(`/incidents${query({ state, limit: 200 })}`);
    },
    view() {
      return html`<h1>Incidents</h1>
        <div class="toolbar">
          ${(['open', 'resolved', 'all'] as const).map(
            (s) => html`<a class="tab ${s === state ? 'active' : ''}" href="#/incidents${s === 'open' ? '' : `?state=${s}`}">${s}</a>`,
          )}
        </div>
        ${
          !page
            ? html`<p class="muted">Loading…</p>`
            : page.items.length === 0
              ? empty(state === 'open' ? 'No open incident: nothing oversold, no unknown SKU.' : 'No incident.')
              : html`${table(columns, page.items, { key: (i) => `incident-${i.id}` })}
              ${page.nextCursor ? html`<p class="muted">Showing the latest 200.</p>` : nothing}`
        }`;
    },
  };
  return view;
};
