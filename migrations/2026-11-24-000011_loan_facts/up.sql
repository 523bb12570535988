-- Per-loan facts that reports read instead of deriving them from every installment and charge:
-- what the loan still owes (installments and live charges, as `Loan.balance.totalOutstanding`
-- today) and the due date of its oldest installment not paid in full. The application writes
-- them in the same transaction as every change to the loan's installments or charges;
-- `millennium check` compares them with a recomputation. Filled by the next migration.
ALTER TABLE loans ADD COLUMN outstanding_amount NUMERIC(14,2) NOT NULL DEFAULT 0;
ALTER TABLE loans ADD COLUMN oldest_unpaid_due_date DATE;

-- The portfolio (loans in repayment) with what PAR and the reports group by, read without
-- touching the table.
CREATE INDEX loans_portfolio_idx ON loans (union_id)
    INCLUDE (status, outstanding_amount, oldest_unpaid_due_date, loan_type_id)
    WHERE deleted_at IS NULL AND status IN ('ACTIVE', 'DEFAULTED');

-- Collected in a period: live repayments by date with their amount.
CREATE INDEX repayments_live_paid_at_idx ON repayments (paid_at)
    INCLUDE (loan_id, amount)
    WHERE reversed_at IS NULL AND deleted_at IS NULL;

-- Due in a period: live installments by due date with their amounts.
CREATE INDEX repayment_schedule_items_live_due_date_idx ON repayment_schedule_items (due_date)
    INCLUDE (loan_id, total_due, paid_amount)
    WHERE deleted_at IS NULL;
