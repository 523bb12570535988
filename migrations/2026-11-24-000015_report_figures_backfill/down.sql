DELETE FROM loan_status_figures;
DELETE FROM daily_figures;
