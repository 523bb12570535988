-- Figures kept per credit officer for the reports, which sum these rows instead of every loan,
-- repayment and installment of the book (`db::rollups`):
-- - per day: loans applied for and disbursed, repayments collected, installments falling due
--   (with what has been paid of them);
-- - per loan status: loans, their principal and what they still owe.
-- Derived data: the application adjusts the rows in the same transaction as every change to a
-- loan, its repayments or its installments, and to the officer of a union or the union of a
-- member; `millennium check` compares them with a recomputation; a restore, the seed and the
-- legacy import recompute them. No foreign key: a restore empties `users` without emptying
-- these tables first. Filled by the next migration.
CREATE TABLE daily_figures (
    credit_officer_id UUID NOT NULL,
    day DATE NOT NULL,
    new_loans BIGINT NOT NULL DEFAULT 0,
    new_principal NUMERIC(16,2) NOT NULL DEFAULT 0,
    disbursed_loans BIGINT NOT NULL DEFAULT 0,
    disbursed_principal NUMERIC(16,2) NOT NULL DEFAULT 0,
    repayments BIGINT NOT NULL DEFAULT 0,
    collected_amount NUMERIC(16,2) NOT NULL DEFAULT 0,
    installments BIGINT NOT NULL DEFAULT 0,
    due_amount NUMERIC(16,2) NOT NULL DEFAULT 0,
    due_paid_amount NUMERIC(16,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (credit_officer_id, day)
);

CREATE TABLE loan_status_figures (
    credit_officer_id UUID NOT NULL,
    status TEXT NOT NULL,
    loans BIGINT NOT NULL DEFAULT 0,
    principal_amount NUMERIC(16,2) NOT NULL DEFAULT 0,
    outstanding_amount NUMERIC(16,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (credit_officer_id, status)
);

-- The whole book over a period, read from the index alone.
CREATE INDEX daily_figures_day_idx ON daily_figures (day)
    INCLUDE (credit_officer_id, new_loans, new_principal, disbursed_loans, disbursed_principal,
             repayments, collected_amount, installments, due_amount, due_paid_amount);
