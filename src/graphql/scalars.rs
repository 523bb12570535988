//! Helpers for the scalars of SPEC 6: ids arrive as `ID` strings and become typed ids here.

use std::str::FromStr;

use async_graphql::{ID, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

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

/// A calendar day, `YYYY-MM-DD` (SPEC 6's `Date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// A calendar day, `YYYY-MM-DD`.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("{text:?} is not a date (YYYY-MM-DD)."))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(day: NaiveDate) -> Self {
        Self(day)
    }
}

impl From<Date> for NaiveDate {
    fn from(day: Date) -> Self {
        day.0
    }
}
