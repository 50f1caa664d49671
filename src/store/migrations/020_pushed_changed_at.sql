-- When `pushed` (what we hold the channel shows) last changed, by the database's clock: a
-- push acknowledged, a sale's order recorded, a count read back. A full read of a channel
-- is true as of the moment it began (a Shopify bulk operation's start, a page's request):
-- a count it found is taken only where nothing changed `pushed` since then, so a read that
-- took minutes never overwrites a sale (or a push) recorded while it ran. NULL: not since
-- this column exists (older than any read from now on).
ALTER TABLE listings ADD COLUMN pushed_changed_at timestamptz;
