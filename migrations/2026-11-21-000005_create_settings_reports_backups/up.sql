-- Company settings, report snapshots, backups and job leases.

-- Exactly one row: singleton is always true and unique.
CREATE TABLE company_settings (
    id                  UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    singleton           BOOL        NOT NULL DEFAULT true,
    name                TEXT        NOT NULL DEFAULT 'Millennium',
    email               TEXT,
    phone               TEXT,
    address             TEXT,
    currency            TEXT        NOT NULL DEFAULT 'NGN',
    currency_symbol     TEXT        NOT NULL DEFAULT '₦',
    date_format         TEXT        NOT NULL DEFAULT 'DD/MM/YYYY',
    time_format         TEXT        NOT NULL DEFAULT 'HH:mm',
    timezone            TEXT        NOT NULL DEFAULT 'Africa/Lagos',
    logo_url            TEXT,
    favicon_url         TEXT,
    primary_color       TEXT,
    secondary_color     TEXT,
    accent_color        TEXT,
    theme_mode          TEXT,
    maintenance_mode    BOOL        NOT NULL DEFAULT false,
    maintenance_message TEXT,
    penalty_grace_days  INT4        NOT NULL DEFAULT 0,
    default_grace_days  INT4        NOT NULL DEFAULT 0,
    allocation_order    TEXT        NOT NULL DEFAULT 'PENALTIES_FIRST',
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT company_settings_singleton_key UNIQUE (singleton),
    CONSTRAINT company_settings_singleton_check CHECK (singleton),
    CONSTRAINT company_settings_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT company_settings_penalty_grace_days_check CHECK (penalty_grace_days >= 0),
    CONSTRAINT company_settings_default_grace_days_check CHECK (default_grace_days >= 0),
    CONSTRAINT company_settings_allocation_order_check
        CHECK (allocation_order IN ('PENALTIES_FIRST', 'PENALTIES_LAST'))
);

CREATE TABLE report_sessions (
    id                   UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    supervisor_id        UUID,
    report_type          TEXT          NOT NULL,
    title                TEXT          NOT NULL,
    period_start         DATE          NOT NULL,
    period_end           DATE          NOT NULL,
    total_officers       INT4          NOT NULL DEFAULT 0,
    total_unions         INT4          NOT NULL DEFAULT 0,
    total_members        INT4          NOT NULL DEFAULT 0,
    verified_members     INT4          NOT NULL DEFAULT 0,
    pending_members      INT4          NOT NULL DEFAULT 0,
    total_loans          INT4          NOT NULL DEFAULT 0,
    pending_loans        INT4          NOT NULL DEFAULT 0,
    active_loans         INT4          NOT NULL DEFAULT 0,
    completed_loans      INT4          NOT NULL DEFAULT 0,
    defaulted_loans      INT4          NOT NULL DEFAULT 0,
    total_disbursed      NUMERIC(14,2) NOT NULL DEFAULT 0,
    total_repaid         NUMERIC(14,2) NOT NULL DEFAULT 0,
    total_outstanding    NUMERIC(14,2) NOT NULL DEFAULT 0,
    collection_rate      NUMERIC(9,4)  NOT NULL DEFAULT 0,
    report_data          JSONB         NOT NULL DEFAULT '{}',
    officer_metrics      JSONB         NOT NULL DEFAULT '[]',
    generated_at         TIMESTAMPTZ   NOT NULL DEFAULT now(),
    generated_by_user_id UUID,
    created_at           TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ   NOT NULL DEFAULT now(),
    deleted_at           TIMESTAMPTZ,
    CONSTRAINT report_sessions_report_type_check
        CHECK (report_type IN ('DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'CUSTOM')),
    CONSTRAINT report_sessions_period_check CHECK (period_end >= period_start),
    CONSTRAINT report_sessions_supervisor_id_fkey FOREIGN KEY (supervisor_id) REFERENCES users (id),
    CONSTRAINT report_sessions_generated_by_user_id_fkey FOREIGN KEY (generated_by_user_id) REFERENCES users (id)
);

CREATE INDEX report_sessions_supervisor_id_idx ON report_sessions (supervisor_id);
CREATE INDEX report_sessions_generated_by_user_id_idx ON report_sessions (generated_by_user_id);
CREATE INDEX report_sessions_period_start_period_end_idx ON report_sessions (period_start, period_end);
CREATE INDEX report_sessions_generated_at_idx ON report_sessions (generated_at);
CREATE INDEX report_sessions_deleted_at_idx ON report_sessions (deleted_at);

CREATE TABLE backup_records (
    id                 UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    file_name          TEXT        NOT NULL,
    storage_key        TEXT        NOT NULL,
    kind               TEXT        NOT NULL DEFAULT 'MANUAL',
    status             TEXT        NOT NULL DEFAULT 'PENDING',
    size_bytes         INT8,
    sha256             TEXT,
    schema_version     TEXT,
    row_counts         JSONB,
    include_audit_logs BOOL        NOT NULL DEFAULT true,
    include_sessions   BOOL        NOT NULL DEFAULT false,
    created_by_user_id UUID,
    started_at         TIMESTAMPTZ,
    completed_at       TIMESTAMPTZ,
    error_message      TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at         TIMESTAMPTZ,
    CONSTRAINT backup_records_kind_check CHECK (kind IN ('MANUAL', 'SCHEDULED', 'SAFETY')),
    CONSTRAINT backup_records_status_check CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED')),
    CONSTRAINT backup_records_size_bytes_check CHECK (size_bytes IS NULL OR size_bytes >= 0),
    CONSTRAINT backup_records_created_by_user_id_fkey FOREIGN KEY (created_by_user_id) REFERENCES users (id)
);

CREATE INDEX backup_records_created_by_user_id_idx ON backup_records (created_by_user_id);
CREATE INDEX backup_records_created_at_idx ON backup_records (created_at);
CREATE INDEX backup_records_status_idx ON backup_records (status);
CREATE INDEX backup_records_deleted_at_idx ON backup_records (deleted_at);

-- Exactly one row, same singleton pattern as company_settings.
CREATE TABLE backup_schedule_settings (
    id                 UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    singleton          BOOL        NOT NULL DEFAULT true,
    frequency          TEXT        NOT NULL DEFAULT 'DISABLED',
    retention_days     INT4        NOT NULL DEFAULT 30,
    include_audit_logs BOOL        NOT NULL DEFAULT true,
    include_sessions   BOOL        NOT NULL DEFAULT false,
    last_backup_at     TIMESTAMPTZ,
    next_backup_at     TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT backup_schedule_settings_singleton_key UNIQUE (singleton),
    CONSTRAINT backup_schedule_settings_singleton_check CHECK (singleton),
    CONSTRAINT backup_schedule_settings_frequency_check
        CHECK (frequency IN ('DAILY', 'WEEKLY', 'MONTHLY', 'DISABLED')),
    CONSTRAINT backup_schedule_settings_retention_days_check CHECK (retention_days >= 1)
);

-- A scheduled job runs on the instance holding its lease.
CREATE TABLE job_leases (
    id         UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    name       TEXT        NOT NULL,
    holder     TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT job_leases_name_key UNIQUE (name)
);

-- Rows last: CockroachDB runs no schema change after a write in the same transaction.
INSERT INTO company_settings (singleton) VALUES (true);
INSERT INTO backup_schedule_settings (singleton) VALUES (true);
