-- Per-location counts (issue 13, docs/locations-wiring.md): a channel whose platform shows a
-- count per location (a Shopify connection with `locations`) has one listing per SKU and
-- location, each with its own target, pushed count and dirty flag, so the dispatcher,
-- reconciliation and webhooks treat each location's count as the listing it is.
-- `outlet` is the platform's location id (channel_locations.external_id); '' is the
-- connection as a whole, which every existing listing is: no row is rewritten or moved.
ALTER TABLE listings ADD COLUMN outlet text NOT NULL DEFAULT '';
ALTER TABLE listings ADD CONSTRAINT listings_connection_id_sku_outlet_key UNIQUE (connection_id, sku, outlet);
ALTER TABLE listings DROP CONSTRAINT listings_connection_id_sku_key;
