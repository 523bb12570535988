DELETE FROM monthly_figures;
