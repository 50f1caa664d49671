-- Several warehouses and locations (issue 13, docs/locations.md): stock by SKU and location,
-- claims taken at the location that ships them, the locations each channel sells from.
-- Touches only tables of migrations 001-014. Nothing is deleted; the ledger is not touched.

-- A warehouse's locations in configuration order (default sources list them in it), and
-- locations whose stock a platform holds and reports (Amazon FBA): read only, never a
-- channel's source, never claimed. Existing locations keep their creation order.
ALTER TABLE locations
  ADD COLUMN position integer NOT NULL DEFAULT 0,
  ADD COLUMN external boolean NOT NULL DEFAULT false;
UPDATE locations l SET position = o.n
  FROM (SELECT id, (row_number() OVER (PARTITION BY connection_id ORDER BY id) - 1)::int AS n FROM locations) o
 WHERE o.id = l.id;

-- A claim is taken at the location that will ship it (src/domain/routing.ts). A line no one
-- location can serve is split: one claim per location, so the line, SKU and location
-- identify a claim (NULL, unlocated, counted as one value).
ALTER TABLE claims ADD COLUMN location_id bigint REFERENCES locations (id);
ALTER TABLE claims DROP CONSTRAINT claims_order_id_line_no_sku_key;
CREATE UNIQUE INDEX claims_line_location ON claims (order_id, line_no, sku, COALESCE(location_id, 0));

-- Open claims from before: the order's warehouse had one pool. Where that warehouse has
-- exactly one sellable location (the default `main`), the claim is there. Elsewhere it
-- stays unlocated (NULL): counted against every location at once, as it was. Closed claims
-- count nowhere and keep NULL (rewriting the whole history would only guess).
UPDATE claims c SET location_id = one.id
  FROM orders o,
       (SELECT connection_id, min(id) AS id FROM locations
         WHERE sellable AND NOT external GROUP BY connection_id HAVING count(*) = 1) one
 WHERE c.state = 'open' AND o.id = c.order_id AND one.connection_id = o.warehouse_connection_id;

-- The selling points of a channel: '' is the connection as a whole (one count, as
-- WooCommerce and Amazon MFN show); otherwise one of the platform's locations (a Shopify
-- location id) that shows its own count. No row: the connection as a whole, selling from
-- the default sources.
CREATE TABLE channel_locations (
  id            bigserial PRIMARY KEY,
  connection_id text NOT NULL REFERENCES connections (id),
  external_id   text NOT NULL,
  position      integer NOT NULL DEFAULT 0,
  UNIQUE (connection_id, external_id)
);

-- Each selling point's sources, in order (routing prefers the first). No row for a selling
-- point: every sellable, non-external location, its fulfilling warehouse's first.
CREATE TABLE channel_sources (
  channel_location_id bigint NOT NULL REFERENCES channel_locations (id) ON DELETE CASCADE,
  position            integer NOT NULL,
  location_id         bigint NOT NULL REFERENCES locations (id),
  PRIMARY KEY (channel_location_id, position),
  UNIQUE (channel_location_id, location_id)
);
