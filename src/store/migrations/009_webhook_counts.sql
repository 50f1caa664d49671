-- Refused webhooks are counted, and only a bounded sample of them is kept in the
-- quarantine (issue 14, defect 5): 2,000 unsigned 1 MB POSTs grew the quarantine by
-- 2 GB in 41 s when every refusal stored its body.
--
-- One row per connection, outcome and hour. `outcome` is a fixed class (bad_signature,
-- unreadable, too_large, unknown_connection, conflicting_duplicate, unstorable, ping),
-- never the free text of a reason, and an unknown connection counts under '' (its id is
-- whatever the caller put in the URL): the table's size stays bounded whatever is sent.
CREATE TABLE webhook_counts (
  connection_id text NOT NULL,
  outcome       text NOT NULL,
  hour          timestamptz NOT NULL,
  requests      bigint NOT NULL DEFAULT 0,
  body_bytes    bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (connection_id, outcome, hour)
);

-- The quarantine keeps at most the first bytes of a refused body; this is its full length.
ALTER TABLE quarantine ADD COLUMN body_length integer;
