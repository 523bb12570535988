-- Loan products, loans, schedules, charges, repayments and their allocations.
-- Money is NUMERIC(14,2), rates NUMERIC(9,4).

CREATE TABLE loan_types (
    id                          UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    name                        TEXT          NOT NULL,
    description                 TEXT,
    min_amount                  NUMERIC(14,2) NOT NULL,
    max_amount                  NUMERIC(14,2) NOT NULL,
    term_unit                   TEXT          NOT NULL,
    min_term                    INT4          NOT NULL,
    max_term                    INT4          NOT NULL,
    interest_rate               NUMERIC(9,4)  NOT NULL DEFAULT 0,
    interest_method             TEXT          NOT NULL DEFAULT 'FLAT',
    default_processing_fee      NUMERIC(14,2) NOT NULL DEFAULT 0,
    default_penalty_fee_per_day NUMERIC(14,2) NOT NULL DEFAULT 0,
    is_active                   BOOL          NOT NULL DEFAULT true,
    created_at                  TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at                  TIMESTAMPTZ   NOT NULL DEFAULT now(),
    deleted_at                  TIMESTAMPTZ,
    CONSTRAINT loan_types_name_check CHECK (btrim(name) <> ''),
    CONSTRAINT loan_types_min_amount_check CHECK (min_amount >= 0),
    CONSTRAINT loan_types_amount_range_check CHECK (min_amount < max_amount),
    CONSTRAINT loan_types_term_unit_check CHECK (term_unit IN ('DAY', 'WEEK', 'MONTH')),
    CONSTRAINT loan_types_term_range_check CHECK (min_term >= 1 AND min_term <= max_term),
    CONSTRAINT loan_types_interest_rate_check CHECK (interest_rate >= 0),
    CONSTRAINT loan_types_interest_method_check CHECK (interest_method IN ('FLAT', 'DECLINING_BALANCE')),
    CONSTRAINT loan_types_default_processing_fee_check CHECK (default_processing_fee >= 0),
    CONSTRAINT loan_types_default_penalty_fee_per_day_check CHECK (default_penalty_fee_per_day >= 0)
);

-- Name unique among live products.
CREATE UNIQUE INDEX loan_types_name_key ON loan_types (name) WHERE deleted_at IS NULL;
CREATE INDEX loan_types_is_active_idx ON loan_types (is_active);
CREATE INDEX loan_types_created_at_idx ON loan_types (created_at);
CREATE INDEX loan_types_deleted_at_idx ON loan_types (deleted_at);

CREATE TABLE loans (
    id                         UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    loan_number                TEXT          NOT NULL,
    union_member_id            UUID          NOT NULL,
    union_id                   UUID          NOT NULL,
    loan_type_id               UUID          NOT NULL,
    principal_amount           NUMERIC(14,2) NOT NULL,
    currency_code              TEXT          NOT NULL DEFAULT 'NGN',
    term_count                 INT4          NOT NULL,
    term_unit                  TEXT          NOT NULL,
    interest_rate              NUMERIC(9,4)  NOT NULL DEFAULT 0,
    interest_method            TEXT          NOT NULL DEFAULT 'FLAT',
    start_date                 DATE          NOT NULL,
    end_date                   DATE          NOT NULL,
    processing_fee_amount      NUMERIC(14,2) NOT NULL DEFAULT 0,
    processing_fee_collected   BOOL          NOT NULL DEFAULT false,
    penalty_fee_per_day_amount NUMERIC(14,2) NOT NULL DEFAULT 0,
    status                     TEXT          NOT NULL DEFAULT 'PENDING_APPROVAL',
    status_reason              TEXT,
    created_by_user_id         UUID          NOT NULL,
    assigned_officer_id        UUID          NOT NULL,
    approved_by_user_id        UUID,
    approved_at                TIMESTAMPTZ,
    disbursed_at               TIMESTAMPTZ,
    closed_at                  TIMESTAMPTZ,
    notes                      TEXT,
    created_at                 TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at                 TIMESTAMPTZ   NOT NULL DEFAULT now(),
    deleted_at                 TIMESTAMPTZ,
    -- Unique over all rows, deleted ones included: numbers are never reused.
    CONSTRAINT loans_loan_number_key UNIQUE (loan_number),
    CONSTRAINT loans_loan_number_check CHECK (loan_number ~ '^LN[0-9]{8}$'),
    CONSTRAINT loans_principal_amount_check CHECK (principal_amount > 0),
    CONSTRAINT loans_currency_code_check CHECK (currency_code ~ '^[A-Z]{3}$'),
    CONSTRAINT loans_term_count_check CHECK (term_count >= 1),
    CONSTRAINT loans_term_unit_check CHECK (term_unit IN ('DAY', 'WEEK', 'MONTH')),
    CONSTRAINT loans_interest_rate_check CHECK (interest_rate >= 0),
    CONSTRAINT loans_interest_method_check CHECK (interest_method IN ('FLAT', 'DECLINING_BALANCE')),
    CONSTRAINT loans_dates_check CHECK (end_date >= start_date),
    CONSTRAINT loans_processing_fee_amount_check CHECK (processing_fee_amount >= 0),
    CONSTRAINT loans_penalty_fee_per_day_amount_check CHECK (penalty_fee_per_day_amount >= 0),
    CONSTRAINT loans_status_check CHECK (status IN (
        'DRAFT', 'PENDING_APPROVAL', 'APPROVED', 'ACTIVE',
        'COMPLETED', 'DEFAULTED', 'WRITTEN_OFF', 'CANCELED')),
    CONSTRAINT loans_union_member_id_fkey FOREIGN KEY (union_member_id) REFERENCES union_members (id),
    CONSTRAINT loans_union_id_fkey FOREIGN KEY (union_id) REFERENCES unions (id),
    CONSTRAINT loans_loan_type_id_fkey FOREIGN KEY (loan_type_id) REFERENCES loan_types (id),
    CONSTRAINT loans_created_by_user_id_fkey FOREIGN KEY (created_by_user_id) REFERENCES users (id),
    CONSTRAINT loans_assigned_officer_id_fkey FOREIGN KEY (assigned_officer_id) REFERENCES users (id),
    CONSTRAINT loans_approved_by_user_id_fkey FOREIGN KEY (approved_by_user_id) REFERENCES users (id)
);

-- At most one open loan per member, enforced by the database.
CREATE UNIQUE INDEX loans_one_open_per_member_key ON loans (union_member_id)
    WHERE deleted_at IS NULL AND status IN ('DRAFT', 'PENDING_APPROVAL', 'APPROVED', 'ACTIVE', 'DEFAULTED');
CREATE INDEX loans_union_member_id_idx ON loans (union_member_id);
CREATE INDEX loans_union_id_idx ON loans (union_id);
CREATE INDEX loans_loan_type_id_idx ON loans (loan_type_id);
CREATE INDEX loans_created_by_user_id_idx ON loans (created_by_user_id);
CREATE INDEX loans_assigned_officer_id_idx ON loans (assigned_officer_id);
CREATE INDEX loans_approved_by_user_id_idx ON loans (approved_by_user_id);
CREATE INDEX loans_status_idx ON loans (status);
CREATE INDEX loans_created_at_idx ON loans (created_at);
CREATE INDEX loans_start_date_idx ON loans (start_date);
CREATE INDEX loans_end_date_idx ON loans (end_date);
CREATE INDEX loans_disbursed_at_idx ON loans (disbursed_at);
CREATE INDEX loans_deleted_at_idx ON loans (deleted_at);

CREATE TABLE repayment_schedule_items (
    id            UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    loan_id       UUID          NOT NULL,
    sequence      INT4          NOT NULL,
    due_date      DATE          NOT NULL,
    principal_due NUMERIC(14,2) NOT NULL,
    interest_due  NUMERIC(14,2) NOT NULL DEFAULT 0,
    fee_due       NUMERIC(14,2) NOT NULL DEFAULT 0,
    total_due     NUMERIC(14,2) NOT NULL,
    paid_amount   NUMERIC(14,2) NOT NULL DEFAULT 0,
    status        TEXT          NOT NULL DEFAULT 'PENDING',
    closed_at     TIMESTAMPTZ,
    created_at    TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ   NOT NULL DEFAULT now(),
    deleted_at    TIMESTAMPTZ,
    CONSTRAINT repayment_schedule_items_loan_id_sequence_key UNIQUE (loan_id, sequence),
    CONSTRAINT repayment_schedule_items_sequence_check CHECK (sequence >= 1),
    CONSTRAINT repayment_schedule_items_amounts_check
        CHECK (principal_due >= 0 AND interest_due >= 0 AND fee_due >= 0 AND paid_amount >= 0),
    CONSTRAINT repayment_schedule_items_total_due_check
        CHECK (total_due = principal_due + interest_due + fee_due),
    CONSTRAINT repayment_schedule_items_paid_amount_check CHECK (paid_amount <= total_due),
    CONSTRAINT repayment_schedule_items_status_check CHECK (status IN ('PENDING', 'PARTIAL', 'PAID', 'OVERDUE')),
    CONSTRAINT repayment_schedule_items_loan_id_fkey FOREIGN KEY (loan_id) REFERENCES loans (id)
);

CREATE INDEX repayment_schedule_items_loan_id_idx ON repayment_schedule_items (loan_id);
CREATE INDEX repayment_schedule_items_due_date_idx ON repayment_schedule_items (due_date);
CREATE INDEX repayment_schedule_items_status_idx ON repayment_schedule_items (status);
CREATE INDEX repayment_schedule_items_deleted_at_idx ON repayment_schedule_items (deleted_at);

CREATE TABLE loan_charges (
    id                UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    loan_id           UUID          NOT NULL,
    kind              TEXT          NOT NULL,
    charge_date       DATE          NOT NULL,
    amount            NUMERIC(14,2) NOT NULL,
    paid_amount       NUMERIC(14,2) NOT NULL DEFAULT 0,
    waived_at         TIMESTAMPTZ,
    waived_by_user_id UUID,
    waive_reason      TEXT,
    created_at        TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ   NOT NULL DEFAULT now(),
    deleted_at        TIMESTAMPTZ,
    CONSTRAINT loan_charges_kind_check CHECK (kind IN ('PENALTY', 'FEE')),
    CONSTRAINT loan_charges_amount_check CHECK (amount > 0),
    CONSTRAINT loan_charges_paid_amount_check CHECK (paid_amount >= 0 AND paid_amount <= amount),
    CONSTRAINT loan_charges_loan_id_fkey FOREIGN KEY (loan_id) REFERENCES loans (id),
    CONSTRAINT loan_charges_waived_by_user_id_fkey FOREIGN KEY (waived_by_user_id) REFERENCES users (id)
);

-- One penalty per loan and day (makes the daily penalty job idempotent).
CREATE UNIQUE INDEX loan_charges_penalty_day_key ON loan_charges (loan_id, kind, charge_date)
    WHERE kind = 'PENALTY';
CREATE INDEX loan_charges_loan_id_idx ON loan_charges (loan_id);
CREATE INDEX loan_charges_charge_date_idx ON loan_charges (charge_date);
CREATE INDEX loan_charges_waived_by_user_id_idx ON loan_charges (waived_by_user_id);
CREATE INDEX loan_charges_deleted_at_idx ON loan_charges (deleted_at);

-- Repayments are never edited or deleted; a reversal sets reversed_at.
CREATE TABLE repayments (
    id                  UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    loan_id             UUID          NOT NULL,
    received_by_user_id UUID          NOT NULL,
    amount              NUMERIC(14,2) NOT NULL,
    currency_code       TEXT          NOT NULL DEFAULT 'NGN',
    paid_at             TIMESTAMPTZ   NOT NULL,
    method              TEXT          NOT NULL,
    reference           TEXT,
    notes               TEXT,
    idempotency_key     TEXT          NOT NULL,
    reversed_at         TIMESTAMPTZ,
    reversed_by_user_id UUID,
    reversal_reason     TEXT,
    created_at          TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ   NOT NULL DEFAULT now(),
    deleted_at          TIMESTAMPTZ,
    CONSTRAINT repayments_idempotency_key_key UNIQUE (idempotency_key),
    CONSTRAINT repayments_amount_check CHECK (amount > 0),
    CONSTRAINT repayments_currency_code_check CHECK (currency_code ~ '^[A-Z]{3}$'),
    CONSTRAINT repayments_method_check CHECK (method IN ('CASH', 'TRANSFER', 'POS', 'MOBILE', 'USSD', 'OTHER')),
    CONSTRAINT repayments_loan_id_fkey FOREIGN KEY (loan_id) REFERENCES loans (id),
    CONSTRAINT repayments_received_by_user_id_fkey FOREIGN KEY (received_by_user_id) REFERENCES users (id),
    CONSTRAINT repayments_reversed_by_user_id_fkey FOREIGN KEY (reversed_by_user_id) REFERENCES users (id)
);

CREATE INDEX repayments_loan_id_idx ON repayments (loan_id);
CREATE INDEX repayments_loan_id_paid_at_idx ON repayments (loan_id, paid_at);
CREATE INDEX repayments_received_by_user_id_idx ON repayments (received_by_user_id);
CREATE INDEX repayments_reversed_by_user_id_idx ON repayments (reversed_by_user_id);
CREATE INDEX repayments_paid_at_idx ON repayments (paid_at);
CREATE INDEX repayments_method_idx ON repayments (method);
CREATE INDEX repayments_created_at_idx ON repayments (created_at);
CREATE INDEX repayments_deleted_at_idx ON repayments (deleted_at);

-- Each row allocates part of a repayment to exactly one installment or one charge.
CREATE TABLE repayment_allocations (
    id               UUID          PRIMARY KEY DEFAULT gen_random_uuid(),
    repayment_id     UUID          NOT NULL,
    schedule_item_id UUID,
    charge_id        UUID,
    principal_amount NUMERIC(14,2) NOT NULL DEFAULT 0,
    interest_amount  NUMERIC(14,2) NOT NULL DEFAULT 0,
    fee_amount       NUMERIC(14,2) NOT NULL DEFAULT 0,
    penalty_amount   NUMERIC(14,2) NOT NULL DEFAULT 0,
    amount           NUMERIC(14,2) NOT NULL,
    created_at       TIMESTAMPTZ   NOT NULL DEFAULT now(),
    CONSTRAINT repayment_allocations_target_check CHECK ((schedule_item_id IS NULL) <> (charge_id IS NULL)),
    CONSTRAINT repayment_allocations_parts_check
        CHECK (principal_amount >= 0 AND interest_amount >= 0 AND fee_amount >= 0 AND penalty_amount >= 0),
    CONSTRAINT repayment_allocations_amount_check
        CHECK (amount = principal_amount + interest_amount + fee_amount + penalty_amount),
    CONSTRAINT repayment_allocations_repayment_id_fkey FOREIGN KEY (repayment_id) REFERENCES repayments (id),
    CONSTRAINT repayment_allocations_schedule_item_id_fkey
        FOREIGN KEY (schedule_item_id) REFERENCES repayment_schedule_items (id),
    CONSTRAINT repayment_allocations_charge_id_fkey FOREIGN KEY (charge_id) REFERENCES loan_charges (id)
);

CREATE INDEX repayment_allocations_repayment_id_idx ON repayment_allocations (repayment_id);
CREATE INDEX repayment_allocations_schedule_item_id_idx ON repayment_allocations (schedule_item_id);
CREATE INDEX repayment_allocations_charge_id_idx ON repayment_allocations (charge_id);
