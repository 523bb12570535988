DROP TABLE monthly_figures;
