DROP TABLE job_leases;
DROP TABLE backup_schedule_settings;
DROP TABLE backup_records;
DROP TABLE report_sessions;
DROP TABLE company_settings;
