-- Amazon FBA (issue 13, docs/locations.md "Amazon FBA"). Touches only tables of migrations
-- 001-022. Nothing is deleted; the ledger only gains entries.

-- Orders a platform ships from its own stock (Amazon `FulfillmentChannel: AFN`): recorded
-- with their lines so nothing is lost, claiming nothing, never sent to a warehouse.
-- Every order recorded before was the merchant's to ship.
ALTER TABLE orders ADD COLUMN external boolean NOT NULL DEFAULT false;
-- A SKU's external orders, newest first (`stocksync sku`, the admin API): they hold no
-- claim to find them by, and are few beside the merchant's own.
CREATE INDEX orders_external ON orders (id) WHERE external;

-- Stock at an external location (held and reported by a platform) never counts towards
-- sku_stock.available, whatever its `sellable` flag: store/stock.ts leaves it out from now
-- on. A level stored there before (an external location still marked sellable) was added
-- to the running total: take it out again, each correction with its ledger entry.
WITH counted AS (
  SELECT sl.location_id, sl.sku, sl.available
    FROM stock_levels sl JOIN locations lo ON lo.id = sl.location_id
   WHERE lo.external AND lo.sellable AND sl.available <> 0),
entries AS (
  INSERT INTO ledger (idempotency_key, sku, kind, location_id, available_delta, source)
  SELECT 'migration025:' || location_id || ':' || sku, sku, 'reconcile', location_id, -available, 'migration 025: external stock leaves ATS'
    FROM counted
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING sku, available_delta)
UPDATE sku_stock s SET available = s.available + e.delta, updated_at = now()
  FROM (SELECT sku, sum(available_delta)::int AS delta FROM entries GROUP BY sku) e
 WHERE s.sku = e.sku;
