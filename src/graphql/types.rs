//! What the entity modules share: the object types by name (for connections), the enums that
//! mirror the domain's, sorting, and the small conversions every resolver uses.

use std::sync::Arc;

use async_graphql::{Enum, ID, MaybeUndefined};

use super::loaders::LoadError;
use crate::db::Direction;
use crate::db::page::Paged;

pub use super::assignments::AssignmentChange;
pub use super::audit::{AuditLog, LoginAttempt};
pub use super::catalog::{DocumentType, LoanType};
pub use super::documents::Document;
pub use super::loans::Loan;
pub use super::members::UnionMember;
pub use super::notes::UserNote;
pub use super::unions::Union;
pub use super::users::User;

/// What a member of staff may do.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::Role")]
pub enum Role {
    /// Runs the organisation: staff, products, settings, backups, approvals, everything.
    Admin,
    /// Oversees a team of credit officers.
    Supervisor,
    /// Works in the field with the unions assigned to them.
    CreditOfficer,
}

/// The direction of a list's order.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SortDirection {
    /// Smallest first (A to Z, oldest first).
    #[default]
    Asc,
    /// Largest first (Z to A, newest first).
    Desc,
}

impl From<SortDirection> for Direction {
    fn from(direction: SortDirection) -> Self {
        match direction {
            SortDirection::Asc => Direction::Asc,
            SortDirection::Desc => Direction::Desc,
        }
    }
}

/// The GraphQL id of a typed id.
pub fn id(id: impl ToString) -> ID {
    ID(id.to_string())
}

/// An optional input field as a change: absent leaves it, `null` clears it, a value sets it.
pub fn patch<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

/// A loader's answer as a resolver's result (the error keeps its service error for coding).
pub fn loaded<T>(result: Result<T, LoadError>) -> async_graphql::Result<T> {
    result.map_err(async_graphql::Error::from)
}

/// A by-id loader's answer for one key: the row, or `None` when missing or out of scope.
pub fn found<T>(result: Result<Option<Option<T>>, LoadError>) -> async_graphql::Result<Option<T>> {
    loaded(result).map(Option::flatten)
}

/// A list loader's answer: the page (the loader answers every key).
pub fn listed<T>(
    result: Result<Option<Arc<Paged<T>>>, LoadError>,
) -> async_graphql::Result<Arc<Paged<T>>> {
    Ok(loaded(result)?.unwrap_or_else(|| {
        Arc::new(Paged {
            rows: Vec::new(),
            has_next: false,
            total: Some(0),
        })
    }))
}
