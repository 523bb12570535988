-- A scheduled job runs once per period: its lease is named after the period
-- ('penalties:2026-11-24'), and completed_at marks the period done, so that no instance runs it
-- again. A lease that expires before completion (its instance died) is taken over.
ALTER TABLE job_leases ADD COLUMN completed_at TIMESTAMPTZ;
