-- Orders split across warehouses (issue 13, docs/locations-wiring.md): each warehouse gets
-- the units routed to its locations, as its own warehouse order.
--
-- The push to the order's own warehouse (orders.warehouse_connection_id: the one holding
-- most of its units) keeps its columns on `orders`, unchanged: every order recorded before
-- keeps its state and its reference id (a retry is still recognised as a duplicate). Each
-- other warehouse an order's claims were routed to gets a row here, with the same life:
-- pushed with its own reference id, acknowledged, deferred, refused and cancelled on its own.
CREATE TABLE order_warehouse_parts (
  order_id                bigint NOT NULL REFERENCES orders (id),
  warehouse_connection_id text NOT NULL REFERENCES connections (id),
  warehouse_ref           text,
  ack_at                  timestamptz,
  error                   text,
  attempts                integer NOT NULL DEFAULT 0,
  retry_at                timestamptz,
  cancel                  text CHECK (cancel IN ('pending', 'done', 'refused')),
  created_at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, warehouse_connection_id)
);
CREATE INDEX order_warehouse_parts_to_push ON order_warehouse_parts (warehouse_connection_id, order_id) WHERE ack_at IS NULL AND error IS NULL;
CREATE INDEX order_warehouse_parts_cancel_pending ON order_warehouse_parts (warehouse_connection_id, order_id) WHERE cancel = 'pending';

-- Every part of every order, the order's own warehouse first: what the pusher, settling and
-- cancelling read (store/warehouse-orders.ts writes each table). With the order's status, so
-- that the pusher's filter reaches the orders branch and its partial index orders_to_push.
CREATE VIEW warehouse_order_parts AS
  SELECT id AS order_id, warehouse_connection_id, true AS main, status, warehouse_ref, warehouse_ack_at AS ack_at,
         warehouse_error AS error, warehouse_retry_at AS retry_at, warehouse_cancel AS cancel
    FROM orders WHERE warehouse_connection_id IS NOT NULL
  UNION ALL
  SELECT w.order_id, w.warehouse_connection_id, false, o.status, w.warehouse_ref, w.ack_at, w.error, w.retry_at, w.cancel
    FROM order_warehouse_parts w JOIN orders o ON o.id = w.order_id;

-- Wake the other warehouses' pushers as their parts arrive (orders_notify_new wakes the
-- order's own warehouse).
CREATE FUNCTION notify_new_order_parts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('stocksync_orders', c.warehouse_connection_id)
     FROM (SELECT DISTINCT warehouse_connection_id FROM inserted) c;
  RETURN NULL;
END $$;
CREATE TRIGGER order_warehouse_parts_notify_new AFTER INSERT ON order_warehouse_parts
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION notify_new_order_parts();

-- Orders split before this migration went to their own warehouse only; their open claims at
-- another warehouse's locations were waiting for a cancellation. Each such warehouse now
-- gets its part, and an open order's part is pushed to it.
INSERT INTO order_warehouse_parts (order_id, warehouse_connection_id)
SELECT DISTINCT c.order_id, l.connection_id
  FROM claims c JOIN locations l ON l.id = c.location_id JOIN orders o ON o.id = c.order_id
 WHERE c.state = 'open' AND o.status = 'open' AND o.warehouse_connection_id IS NOT NULL AND l.connection_id <> o.warehouse_connection_id;

-- A cancelled one never reached that warehouse: as a cancellation now does with a part not
-- sent, its claims there end, each with its ledger entry, and the totals follow.
WITH released AS (
  UPDATE claims c SET state = 'released', closed_at = now()
    FROM orders o, locations l
   WHERE o.id = c.order_id AND l.id = c.location_id AND c.state = 'open' AND o.status = 'cancelled'
     AND o.warehouse_connection_id IS NOT NULL AND l.connection_id <> o.warehouse_connection_id
  RETURNING c.id, c.order_id, c.sku, c.quantity, c.location_id),
entries AS (
  INSERT INTO ledger (idempotency_key, sku, kind, claimed_delta, location_id, order_id, source)
  SELECT 'release:' || id, sku, 'release', -quantity, location_id, order_id, 'migration 026: cancelled, never sent to this warehouse'
    FROM released)
UPDATE sku_stock s SET claimed = s.claimed - r.units, updated_at = now()
  FROM (SELECT sku, sum(quantity)::int AS units FROM released GROUP BY sku) r
 WHERE s.sku = r.sku;

-- Drift per location: a warehouse row names the location it was found at, a channel row
-- with its own sources names them in routing order (each `warehouse/location`). Rows from
-- before keep NULL: they were found per SKU.
ALTER TABLE drift ADD COLUMN location text, ADD COLUMN sources text[];
