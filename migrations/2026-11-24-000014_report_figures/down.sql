DROP TABLE loan_status_figures;
DROP TABLE daily_figures;
