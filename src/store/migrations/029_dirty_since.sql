-- Since when a listing's push has been due: the first change of its target (or of what the
-- channel shows) that no push has carried yet. The dispatcher takes the longest due first.
-- Taken by the latest change instead (target_changed_at), a listing that kept changing went
-- to the back of the queue at each change, and where the platform is slower than the
-- changes (Amazon, 5 patches/s) the lowering of a busy SKU could wait indefinitely.
-- target_changed_at keeps its meaning (propagation is measured from it).
ALTER TABLE listings ADD COLUMN dirty_since timestamptz;
UPDATE listings SET dirty_since = target_changed_at WHERE dirty;

CREATE FUNCTION listings_dirty_since() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT (NEW.verify OR NEW.pushed IS DISTINCT FROM NEW.target) THEN
    NEW.dirty_since := NULL;
  ELSIF TG_OP = 'INSERT' OR OLD.dirty_since IS NULL THEN
    NEW.dirty_since := now();
  ELSIF NEW.pushed_at IS DISTINCT FROM OLD.pushed_at THEN
    -- A push landed and the listing is still dirty: what is left changed while it was in
    -- flight, no earlier than the target's latest change.
    NEW.dirty_since := GREATEST(OLD.dirty_since, NEW.target_changed_at);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER listings_dirty_since BEFORE INSERT OR UPDATE OF target, pushed, verify, pushed_at ON listings
  FOR EACH ROW EXECUTE FUNCTION listings_dirty_since();
