-- Every order rewrites the target of each listing of its SKU, and the dispatcher its pushed
-- quantity: updates that change no indexed column can stay on the row's page (HOT, no new
-- entry in the six indexes, the GIN one included) only if the page has room. Half-full
-- pages measured: HOT updates 87 % -> 100 % on the orders benchmark, the targets update
-- 1.1 -> 0.7 ms a batch. Applies to pages written from now on.
ALTER TABLE listings SET (fillfactor = 50);
