-- The last webhook registration per connection (`stocksync webhooks register`, or the
-- engine's start with server.publicUrl): what it found, did and where it points, so that
-- `stocksync status` and the admin API can say whether a connection's webhooks are in place.
CREATE TABLE webhook_registrations (
  connection_id text PRIMARY KEY REFERENCES connections (id),
  address       text NOT NULL,        -- <publicUrl>/webhooks/<connection id>
  ok            boolean NOT NULL,     -- every wanted topic subscribed, nothing stale left
  kept          integer NOT NULL,
  created       integer NOT NULL,
  removed       integer NOT NULL,
  failed        integer NOT NULL,
  missing       text[] NOT NULL,      -- topics still without a subscription
  error         text,                 -- the first failure, when any
  registered_at timestamptz NOT NULL DEFAULT now()
);
