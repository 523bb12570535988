//! Integration tests: the real router, in process, on a real PostgreSQL. Each test owns a
//! database cloned from a migrated template; tests run in parallel.

mod support;

mod abuse;
mod audit_trail;
mod auth;
mod backups;
mod bootstrap;
mod cli;
mod database;
mod documents;
mod exports;
mod graphiql;
mod health;
mod http;
mod instances;
mod legacy_import;
mod legacy_passwords;
mod loans;
mod matrix;
mod metrics;
mod migrations;
mod money_matrix;
mod penalties;
mod pooler;
mod portfolio;
mod printouts;
mod repayments;
mod replica;
mod reports;
mod retention;
mod rules;
mod s3;
mod schema;
mod seed;
mod tls;
