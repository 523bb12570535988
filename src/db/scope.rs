//! Scope in SQL, in one place. `domain::permissions` decides *what* an actor may see as a
//! [`Scope`]; the helpers here turn it into the `WHERE` that every list, lookup and loader of a
//! union-owned table applies — so reading out of scope is the same code path as not existing,
//! and a filter added after can only narrow it.

use diesel::dsl::{EqAny, Filter, Select};
use diesel::expression::IntoSql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::schema::{unions, users};
use crate::domain::UserId;
use crate::domain::permissions::Scope;

/// The ids of the credit officers of a supervisor's team.
type TeamOfficerIds =
    Filter<Select<users::table, users::id>, diesel::dsl::Eq<users::supervisor_id, UserId>>;

fn team_officer_ids(supervisor_id: UserId) -> TeamOfficerIds {
    users::table
        .select(users::id)
        .filter(users::supervisor_id.eq(supervisor_id))
}

/// A boxed condition on `unions`.
pub type UnionCondition = Box<dyn BoxableExpression<unions::table, Pg, SqlType = Bool>>;

/// The condition on a union's row that keeps it in `scope`; `None` when the scope is everything.
pub fn union_condition(scope: Scope) -> Option<UnionCondition> {
    match scope {
        Scope::All => None,
        Scope::Officer { officer_id } => Some(Box::new(unions::credit_officer_id.eq(officer_id))),
        Scope::Team { supervisor_id } => Some(Box::new(
            unions::credit_officer_id.eq_any(team_officer_ids(supervisor_id)),
        )),
    }
}

/// The ids of the unions in `scope`, as a sub-select for `union_id = ANY(…)` on union-owned
/// tables; `None` when the scope is everything.
pub type UnionIds = unions::BoxedQuery<'static, Pg, diesel::sql_types::Uuid>;

pub fn union_ids(scope: Scope) -> Option<UnionIds> {
    let condition = union_condition(scope)?;
    Some(
        unions::table
            .select(unions::id)
            .filter(condition)
            .into_boxed(),
    )
}

/// A boxed condition on the rows of table `T`.
pub type Condition<T> = Box<dyn BoxableExpression<T, Pg, SqlType = Bool>>;

/// A condition that holds for every row.
pub fn always<T>() -> Condition<T>
where
    diesel::dsl::AsExprOf<bool, Bool>: BoxableExpression<T, Pg, SqlType = Bool>,
{
    Box::new(true.into_sql::<Bool>())
}

/// A condition that holds for no row.
pub fn never<T>() -> Condition<T>
where
    diesel::dsl::AsExprOf<bool, Bool>: BoxableExpression<T, Pg, SqlType = Bool>,
{
    Box::new(false.into_sql::<Bool>())
}

/// The condition that keeps the rows of a union-owned table (members, loans, …) whose union,
/// named by `column`, is in `scope`.
pub fn union_owned<T, C>(column: C, scope: Scope) -> Condition<T>
where
    C: ExpressionMethods + Expression<SqlType = diesel::sql_types::Uuid>,
    EqAny<C, UnionIds>: BoxableExpression<T, Pg, SqlType = Bool> + 'static,
    diesel::dsl::AsExprOf<bool, Bool>: BoxableExpression<T, Pg, SqlType = Bool>,
{
    match union_ids(scope) {
        Some(ids) => Box::new(column.eq_any(ids)),
        None => always(),
    }
}

/// A boxed condition on `users`.
pub type UserCondition = Box<dyn BoxableExpression<users::table, Pg, SqlType = Bool>>;

/// The condition on a user's row that keeps the staff an actor may see (SPEC 2: ADMIN all,
/// SUPERVISOR self and own officers, CREDIT_OFFICER self). `None` when all are visible.
pub fn user_condition(scope: Scope) -> Option<UserCondition> {
    match scope {
        Scope::All => None,
        Scope::Officer { officer_id } => Some(Box::new(users::id.eq(officer_id))),
        Scope::Team { supervisor_id } => Some(Box::new(
            users::id
                .eq(supervisor_id)
                .or(users::supervisor_id.eq(supervisor_id))
                .assume_not_null(),
        )),
    }
}
