-- Documents whose file is not in this system's store: those imported from the original
-- system keep the original's URL or path as their storage key, and the file stays there.
ALTER TABLE union_member_documents ADD COLUMN external BOOL NOT NULL DEFAULT false;
ALTER TABLE loan_documents ADD COLUMN external BOOL NOT NULL DEFAULT false;
