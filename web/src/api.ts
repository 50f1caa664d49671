// The admin API (/api/v1) as the dashboard uses it. The token lives in sessionStorage (gone
// when the tab closes) and travels only in the Authorization header, never in a URL. Errors
// come back as problem details (RFC 9457); a 401 sends the user back to the login form.

const TOKEN_KEY = 'stocksync.adminToken';
const PREFIX = '/api/v1';

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A refused request, with the API's problem details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => {};
/** What to do when the token is refused (the app shows the login form). */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

/** A fresh Idempotency-Key per user action: a retried click is applied once. */
const idempotencyKey = (): string => crypto.randomUUID();

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token.get() ?? ''}` };
  if (method !== 'GET') headers['idempotency-key'] = idempotencyKey();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${PREFIX}${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }), cache: 'no-store' });
  const text = await res.text();
  const data: unknown = text ? JSON.parse(text) : null;
  if (res.ok) return data as T;
  if (res.status === 401) onUnauthorized();
  const p = (data ?? {}) as { code?: string; detail?: string; title?: string; errors?: { field: string; message: string }[] };
  const fields = p.errors ?? [];
  const detail = fields.length > 0 ? fields.map((e) => `${e.field.replace(/^body\./, '')} ${e.message}`).join('; ') : (p.detail ?? p.title ?? res.statusText);
  throw new ApiError(res.status, p.code ?? `HTTP_${res.status}`, detail, fields);
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** `?a=1&b=2` from the defined entries. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// The shapes the dashboard reads (the API's OpenAPI document at /api/v1/openapi.json has them all).

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface Connection {
  id: string;
  kind: 'channel' | 'warehouse';
  platform: string;
  paused: boolean;
  pausedReason: string | null;
  lastWebhookAt: string | null;
  lastPollAt: string | null;
  lastReconcileAt: string | null;
  lastPushAt: string | null;
  failingSince: string | null;
  /** What the platform calls fail with, while they do. */
  failure: 'auth' | 'unreachable' | null;
  lastError: string | null;
  /** Paused by the engine: the platform refuses our credentials (retried with back-off). */
  authPause: { reason: string; since: string; nextRetryAt: string } | null;
  listings: number;
  dirtyListings: number;
  partitionedListings: number;
  pushes: { calls: number; listings: number };
  throttledCalls: number;
  pushErrors: number;
  quarantine: { records: number; inboxEvents: number; listings: number };
  loweringLatencyMs: Latency | null;
}

/** GET /overview: the totals. */
export interface Overview {
  dirtyListings: number;
  oldestDirtySince: string | null;
  orders: number;
  incidents: { oversell: number; unknownSku: number; oversoldUnits: number };
  quarantine: { records: number; inboxEvents: number; listings: number };
}

/** GET /activity: the series behind the overview's charts. */
export interface Activity {
  generatedAt: string;
  windowMinutes: number;
  ordersLastMinute: number;
  ordersPerMinute: { minute: string; count: number }[];
  pushesPerMinute: { at: string; connectionId: string; calls: number; listings: number; throttled: number }[];
  loweringLatencyMs: { connectionId: string; minute: string; count: number; p50: number; p95: number; max: number }[];
}

export interface Listing {
  listingId: number;
  connectionId: string;
  target: number;
  shown: number | null;
  dirty: boolean;
  lastPushAt: string | null;
  quarantinedReason: string | null;
}

export interface Sku {
  sku: string;
  name: string | null;
  isBundle: boolean;
  ats: number;
  onHand: number;
  available: number;
  claimed: number;
  listings: Listing[];
}

export interface LedgerEntry {
  id: number;
  kind: string;
  availableDelta: number;
  claimedDelta: number;
  warehouse: string | null;
  location: string | null;
  orderId: number | null;
  source: string | null;
  note: string | null;
  createdAt: string;
}

export interface Claim {
  id: number;
  orderId: number;
  connectionId: string;
  quantity: number;
  state: string;
  createdAt?: string;
}

export interface Incident {
  id: number;
  kind: 'oversell' | 'unknown_sku';
  sku: string | null;
  orderId: number | null;
  connectionId: string | null;
  unitsShort: number | null;
  createdAt: string;
  resolvedAt: string | null;
  resolutionNote: string | null;
}

export interface SkuDetail extends Sku {
  components: { sku: string; quantity: number }[];
  levels: { warehouse: string; location: string; sellable: boolean; onHand: number; available: number }[];
  claims: Claim[];
  incidents: Incident[];
  ledger: Page<LedgerEntry>;
}

export interface Reconciliation {
  id: number;
  connectionId: string;
  trigger: string;
  status: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  checked: number;
  total: number | null;
  drifted: number;
  driftUnits: number;
  error: string | null;
}

export interface Drift {
  connectionId: string;
  sku: string;
  believed: number | null;
  actual: number;
  units: number;
  direction: 'up' | 'down';
  action: string;
  layer: string | null;
  /** A warehouse row: the location the level differs at (warehouse/location). */
  location: string | null;
  /** A channel row: the locations the channel sells from, in routing order (null: the default). */
  sources: string[] | null;
}

export interface QuarantinedListing {
  listingId: number;
  connectionId: string;
  sku: string;
  target: number;
  shown: number | null;
  reason: string;
  quarantinedAt: string | null;
}

export interface QuarantineRecord {
  id: number;
  source: string;
  connectionId: string | null;
  reason: string;
  bodyBytes: number;
  createdAt: string;
  replayedAt: string | null;
}

export interface InboxEvent {
  id: number;
  connectionId: string;
  eventId: string;
  topic: string;
  reason: string | null;
  attempts: number;
  receivedAt: string;
}

export type Policy = Partial<Record<'reserve' | 'holdBackPercent' | 'holdBackUnits' | 'zeroBelow' | 'maxCap', number>> & { mode?: string };

export interface ChannelBuffers {
  connectionId: string;
  config: Policy;
  runtime: Policy | null;
  effective: Policy;
  overrides: { sku: string; config: Policy | null; runtime: Policy | null; effective: Policy }[];
}
