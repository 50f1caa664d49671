-- Warehouse timestamps are whole milliseconds, and two changes to one item often share
-- one (two orders allocated back to back). Their webhooks then carry the same time, come
-- in any order, and are processed side by side: which is later cannot be told, and
-- letting the last one processed win could keep the higher, earlier level. A read (a
-- poll, a reconciliation) is the item's state after every change up to its timestamp, so
-- it settles such a tie; this column says whether the stored level came from one.
ALTER TABLE stock_levels ADD COLUMN observed_read boolean NOT NULL DEFAULT false;
