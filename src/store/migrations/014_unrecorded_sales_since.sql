-- Unrecorded sales (a read found a channel's count lower than pushed, before the orders
-- came) are forgotten once the channel's orders are polled past the read: every order
-- placed before it is recorded by then, so what is left was never a sale (our own push
-- that landed while its answer was lost, for one). Adaptive buffers take unrecorded sales
-- off the ATS; without this, such a phantom would hold units back for good.
ALTER TABLE listings ADD COLUMN unrecorded_at timestamptz;
CREATE INDEX listings_unrecorded ON listings (connection_id) WHERE unrecorded_sales > 0;
