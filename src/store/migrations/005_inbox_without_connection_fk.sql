-- The inbox takes every verified webhook on the request's path, and its foreign key to
-- connections cost about as much as the insert itself: a trigger per row, and a
-- FOR KEY SHARE lock on the connection's one row that concurrent batches turn into a
-- multixact (measured: 20-30 us of the 50-60 us per row, bench/results/ingress.md).
-- It guarded nothing the code does not: the route stores events only for connections
-- it has a connector for, built from the configuration that the catalogue sync writes
-- to connections first; connections are never deleted; the inbox processor quarantines
-- an event whose connection it does not know.
ALTER TABLE inbox DROP CONSTRAINT IF EXISTS inbox_connection_id_fkey;
