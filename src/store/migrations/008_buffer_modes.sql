-- Adaptive buffers (src/domain/buffer-modes.ts) need, per listing, the SKU's recent sales on
-- that channel, what the channel may still show while an asynchronous push has not applied,
-- and whether the SKU is partitioned now (adaptive's hysteresis state); per connection, how
-- long a lowering takes to reach the shoppers.
ALTER TABLE listings
  ADD COLUMN velocity     double precision NOT NULL DEFAULT 0, -- units per second, decayed at velocity_at
  ADD COLUMN velocity_at  timestamptz,
  ADD COLUMN pending_from integer,                             -- the count shown before a push still applying
  ADD COLUMN partitioned  boolean NOT NULL DEFAULT false,
  ADD COLUMN raise_gated  boolean NOT NULL DEFAULT false,   -- a raise held until other channels' lowerings land
  -- Units a channel was seen to have sold (a read lower than pushed) whose orders are not
  -- recorded yet: their orders must not lower pushed a second time when they arrive.
  ADD COLUMN unrecorded_sales integer NOT NULL DEFAULT 0 CHECK (unrecorded_sales >= 0);

CREATE INDEX listings_to_replan ON listings (sku) WHERE partitioned OR raise_gated;

-- The latest lowerings of each connection: target changed -> the channel shows it (pushes
-- acknowledged, plus the platform's apply delay where it applies later). Trimmed to the
-- most recent few hundred per connection.
CREATE TABLE lowering_latencies (
  id            bigserial PRIMARY KEY,
  connection_id text NOT NULL REFERENCES connections (id),
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  ms            integer NOT NULL CHECK (ms >= 0)
);
CREATE INDEX lowering_latencies_recent ON lowering_latencies (connection_id, id DESC);
