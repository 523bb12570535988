DROP INDEX repayment_schedule_items_live_due_date_idx;
DROP INDEX repayments_live_paid_at_idx;
DROP INDEX loans_portfolio_idx;
ALTER TABLE loans DROP COLUMN oldest_unpaid_due_date;
ALTER TABLE loans DROP COLUMN outstanding_amount;
