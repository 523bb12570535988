-- Loans are listed newest first with the id as tie-breaker (`loans`, and each parent's loans).
-- Rows created together share `created_at` (a bulk import or seed writes thousands in one
-- instant), so an index on `created_at` alone leaves PostgreSQL sorting every row of the
-- newest instants to find a page; this one reads exactly the page, backwards.
CREATE INDEX loans_created_at_id_idx ON loans (created_at, id);
