-- Fills the figures added by the previous migration (a transaction of its own, as CockroachDB
-- asks of a table's first rows after its creation). The same statement as
-- `db::rollups::refresh_all_statements`.
INSERT INTO monthly_figures (credit_officer_id, month, new_loans, new_principal, disbursed_loans, disbursed_principal, repayments, collected_amount, installments, due_amount, due_paid_amount)
SELECT c.officer, date_trunc('month', c.day)::date AS month,
       sum(c.new_loans)::bigint AS new_loans, sum(c.new_principal) AS new_principal,
       sum(c.disbursed_loans)::bigint AS disbursed_loans,
       sum(c.disbursed_principal) AS disbursed_principal,
       sum(c.repayments)::bigint AS repayments, sum(c.collected_amount) AS collected_amount,
       sum(c.installments)::bigint AS installments, sum(c.due_amount) AS due_amount,
       sum(c.due_paid_amount) AS due_paid_amount
  FROM (
SELECT c.officer, c.day,
       sum(c.new_loans)::bigint AS new_loans, sum(c.new_principal) AS new_principal,
       sum(c.disbursed_loans)::bigint AS disbursed_loans,
       sum(c.disbursed_principal) AS disbursed_principal,
       sum(c.repayments)::bigint AS repayments, sum(c.collected_amount) AS collected_amount,
       sum(c.installments)::bigint AS installments, sum(c.due_amount) AS due_amount,
       sum(c.due_paid_amount) AS due_paid_amount
  FROM (
    SELECT u.credit_officer_id AS officer, (l.created_at AT TIME ZONE 'UTC')::date AS day,
           1 AS new_loans, l.principal_amount AS new_principal,
           0 AS disbursed_loans, 0::numeric AS disbursed_principal,
           0 AS repayments, 0::numeric AS collected_amount,
           0 AS installments, 0::numeric AS due_amount, 0::numeric AS due_paid_amount
      FROM loans l JOIN unions u ON u.id = l.union_id
     WHERE l.deleted_at IS NULL AND true
    UNION ALL
    SELECT u.credit_officer_id, (l.disbursed_at AT TIME ZONE 'UTC')::date,
           0, 0, 1, l.principal_amount, 0, 0, 0, 0, 0
      FROM loans l JOIN unions u ON u.id = l.union_id
     WHERE l.deleted_at IS NULL AND l.status IN ('ACTIVE', 'COMPLETED', 'DEFAULTED', 'WRITTEN_OFF') AND l.disbursed_at IS NOT NULL
       AND true
    UNION ALL
    SELECT u.credit_officer_id, (r.paid_at AT TIME ZONE 'UTC')::date,
           0, 0, 0, 0, 1, r.amount, 0, 0, 0
      FROM repayments r JOIN loans l ON l.id = r.loan_id JOIN unions u ON u.id = l.union_id
     WHERE r.reversed_at IS NULL AND r.deleted_at IS NULL AND true
    UNION ALL
    SELECT u.credit_officer_id, i.due_date, 0, 0, 0, 0, 0, 0, 1, i.total_due, i.paid_amount
      FROM repayment_schedule_items i JOIN loans l ON l.id = i.loan_id
      JOIN unions u ON u.id = l.union_id
     WHERE i.deleted_at IS NULL AND l.deleted_at IS NULL AND l.status IN ('ACTIVE', 'COMPLETED', 'DEFAULTED', 'WRITTEN_OFF')
       AND true
  ) c
 GROUP BY c.officer, c.day) c
 GROUP BY 1, 2;
