//! The reports (SPEC 8.2): `dashboard`, `supervisorReport` and its stored snapshots,
//! `portfolioAtRisk` and `collectionSheet`. Each reads a fixed handful of aggregate statements
//! (`db::reports`) in the caller's scope and folds their keyed figures into the report.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::audit::{self, AuditEvent};
use super::{Caller, ServiceError, ServiceResult, check};
use crate::db::reports::{self as sql, Figure, FigureSet, SheetOf, Split};
use crate::db::{self, DbConn};
use crate::domain::audit::AuditAction;
use crate::domain::permissions::Scope;
use crate::domain::reports::{
    PAR_DAYS, ParGrouping, Period, ReportType, growth, ratio, supervisor_report_subject,
    trend_months,
};
use crate::domain::{LoanStatus, UnionId, UserId};
use crate::state::AppState;

/// How many unions a dashboard ranks, and how many recent events it lists.
const TOP_UNIONS: i64 = 5;
const RECENT_ACTIVITY: i64 = 10;

/// The audit trail's name for stored reports.
pub const ENTITY_REPORT_SESSION: &str = "ReportSession";

/// A number of things and what they amount to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counted {
    pub count: i64,
    pub amount: Decimal,
}

impl Counted {
    fn add(&mut self, figure: &Figure) {
        self.count += figure.count;
        self.amount += figure.amount;
    }
}

/// Loans in one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusFigure {
    pub status: LoanStatus,
    pub count: i64,
    pub principal: Decimal,
    pub outstanding: Decimal,
}

/// The part of a portfolio with an installment more than `days` days late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParFigure {
    pub days: u32,
    pub loans: i64,
    pub outstanding: Decimal,
    /// `outstanding ÷` the whole portfolio's outstanding; none for an empty portfolio.
    pub ratio: Option<Decimal>,
}

/// What happened in one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeriodFigures {
    /// Loans disbursed in the period (still disbursed: not cancelled), and their principal.
    pub disbursed: Counted,
    /// Live repayments dated in the period.
    pub collected: Counted,
    /// Installments of disbursed loans falling due in the period, and their total.
    pub due: Counted,
    /// What those installments have been paid so far.
    pub due_paid: Decimal,
    /// `collected ÷ due`; none when nothing fell due.
    pub collection_rate: Option<Decimal>,
    /// Loan applications created in the period.
    pub new_loans: Counted,
    pub new_members: i64,
}

/// Change against the previous period of the same length, as fractions (0.25 is +25 %).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Growth {
    pub disbursed: Option<Decimal>,
    pub collected: Option<Decimal>,
    pub new_loans: Option<Decimal>,
    pub new_members: Option<Decimal>,
}

/// Everything the figure statement says about one officer, or about the whole scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub unions: i64,
    pub members: i64,
    pub verified_members: i64,
    pub pending_members: i64,
    pub loans: i64,
    pub loans_by_status: Vec<StatusFigure>,
    /// Loans being repaid (ACTIVE and DEFAULTED) and what they owe.
    pub portfolio: Counted,
    pub par: Vec<ParFigure>,
    pub current: PeriodFigures,
    pub previous: PeriodFigures,
    pub growth: Growth,
}

impl Figures {
    /// The loans in `status`.
    pub fn in_status(&self, status: LoanStatus) -> i64 {
        self.loans_by_status
            .iter()
            .find(|figure| figure.status == status)
            .map_or(0, |figure| figure.count)
    }

    /// Folds the figure rows of one officer (or of the whole scope).
    fn fold(rows: &[&Figure]) -> Self {
        let mut figures = Self::default();
        let mut statuses: BTreeMap<LoanStatus, StatusFigure> = BTreeMap::new();
        let mut at_risk: BTreeMap<u32, Counted> = BTreeMap::new();
        for row in rows {
            let current = row.key == "current";
            let period = if current {
                &mut figures.current
            } else {
                &mut figures.previous
            };
            match row.kind.as_str() {
                "loans" => {
                    if let Ok(status) = row.key.parse::<LoanStatus>() {
                        let entry = statuses.entry(status).or_insert(StatusFigure {
                            status,
                            count: 0,
                            principal: Decimal::ZERO,
                            outstanding: Decimal::ZERO,
                        });
                        entry.count += row.count;
                        entry.principal += row.amount;
                        entry.outstanding += row.other;
                    }
                }
                "members" if row.key == "VERIFIED" => figures.verified_members += row.count,
                "members" => figures.pending_members += row.count,
                "unions" => figures.unions += row.count,
                "newMembers" => period.new_members += row.count,
                "newLoans" => period.new_loans.add(row),
                "disbursed" => period.disbursed.add(row),
                "collected" => period.collected.add(row),
                "due" => {
                    period.due.add(row);
                    period.due_paid += row.other;
                }
                "portfolio" if row.key == "ALL" => figures.portfolio.add(row),
                "portfolio" => {
                    if let Some(days) = row.key.strip_prefix("PAR").and_then(|d| d.parse().ok()) {
                        at_risk.entry(days).or_default().add(row);
                    }
                }
                _ => {}
            }
        }
        figures.members = figures.verified_members + figures.pending_members;
        figures.loans = statuses.values().map(|figure| figure.count).sum();
        figures.loans_by_status = statuses.into_values().collect();
        figures.par = PAR_DAYS
            .iter()
            .map(|days| {
                let late = at_risk.get(days).copied().unwrap_or_default();
                ParFigure {
                    days: *days,
                    loans: late.count,
                    outstanding: late.amount,
                    ratio: ratio(late.amount, figures.portfolio.amount),
                }
            })
            .collect();
        for period in [&mut figures.current, &mut figures.previous] {
            period.collection_rate = ratio(period.collected.amount, period.due.amount);
        }
        figures.growth = Growth {
            disbursed: growth(
                figures.current.disbursed.amount,
                figures.previous.disbursed.amount,
            ),
            collected: growth(
                figures.current.collected.amount,
                figures.previous.collected.amount,
            ),
            new_loans: growth(
                Decimal::from(figures.current.new_loans.count),
                Decimal::from(figures.previous.new_loans.count),
            ),
            new_members: growth(
                Decimal::from(figures.current.new_members),
                Decimal::from(figures.previous.new_members),
            ),
        };
        figures
    }
}

/// The dashboard of the caller's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub period: Period,
    /// The day the portfolio's lateness is counted on.
    pub as_of: NaiveDate,
    pub figures: Figures,
    pub top_unions: Vec<sql::TopUnion>,
    pub recent_activity: Vec<sql::Activity>,
}

/// Reads a period from its two ends; none given is the month to date.
pub fn period(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    today: NaiveDate,
) -> ServiceResult<Period> {
    let default = Period::month_to_date(today);
    Period::new(start.unwrap_or(default.start), end.unwrap_or(default.end))
        .map_err(|err| ServiceError::bad_input("periodEnd", err.to_string()))
}

/// The dashboard: three statements.
pub async fn dashboard(
    state: &AppState,
    caller: &Caller,
    period: Period,
    today: NaiveDate,
) -> ServiceResult<Dashboard> {
    let scope = caller.scope();
    let lists = async {
        let mut conn = state.read_conn().await?;
        let top_unions = sql::top_unions(&mut conn, scope, period, today, TOP_UNIONS).await?;
        let recent_activity = sql::recent_activity(&mut conn, scope, RECENT_ACTIVITY).await?;
        Ok::<_, ServiceError>((top_unions, recent_activity))
    };
    let (rows, (top_unions, recent_activity)) = tokio::try_join!(
        figures_concurrently(state, scope, Split::Total, period, today),
        lists
    )?;
    let rows: Vec<&Figure> = rows.iter().collect();
    Ok(Dashboard {
        period,
        as_of: today,
        figures: Figures::fold(&rows),
        top_unions,
        recent_activity,
    })
}

/// One officer's part of a team report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficerFigures {
    pub officer_id: UserId,
    pub name: String,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub figures: Figures,
}

/// One month of a team's trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthFigures {
    /// `YYYY-MM`.
    pub month: String,
    pub period: Period,
    pub disbursed: Counted,
    pub collected: Counted,
    pub due: Counted,
    pub collection_rate: Option<Decimal>,
}

/// A supervisor's team (or, for an administrator without a supervisor, every officer): per
/// officer and in total, with six months of trends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupervisorReport {
    pub supervisor_id: Option<UserId>,
    pub period: Period,
    pub as_of: NaiveDate,
    pub officers: Vec<OfficerFigures>,
    pub total: Figures,
    pub trends: Vec<MonthFigures>,
}

/// The supervisor report: three statements.
pub async fn supervisor_report(
    state: &AppState,
    caller: &Caller,
    supervisor: Option<UserId>,
    period: Period,
    today: NaiveDate,
) -> ServiceResult<SupervisorReport> {
    let subject = {
        let mut conn = state.read_conn().await?;
        report_subject(&mut conn, caller, supervisor).await?
    };
    let scope = team_scope(subject);
    let months = trend_months(period.end);
    let lists = async {
        let mut conn = state.read_conn().await?;
        let officers = sql::officers(&mut conn, subject.map(|id| id.0)).await?;
        let monthly = sql::monthly(&mut conn, scope, &months).await?;
        Ok::<_, ServiceError>((officers, monthly))
    };
    let (rows, (officers, monthly)) = tokio::try_join!(
        figures_concurrently(state, scope, Split::ByOfficer, period, today),
        lists
    )?;
    Ok(assemble_report(
        subject, period, today, officers, &rows, &months, &monthly,
    ))
}

/// The report's figures, each [`FigureSet`] on a pooled connection of its own, concurrently:
/// a live report answers in the time of its longest statement. Each figure is exact as of its
/// statement; a stored report reads them all in one transaction instead ([`report_in`]).
async fn figures_concurrently(
    state: &AppState,
    scope: Scope,
    split: Split,
    period: Period,
    today: NaiveDate,
) -> ServiceResult<Vec<Figure>> {
    let load = |set: FigureSet| async move {
        let mut conn = state.read_conn().await?;
        Ok::<_, ServiceError>(sql::figures(&mut conn, &[set], scope, split, period, today).await?)
    };
    let [loans, portfolio, period_figures] = FigureSet::ALL;
    let (mut rows, portfolio, period_figures) =
        tokio::try_join!(load(loans), load(portfolio), load(period_figures))?;
    rows.extend(portfolio);
    rows.extend(period_figures);
    Ok(rows)
}

/// The supervisor a team report is about (none: every officer), checked.
async fn report_subject(
    conn: &mut DbConn,
    caller: &Caller,
    supervisor: Option<UserId>,
) -> ServiceResult<Option<UserId>> {
    let subject = supervisor_report_subject(&caller.actor, supervisor)
        .map_err(|denied| ServiceError::denied(denied, "Supervisor"))?;
    if let Some(id) = subject {
        let found = db::users::find(conn, id, Scope::All, false).await?;
        if found.is_none_or(|user| user.role != crate::domain::role::Role::Supervisor) {
            return Err(ServiceError::NotFound("Supervisor not found.".into()));
        }
    }
    Ok(subject)
}

fn team_scope(subject: Option<UserId>) -> Scope {
    match subject {
        Some(supervisor_id) => Scope::Team { supervisor_id },
        None => Scope::All,
    }
}

/// The supervisor report on `conn`, every statement in its transaction: one snapshot.
async fn report_in(
    conn: &mut DbConn,
    caller: &Caller,
    supervisor: Option<UserId>,
    period: Period,
    today: NaiveDate,
) -> ServiceResult<SupervisorReport> {
    let subject = report_subject(conn, caller, supervisor).await?;
    let scope = team_scope(subject);
    let officers = sql::officers(conn, subject.map(|id| id.0)).await?;
    let rows = sql::figures(
        conn,
        &FigureSet::ALL,
        scope,
        Split::ByOfficer,
        period,
        today,
    )
    .await?;
    let months = trend_months(period.end);
    let monthly = sql::monthly(conn, scope, &months).await?;
    Ok(assemble_report(
        subject, period, today, officers, &rows, &months, &monthly,
    ))
}

/// Folds a team report's rows into its shape.
fn assemble_report(
    subject: Option<UserId>,
    period: Period,
    today: NaiveDate,
    officers: Vec<sql::Officer>,
    rows: &[Figure],
    months: &[Period],
    monthly: &[Figure],
) -> SupervisorReport {
    let mut by_officer: HashMap<Option<Uuid>, Vec<&Figure>> = HashMap::new();
    for row in rows {
        by_officer.entry(row.officer).or_default().push(row);
    }
    let officers: Vec<OfficerFigures> = officers
        .into_iter()
        .map(|officer| OfficerFigures {
            officer_id: UserId(officer.id),
            name: format!("{} {}", officer.first_name, officer.last_name),
            last_activity_at: officer.last_activity_at,
            figures: Figures::fold(
                by_officer
                    .get(&Some(officer.id))
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            ),
        })
        .collect();
    let all: Vec<&Figure> = rows.iter().collect();
    SupervisorReport {
        supervisor_id: subject,
        period,
        as_of: today,
        officers,
        total: Figures::fold(&all),
        trends: fold_months(months, monthly),
    }
}

fn fold_months(months: &[Period], rows: &[Figure]) -> Vec<MonthFigures> {
    months
        .iter()
        .map(|period| {
            let month = period.start.format("%Y-%m").to_string();
            let mut figures = MonthFigures {
                month,
                period: *period,
                disbursed: Counted::default(),
                collected: Counted::default(),
                due: Counted::default(),
                collection_rate: None,
            };
            for row in rows.iter().filter(|row| row.key == figures.month) {
                match row.kind.as_str() {
                    "disbursed" => figures.disbursed.add(row),
                    "collected" => figures.collected.add(row),
                    "due" => figures.due.add(row),
                    _ => {}
                }
            }
            figures.collection_rate = ratio(figures.collected.amount, figures.due.amount);
            figures
        })
        .collect()
}

/// Runs the supervisor report and stores it as a `report_sessions` snapshot, audited.
pub async fn generate_supervisor_report(
    state: &AppState,
    caller: &Caller,
    supervisor: Option<UserId>,
    report_type: ReportType,
    period: Period,
    today: NaiveDate,
) -> ServiceResult<db::report_sessions::ReportSession> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        Box::pin(async move {
            let report = report_in(conn, caller, supervisor, period, today).await?;
            let total = &report.total;
            let count = |value: i64| i32::try_from(value).unwrap_or(i32::MAX);
            let title = format!(
                "{} report {} to {}",
                title_case(report_type),
                period.start,
                period.end
            );
            let new = db::report_sessions::NewReportSession {
                supervisor_id: report.supervisor_id,
                report_type: report_type.as_str(),
                title: &title,
                period_start: period.start,
                period_end: period.end,
                total_officers: count(i64::try_from(report.officers.len()).unwrap_or(i64::MAX)),
                total_unions: count(total.unions),
                total_members: count(total.members),
                verified_members: count(total.verified_members),
                pending_members: count(total.pending_members),
                total_loans: count(total.loans),
                pending_loans: count(total.in_status(LoanStatus::PendingApproval)),
                active_loans: count(total.in_status(LoanStatus::Active)),
                completed_loans: count(total.in_status(LoanStatus::Completed)),
                defaulted_loans: count(total.in_status(LoanStatus::Defaulted)),
                total_disbursed: total.current.disbursed.amount,
                total_repaid: total.current.collected.amount,
                total_outstanding: total.portfolio.amount,
                collection_rate: total.current.collection_rate.unwrap_or_default(),
                report_data: serde_json::to_value(&report)
                    .map_err(|err| ServiceError::internal(anyhow::Error::from(err)))?,
                officer_metrics: serde_json::to_value(&report.officers)
                    .map_err(|err| ServiceError::internal(anyhow::Error::from(err)))?,
                generated_at: now,
                generated_by_user_id: Some(caller.actor.user_id),
                created_at: now,
                updated_at: now,
            };
            let row = db::report_sessions::insert(conn, &new).await?;
            let event = AuditEvent::new(
                AuditAction::ReportGenerated,
                ENTITY_REPORT_SESSION,
                Some(row.id.0),
            )
            .after(audit::snapshot(&row.summary()));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(row)
        })
    })
    .await
}

fn title_case(report_type: ReportType) -> &'static str {
    match report_type {
        ReportType::Daily => "Daily",
        ReportType::Weekly => "Weekly",
        ReportType::Monthly => "Monthly",
        ReportType::Quarterly => "Quarterly",
        ReportType::Custom => "Custom",
    }
}

/// The stored reports the caller may see: administrators all; a supervisor those about their
/// team or made by them; credit officers none.
pub async fn report_sessions(
    state: &AppState,
    caller: &Caller,
    filter: &db::report_sessions::ReportSessionFilter,
    want_total: bool,
    page: db::page::Page,
) -> ServiceResult<db::page::Paged<db::report_sessions::ReportSession>> {
    let mut conn = state.db.get().await?;
    Ok(db::report_sessions::list(&mut conn, filter, caller.scope(), want_total, page).await?)
}

/// Deletes a stored report (soft), audited.
pub async fn delete_report_session(
    state: &AppState,
    caller: &Caller,
    id: crate::domain::ReportSessionId,
) -> ServiceResult<db::report_sessions::ReportSession> {
    let now = state.clock.now();
    super::transaction(state, |conn| {
        Box::pin(async move {
            let not_found = || ServiceError::NotFound("Report not found.".into());
            let before = db::report_sessions::find(conn, id, caller.scope())
                .await?
                .ok_or_else(not_found)?;
            check(
                crate::domain::reports::can_delete_report(
                    &caller.actor,
                    before.supervisor_id,
                    before.generated_by_user_id,
                ),
                "Report",
            )?;
            let after = db::report_sessions::soft_delete(conn, id, now).await?;
            let event = AuditEvent::new(
                AuditAction::ReportDeleted,
                ENTITY_REPORT_SESSION,
                Some(id.0),
            )
            .before(audit::snapshot(&before.summary()));
            audit::record(conn, &caller.meta, Some(caller.actor.user_id), &event, now).await?;
            Ok(after)
        })
    })
    .await
}

/// One group of the portfolio at risk, or the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskRow {
    /// The officer, union or loan product; none for the total.
    pub id: Option<Uuid>,
    pub name: String,
    pub loans: i64,
    pub outstanding: Decimal,
    pub par: Vec<ParFigure>,
}

/// `portfolioAtRisk`: the groups, largest first, and their total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortfolioAtRisk {
    pub as_of: NaiveDate,
    pub group_by: ParGrouping,
    pub groups: Vec<RiskRow>,
    pub total: RiskRow,
}

fn risk_row(
    id: Option<Uuid>,
    name: String,
    loans: i64,
    outstanding: Decimal,
    late: [(i64, Decimal); 4],
) -> RiskRow {
    RiskRow {
        id,
        name,
        loans,
        outstanding,
        par: PAR_DAYS
            .iter()
            .zip(late)
            .map(|(days, (count, amount))| ParFigure {
                days: *days,
                loans: count,
                outstanding: amount,
                ratio: ratio(amount, outstanding),
            })
            .collect(),
    }
}

/// The portfolio at risk on `as_of` (today or later: the book as it stands), grouped: one
/// statement.
pub async fn portfolio_at_risk(
    state: &AppState,
    caller: &Caller,
    as_of: NaiveDate,
    grouping: ParGrouping,
    today: NaiveDate,
) -> ServiceResult<PortfolioAtRisk> {
    if as_of < today {
        return Err(ServiceError::bad_input(
            "asOf",
            "The portfolio at risk is computed on the book as it stands: `asOf` can be today or \
             a later day (to see what will be late if nothing is paid), not a past day.",
        ));
    }
    let mut conn = state.read_conn().await?;
    let groups = sql::portfolio_at_risk(&mut conn, caller.scope(), as_of, grouping).await?;
    let mut total_loans = 0;
    let mut total_outstanding = Decimal::ZERO;
    let mut total_late = [(0, Decimal::ZERO); 4];
    let groups = groups
        .into_iter()
        .map(|group| {
            let late = [
                (group.par1_loans, group.par1),
                (group.par30_loans, group.par30),
                (group.par60_loans, group.par60),
                (group.par90_loans, group.par90),
            ];
            total_loans += group.loans;
            total_outstanding += group.outstanding;
            for (sum, (count, amount)) in total_late.iter_mut().zip(late) {
                sum.0 += count;
                sum.1 += amount;
            }
            risk_row(
                Some(group.id),
                group.name,
                group.loans,
                group.outstanding,
                late,
            )
        })
        .collect();
    Ok(PortfolioAtRisk {
        as_of,
        group_by: grouping,
        groups,
        total: risk_row(
            None,
            "Total".into(),
            total_loans,
            total_outstanding,
            total_late,
        ),
    })
}

/// Whose rounds a collection sheet is for, as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetTarget {
    Officer(UserId),
    Union(UnionId),
}

/// One union's part of a collection sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetUnion {
    pub union_id: Uuid,
    pub name: String,
    pub location: Option<String>,
    pub lines: Vec<sql::SheetLine>,
    pub due: Decimal,
    pub overdue: Decimal,
    pub penalties: Decimal,
    pub total: Decimal,
}

/// What each member owes on a day, union by union.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionSheet {
    pub date: NaiveDate,
    pub credit_officer_id: Option<UserId>,
    pub union_id: Option<UnionId>,
    pub unions: Vec<SheetUnion>,
    pub due: Decimal,
    pub overdue: Decimal,
    pub penalties: Decimal,
    pub total: Decimal,
}

/// The collection sheet of an officer (in scope: a supervisor's own officers, an officer
/// themself) or of a union in scope, on `date`: two statements.
pub async fn collection_sheet(
    state: &AppState,
    caller: &Caller,
    target: SheetTarget,
    date: NaiveDate,
) -> ServiceResult<CollectionSheet> {
    let scope = caller.scope();
    let mut conn = state.read_conn().await?;
    let of = match target {
        SheetTarget::Officer(id) => {
            let visible = db::users::find(&mut conn, id, scope, false).await?;
            if visible.is_none_or(|user| user.role != crate::domain::role::Role::CreditOfficer) {
                return Err(ServiceError::NotFound("Credit officer not found.".into()));
            }
            SheetOf::Officer(id.0)
        }
        SheetTarget::Union(id) => {
            if db::unions::find(&mut conn, id, scope, false)
                .await?
                .is_none()
            {
                return Err(ServiceError::NotFound("Union not found.".into()));
            }
            SheetOf::Union(id.0)
        }
    };
    let lines = sql::collection_sheet(&mut conn, scope, of, date).await?;
    let mut unions: Vec<SheetUnion> = Vec::new();
    for line in lines {
        let owed = line.due + line.overdue + line.penalties;
        match unions.last_mut() {
            Some(union) if union.union_id == line.union_id => {
                union.due += line.due;
                union.overdue += line.overdue;
                union.penalties += line.penalties;
                union.total += owed;
                union.lines.push(line);
            }
            _ => unions.push(SheetUnion {
                union_id: line.union_id,
                name: line.union_name.clone(),
                location: line.union_location.clone(),
                due: line.due,
                overdue: line.overdue,
                penalties: line.penalties,
                total: owed,
                lines: vec![line],
            }),
        }
    }
    let (credit_officer_id, union_id) = match target {
        SheetTarget::Officer(id) => (Some(id), None),
        SheetTarget::Union(id) => (None, Some(id)),
    };
    Ok(CollectionSheet {
        date,
        credit_officer_id,
        union_id,
        due: unions.iter().map(|union| union.due).sum(),
        overdue: unions.iter().map(|union| union.overdue).sum(),
        penalties: unions.iter().map(|union| union.penalties).sum(),
        total: unions.iter().map(|union| union.total).sum(),
        unions,
    })
}
