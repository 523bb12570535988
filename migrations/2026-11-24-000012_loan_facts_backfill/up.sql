-- Fills the loan facts added by the previous migration (a transaction of its own: CockroachDB
-- does not write a column in the transaction that adds it). The same statement as
-- `db::loan_facts::refresh_all`.
UPDATE loans
   SET outstanding_amount = f.amount, oldest_unpaid_due_date = f.oldest
  FROM (
    SELECT l.id,
           COALESCE(i.owed, 0) + COALESCE(c.owed, 0) AS amount,
           i.oldest
      FROM loans l
      LEFT JOIN (SELECT loan_id, sum(total_due - paid_amount) AS owed,
                        min(due_date) FILTER (WHERE paid_amount < total_due) AS oldest
                   FROM repayment_schedule_items
                  WHERE deleted_at IS NULL
                  GROUP BY loan_id) i ON i.loan_id = l.id
      LEFT JOIN (SELECT loan_id, sum(amount - paid_amount) AS owed
                   FROM loan_charges
                  WHERE deleted_at IS NULL AND waived_at IS NULL
                  GROUP BY loan_id) c ON c.loan_id = l.id
  ) f
 WHERE loans.id = f.id
   AND (loans.outstanding_amount <> f.amount
        OR loans.oldest_unpaid_due_date IS DISTINCT FROM f.oldest);
