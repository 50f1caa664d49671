-- The admin API (/api/v1, src/server/admin): what an operator changes at run time, kept in
-- the database so that a restart keeps it, beside (never over) what the YAML declares.

-- Buffer policy of a channel set through the API. While set, it replaces the YAML's
-- `buffer` (connections.buffer_policy, rewritten from the file at every start); removing it
-- brings the YAML's back.
ALTER TABLE connections ADD COLUMN buffer_policy_runtime jsonb;

-- Per-SKU overrides set through the API. Where one exists it replaces the YAML's override of
-- that SKU (buffer_overrides, rewritten from the file at every start); removed, the YAML's
-- applies again.
CREATE TABLE runtime_buffer_overrides (
  connection_id text NOT NULL REFERENCES connections (id),
  sku           text NOT NULL REFERENCES skus (sku),
  policy        jsonb NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, sku)
);

-- A connection paused by an operator (the API): its dispatcher, poller, warehouse order
-- pusher and scheduled reconciliation skip their rounds until it is resumed (webhooks are
-- still stored and processed: the engine keeps recording what happened).
ALTER TABLE connections ADD COLUMN operator_paused_at timestamptz, ADD COLUMN operator_pause_reason text;

-- A manual stock adjustment says why (the person's reason) in its ledger entry.
ALTER TABLE ledger ADD COLUMN note text;

-- Resolving an incident says how.
ALTER TABLE incidents ADD COLUMN resolution_note text;

-- A reconciliation's progress while it runs (items checked, and the total when the
-- platform says), so that it can be followed from another request or process.
ALTER TABLE reconciliations ADD COLUMN total integer;

-- Refused webhooks replayed into the inbox by an operator: when, and as which inbox row.
ALTER TABLE quarantine ADD COLUMN replayed_at timestamptz, ADD COLUMN replayed_inbox_id bigint;

-- Writes through the API carry an Idempotency-Key: the answer is stored with the request's
-- fingerprint (method, route, body hash), and a repeat gets the stored answer back.
CREATE TABLE api_idempotency (
  key          text PRIMARY KEY,
  fingerprint  text NOT NULL,
  status_code  integer, -- null while the first request is in progress
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
