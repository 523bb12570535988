//! The use cases: each loads through `db`, decides through `domain`, and writes in one
//! transaction together with its audit row.

pub mod audit;
pub mod auth;
pub mod error;
pub mod passwords;
pub mod staff;
pub mod tokens;

pub use error::{ServiceError, ServiceResult};

/// Where a request came from, for the audit trail and the login history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}
