// ShipBob 2026-01 REST routes, mounted under /warehouse/<name>: the catalogue and
// inventory reads, orders, inbound stock, webhook subscriptions.
import type { FastifyInstance } from 'fastify';
import { registerCatalogRoutes } from './routes-catalog.js';
import { registerInboundRoutes } from './routes-inbound.js';
import { registerOrderRoutes } from './routes-orders.js';
import { registerWebhookRoutes } from './routes-webhooks.js';
import type { WarehouseRouteDeps } from './route-deps.js';

export function registerWarehouseRoutes(app: FastifyInstance, d: WarehouseRouteDeps): void {
  registerCatalogRoutes(app, d);
  registerOrderRoutes(app, d);
  registerInboundRoutes(app, d);
  registerWebhookRoutes(app, d);
}
