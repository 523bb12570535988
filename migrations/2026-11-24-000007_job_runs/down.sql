ALTER TABLE job_leases DROP COLUMN completed_at;
