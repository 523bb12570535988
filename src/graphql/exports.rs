//! The filters of the export routes (`GET /exports/{list}.{csv|xlsx}`), read with the GraphQL
//! lists' own filter inputs: `?status=ACTIVE&status=DEFAULTED&unionId=…` or
//! `?filter={"status":["ACTIVE"],"unionId":"…"}` (both may be given; a query parameter wins over
//! the same field in `filter`). Field names, enum values, ids, dates and amounts mean exactly
//! what they mean in `loans(filter: …)`, because the same `InputObject` parses them and the
//! same conversion turns them into the `db` filter; a wrong value is `BAD_USER_INPUT` naming
//! the field. Which fields are lists, booleans or numbers is read from the schema itself, so
//! no field is described twice.
//!
//! `includeDeleted=true` (administrators) is read for the lists whose GraphQL field takes it:
//! loans, unionMembers, unions and users. So is `orderBy`, for the lists whose field takes one
//! (unionMembers, unions and users): a field alone (`?orderBy=CREATED_AT`) or the GraphQL
//! input as JSON (`?orderBy={"field":"CREATED_AT","direction":"DESC"}`). The other lists export
//! in their GraphQL list's fixed order.

use std::collections::HashMap;

use async_graphql::parser::types::{BaseType, TypeKind, TypeSystemDefinition};
use async_graphql::{InputType, Pos};
use serde_json::{Map, Value as Json};

use super::audit::AuditLogFilter;
use super::loans::{LoanFilter, ScheduleItemFilter};
use super::members::{UnionMemberFilter, UnionMemberOrder};
use super::repayments::RepaymentFilter;
use super::unions::{UnionFilter, UnionOrder};
use super::users::{UserFilter, UserOrder};
use crate::db::Listing;
use crate::services::ServiceError;
use crate::services::exports::ExportList;

/// The query parameter holding the whole filter as JSON.
const FILTER_PARAMETER: &str = "filter";
/// The query parameter asking for deleted rows too.
const INCLUDE_DELETED_PARAMETER: &str = "includeDeleted";
/// The query parameter with the order of the rows.
const ORDER_PARAMETER: &str = "orderBy";

/// Each exportable list with the GraphQL input type of its filter, whether its GraphQL field
/// takes `includeDeleted`, and whether it takes `orderBy`.
const LISTS: &[(&str, &str, bool, bool)] = &[
    ("loans", "LoanFilter", true, false),
    ("unionMembers", "UnionMemberFilter", true, true),
    ("unions", "UnionFilter", true, true),
    ("repayments", "RepaymentFilter", false, false),
    ("scheduleItems", "ScheduleItemFilter", false, false),
    ("users", "UserFilter", true, true),
    ("auditLogs", "AuditLogFilter", false, false),
];

/// The type of a filter's field, as far as a query parameter's text needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldShape {
    list: bool,
    /// The named type (`Boolean`, `ID`, `LoanStatus`, …).
    base: String,
}

/// The fields of the exportable lists' filters, read from the schema.
#[derive(Debug, Clone, Default)]
pub struct ExportFilters(HashMap<String, HashMap<String, FieldShape>>);

impl ExportFilters {
    /// Reads the filter input types of the exportable lists from the schema's SDL.
    pub fn from_sdl(sdl: &str) -> Self {
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return Self::default();
        };
        let mut filters = HashMap::new();
        for definition in &document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let name = ty.node.name.node.as_str();
            let TypeKind::InputObject(input) = &ty.node.kind else {
                continue;
            };
            if !LISTS.iter().any(|(_, filter, _, _)| *filter == name) {
                continue;
            }
            let fields = input
                .fields
                .iter()
                .map(|field| {
                    let ty = &field.node.ty.node;
                    let shape = match &ty.base {
                        BaseType::Named(base) => FieldShape {
                            list: false,
                            base: base.to_string(),
                        },
                        BaseType::List(item) => FieldShape {
                            list: true,
                            base: item.base.to_string(),
                        },
                    };
                    (field.node.name.node.to_string(), shape)
                })
                .collect();
            filters.insert(name.to_owned(), fields);
        }
        Self(filters)
    }

    /// The export of `list` with the filter of `parameters` (in their order, repeated names
    /// kept); `None` when no such list is exported.
    pub fn parse(
        &self,
        list: &str,
        parameters: &[(String, String)],
    ) -> Option<Result<ExportList, ServiceError>> {
        let (_, filter_type, deletable, ordered) =
            LISTS.iter().find(|(name, _, _, _)| *name == list)?;
        let shapes = self.0.get(*filter_type)?;
        Some(self.read(list, shapes, (*deletable, *ordered), parameters))
    }

    fn read(
        &self,
        list: &str,
        shapes: &HashMap<String, FieldShape>,
        (deletable, ordered): (bool, bool),
        parameters: &[(String, String)],
    ) -> Result<ExportList, ServiceError> {
        let mut fields = Map::new();
        let mut include_deleted = false;
        let mut order = Map::new();
        for (name, value) in parameters {
            match name.as_str() {
                FILTER_PARAMETER => fields.extend(json_filter(value)?),
                INCLUDE_DELETED_PARAMETER if deletable => {
                    include_deleted = boolean(INCLUDE_DELETED_PARAMETER, value)?;
                }
                ORDER_PARAMETER if ordered => order = json_order(value)?,
                ORDER_PARAMETER => {
                    return Err(ServiceError::bad_input(
                        ORDER_PARAMETER,
                        format!(
                            "`{list}` exports in its list's fixed order; `orderBy` is taken by \
                             unionMembers, unions and users."
                        ),
                    ));
                }
                _ => {}
            }
        }
        let mut given: Vec<&str> = Vec::new();
        for (name, _) in parameters {
            let name = name.as_str();
            if name == FILTER_PARAMETER
                || name == ORDER_PARAMETER
                || (deletable && name == INCLUDE_DELETED_PARAMETER)
                || given.contains(&name)
            {
                continue;
            }
            given.push(name);
            let shape = shapes
                .get(name)
                .ok_or_else(|| unknown_field(name, shapes))?;
            let values: Vec<&str> = parameters
                .iter()
                .filter(|(other, _)| other == name)
                .map(|(_, value)| value.as_str())
                .collect();
            fields.insert(name.to_owned(), parameter_value(name, shape, &values)?);
        }
        for name in fields.keys() {
            if !shapes.contains_key(name) {
                return Err(unknown_field(name, shapes));
            }
        }
        let listing = Listing {
            include_deleted,
            want_total: false,
        };
        Ok(match list {
            "loans" => ExportList::Loans(input::<LoanFilter>(&fields)?.parse()?, listing),
            "unionMembers" => ExportList::UnionMembers(
                input::<UnionMemberFilter>(&fields)?.parse()?,
                order_input::<UnionMemberOrder>(order)?.parse(),
                listing,
            ),
            "unions" => ExportList::Unions(
                input::<UnionFilter>(&fields)?.parse()?,
                order_input::<UnionOrder>(order)?.parse(),
                listing,
            ),
            "repayments" => ExportList::Repayments(input::<RepaymentFilter>(&fields)?.parse()?),
            "scheduleItems" => {
                ExportList::ScheduleItems(input::<ScheduleItemFilter>(&fields)?.parse()?)
            }
            "users" => ExportList::Users(
                input::<UserFilter>(&fields)?.parse()?,
                order_input::<UserOrder>(order)?.parse(),
                listing,
            ),
            _ => ExportList::AuditLogs(input::<AuditLogFilter>(&fields)?.parse()?),
        })
    }
}

/// The fields of `filter=<JSON>`.
fn json_filter(text: &str) -> Result<Map<String, Json>, ServiceError> {
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(fields)) => Ok(fields),
        Ok(Json::Null) => Ok(Map::new()),
        _ => Err(ServiceError::bad_input(
            FILTER_PARAMETER,
            "`filter` must be a JSON object with the list's filter fields, e.g. \
             {\"status\":[\"ACTIVE\"]}.",
        )),
    }
}

/// The fields of `orderBy`: a field's name alone, or the order input as JSON.
fn json_order(text: &str) -> Result<Map<String, Json>, ServiceError> {
    if text.trim_start().starts_with('{') {
        return match serde_json::from_str::<Json>(text) {
            Ok(Json::Object(fields)) => Ok(fields),
            _ => Err(ServiceError::bad_input(
                ORDER_PARAMETER,
                "`orderBy` must be a field, e.g. CREATED_AT, or a JSON object, e.g. \
                 {\"field\":\"CREATED_AT\",\"direction\":\"DESC\"}.",
            )),
        };
    }
    Ok(Map::from_iter([(
        "field".to_owned(),
        Json::String(text.trim().to_owned()),
    )]))
}

/// The order input `T` of `fields`; a wrong value is reported as `orderBy`'s.
fn order_input<T: InputType + Default>(fields: Map<String, Json>) -> Result<T, ServiceError> {
    if fields.is_empty() {
        return Ok(T::default());
    }
    parse::<T>(fields).map_err(|message| {
        ServiceError::bad_input(
            ORDER_PARAMETER,
            format!("`orderBy` has a value this list cannot take: {message}"),
        )
    })
}

fn boolean(name: &str, value: &str) -> Result<bool, ServiceError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ServiceError::bad_input(
            name,
            format!("{value:?} is not a boolean; use true or false."),
        )),
    }
}

/// A query parameter's text as the JSON value of its field's type; a list field takes every
/// occurrence of the parameter.
fn parameter_value(name: &str, shape: &FieldShape, values: &[&str]) -> Result<Json, ServiceError> {
    let scalar = |value: &str| -> Result<Json, ServiceError> {
        match shape.base.as_str() {
            "Boolean" => boolean(name, value).map(Json::Bool),
            "Int" => value.parse::<i64>().map(Json::from).map_err(|_| {
                ServiceError::bad_input(name, format!("{value:?} is not a whole number."))
            }),
            _ => Ok(Json::String(value.to_owned())),
        }
    };
    match values {
        [value] if !shape.list => scalar(value),
        _ if shape.list => values
            .iter()
            .map(|value| scalar(value))
            .collect::<Result<_, _>>()
            .map(Json::Array),
        _ => Err(ServiceError::bad_input(
            name,
            format!("`{name}` takes one value."),
        )),
    }
}

fn unknown_field(name: &str, shapes: &HashMap<String, FieldShape>) -> ServiceError {
    let mut known: Vec<&str> = shapes.keys().map(String::as_str).collect();
    known.sort_unstable();
    ServiceError::bad_input(
        name,
        format!(
            "`{name}` is not a filter of this list. Its filters are: {}.",
            known.join(", ")
        ),
    )
}

/// The GraphQL input `T` of `fields`. Each field is parsed alone first, so that a wrong value
/// is reported with its field's name.
fn input<T: InputType>(fields: &Map<String, Json>) -> Result<T, ServiceError> {
    for (name, value) in fields {
        let single = Map::from_iter([(name.clone(), value.clone())]);
        parse::<T>(single).map_err(|message| {
            ServiceError::bad_input(
                name.as_str(),
                format!("`{name}` has a value this list cannot take: {message}"),
            )
        })?;
    }
    parse::<T>(fields.clone()).map_err(|message| ServiceError::bad_input(FILTER_PARAMETER, message))
}

fn parse<T: InputType>(fields: Map<String, Json>) -> Result<T, String> {
    let value =
        async_graphql::Value::from_json(Json::Object(fields)).map_err(|err| err.to_string())?;
    T::parse(Some(value)).map_err(|err| err.into_server_error(Pos::default()).message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LoanStatus;

    fn filters() -> ExportFilters {
        ExportFilters::from_sdl(&crate::graphql::sdl())
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn every_list_has_its_filter_from_the_schema() {
        let filters = filters();
        for (list, filter, _, _) in LISTS {
            assert!(filters.0.contains_key(*filter), "{list}: {filter}");
        }
        assert!(filters.0["LoanFilter"]["status"].list);
        assert_eq!(filters.0["UserFilter"]["isActive"].base, "Boolean");
    }

    #[test]
    fn parameters_and_json_read_the_same_filter() {
        let filters = filters();
        let union = "6b1f3c2e-8a4d-4f61-9c3b-2d5e7f8a9b0c";
        let from_parameters = filters
            .parse(
                "loans",
                &params(&[
                    ("status", "ACTIVE"),
                    ("status", "DEFAULTED"),
                    ("unionId", union),
                ]),
            )
            .expect("a list")
            .expect("a filter");
        let json = format!(r#"{{"status":["ACTIVE","DEFAULTED"],"unionId":"{union}"}}"#);
        let from_json = filters
            .parse("loans", &params(&[("filter", &json)]))
            .expect("a list")
            .expect("a filter");
        assert_eq!(from_parameters, from_json);
        let ExportList::Loans(filter, listing) = from_parameters else {
            panic!("a loan export");
        };
        assert_eq!(
            filter.status,
            Some(vec![LoanStatus::Active, LoanStatus::Defaulted])
        );
        assert!(!listing.include_deleted);
    }

    #[test]
    fn wrong_values_name_their_field() {
        let filters = filters();
        let field_of = |list: &str, pairs: &[(&str, &str)]| match filters
            .parse(list, &params(pairs))
            .expect("a list")
        {
            Err(ServiceError::BadInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field_of("loans", &[("status", "SLEEPING")]), "status");
        assert_eq!(field_of("loans", &[("unionId", "not-an-id")]), "unionId");
        assert_eq!(
            field_of("loans", &[("principalMin", "lots")]),
            "principalMin"
        );
        assert_eq!(field_of("loans", &[("colour", "red")]), "colour");
        assert_eq!(field_of("users", &[("isActive", "maybe")]), "isActive");
        assert_eq!(
            field_of("scheduleItems", &[("dueFrom", "24/11/2026")]),
            "dueFrom"
        );
        assert_eq!(field_of("repayments", &[("filter", "[1]")]), "filter");
        assert_eq!(
            field_of("repayments", &[("filter", r#"{"loanId":"x"}"#)]),
            "loanId"
        );
        assert!(filters.parse("payroll", &[]).is_none());
    }

    #[test]
    fn an_order_is_read_as_a_field_or_as_json() {
        let filters = filters();
        let order_of = |pairs: &[(&str, &str)]| match filters
            .parse("users", &params(pairs))
            .expect("a list")
            .expect("an export")
        {
            ExportList::Users(_, order, _) => order,
            other => panic!("{other:?}"),
        };
        use crate::db::Direction;
        use crate::db::users::UserOrderField;
        assert_eq!(order_of(&[]), (UserOrderField::default(), Direction::Asc));
        assert_eq!(
            order_of(&[("orderBy", "EMAIL")]),
            (UserOrderField::Email, Direction::Asc)
        );
        assert_eq!(
            order_of(&[("orderBy", r#"{"field":"CREATED_AT","direction":"DESC"}"#)]),
            (UserOrderField::CreatedAt, Direction::Desc)
        );
        let field_of = |list: &str, order: &str| match filters
            .parse(list, &params(&[("orderBy", order)]))
            .expect("a list")
        {
            Err(ServiceError::BadInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field_of("users", "HEIGHT"), "orderBy");
        assert_eq!(field_of("users", "[1]"), "orderBy");
        assert_eq!(field_of("unions", r#"{"direction":"SIDEWAYS"}"#), "orderBy");
        assert_eq!(field_of("loans", "CREATED_AT"), "orderBy");
    }
}
