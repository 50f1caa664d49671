// Overview: is every connection healthy, is the engine keeping up (orders and pushes per
// minute, the dirty backlog and how long its oldest listing has waited, lowering latency),
// and is anything oversold.
import { html, nothing } from 'lit-html';
import { ref } from 'lit-html/directives/ref.js';
import { api, type Activity, type Connection, type Overview } from '../api.js';
import { TimeChart, type SeriesSpec } from '../charts.js';
import { ago, count, duration, perMinute } from '../format.js';
import { badge, empty, stat, type PageFactory } from '../page.js';

const WINDOW_MINUTES = 30;
/** A connection silent for longer than this (no webhook, poll or push) is flagged. */
const QUIET_MS = 15 * 60_000;
/** Push rates come per minute here; a longer gap is time nobody measured (no dashboard open). */
const PUSH_GAP_S = 90;

/** The 10-second push rates averaged per connection and minute: one point a minute, like the other charts. */
function perMinuteAverage(rows: Activity['pushesPerMinute']): { at: string; connectionId: string; listings: number }[] {
  const sums = new Map<string, { at: string; connectionId: string; total: number; n: number }>();
  for (const r of rows) {
    const minute = new Date(Math.floor(Date.parse(r.at) / 60_000) * 60_000).toISOString();
    const key = `${r.connectionId} ${minute}`;
    const s = sums.get(key) ?? { at: minute, connectionId: r.connectionId, total: 0, n: 0 };
    s.total += r.listings;
    s.n++;
    sums.set(key, s);
  }
  return [...sums.values()].map((s) => ({ at: s.at, connectionId: s.connectionId, listings: Math.round((s.total / s.n) * 10) / 10 }));
}

function health(c: Connection, now: number): { text: string; kind: 'ok' | 'warn' | 'bad' } {
  if (c.authPause) return { text: 'credentials refused', kind: 'bad' };
  if (c.paused) return { text: 'paused', kind: 'warn' };
  if (c.failingSince) {
    const what = c.failure === 'auth' ? 'auth failing' : c.failure === 'unreachable' ? 'unreachable' : 'failing';
    return { text: `${what} for ${duration(now - Date.parse(c.failingSince))}`, kind: 'bad' };
  }
  const last = Math.max(...[c.lastWebhookAt, c.lastPollAt, c.lastPushAt].map((t) => (t ? Date.parse(t) : 0)));
  if (last === 0) return { text: 'no activity yet', kind: 'warn' };
  if (now - last > QUIET_MS) return { text: `quiet for ${duration(now - last)}`, kind: 'warn' };
  return { text: 'healthy', kind: 'ok' };
}

/**
 * Aligns per-connection points on one time axis (seconds), null where a connection has none.
 * Where two points are more than `gapSeconds` apart (nobody was sampling), a null breaks the
 * line instead of drawing one across the time nothing was measured.
 */
function align<T>(rows: T[], at: (r: T) => string, key: (r: T) => string, value: (r: T) => number, gapSeconds = Infinity) {
  const keys = [...new Set(rows.map(key))].sort();
  const measured = [...new Set(rows.map((r) => Date.parse(at(r)) / 1000))].sort((a, b) => a - b);
  const times = measured.flatMap((t, i) => (i > 0 && t - measured[i - 1]! > gapSeconds ? [measured[i - 1]! + 1, t] : [t]));
  const index = new Map(times.map((t, i) => [t, i]));
  const ys = keys.map(() => times.map((): number | null => null));
  for (const r of rows) ys[keys.indexOf(key(r))]![index.get(Date.parse(at(r)) / 1000)!] = value(r);
  return { keys, times, ys };
}

export const overviewPage: PageFactory = () => {
  let connections: Connection[] | undefined;
  let overview: Overview | undefined;
  let activity: Activity | undefined;
  // Every chart spans the whole window, however little of it has data yet.
  const window = (): [number, number] => {
    const end = activity ? Date.parse(activity.generatedAt) / 1000 : Date.now() / 1000;
    return [end - WINDOW_MINUTES * 60, end];
  };
  const orders = new TimeChart({ yLabel: 'orders / min', bars: true, tick: count, xRange: window, integer: true });
  const pushes = new TimeChart({ yLabel: 'listings pushed / min', tick: count, xRange: window });
  const latency = new TimeChart({ yLabel: 'p95 lowering', tick: duration, xRange: window, log: true });

  const drawCharts = (o: Activity) => {
    orders.update(
      o.ordersPerMinute.map((m) => Date.parse(m.minute) / 1000),
      [o.ordersPerMinute.map((m) => m.count)],
      [{ label: 'orders', value: (v) => perMinute(v) }],
    );
    // Warehouses take orders, not listing pushes: only channels have a line.
    const channels = new Set(connections?.filter((c) => c.kind === 'channel').map((c) => c.id));
    const p = align(
      perMinuteAverage(o.pushesPerMinute.filter((r) => channels.has(r.connectionId))),
      (r) => r.at,
      (r) => r.connectionId,
      (r) => r.listings,
      PUSH_GAP_S,
    );
    pushes.update(
      p.times,
      p.ys,
      p.keys.map((k): SeriesSpec => ({ label: k, value: (v) => perMinute(v) })),
    );
    const l = align(
      o.loweringLatencyMs,
      (r) => r.minute,
      (r) => r.connectionId,
      (r) => Math.max(1, r.p95), // a log scale has no 0
    );
    latency.update(
      l.times,
      l.ys,
      l.keys.map((k): SeriesSpec => ({ label: k, value: duration })),
    );
  };

  const tile = (c: Connection, now: number) => {
    const h = health(c, now);
    const lat = c.loweringLatencyMs;
    return html`<section class="tile ${h.kind}" data-connection=${c.id}>
      <header>
        <strong>${c.id}</strong>
        ${badge(h.text, h.kind)}
      </header>
      <p class="muted">${c.platform} ${c.kind}</p>
      <dl>
        <dt>Last webhook</dt>
        <dd>${ago(c.lastWebhookAt, now)}</dd>
        <dt>Last poll</dt>
        <dd>${ago(c.lastPollAt, now)}</dd>
        ${
          c.kind === 'channel'
            ? html`<dt>Last push</dt>
              <dd>${ago(c.lastPushAt, now)}</dd>
              <dt>Dirty listings</dt>
              <dd>${count(c.dirtyListings)} of ${count(c.listings)}</dd>
              <dt>Lowering p50 / p95</dt>
              <dd>${lat ? `${duration(lat.p50)} / ${duration(lat.p95)}` : 'not measured yet'}</dd>`
            : nothing
        }
        <dt>Last reconciliation</dt>
        <dd>${ago(c.lastReconcileAt, now)}</dd>
        <dt>Throttled calls</dt>
        <dd>${count(c.throttledCalls)}</dd>
        ${
          c.quarantine.listings + c.quarantine.records + c.quarantine.inboxEvents > 0
            ? html`<dt>Quarantined</dt>
              <dd><a href="#/quarantine">${count(c.quarantine.listings + c.quarantine.records + c.quarantine.inboxEvents)}</a></dd>`
            : nothing
        }
      </dl>
      ${
        c.authPause
          ? html`<p class="note error">Paused by the engine: ${c.authPause.reason}; next try in ${duration(Math.max(0, Date.parse(c.authPause.nextRetryAt) - now))}.</p>`
          : nothing
      }
      ${c.paused && c.pausedReason ? html`<p class="note muted">Paused: ${c.pausedReason}</p>` : nothing}
      ${c.failingSince && c.lastError ? html`<p class="note error">${c.lastError}</p>` : nothing}
    </section>`;
  };

  const view: ReturnType<PageFactory> = {
    title: 'Overview',
    refreshEveryMs: 5_000,
    async load() {
      const [c, o, a] = await Promise.all([
        api.get<{ items: Connection[] }>('/connections'),
        api.get<Overview>('/overview'),
        api.get<Activity>(`/activity?minutes=${WINDOW_MINUTES}`),
      ]);
      connections = c.items;
      overview = o;
      activity = a;
      // Tiles in a stable order: channels, then warehouses.
      connections.sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
      drawCharts(a);
    },
    view() {
      if (!connections || !overview || !activity)
        return html`<h1>Overview</h1>
        <p class="muted">Loading…</p>`;
      const now = Date.parse(activity.generatedAt);
      const [o, a] = [overview, activity];
      const latestAt = a.pushesPerMinute.at(-1)?.at;
      const pushRate = a.pushesPerMinute.filter((p) => p.at === latestAt).reduce((n, p) => n + p.listings, 0);
      const oldest = o.oldestDirtySince ? now - Date.parse(o.oldestDirtySince) : null;
      const incidents = o.incidents;
      return html`<h1>Overview</h1>
        <div class="stats">
          ${stat('Orders', perMinute(a.ordersLastMinute), `in the last 60 s; ${count(o.orders)} in all`)}
          ${stat('Listings pushed', latestAt ? perMinute(pushRate) : '—', latestAt ? 'over the last 10 s' : 'measuring (10 s)')}
          ${stat(
            'Open oversell incidents',
            count(incidents.oversell),
            html`<a href="#/incidents">${count(incidents.oversoldUnits)} units short${incidents.unknownSku ? `, ${count(incidents.unknownSku)} unknown SKUs` : ''}</a>`,
            incidents.oversell > 0 ? 'bad' : '',
          )}
          ${stat(
            'Dirty listings',
            count(o.dirtyListings),
            oldest === null ? 'every channel shows its target' : `oldest waiting ${duration(oldest)}`,
            oldest !== null && oldest > 5 * 60_000 ? 'warn' : '',
          )}
        </div>
        <h2>Connections</h2>
        <div class="tiles">${connections.map((c) => tile(c, now))}</div>
        <h2>Last ${a.windowMinutes} minutes</h2>
        <div class="charts">
          <figure>
            <figcaption>Orders recorded per minute</figcaption>
            <div class="chart" ${ref(orders.ref)}></div>
          </figure>
          <figure>
            <figcaption>Listings pushed per minute, by channel</figcaption>
            ${a.pushesPerMinute.length === 0 ? empty('Measured every 10 s from when the dashboard is opened: the first rate appears in 10 s.') : nothing}
            <div class="chart ${a.pushesPerMinute.length === 0 ? 'hidden' : ''}" ${ref(pushes.ref)}></div>
          </figure>
          <figure>
            <figcaption>Lowering latency (target changed → channel shows it), p95 per minute</figcaption>
            ${a.loweringLatencyMs.length === 0 ? empty('No lowering in this window.') : nothing}
            <div class="chart ${a.loweringLatencyMs.length === 0 ? 'hidden' : ''}" ${ref(latency.ref)}></div>
          </figure>
        </div>`;
    },
    dispose() {
      orders.destroy();
      pushes.destroy();
      latency.destroy();
    },
  };
  return view;
};
