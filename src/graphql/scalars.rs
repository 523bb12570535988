//! Helpers for the scalars of SPEC 6: ids arrive as `ID` strings and become typed ids here.

use std::str::FromStr;

use async_graphql::ID;

use crate::services::ServiceError;

/// Parses an `ID` argument into a typed id; a malformed id is bad input naming `field`.
pub fn parse_id<T: FromStr>(id: &ID, field: &str) -> Result<T, ServiceError> {
    id.parse().map_err(|_| {
        ServiceError::bad_input(field, format!("{:?} is not a valid id.", id.as_str()))
    })
}

/// Parses an optional `ID` argument into a typed id.
pub fn parse_optional_id<T: FromStr>(
    id: Option<&ID>,
    field: &str,
) -> Result<Option<T>, ServiceError> {
    id.map(|id| parse_id(id, field)).transpose()
}
