-- Catalogue discovery (issue 12): the platforms' own listings and products, read page by
-- page into discovered_items, matched by SKU then barcode, and applied to skus/listings.

-- Who owns a listing: the config file ('config', applied at every start) or a discovery
-- run ('discovery'). Each retires only its own: a start never deletes what discovery
-- found, and discovery never deletes what the config pins.
ALTER TABLE listings ADD COLUMN source text NOT NULL DEFAULT 'config' CHECK (source IN ('config', 'discovery'));

CREATE TABLE discovery_runs (
  id          bigserial PRIMARY KEY,
  trigger     text NOT NULL CHECK (trigger IN ('cli', 'schedule', 'start', 'test', 'bench')),
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
  case_fold   boolean NOT NULL,
  -- the report's numbers and any connection that could not be read whole
  counts      jsonb NOT NULL DEFAULT '{}',
  errors      jsonb NOT NULL DEFAULT '[]'
);

-- One row per item a platform lists (a channel's listing, a warehouse's product), kept
-- between runs so that a run can tell what is new, changed or gone.
CREATE TABLE discovered_items (
  connection_id    text NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  -- the item's identity on its platform (engine/catalog.ts externalKey of its ids)
  item_key         text NOT NULL,
  side             text NOT NULL CHECK (side IN ('channel', 'warehouse')),
  raw_sku          text,
  -- the SKU trimmed: how a matched SKU is spelled in the catalogue
  sku_trimmed      text,
  -- the SKU normalised for matching (trimmed, case-folded when configured); null: none
  sku_key          text,
  barcode          text,
  name             text,
  platform_ids     jsonb NOT NULL DEFAULT '{}',
  components       jsonb,
  fingerprint      text NOT NULL,
  first_seen_run   bigint NOT NULL REFERENCES discovery_runs (id),
  last_seen_run    bigint NOT NULL REFERENCES discovery_runs (id),
  changed_run      bigint NOT NULL REFERENCES discovery_runs (id),
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'matched', 'unmatched', 'ambiguous', 'overridden')),
  matched_sku      text,
  match_kind       text CHECK (match_kind IN ('sku', 'barcode', 'config')),
  reason           text,
  prev_status      text,
  prev_matched_sku text,
  PRIMARY KEY (connection_id, item_key)
);
CREATE INDEX discovered_items_sku_key ON discovered_items (sku_key) WHERE sku_key IS NOT NULL;
CREATE INDEX discovered_items_barcode ON discovered_items (barcode) WHERE barcode IS NOT NULL;
CREATE INDEX discovered_items_status ON discovered_items (status, connection_id);
CREATE INDEX discovered_items_matched ON discovered_items (matched_sku) WHERE status = 'matched';
-- config pins find their item by containment of the ids they give
CREATE INDEX discovered_items_ids ON discovered_items USING gin (platform_ids jsonb_path_ops);
