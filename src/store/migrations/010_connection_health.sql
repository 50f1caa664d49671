-- A connection's health as the workers find it (issue 14, defects 1, 2 and 7).

-- A connection whose platform refuses our credentials (401/403) is paused, not its
-- listings: nothing is quarantined, every listing stays dirty, and the connection is
-- probed again at next_retry_at (exponential backoff with jitter) until the credentials
-- work, then resumes by itself. paused_reason NULL: the connection works.
CREATE TABLE connection_pauses (
  connection_id text PRIMARY KEY REFERENCES connections (id),
  paused_reason text CHECK (paused_reason IN ('auth')),
  paused_since  timestamptz,
  last_error    text,
  attempts      integer NOT NULL DEFAULT 0, -- failed probes since paused_since
  next_retry_at timestamptz,
  resumed_at    timestamptz -- the last time a pause ended
);

-- The platform's webhook subscriptions that deliver to us, as the poller last saw them
-- (WooCommerce disables a webhook after a few failed deliveries; the poller re-enables it).
CREATE TABLE webhook_subscriptions (
  connection_id     text NOT NULL REFERENCES connections (id),
  subscription_id   text NOT NULL, -- the platform's id
  topic             text NOT NULL,
  status            text NOT NULL, -- as the platform says: active | paused | disabled ...
  checked_at        timestamptz NOT NULL DEFAULT now(),
  last_reenabled_at timestamptz,
  reenabled         integer NOT NULL DEFAULT 0,
  PRIMARY KEY (connection_id, subscription_id)
);

-- Why reconciliation could not do what a drift row's action needed (a lowering the
-- dispatcher cannot push now, a level refused as older than the stored one).
ALTER TABLE drift ADD COLUMN note text;

-- Listings an auth failure quarantined before connections could pause (defect 1): their
-- fault was the credentials, not theirs. Back into dispatch, pushed again.
UPDATE listings SET quarantined_reason = NULL, quarantined_at = NULL, verify = true
 WHERE quarantined_reason LIKE 'AUTH:%';
