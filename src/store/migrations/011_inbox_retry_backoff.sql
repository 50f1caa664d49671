-- Issue 14, defect 10: an inbox event whose processing failed for a passing reason (a
-- platform or database hiccup) waits before its next try, with exponential backoff and
-- jitter computed by the processor, instead of being retried at once (10 tries in 1.5 s,
-- then quarantined for good). NULL: due now (new events, and every event stored before).
ALTER TABLE inbox ADD COLUMN next_attempt_at timestamptz;
