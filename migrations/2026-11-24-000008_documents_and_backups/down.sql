DROP INDEX backup_records_kind_idx;
DROP INDEX backup_records_file_name_key;
ALTER TABLE backup_records DROP COLUMN created_by_name;
ALTER TABLE backup_records ADD CONSTRAINT backup_records_created_by_user_id_fkey
    FOREIGN KEY (created_by_user_id) REFERENCES users (id);
ALTER TABLE backup_records DROP COLUMN data_bytes;
ALTER TABLE backup_records DROP COLUMN data_sha256;
ALTER TABLE backup_records DROP COLUMN heartbeat_at;
ALTER TABLE backup_records DROP COLUMN holder;
ALTER TABLE backup_records DROP CONSTRAINT backup_records_status_check;
ALTER TABLE backup_records ALTER COLUMN status SET DEFAULT 'PENDING';
ALTER TABLE backup_records ADD CONSTRAINT backup_records_status_check
    CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED'));
