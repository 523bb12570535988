-- The facts are derived; the previous migration's down drops them.
SELECT 1;
