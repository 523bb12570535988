//! The rules of the loan book as plain synchronous functions and types: no database, no HTTP,
//! no GraphQL. Everything here is unit-testable with literal values.

#[macro_use]
mod text_enum;

pub mod allocation;
pub mod audit;
pub mod backups;
pub mod balance;
pub mod charges;
pub mod documents;
pub mod email;
pub mod file_kind;
pub mod ids;
pub mod loan_status;
pub mod loans;
pub mod lockout;
pub mod members;
pub mod money;
pub mod password_policy;
pub mod permissions;
pub mod products;
pub mod reports;
pub mod role;
pub mod schedule;
pub mod sessions;
pub mod settings;
pub mod unions;

pub use ids::*;
pub use loan_status::LoanStatus;
pub use role::Role;
