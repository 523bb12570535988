//! Millennium: the loan book of a union-based microfinance organisation, served as GraphQL.
//!
//! Requests flow one way: [`http`] (axum: routes, tokens, limits) → [`graphql`] (types and thin
//! resolvers) → [`services`] (use cases, one transaction each, audited) → [`domain`] (the rules,
//! pure functions) and [`db`] (diesel, one module per table). [`server`] wires them together
//! around a [`state::AppState`], with [`embedded_pg`] providing a private PostgreSQL.

pub mod auth;
pub mod backup;
pub mod check;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod embedded_pg;
pub mod export;
pub mod graphql;
pub mod http;
pub mod jobs;
pub mod legacy;
pub mod metrics;
pub mod pdf;
pub mod secret_file;
pub mod seed;
pub mod server;
pub mod services;
pub mod state;
pub mod storage;
pub mod telemetry;

pub use http::router as build_app;
