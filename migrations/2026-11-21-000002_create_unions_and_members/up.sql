-- Counters, unions (borrower groups), members and their reassignment history.

-- Transactional counters for member codes and loan numbers (values are never reused).
CREATE TABLE counters (
    name       TEXT        PRIMARY KEY,
    value      INT8        NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT counters_value_check CHECK (value >= 0)
);

CREATE TABLE unions (
    id                UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    name              TEXT        NOT NULL,
    location          TEXT,
    address           TEXT,
    credit_officer_id UUID        NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at        TIMESTAMPTZ,
    CONSTRAINT unions_name_check CHECK (btrim(name) <> ''),
    CONSTRAINT unions_credit_officer_id_fkey FOREIGN KEY (credit_officer_id) REFERENCES users (id)
);

CREATE INDEX unions_credit_officer_id_idx ON unions (credit_officer_id);
CREATE INDEX unions_name_idx ON unions (name);
CREATE INDEX unions_created_at_idx ON unions (created_at);
CREATE INDEX unions_deleted_at_idx ON unions (deleted_at);

CREATE TABLE union_members (
    id             UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    code           TEXT        NOT NULL,
    first_name     TEXT        NOT NULL,
    last_name      TEXT        NOT NULL,
    phone          TEXT,
    email          TEXT,
    address        TEXT,
    date_of_birth  DATE,
    gender         TEXT,
    marital_status TEXT,
    profession     TEXT,
    company        TEXT,
    city           TEXT,
    state          TEXT,
    country        TEXT,
    zip_code       TEXT,
    note           TEXT,
    profile_image  TEXT,
    is_verified    BOOL        NOT NULL DEFAULT true,
    union_id       UUID        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at     TIMESTAMPTZ,
    -- Unique over all rows, deleted ones included: codes are never reused.
    CONSTRAINT union_members_code_key UNIQUE (code),
    CONSTRAINT union_members_code_check CHECK (code ~ '^MEM[0-9]{6}$'),
    CONSTRAINT union_members_gender_check CHECK (gender IN ('MALE', 'FEMALE', 'OTHER')),
    CONSTRAINT union_members_marital_status_check
        CHECK (marital_status IN ('SINGLE', 'MARRIED', 'DIVORCED', 'WIDOWED', 'OTHER')),
    CONSTRAINT union_members_union_id_fkey FOREIGN KEY (union_id) REFERENCES unions (id)
);

-- Email unique among live members, when present.
CREATE UNIQUE INDEX union_members_email_key ON union_members (email)
    WHERE deleted_at IS NULL AND email IS NOT NULL;
CREATE INDEX union_members_union_id_idx ON union_members (union_id);
CREATE INDEX union_members_last_name_first_name_idx ON union_members (last_name, first_name);
CREATE INDEX union_members_phone_idx ON union_members (phone);
CREATE INDEX union_members_is_verified_idx ON union_members (is_verified);
CREATE INDEX union_members_created_at_idx ON union_members (created_at);
CREATE INDEX union_members_deleted_at_idx ON union_members (deleted_at);

-- Append only: one row per change of a union's credit officer.
CREATE TABLE union_assignment_history (
    id                 UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    union_id           UUID        NOT NULL,
    old_officer_id     UUID,
    new_officer_id     UUID        NOT NULL,
    changed_by_user_id UUID        NOT NULL,
    reason             TEXT,
    changed_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT union_assignment_history_union_id_fkey FOREIGN KEY (union_id) REFERENCES unions (id),
    CONSTRAINT union_assignment_history_old_officer_id_fkey FOREIGN KEY (old_officer_id) REFERENCES users (id),
    CONSTRAINT union_assignment_history_new_officer_id_fkey FOREIGN KEY (new_officer_id) REFERENCES users (id),
    CONSTRAINT union_assignment_history_changed_by_user_id_fkey
        FOREIGN KEY (changed_by_user_id) REFERENCES users (id)
);

CREATE INDEX union_assignment_history_union_id_idx ON union_assignment_history (union_id);
CREATE INDEX union_assignment_history_old_officer_id_idx ON union_assignment_history (old_officer_id);
CREATE INDEX union_assignment_history_new_officer_id_idx ON union_assignment_history (new_officer_id);
CREATE INDEX union_assignment_history_changed_by_user_id_idx ON union_assignment_history (changed_by_user_id);
CREATE INDEX union_assignment_history_changed_at_idx ON union_assignment_history (changed_at);

-- Append only: one row per move of a member to another union.
CREATE TABLE union_member_reassignments (
    id                 UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    union_member_id    UUID        NOT NULL,
    old_union_id       UUID        NOT NULL,
    new_union_id       UUID        NOT NULL,
    old_officer_id     UUID,
    new_officer_id     UUID        NOT NULL,
    changed_by_user_id UUID        NOT NULL,
    reason             TEXT,
    changed_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT union_member_reassignments_union_member_id_fkey
        FOREIGN KEY (union_member_id) REFERENCES union_members (id),
    CONSTRAINT union_member_reassignments_old_union_id_fkey FOREIGN KEY (old_union_id) REFERENCES unions (id),
    CONSTRAINT union_member_reassignments_new_union_id_fkey FOREIGN KEY (new_union_id) REFERENCES unions (id),
    CONSTRAINT union_member_reassignments_old_officer_id_fkey FOREIGN KEY (old_officer_id) REFERENCES users (id),
    CONSTRAINT union_member_reassignments_new_officer_id_fkey FOREIGN KEY (new_officer_id) REFERENCES users (id),
    CONSTRAINT union_member_reassignments_changed_by_user_id_fkey
        FOREIGN KEY (changed_by_user_id) REFERENCES users (id),
    CONSTRAINT union_member_reassignments_different_union_check CHECK (old_union_id <> new_union_id)
);

CREATE INDEX union_member_reassignments_union_member_id_idx ON union_member_reassignments (union_member_id);
CREATE INDEX union_member_reassignments_old_union_id_idx ON union_member_reassignments (old_union_id);
CREATE INDEX union_member_reassignments_new_union_id_idx ON union_member_reassignments (new_union_id);
CREATE INDEX union_member_reassignments_old_officer_id_idx ON union_member_reassignments (old_officer_id);
CREATE INDEX union_member_reassignments_new_officer_id_idx ON union_member_reassignments (new_officer_id);
CREATE INDEX union_member_reassignments_changed_by_user_id_idx ON union_member_reassignments (changed_by_user_id);
CREATE INDEX union_member_reassignments_changed_at_idx ON union_member_reassignments (changed_at);

-- Rows last: CockroachDB runs no schema change after a write in the same transaction.
INSERT INTO counters (name, value) VALUES ('union_member_code', 0), ('loan_number', 0);
