-- The reports' figures per credit officer and calendar month (`month` is its first day): the
-- same columns as `daily_figures`, kept in the same statement as them (`db::rollups`), so that
-- trends over months sum a row per officer and month.
CREATE TABLE monthly_figures (
    credit_officer_id UUID NOT NULL,
    month DATE NOT NULL,
    new_loans BIGINT NOT NULL DEFAULT 0,
    new_principal NUMERIC(16,2) NOT NULL DEFAULT 0,
    disbursed_loans BIGINT NOT NULL DEFAULT 0,
    disbursed_principal NUMERIC(16,2) NOT NULL DEFAULT 0,
    repayments BIGINT NOT NULL DEFAULT 0,
    collected_amount NUMERIC(16,2) NOT NULL DEFAULT 0,
    installments BIGINT NOT NULL DEFAULT 0,
    due_amount NUMERIC(16,2) NOT NULL DEFAULT 0,
    due_paid_amount NUMERIC(16,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (credit_officer_id, month)
);
