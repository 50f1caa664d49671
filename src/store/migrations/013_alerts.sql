-- Alerts (src/engine/alerts): what fired and when it resolved, the deliveries still owed to
-- the configured targets, and two per-connection signals the rules read that no other
-- table holds (a connection failing auth or unreachable, orders found by polls).

-- One row per firing. Keyed by rule and subject while it is open: a rule fires once for a
-- subject and resolves once; a later firing of the same subject is a new row.
CREATE TABLE alerts (
  id          bigserial PRIMARY KEY,
  rule        text NOT NULL,
  subject     text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}',
  fired_at    timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz
);
CREATE UNIQUE INDEX alerts_open ON alerts (rule, subject) WHERE resolved_at IS NULL;

-- The outbox: one row per alert event (fired or resolved) and target, written in the same
-- statement as the alert, delivered by a worker with retries. A restart loses none.
CREATE TABLE alert_deliveries (
  id              bigserial PRIMARY KEY,
  alert_id        bigint NOT NULL REFERENCES alerts (id),
  event           text NOT NULL CHECK (event IN ('fired', 'resolved')),
  target          text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claimed_until   timestamptz, -- a worker is delivering it (HTTP outside any transaction)
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at, id) WHERE status = 'pending';

-- A connection's calls failing for a reason retries cannot fix soon (auth refused, the
-- platform unreachable after retries): since when, written on transitions only.
CREATE TABLE connection_health (
  connection_id text PRIMARY KEY REFERENCES connections (id),
  failing_since timestamptz,
  failure       text CHECK (failure IN ('auth', 'unreachable')),
  last_error    text,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Orders an incremental poll recorded that no webhook had brought: a steady stream while
-- webhooks are silent means the platform's subscription is broken. Trimmed on insert.
CREATE TABLE poll_findings (
  id            bigserial PRIMARY KEY,
  connection_id text NOT NULL REFERENCES connections (id),
  found_at      timestamptz NOT NULL DEFAULT now(),
  orders        integer NOT NULL CHECK (orders > 0)
);
CREATE INDEX poll_findings_recent ON poll_findings (connection_id, found_at);
