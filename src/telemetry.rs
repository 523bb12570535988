//! Logging: readable lines in development, JSON in production; `RUST_LOG` overrides the levels.

use tracing_subscriber::EnvFilter;

use crate::config::AppEnv;

const DEFAULT_FILTER: &str = "info,tower_http=info";

/// Installs the global subscriber. Call once, from the binary.
pub fn init(env: AppEnv) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match env {
        AppEnv::Development => builder.compact().init(),
        AppEnv::Production => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
    }
}
