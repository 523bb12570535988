-- Staff accounts, sessions, login history, audit log, notes on staff.
-- Plain SQL only (PostgreSQL and CockroachDB); updated_at is set by the application.

CREATE TABLE users (
    id                 UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    email              TEXT        NOT NULL,
    password_hash      TEXT        NOT NULL,
    role               TEXT        NOT NULL,
    is_active          BOOL        NOT NULL DEFAULT true,
    supervisor_id      UUID,
    first_name         TEXT        NOT NULL,
    last_name          TEXT        NOT NULL,
    phone              TEXT,
    address            TEXT,
    profile_image      TEXT,
    last_login_at      TIMESTAMPTZ,
    last_activity_at   TIMESTAMPTZ,
    login_count        INT4        NOT NULL DEFAULT 0,
    failed_login_count INT4        NOT NULL DEFAULT 0,
    locked_until       TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at         TIMESTAMPTZ,
    CONSTRAINT users_role_check CHECK (role IN ('ADMIN', 'SUPERVISOR', 'CREDIT_OFFICER')),
    CONSTRAINT users_email_check CHECK (email = lower(email) AND email = btrim(email) AND email <> ''),
    CONSTRAINT users_login_count_check CHECK (login_count >= 0),
    CONSTRAINT users_failed_login_count_check CHECK (failed_login_count >= 0),
    CONSTRAINT users_supervisor_not_self_check CHECK (supervisor_id IS NULL OR supervisor_id <> id),
    CONSTRAINT users_supervisor_id_fkey FOREIGN KEY (supervisor_id) REFERENCES users (id)
);

-- Email unique among live users only.
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX users_supervisor_id_idx ON users (supervisor_id);
CREATE INDEX users_role_idx ON users (role);
CREATE INDEX users_is_active_idx ON users (is_active);
CREATE INDEX users_last_name_first_name_idx ON users (last_name, first_name);
CREATE INDEX users_created_at_idx ON users (created_at);
CREATE INDEX users_deleted_at_idx ON users (deleted_at);

CREATE TABLE staff_sessions (
    id                 UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id            UUID        NOT NULL,
    family_id          UUID        NOT NULL,
    refresh_token_hash TEXT        NOT NULL,
    user_agent         TEXT,
    ip_address         TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at         TIMESTAMPTZ NOT NULL,
    revoked_at         TIMESTAMPTZ,
    revoked_reason     TEXT,
    CONSTRAINT staff_sessions_refresh_token_hash_key UNIQUE (refresh_token_hash),
    CONSTRAINT staff_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE INDEX staff_sessions_user_id_idx ON staff_sessions (user_id);
CREATE INDEX staff_sessions_family_id_idx ON staff_sessions (family_id);
CREATE INDEX staff_sessions_expires_at_idx ON staff_sessions (expires_at);
-- Live (not revoked) sessions of a user, newest first.
CREATE INDEX staff_sessions_user_id_created_at_idx ON staff_sessions (user_id, created_at)
    WHERE revoked_at IS NULL;

CREATE TABLE user_login_history (
    id             UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        UUID,
    email_tried    TEXT        NOT NULL,
    login_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    ip_address     TEXT,
    user_agent     TEXT,
    success        BOOL        NOT NULL,
    failure_reason TEXT,
    CONSTRAINT user_login_history_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE INDEX user_login_history_email_tried_login_at_idx ON user_login_history (email_tried, login_at);
CREATE INDEX user_login_history_user_id_login_at_idx ON user_login_history (user_id, login_at);
CREATE INDEX user_login_history_login_at_idx ON user_login_history (login_at);

-- Append only: no updated_at, no deleted_at.
CREATE TABLE audit_logs (
    id            UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    actor_user_id UUID,
    action        TEXT        NOT NULL,
    entity_name   TEXT        NOT NULL,
    entity_id     UUID,
    before        JSONB,
    after         JSONB,
    metadata      JSONB,
    ip_address    TEXT,
    user_agent    TEXT,
    request_id    TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT audit_logs_actor_user_id_fkey FOREIGN KEY (actor_user_id) REFERENCES users (id)
);

CREATE INDEX audit_logs_entity_name_entity_id_idx ON audit_logs (entity_name, entity_id);
CREATE INDEX audit_logs_actor_user_id_idx ON audit_logs (actor_user_id);
CREATE INDEX audit_logs_action_idx ON audit_logs (action);
CREATE INDEX audit_logs_created_at_idx ON audit_logs (created_at);

CREATE TABLE user_notes (
    id                 UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id            UUID        NOT NULL,
    title              TEXT        NOT NULL,
    content            TEXT        NOT NULL,
    category           TEXT,
    is_private         BOOL        NOT NULL DEFAULT false,
    created_by_user_id UUID        NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at         TIMESTAMPTZ,
    CONSTRAINT user_notes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT user_notes_created_by_user_id_fkey FOREIGN KEY (created_by_user_id) REFERENCES users (id)
);

CREATE INDEX user_notes_user_id_idx ON user_notes (user_id);
CREATE INDEX user_notes_created_by_user_id_idx ON user_notes (created_by_user_id);
CREATE INDEX user_notes_created_at_idx ON user_notes (created_at);
CREATE INDEX user_notes_deleted_at_idx ON user_notes (deleted_at);
