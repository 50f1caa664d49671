// BENCH_DASHBOARDS=N: N dashboards open on the overview page during a benchmark's load,
// each asking the admin API what the page asks every 5 s (web/src/pages/overview.ts):
// connections, overview, activity. Shared by bench:engine and bench:ingress, which both
// measure that the admin API does not slow the hot path (issue 11, part 4).
import { median, round, sleep } from './report.js';

export const DASHBOARDS = Number(process.env.BENCH_DASHBOARDS ?? 0);
export const DASHBOARD_ADMIN_TOKEN = 'bench-admin-token';
export const DASHBOARD_EVERY_MS = 5_000;

export interface DashboardPolls {
  dashboards: number;
  requests: number;
  non2xx: number;
  p50Ms: number;
  maxMs: number;
}

export function pollLikeDashboards(engineUrl: string, dashboards = DASHBOARDS): { stop(): Promise<DashboardPolls> } {
  let stopped = false;
  const ms: number[] = [];
  let non2xx = 0;
  const paths = ['/api/v1/connections', '/api/v1/overview', '/api/v1/activity?minutes=30'];
  const one = async (k: number) => {
    await sleep((k * DASHBOARD_EVERY_MS) / Math.max(1, dashboards)); // tabs opened at different moments
    while (!stopped) {
      const started = performance.now();
      await Promise.all(
        paths.map(async (p) => {
          const t = performance.now();
          const res = await fetch(`${engineUrl}${p}`, { headers: { authorization: `Bearer ${DASHBOARD_ADMIN_TOKEN}` } }).catch(() => null);
          if (!res || !res.ok) non2xx++;
          await res?.arrayBuffer().catch(() => {});
          ms.push(performance.now() - t);
        }),
      );
      // Sleep in short steps so stop() returns promptly at the end of a measured window.
      const until = started + DASHBOARD_EVERY_MS;
      while (!stopped && performance.now() < until) await sleep(Math.min(100, until - performance.now()));
    }
  };
  const tabs = Array.from({ length: dashboards }, (_, k) => one(k));
  return {
    async stop() {
      stopped = true;
      await Promise.all(tabs);
      const sorted = [...ms].sort((a, b) => a - b);
      return { dashboards, requests: ms.length, non2xx, p50Ms: round(median(sorted), 1), maxMs: round(sorted[sorted.length - 1] ?? 0, 1) };
    },
  };
}
