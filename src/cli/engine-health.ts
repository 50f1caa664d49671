// What `stocksync status` says about the running engine: its /healthz, asked over HTTP at
// the configured address, because the listener's state lives in that process only.
import type { LoadedConfig } from '../config/index.js';

export type EngineHealth =
  | { url: string; reachable: true; ok: boolean; down: string[]; parts: Record<string, { ok: boolean; [detail: string]: unknown }> }
  | { url: string; reachable: false; error: string };

const PROBE_MS = 4_000;

export async function engineHealth(config: LoadedConfig): Promise<EngineHealth> {
  // A server bound to every address is reached on loopback.
  const host = ['0.0.0.0', '::', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_MS) });
    const body = (await res.json()) as { parts?: Record<string, { ok: boolean }>; down?: string[] };
    return { url, reachable: true, ok: res.ok, down: body.down ?? [], parts: body.parts ?? {} };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { url, reachable: false, error: cause === 'ECONNREFUSED' ? 'not running (connection refused)' : (e as Error).message };
  }
}

/** `engine        ok (database up, listener up)` or what is down and why. */
export function formatEngineHealth(h: EngineHealth): string[] {
  if (!h.reachable) return [`engine        ${h.url}: ${h.error}`];
  const parts = Object.entries(h.parts).map(([name, p]) => {
    if (p.ok) return `${name} up`;
    const why = [p.state, p.error ?? p.lastError].filter((x) => typeof x === 'string').join(': ');
    return `${name} DOWN${why ? ` (${why})` : ''}${typeof p.since === 'string' ? ` since ${p.since}` : ''}`;
  });
  return [`engine        ${h.ok ? 'ok' : `degraded: ${h.down.join(', ')} down`} (${parts.join(', ')})`];
}
