// What every route module of the sandbox's ShipBob shares (kept apart from routes.ts so
// that the route modules do not import each other in a circle).
import type { WarehouseHttp } from './http.js';
import type { Inbound } from './inbound.js';
import type { FulfillmentCenter } from './json.js';
import type { WarehouseStore } from './store.js';
import type { WarehouseHooks } from './webhooks.js';

export const API_VERSION = '2026-01';

export interface WarehouseRouteDeps {
  store: WarehouseStore;
  inbound: Inbound;
  http: WarehouseHttp;
  hooks: WarehouseHooks;
  centers: readonly FulfillmentCenter[];
  refuseIfShort: boolean;
}

export type Body = Record<string, unknown>;
