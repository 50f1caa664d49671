-- The admin API's overview and connections pages (polled every 5 s by an open dashboard)
-- count quarantined inbox events and find each connection's oldest one. Without an index
-- both scan the whole inbox, which holds every webhook for 14 days: bench:ingress with 3
-- dashboards open saw their answers slow from 70 ms to 770 ms as the inbox grew, and the
-- webhook route lose throughput to those scans. Quarantined events are few, so a partial
-- index stays small and new (pending) events are never written to it.
CREATE INDEX inbox_quarantined ON inbox (connection_id, received_at) WHERE status = 'quarantined';
