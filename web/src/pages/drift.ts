// Drift reports: each full reconciliation (scheduled or started here) with what it found
// different from what the engine believed, and what it did about it. `#/drift/ID` opens one.
import { html, nothing } from 'lit-html';
import { api, type Drift, type Page, type Reconciliation } from '../api.js';
import { count, duration, signed, time } from '../format.js';
import { act, badge, empty, type PageFactory } from '../page.js';
import { table, type Column } from '../table.js';

const statusBadge = (r: Reconciliation) =>
  r.status === 'done'
    ? badge('done', 'ok')
    : r.status === 'failed'
      ? badge('failed', 'bad')
      : badge(`running ${count(r.checked)}${r.total ? ` of ${count(r.total)}` : ''}`, 'warn');

const driftColumns: Column<Drift>[] = [
  { head: 'SKU', cell: (d) => html`<a href="#/sku/${encodeURIComponent(d.sku)}">${d.sku}</a>` },
  { head: 'Connection', cell: (d) => d.connectionId },
  { head: 'Location', cell: (d) => d.location ?? (d.sources?.length ? `from ${d.sources.join(', ')}` : '—') },
  { head: 'Believed', num: true, cell: (d) => (d.believed === null ? '—' : count(d.believed)) },
  { head: 'Actual', num: true, cell: (d) => count(d.actual) },
  { head: 'Drift (units)', num: true, cell: (d) => signed(d.units), tone: (d) => (d.direction === 'up' ? 'warn' : 'bad') },
  { head: 'Action', cell: (d) => d.action },
  { head: 'Layer that should have caught it', cell: (d) => d.layer ?? '—' },
];

const runColumns: Column<Reconciliation>[] = [
  { head: '#', cell: (r) => html`<a href="#/drift/${r.id}">${r.id}</a>` },
  { head: 'Connection', cell: (r) => r.connectionId },
  { head: 'Trigger', cell: (r) => r.trigger },
  { head: 'Status', cell: (r) => html`${statusBadge(r)}${r.error ? html` <span class="muted">${r.error}</span>` : nothing}` },
  { head: 'Started', cell: (r) => time(r.startedAt) },
  { head: 'Took', num: true, cell: (r) => (r.finishedAt ? duration(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : '—') },
  { head: 'Checked', num: true, cell: (r) => count(r.checked) },
  { head: 'Drifted', num: true, cell: (r) => (r.drifted ? html`<a href="#/drift/${r.id}">${count(r.drifted)} SKUs</a>` : '0') },
  { head: 'Drift units', num: true, cell: (r) => count(r.driftUnits) },
];

export const driftPage: PageFactory = (ctx) => {
  const openId = ctx.arg ? Number(ctx.arg) : null;
  let runs: Reconciliation[] | undefined;
  let drift: Drift[] | undefined;

  const start = () =>
    act(ctx, view, async () => {
      const r = await api.post<{ connections: string[] }>('/reconciliations', {});
      return `Reconciliation started: ${r.connections.join(', ')} (warehouses first).`;
    });

  const view: ReturnType<PageFactory> = {
    title: openId ? `Drift of run ${openId}` : 'Drift',
    refreshEveryMs: 5_000,
    async load() {
      const [list, rows] = await Promise.all([
        api.get<Page<Reconciliation>>('/reconciliations?limit=50'),
        openId ? api.get<Page<Drift>>(`/reconciliations/${openId}/drift?limit=500`) : Promise.resolve(undefined),
      ]);
      runs = list.items;
      drift = rows?.items;
    },
    view() {
      const open = runs?.find((r) => r.id === openId);
      return html`<h1>Drift reports</h1>
        <div class="toolbar">
          <button @click=${start}>Reconcile every connection now</button>
          <span class="muted">Reads every count on every platform; Amazon's rate limit makes it take minutes there.</span>
        </div>
        ${
          openId
            ? html`<section class="card">
              <h2>Run ${openId} ${open ? html`<span class="muted">${open.connectionId}, ${time(open.startedAt)}</span>` : nothing}</h2>
              ${
                !drift
                  ? html`<p class="muted">Loading…</p>`
                  : drift.length === 0
                    ? empty(open?.status === 'running' ? 'Nothing found different so far.' : 'No drift: every count was what the engine believed.')
                    : table(driftColumns, drift)
              }
              <p><a href="#/drift">Close</a></p>
            </section>`
            : nothing
        }
        ${
          !runs
            ? html`<p class="muted">Loading…</p>`
            : runs.length === 0
              ? empty('No reconciliation yet: they run on each connection’s schedule, or now with the button above.')
              : table(runColumns, runs, { key: (r) => `run-${r.id}`, rowClass: (r) => (r.id === openId ? 'selected' : '') })
        }`;
    },
  };
  return view;
};
