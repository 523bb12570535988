//! `union_assignment_history` and `union_member_reassignments`: the append-only record of who
//! managed a union and where a member was, read together as the assignment history.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use uuid::Uuid;

use super::page::{Page, Paged};
use super::schema::{union_assignment_history, union_member_reassignments};
use super::{DbConn, scope};
use crate::domain::permissions::Scope;
use crate::domain::{UnionId, UnionMemberId, UserId};

/// A row of `union_assignment_history`: a union got another credit officer.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = union_assignment_history, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct UnionAssignment {
    pub id: Uuid,
    pub union_id: UnionId,
    pub old_officer_id: Option<UserId>,
    pub new_officer_id: UserId,
    pub changed_by_user_id: UserId,
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = union_assignment_history)]
pub struct NewUnionAssignment<'a> {
    pub union_id: UnionId,
    pub old_officer_id: Option<UserId>,
    pub new_officer_id: UserId,
    pub changed_by_user_id: UserId,
    pub reason: Option<&'a str>,
    pub changed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A row of `union_member_reassignments`: a member moved to another union.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = union_member_reassignments, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct MemberReassignment {
    pub id: Uuid,
    pub union_member_id: UnionMemberId,
    pub old_union_id: UnionId,
    pub new_union_id: UnionId,
    pub old_officer_id: Option<UserId>,
    pub new_officer_id: UserId,
    pub changed_by_user_id: UserId,
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = union_member_reassignments)]
pub struct NewMemberReassignment<'a> {
    pub union_member_id: UnionMemberId,
    pub old_union_id: UnionId,
    pub new_union_id: UnionId,
    pub old_officer_id: Option<UserId>,
    pub new_officer_id: UserId,
    pub changed_by_user_id: UserId,
    pub reason: Option<&'a str>,
    pub changed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_union_assignment(
    conn: &mut DbConn,
    new: &NewUnionAssignment<'_>,
) -> QueryResult<UnionAssignment> {
    diesel::insert_into(union_assignment_history::table)
        .values(new)
        .returning(UnionAssignment::as_returning())
        .get_result(conn)
        .await
}

pub async fn insert_member_reassignment(
    conn: &mut DbConn,
    new: &NewMemberReassignment<'_>,
) -> QueryResult<MemberReassignment> {
    diesel::insert_into(union_member_reassignments::table)
        .values(new)
        .returning(MemberReassignment::as_returning())
        .get_result(conn)
        .await
}

/// One change of either kind.
#[derive(Debug, Clone)]
pub enum AssignmentChange {
    Union(UnionAssignment),
    Member(MemberReassignment),
}

impl AssignmentChange {
    pub fn changed_at(&self) -> DateTime<Utc> {
        match self {
            Self::Union(change) => change.changed_at,
            Self::Member(change) => change.changed_at,
        }
    }

    fn id(&self) -> Uuid {
        match self {
            Self::Union(change) => change.id,
            Self::Member(change) => change.id,
        }
    }
}

/// What `assignmentHistory(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AssignmentFilter {
    pub union_id: Option<UnionId>,
    pub union_member_id: Option<UnionMemberId>,
    /// Changes to or from this officer.
    pub officer_id: Option<UserId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn unions_side(
    filter: &AssignmentFilter,
    scope: Scope,
) -> union_assignment_history::BoxedQuery<'static, Pg> {
    use union_assignment_history as ua;
    let mut query = ua::table
        .filter(scope::union_owned(ua::union_id, scope))
        .into_boxed();
    if filter.union_member_id.is_some() {
        // Union reassignments are about no member.
        query = query.filter(ua::id.is_null());
    }
    if let Some(union_id) = filter.union_id {
        query = query.filter(ua::union_id.eq(union_id));
    }
    if let Some(officer) = filter.officer_id {
        query = query.filter(
            ua::new_officer_id
                .eq(officer)
                .or(ua::old_officer_id.eq(officer).assume_not_null()),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(ua::changed_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(ua::changed_at.le(to));
    }
    query
}

fn members_side(
    filter: &AssignmentFilter,
    scope: Scope,
) -> union_member_reassignments::BoxedQuery<'static, Pg> {
    use union_member_reassignments as mr;
    let mut query = mr::table
        .filter(
            scope::union_owned(mr::old_union_id, scope)
                .or(scope::union_owned(mr::new_union_id, scope)),
        )
        .into_boxed();
    if let Some(union_id) = filter.union_id {
        query = query.filter(
            mr::old_union_id
                .eq(union_id)
                .or(mr::new_union_id.eq(union_id)),
        );
    }
    if let Some(member) = filter.union_member_id {
        query = query.filter(mr::union_member_id.eq(member));
    }
    if let Some(officer) = filter.officer_id {
        query = query.filter(
            mr::new_officer_id
                .eq(officer)
                .or(mr::old_officer_id.eq(officer).assume_not_null()),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(mr::changed_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(mr::changed_at.le(to));
    }
    query
}

/// One page of both kinds of change, newest first, in scope: a union's change is visible with
/// the union; a member's move with the member's union before or after the move. Each side is
/// read up to the end of the page in the same order, then the two are merged.
pub async fn list(
    conn: &mut DbConn,
    filter: &AssignmentFilter,
    scope: Scope,
    want_total: bool,
    page: Page,
) -> QueryResult<Paged<AssignmentChange>> {
    use diesel::dsl::count_star;
    use union_assignment_history as ua;
    use union_member_reassignments as mr;

    let window = page.offset + page.probe_limit();
    let union_rows = unions_side(filter, scope)
        .order_by((ua::changed_at.desc(), ua::id.desc()))
        .limit(window)
        .select(UnionAssignment::as_select())
        .load(conn)
        .await?;
    let member_rows = members_side(filter, scope)
        .order_by((mr::changed_at.desc(), mr::id.desc()))
        .limit(window)
        .select(MemberReassignment::as_select())
        .load(conn)
        .await?;
    let total = if want_total {
        let unions: i64 = unions_side(filter, scope)
            .select(count_star())
            .get_result(conn)
            .await?;
        let members: i64 = members_side(filter, scope)
            .select(count_star())
            .get_result(conn)
            .await?;
        Some(unions + members)
    } else {
        None
    };
    let mut merged: Vec<AssignmentChange> = union_rows
        .into_iter()
        .map(AssignmentChange::Union)
        .chain(member_rows.into_iter().map(AssignmentChange::Member))
        .collect();
    merged.sort_by_key(|change| std::cmp::Reverse((change.changed_at(), change.id())));
    let mut rows: Vec<AssignmentChange> = merged
        .into_iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .collect();
    let has_next = page.trim(&mut rows);
    Ok(Paged {
        rows,
        has_next,
        total,
    })
}

/// A page of each union's officer changes (in scope), newest first: one statement for all.
pub async fn page_by_union(
    conn: &mut DbConn,
    union_ids: &[UnionId],
    scope: Scope,
    page: Page,
) -> QueryResult<std::collections::HashMap<UnionId, Paged<AssignmentChange>>> {
    use diesel::dsl::{count_star, row_number};
    use diesel::prelude::WindowExpressionMethods;
    use union_assignment_history as ua;

    let query = ua::table
        .filter(ua::union_id.eq_any(union_ids))
        .filter(scope::union_owned(ua::union_id, scope))
        .select((
            UnionAssignment::as_select(),
            row_number()
                .partition_by(ua::union_id)
                .window_order((ua::changed_at.desc(), ua::id.desc())),
            count_star().partition_by(ua::union_id),
        ));
    let rows: Vec<super::page::Ranked<UnionAssignment>> =
        super::page::PerParent::new(query, page).load(conn).await?;
    let pages = super::page::group_per_parent(rows, page, |change| change.union_id);
    Ok(pages
        .into_iter()
        .map(|(union_id, page)| (union_id, page.map(AssignmentChange::Union)))
        .collect())
}

/// A page of each member's moves (in scope), newest first: one statement for all.
pub async fn page_by_member(
    conn: &mut DbConn,
    member_ids: &[UnionMemberId],
    scope: Scope,
    page: Page,
) -> QueryResult<std::collections::HashMap<UnionMemberId, Paged<AssignmentChange>>> {
    use diesel::dsl::{count_star, row_number};
    use diesel::prelude::WindowExpressionMethods;
    use union_member_reassignments as mr;

    let query = mr::table
        .filter(mr::union_member_id.eq_any(member_ids))
        .filter(
            scope::union_owned(mr::old_union_id, scope)
                .or(scope::union_owned(mr::new_union_id, scope)),
        )
        .select((
            MemberReassignment::as_select(),
            row_number()
                .partition_by(mr::union_member_id)
                .window_order((mr::changed_at.desc(), mr::id.desc())),
            count_star().partition_by(mr::union_member_id),
        ));
    let rows: Vec<super::page::Ranked<MemberReassignment>> =
        super::page::PerParent::new(query, page).load(conn).await?;
    let pages = super::page::group_per_parent(rows, page, |change| change.union_member_id);
    Ok(pages
        .into_iter()
        .map(|(member, page)| (member, page.map(AssignmentChange::Member)))
        .collect())
}
