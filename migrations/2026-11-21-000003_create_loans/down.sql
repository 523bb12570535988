DROP TABLE repayment_allocations;
DROP TABLE repayments;
DROP TABLE loan_charges;
DROP TABLE repayment_schedule_items;
DROP TABLE loans;
DROP TABLE loan_types;
