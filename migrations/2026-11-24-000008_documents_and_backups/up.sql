-- Backups as the service runs them: IN_PROGRESS while a process writes the file (beating
-- heartbeat_at), then COMPLETED or FAILED with the error. A record whose heartbeat stops (the
-- process died) is marked FAILED by the next sweep, so none stays IN_PROGRESS forever.
ALTER TABLE backup_records DROP CONSTRAINT backup_records_status_check;
ALTER TABLE backup_records ALTER COLUMN status SET DEFAULT 'IN_PROGRESS';
ALTER TABLE backup_records ADD CONSTRAINT backup_records_status_check
    CHECK (status IN ('IN_PROGRESS', 'COMPLETED', 'FAILED'));
-- The process writing the backup, and when it last said it was alive.
ALTER TABLE backup_records ADD COLUMN holder TEXT;
ALTER TABLE backup_records ADD COLUMN heartbeat_at TIMESTAMPTZ;
-- The manifest's checksum of the uncompressed data (sha256 is the stored file's) and its size.
ALTER TABLE backup_records ADD COLUMN data_sha256 TEXT;
ALTER TABLE backup_records ADD COLUMN data_bytes INT8;
-- A backup outlives the accounts it names (a restore replaces the users), so its author is kept
-- as a name beside the id rather than as a reference.
ALTER TABLE backup_records DROP CONSTRAINT backup_records_created_by_user_id_fkey;
ALTER TABLE backup_records ADD COLUMN created_by_name TEXT;
-- `restoreBackup` names the file: one live record per file name.
CREATE UNIQUE INDEX backup_records_file_name_key ON backup_records (file_name) WHERE deleted_at IS NULL;
CREATE INDEX backup_records_kind_idx ON backup_records (kind);
