-- The four sync layers: webhook inbox, quarantine, leases, poll cursors, reconciliation
-- and drift, per-connection activity.

-- Layer 1: every verified webhook, stored before we answer 2xx, deduplicated on the
-- platform's event id, processed asynchronously.
CREATE TABLE inbox (
  id            bigserial PRIMARY KEY,
  connection_id text NOT NULL REFERENCES connections (id),
  event_id      text NOT NULL,
  topic         text NOT NULL,
  headers       jsonb NOT NULL DEFAULT '{}',
  body          bytea NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'quarantined')),
  attempts      integer NOT NULL DEFAULT 0,
  reason        text,
  processed_at  timestamptz,
  UNIQUE (connection_id, event_id)
);
CREATE INDEX inbox_pending ON inbox (id) WHERE status = 'pending';

-- What was refused at the door (bad signature, malformed, unknown connection, too
-- large), kept with the reason: never dropped silently.
CREATE TABLE quarantine (
  id            bigserial PRIMARY KEY,
  source        text NOT NULL, -- webhook | poll | push | reconcile
  connection_id text,
  reason        text NOT NULL,
  headers       jsonb NOT NULL DEFAULT '{}',
  body          bytea,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- One owner per piece of background work (a connection's dispatcher, poller...).
CREATE TABLE leases (
  name       text PRIMARY KEY,
  owner      text NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Layer 3: where each incremental poll resumes.
CREATE TABLE poll_cursors (
  connection_id text NOT NULL REFERENCES connections (id),
  stream        text NOT NULL CHECK (stream IN ('orders', 'inventory')),
  since         timestamptz NOT NULL, -- everything up to here is ingested
  page_cursor   text, -- mid-sweep resumption after a crash
  sweep_started timestamptz, -- the `since` the next completed sweep advances to
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, stream)
);

-- Layer 4: runs and the drift each found.
CREATE TABLE reconciliations (
  id            bigserial PRIMARY KEY,
  connection_id text NOT NULL REFERENCES connections (id),
  trigger       text NOT NULL, -- schedule | manual
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  checked       integer NOT NULL DEFAULT 0,
  drifted       integer NOT NULL DEFAULT 0,
  drift_units   integer NOT NULL DEFAULT 0,
  error         text
);

CREATE TABLE drift (
  id                bigserial PRIMARY KEY,
  reconciliation_id bigint NOT NULL REFERENCES reconciliations (id),
  connection_id     text NOT NULL,
  sku               text NOT NULL,
  believed          integer,
  actual            integer NOT NULL,
  units             integer NOT NULL, -- actual - believed
  action            text NOT NULL, -- corrected | lowered | raise_deferred | raised | none
  layer             text, -- the layer that should have caught it, when known
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- What `status --json` shows per connection, maintained with atomic increments.
CREATE TABLE connection_activity (
  connection_id     text PRIMARY KEY REFERENCES connections (id),
  last_webhook_at   timestamptz,
  last_poll_at      timestamptz,
  last_reconcile_at timestamptz,
  push_calls        bigint NOT NULL DEFAULT 0,
  pushed_listings   bigint NOT NULL DEFAULT 0,
  throttled         bigint NOT NULL DEFAULT 0,
  errors            bigint NOT NULL DEFAULT 0
);

-- Orders still to push to their warehouse (micro-batch layer); a permanent refusal is
-- kept with its reason and leaves the queue.
ALTER TABLE orders ADD COLUMN warehouse_error text;
-- A retryable failure (429, 5xx, timeout) defers one order, never the whole queue.
ALTER TABLE orders ADD COLUMN warehouse_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN warehouse_retry_at timestamptz;
-- A channel cancelled an order the warehouse already has: the cancellation goes to the
-- warehouse, and the claims stay until it confirms (it may have shipped already).
ALTER TABLE orders ADD COLUMN warehouse_cancel text CHECK (warehouse_cancel IN ('pending', 'done', 'refused'));
CREATE INDEX orders_cancel_pending ON orders (warehouse_connection_id, id) WHERE warehouse_cancel = 'pending';
CREATE INDEX orders_to_push ON orders (warehouse_connection_id, id)
  WHERE warehouse_ack_at IS NULL AND status = 'open' AND warehouse_connection_id IS NOT NULL AND warehouse_error IS NULL;

-- The dispatcher leaves a listing alone until then: a push applied asynchronously
-- (Amazon ACCEPTED shows minutes later), or a retry after a retryable failure.
ALTER TABLE listings ADD COLUMN push_pending_until timestamptz;
-- `pushed` is inferred after a channel's own sale (pushed - units): the count shown may
-- already include that sale (read back after a lost compare-and-set) and then the
-- inference counts it twice. A listing whose count was inferred is verified by a
-- compare-and-set push of its target even when pushed = target; `dirty` includes it.
ALTER TABLE listings ADD COLUMN verify boolean NOT NULL DEFAULT false;
DROP INDEX listings_dirty;
ALTER TABLE listings DROP COLUMN dirty;
ALTER TABLE listings ADD COLUMN dirty boolean GENERATED ALWAYS AS (verify OR pushed IS DISTINCT FROM target) STORED;
CREATE INDEX listings_dirty ON listings (connection_id, id) WHERE dirty AND quarantined_reason IS NULL;

-- A compare-and-set lost to a count lower than we believed: the channel sold units whose
-- orders we have not seen. Raising that listing waits until the channel's orders are
-- ingested past this moment (docs/invariants.md, invariant 3); lowering never waits.
ALTER TABLE listings ADD COLUMN raise_held_since timestamptz;
CREATE INDEX stock_levels_sku ON stock_levels (sku);
-- Webhooks name listings by platform ids (Shopify inventory item...).
CREATE INDEX listings_platform_ids ON listings USING gin (platform_ids jsonb_path_ops);

-- Wake the dispatcher of a connection the moment one of its listings becomes dirty, and
-- the warehouse pusher when an order arrives. Statement-level with transition tables: one
-- notification per connection per statement, however many rows (identical notifications
-- in one transaction collapse into one anyway).
CREATE FUNCTION notify_dirty_listings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('stocksync_dirty', c.connection_id)
     FROM (SELECT DISTINCT connection_id FROM changed WHERE dirty AND quarantined_reason IS NULL) c;
  RETURN NULL;
END $$;
CREATE TRIGGER listings_notify_dirty_update AFTER UPDATE ON listings
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_dirty_listings();
CREATE TRIGGER listings_notify_dirty_insert AFTER INSERT ON listings
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_dirty_listings();

CREATE FUNCTION notify_new_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('stocksync_orders', c.warehouse_connection_id)
     FROM (SELECT DISTINCT warehouse_connection_id FROM inserted WHERE warehouse_connection_id IS NOT NULL) c;
  RETURN NULL;
END $$;
CREATE TRIGGER orders_notify_new AFTER INSERT ON orders
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION notify_new_orders();
