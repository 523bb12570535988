//! `loans`: what the portfolio needs of them so far — the open loans that follow a union's
//! reassignment or a member's move, and the counts that block deletions.

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::DbConn;
use super::schema::loans;
use crate::domain::{LoanStatus, UnionId, UnionMemberId, UserId};

/// The union's open loans get `officer` as their assigned officer; returns how many.
pub async fn reassign_open_of_union(
    conn: &mut DbConn,
    union_id: UnionId,
    officer: UserId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        loans::table
            .filter(loans::union_id.eq(union_id))
            .filter(loans::deleted_at.is_null())
            .filter(loans::status.eq_any(LoanStatus::OPEN)),
    )
    .set((
        loans::assigned_officer_id.eq(officer),
        loans::updated_at.eq(now),
    ))
    .execute(conn)
    .await
}

/// The member's open loans move to `union_id` and its `officer`; returns how many.
pub async fn move_open_of_member(
    conn: &mut DbConn,
    member: UnionMemberId,
    union_id: UnionId,
    officer: UserId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        loans::table
            .filter(loans::union_member_id.eq(member))
            .filter(loans::deleted_at.is_null())
            .filter(loans::status.eq_any(LoanStatus::OPEN)),
    )
    .set((
        loans::union_id.eq(union_id),
        loans::assigned_officer_id.eq(officer),
        loans::updated_at.eq(now),
    ))
    .execute(conn)
    .await
}

/// How many live open loans a union has.
pub async fn count_open_of_union(conn: &mut DbConn, union_id: UnionId) -> QueryResult<i64> {
    loans::table
        .filter(loans::union_id.eq(union_id))
        .filter(loans::deleted_at.is_null())
        .filter(loans::status.eq_any(LoanStatus::OPEN))
        .select(count_star())
        .get_result(conn)
        .await
}

/// How many live open loans a member has.
pub async fn count_open_of_member(conn: &mut DbConn, member: UnionMemberId) -> QueryResult<i64> {
    loans::table
        .filter(loans::union_member_id.eq(member))
        .filter(loans::deleted_at.is_null())
        .filter(loans::status.eq_any(LoanStatus::OPEN))
        .select(count_star())
        .get_result(conn)
        .await
}

/// How many live loans use a loan product.
pub async fn count_of_loan_type(
    conn: &mut DbConn,
    loan_type: crate::domain::LoanTypeId,
) -> QueryResult<i64> {
    loans::table
        .filter(loans::loan_type_id.eq(loan_type))
        .filter(loans::deleted_at.is_null())
        .select(count_star())
        .get_result(conn)
        .await
}

/// Live loans per union (in scope), for `Union.loanCount`.
pub async fn count_by_union(
    conn: &mut DbConn,
    union_ids: &[UnionId],
    scope: crate::domain::permissions::Scope,
) -> QueryResult<Vec<(UnionId, i64)>> {
    loans::table
        .filter(loans::union_id.eq_any(union_ids))
        .filter(loans::deleted_at.is_null())
        .filter(super::scope::union_owned(loans::union_id, scope))
        .group_by(loans::union_id)
        .select((loans::union_id, count_star()))
        .load(conn)
        .await
}
