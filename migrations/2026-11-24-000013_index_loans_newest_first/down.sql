DROP INDEX loans_created_at_id_idx;
