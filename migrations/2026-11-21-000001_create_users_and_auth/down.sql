DROP TABLE user_notes;
DROP TABLE audit_logs;
DROP TABLE user_login_history;
DROP TABLE staff_sessions;
DROP TABLE users;
