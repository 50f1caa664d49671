-- Core model: docs/architecture.md (vocabulary) and docs/invariants.md.

CREATE TABLE connections (
  id                    text PRIMARY KEY,
  kind                  text NOT NULL CHECK (kind IN ('channel', 'warehouse')),
  platform              text NOT NULL,
  base_url              text NOT NULL,
  credentials_encrypted text,
  buffer_policy         jsonb NOT NULL DEFAULT '{}',
  fulfilled_by          text REFERENCES connections (id),
  poll_interval_ms      integer NOT NULL DEFAULT 300000 CHECK (poll_interval_ms > 0),
  reconcile_cron        text NOT NULL DEFAULT '0 3 * * *',
  options               jsonb NOT NULL DEFAULT '{}',
  updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE locations (
  id            bigserial PRIMARY KEY,
  connection_id text NOT NULL REFERENCES connections (id),
  code          text NOT NULL,
  sellable      boolean NOT NULL DEFAULT true,
  UNIQUE (connection_id, code)
);

CREATE TABLE skus (
  sku        text PRIMARY KEY,
  name       text,
  is_bundle  boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bundle_components (
  bundle_sku    text NOT NULL REFERENCES skus (sku),
  component_sku text NOT NULL REFERENCES skus (sku),
  quantity      integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (bundle_sku, component_sku),
  CHECK (bundle_sku <> component_sku)
);
CREATE INDEX bundle_components_component ON bundle_components (component_sku);

-- Running totals per SKU, maintained only by ledger-backed atomic updates:
-- available = sum of warehouse available over sellable locations; claimed = open claims.
-- ATS = available - claimed. Bundles have a row too (always 0/0); their ATS is derived.
CREATE TABLE sku_stock (
  sku        text PRIMARY KEY REFERENCES skus (sku),
  available  integer NOT NULL DEFAULT 0,
  claimed    integer NOT NULL DEFAULT 0 CHECK (claimed >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stock_levels (
  location_id bigint NOT NULL REFERENCES locations (id),
  sku         text NOT NULL REFERENCES skus (sku),
  on_hand     integer NOT NULL DEFAULT 0,
  allocated   integer NOT NULL DEFAULT 0,
  available   integer NOT NULL DEFAULT 0,
  observed_at timestamptz NOT NULL DEFAULT '-infinity',
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (location_id, sku)
);

CREATE TABLE listings (
  id                  bigserial PRIMARY KEY,
  connection_id       text NOT NULL REFERENCES connections (id),
  sku                 text NOT NULL REFERENCES skus (sku),
  external_key        text NOT NULL,
  platform_ids        jsonb NOT NULL DEFAULT '{}',
  target              integer NOT NULL DEFAULT 0 CHECK (target >= 0),
  pushed              integer,
  dirty               boolean GENERATED ALWAYS AS (pushed IS DISTINCT FROM target) STORED,
  target_changed_at   timestamptz NOT NULL DEFAULT now(),
  pushed_at           timestamptz,
  quarantined_reason  text,
  quarantined_at      timestamptz,
  UNIQUE (connection_id, external_key),
  UNIQUE (connection_id, sku)
);
CREATE INDEX listings_sku ON listings (sku);
CREATE INDEX listings_dirty ON listings (connection_id, id) WHERE dirty AND quarantined_reason IS NULL;

-- Per-SKU override of a channel's buffer policy (merged field by field over the connection's).
CREATE TABLE buffer_overrides (
  connection_id text NOT NULL REFERENCES connections (id),
  sku           text NOT NULL REFERENCES skus (sku),
  policy        jsonb NOT NULL,
  PRIMARY KEY (connection_id, sku)
);

CREATE TABLE orders (
  id                       bigserial PRIMARY KEY,
  connection_id            text NOT NULL REFERENCES connections (id),
  external_id              text NOT NULL,
  status                   text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
  placed_at                timestamptz NOT NULL,
  has_unknown_sku          boolean NOT NULL DEFAULT false,
  warehouse_connection_id  text REFERENCES connections (id),
  warehouse_ref            text UNIQUE,
  warehouse_ack_at         timestamptz,
  raw                      jsonb,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  UNIQUE (connection_id, external_id)
);

-- sku is not a foreign key: a line for an unknown SKU is kept (known = false) and flagged.
CREATE TABLE order_lines (
  order_id bigint NOT NULL REFERENCES orders (id),
  line_no  integer NOT NULL,
  sku      text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  known    boolean NOT NULL,
  PRIMARY KEY (order_id, line_no)
);

CREATE TABLE claims (
  id         bigserial PRIMARY KEY,
  order_id   bigint NOT NULL REFERENCES orders (id),
  line_no    integer NOT NULL,
  sku        text NOT NULL REFERENCES skus (sku),
  quantity   integer NOT NULL CHECK (quantity > 0),
  state      text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'settled', 'released')),
  created_at timestamptz NOT NULL DEFAULT now(),
  closed_at  timestamptz,
  UNIQUE (order_id, line_no, sku)
);
CREATE INDEX claims_open_by_sku ON claims (sku) WHERE state = 'open';

-- Append-only. Every change to sku_stock has exactly one entry here.
CREATE TABLE ledger (
  id              bigserial PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  sku             text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('observe_absolute', 'observe_delta', 'claim', 'release', 'settle', 'reconcile')),
  location_id     bigint REFERENCES locations (id),
  available_delta integer NOT NULL DEFAULT 0,
  claimed_delta   integer NOT NULL DEFAULT 0,
  order_id        bigint REFERENCES orders (id),
  source          text,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_sku ON ledger (sku, id);

CREATE TABLE incidents (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('oversell', 'unknown_sku')),
  sku         text,
  order_id    bigint REFERENCES orders (id),
  connection_id text REFERENCES connections (id),
  units_short integer,
  details     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz
);
CREATE INDEX incidents_open ON incidents (kind) WHERE resolved_at IS NULL;

CREATE FUNCTION forbid_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only';
END $$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
  FOR EACH ROW EXECUTE FUNCTION forbid_ledger_change();
