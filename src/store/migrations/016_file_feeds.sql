-- File-feed warehouses (platform csv-feed, issue 12 part 4). Every stock file a connection
-- read, stamped with the moment its snapshot was taken, with its hash and what became of
-- it: a file older than the last applied is never applied, one that would zero too much
-- is held for a person, and the rows of a held file wait here so that confirming applies
-- exactly what was held (not a later download).
CREATE TABLE feed_files (
  id            bigserial PRIMARY KEY,
  connection_id text NOT NULL REFERENCES connections (id),
  name          text NOT NULL,
  observed_at   timestamptz NOT NULL,
  sha256        text,
  bytes         bigint,
  status        text NOT NULL CHECK (status IN ('staging', 'held', 'applying', 'applied', 'ignored', 'refused', 'discarded', 'superseded')),
  rows_read     integer NOT NULL DEFAULT 0,
  rows_refused  integer NOT NULL DEFAULT 0,
  in_stock      integer, -- SKUs in stock here before the file
  would_zero    integer, -- of those, SKUs the file takes to zero
  applied       integer, -- levels that changed
  absent_zero   boolean, -- whether SKUs the file leaves out go to zero (false after a CSV structure error)
  note          text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  decided_at    timestamptz,
  decided_by    text,
  -- One file (name and moment) is read once: a poll that finds it again does nothing.
  UNIQUE (connection_id, name, observed_at)
);
CREATE INDEX feed_files_by_connection ON feed_files (connection_id, id DESC);
CREATE INDEX feed_files_applied ON feed_files (connection_id, observed_at DESC) WHERE status IN ('applying', 'applied');
-- At most one held file per connection: a newer held file supersedes it.
CREATE UNIQUE INDEX feed_files_one_held ON feed_files (connection_id) WHERE status = 'held';

-- The rows of files being applied or held, and of the last applied file (to tell a SKU
-- the catalogue does not know that is new in this file from one reported before).
CREATE TABLE feed_rows (
  file_id   bigint NOT NULL REFERENCES feed_files (id) ON DELETE CASCADE,
  location  text NOT NULL,
  sku       text NOT NULL,
  available integer, -- NULL: the row was refused; the SKU is in the file, its level is kept
  line      integer NOT NULL,
  PRIMARY KEY (file_id, location, sku)
);
