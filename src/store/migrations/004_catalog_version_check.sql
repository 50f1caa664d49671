-- Processes cache the catalogue (SKUs, bundles, connections, listings and their buffer
-- policies). An order batch computes its targets from that copy and sends, with its
-- COMMIT, a check that the copy is still current: raised after the batch's stock rows are
-- locked, so a catalogue sync committed at any moment before is seen (its re-targeting
-- waits for those locks), and the whole batch rolls back instead of writing targets from
-- an outdated policy. SQLSTATE SS409 is recognised by engine/catalog-cache.ts.
CREATE FUNCTION stocksync_expect_catalog_version(expected bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  current bigint;
BEGIN
  SELECT version INTO current FROM catalog_version;
  IF current IS DISTINCT FROM expected THEN
    RAISE EXCEPTION 'catalogue version is %, the batch was computed against %', current, expected
      USING ERRCODE = 'SS409';
  END IF;
END $$;
