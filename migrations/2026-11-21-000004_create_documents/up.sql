-- Document types and uploaded documents of members and loans.

CREATE TABLE document_types (
    id          UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    code        TEXT        NOT NULL,
    name        TEXT        NOT NULL,
    description TEXT,
    is_active   BOOL        NOT NULL DEFAULT true,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at  TIMESTAMPTZ,
    CONSTRAINT document_types_code_check CHECK (btrim(code) <> ''),
    CONSTRAINT document_types_name_check CHECK (btrim(name) <> '')
);

-- Code unique among live types.
CREATE UNIQUE INDEX document_types_code_key ON document_types (code) WHERE deleted_at IS NULL;
CREATE INDEX document_types_name_idx ON document_types (name);
CREATE INDEX document_types_is_active_idx ON document_types (is_active);
CREATE INDEX document_types_deleted_at_idx ON document_types (deleted_at);

CREATE TABLE union_member_documents (
    id                  UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    union_member_id     UUID        NOT NULL,
    document_type_id    UUID        NOT NULL,
    storage_key         TEXT        NOT NULL,
    file_name           TEXT        NOT NULL,
    content_type        TEXT        NOT NULL,
    size_bytes          INT8        NOT NULL,
    sha256              TEXT        NOT NULL,
    issuing_authority   TEXT,
    issue_date          DATE,
    expiry_date         DATE,
    verified            BOOL        NOT NULL DEFAULT false,
    verification_notes  TEXT,
    verified_by_user_id UUID,
    verified_at         TIMESTAMPTZ,
    uploaded_by_user_id UUID        NOT NULL,
    uploaded_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at          TIMESTAMPTZ,
    CONSTRAINT union_member_documents_size_bytes_check CHECK (size_bytes >= 0),
    CONSTRAINT union_member_documents_dates_check
        CHECK (issue_date IS NULL OR expiry_date IS NULL OR expiry_date >= issue_date),
    CONSTRAINT union_member_documents_union_member_id_fkey
        FOREIGN KEY (union_member_id) REFERENCES union_members (id),
    CONSTRAINT union_member_documents_document_type_id_fkey
        FOREIGN KEY (document_type_id) REFERENCES document_types (id),
    CONSTRAINT union_member_documents_verified_by_user_id_fkey
        FOREIGN KEY (verified_by_user_id) REFERENCES users (id),
    CONSTRAINT union_member_documents_uploaded_by_user_id_fkey
        FOREIGN KEY (uploaded_by_user_id) REFERENCES users (id)
);

CREATE INDEX union_member_documents_union_member_id_idx ON union_member_documents (union_member_id);
CREATE INDEX union_member_documents_document_type_id_idx ON union_member_documents (document_type_id);
CREATE INDEX union_member_documents_verified_by_user_id_idx ON union_member_documents (verified_by_user_id);
CREATE INDEX union_member_documents_uploaded_by_user_id_idx ON union_member_documents (uploaded_by_user_id);
CREATE INDEX union_member_documents_uploaded_at_idx ON union_member_documents (uploaded_at);
CREATE INDEX union_member_documents_deleted_at_idx ON union_member_documents (deleted_at);

CREATE TABLE loan_documents (
    id                  UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    loan_id             UUID        NOT NULL,
    document_type_id    UUID        NOT NULL,
    storage_key         TEXT        NOT NULL,
    file_name           TEXT        NOT NULL,
    content_type        TEXT        NOT NULL,
    size_bytes          INT8        NOT NULL,
    sha256              TEXT        NOT NULL,
    issuing_authority   TEXT,
    issue_date          DATE,
    expiry_date         DATE,
    verified            BOOL        NOT NULL DEFAULT false,
    verification_notes  TEXT,
    verified_by_user_id UUID,
    verified_at         TIMESTAMPTZ,
    uploaded_by_user_id UUID        NOT NULL,
    uploaded_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at          TIMESTAMPTZ,
    CONSTRAINT loan_documents_size_bytes_check CHECK (size_bytes >= 0),
    CONSTRAINT loan_documents_dates_check
        CHECK (issue_date IS NULL OR expiry_date IS NULL OR expiry_date >= issue_date),
    CONSTRAINT loan_documents_loan_id_fkey FOREIGN KEY (loan_id) REFERENCES loans (id),
    CONSTRAINT loan_documents_document_type_id_fkey FOREIGN KEY (document_type_id) REFERENCES document_types (id),
    CONSTRAINT loan_documents_verified_by_user_id_fkey FOREIGN KEY (verified_by_user_id) REFERENCES users (id),
    CONSTRAINT loan_documents_uploaded_by_user_id_fkey FOREIGN KEY (uploaded_by_user_id) REFERENCES users (id)
);

CREATE INDEX loan_documents_loan_id_idx ON loan_documents (loan_id);
CREATE INDEX loan_documents_document_type_id_idx ON loan_documents (document_type_id);
CREATE INDEX loan_documents_verified_by_user_id_idx ON loan_documents (verified_by_user_id);
CREATE INDEX loan_documents_uploaded_by_user_id_idx ON loan_documents (uploaded_by_user_id);
CREATE INDEX loan_documents_uploaded_at_idx ON loan_documents (uploaded_at);
CREATE INDEX loan_documents_deleted_at_idx ON loan_documents (deleted_at);
