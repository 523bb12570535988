//! `report_sessions`: stored snapshots of supervisor reports, read in the caller's scope
//! (administrators all; a supervisor those about their team or made by them; officers none).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use serde::Serialize;

use super::page::{self, Page, Paged};
use super::schema::report_sessions;
use super::{DbConn, scope};
use crate::domain::permissions::Scope;
use crate::domain::reports::ReportType;
use crate::domain::{ReportSessionId, UserId};

/// A row of `report_sessions`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = report_sessions, check_for_backend(Pg))]
#[serde(rename_all = "camelCase")]
pub struct ReportSession {
    pub id: ReportSessionId,
    pub supervisor_id: Option<UserId>,
    pub report_type: ReportType,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub total_officers: i32,
    pub total_unions: i32,
    pub total_members: i32,
    pub verified_members: i32,
    pub pending_members: i32,
    pub total_loans: i32,
    pub pending_loans: i32,
    pub active_loans: i32,
    pub completed_loans: i32,
    pub defaulted_loans: i32,
    pub total_disbursed: Decimal,
    pub total_repaid: Decimal,
    pub total_outstanding: Decimal,
    pub collection_rate: Decimal,
    pub report_data: serde_json::Value,
    pub officer_metrics: serde_json::Value,
    pub generated_at: DateTime<Utc>,
    pub generated_by_user_id: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// What the audit trail keeps of a stored report: its figures without the whole snapshot.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary<'a> {
    pub id: ReportSessionId,
    pub supervisor_id: Option<UserId>,
    pub report_type: ReportType,
    pub title: &'a str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub total_disbursed: Decimal,
    pub total_repaid: Decimal,
    pub total_outstanding: Decimal,
    pub collection_rate: Decimal,
}

impl ReportSession {
    pub fn summary(&self) -> Summary<'_> {
        Summary {
            id: self.id,
            supervisor_id: self.supervisor_id,
            report_type: self.report_type,
            title: &self.title,
            period_start: self.period_start,
            period_end: self.period_end,
            total_disbursed: self.total_disbursed,
            total_repaid: self.total_repaid,
            total_outstanding: self.total_outstanding,
            collection_rate: self.collection_rate,
        }
    }
}

/// A new stored report.
#[derive(Debug, Insertable)]
#[diesel(table_name = report_sessions)]
pub struct NewReportSession<'a> {
    pub supervisor_id: Option<UserId>,
    pub report_type: &'a str,
    pub title: &'a str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub total_officers: i32,
    pub total_unions: i32,
    pub total_members: i32,
    pub verified_members: i32,
    pub pending_members: i32,
    pub total_loans: i32,
    pub pending_loans: i32,
    pub active_loans: i32,
    pub completed_loans: i32,
    pub defaulted_loans: i32,
    pub total_disbursed: Decimal,
    pub total_repaid: Decimal,
    pub total_outstanding: Decimal,
    pub collection_rate: Decimal,
    pub report_data: serde_json::Value,
    pub officer_metrics: serde_json::Value,
    pub generated_at: DateTime<Utc>,
    pub generated_by_user_id: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What `reportSessions(filter: …)` narrows by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ReportSessionFilter {
    pub supervisor_id: Option<UserId>,
    pub report_type: Option<ReportType>,
}

/// The live stored reports `scope` may see.
fn visible(scope: Scope) -> scope::Condition<report_sessions::table> {
    let live = report_sessions::deleted_at.is_null();
    match scope {
        Scope::All => Box::new(live),
        Scope::Team { supervisor_id } => Box::new(
            live.and(
                report_sessions::supervisor_id
                    .eq(supervisor_id)
                    .or(report_sessions::generated_by_user_id.eq(supervisor_id))
                    .assume_not_null(),
            ),
        ),
        Scope::Officer { .. } => scope::never(),
    }
}

pub async fn insert(conn: &mut DbConn, new: &NewReportSession<'_>) -> QueryResult<ReportSession> {
    diesel::insert_into(report_sessions::table)
        .values(new)
        .returning(ReportSession::as_returning())
        .get_result(conn)
        .await
}

/// A live stored report by id, if `scope` may see it.
pub async fn find(
    conn: &mut DbConn,
    id: ReportSessionId,
    scope: Scope,
) -> QueryResult<Option<ReportSession>> {
    report_sessions::table
        .filter(report_sessions::id.eq(id))
        .filter(visible(scope))
        .select(ReportSession::as_select())
        .first(conn)
        .await
        .optional()
}

/// One page of the stored reports `scope` may see, newest first.
pub async fn list(
    conn: &mut DbConn,
    filter: &ReportSessionFilter,
    scope: Scope,
    want_total: bool,
    page: Page,
) -> QueryResult<Paged<ReportSession>> {
    let filtered = || {
        let mut query = report_sessions::table.filter(visible(scope)).into_boxed();
        if let Some(supervisor) = filter.supervisor_id {
            query = query.filter(report_sessions::supervisor_id.eq(supervisor));
        }
        if let Some(kind) = filter.report_type {
            query = query.filter(report_sessions::report_type.eq(kind));
        }
        query
    };
    let rows = filtered()
        .order_by((
            report_sessions::generated_at.desc(),
            report_sessions::id.desc(),
        ))
        .select(ReportSession::as_select());
    let count = want_total.then(|| filtered().select(count_star()));
    page::load_page!(conn, rows, count, page)
}

/// Marks a stored report deleted.
pub async fn soft_delete(
    conn: &mut DbConn,
    id: ReportSessionId,
    now: DateTime<Utc>,
) -> QueryResult<ReportSession> {
    diesel::update(report_sessions::table.find(id))
        .set((
            report_sessions::deleted_at.eq(now),
            report_sessions::updated_at.eq(now),
        ))
        .returning(ReportSession::as_returning())
        .get_result(conn)
        .await
}
