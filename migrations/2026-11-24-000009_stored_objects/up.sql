-- The ledger of stored document objects. A row is written before an upload writes its object
-- and marked committed in the transaction that inserts the document, so the orphan sweep can
-- tell an object whose upload never committed (removed) from one whose document a restore
-- took away (kept: restoring another backup may bring the document back). Not part of
-- backups: it describes the store, which a restore does not change.
CREATE TABLE stored_objects (
    storage_key  TEXT        PRIMARY KEY,
    committed_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX stored_objects_committed_at_idx ON stored_objects (committed_at);
