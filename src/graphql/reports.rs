//! Reports (SPEC 8.2): `dashboard`, `supervisorReport`, `generateSupervisorReport`,
//! `reportSessions`, `deleteReportSession`, `collectionSheet` and `portfolioAtRisk`. Every figure
//! is computed by `services::reports` in the caller's scope; this module only shapes it.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::context::ContextExt;
use super::guards::LoggedIn;
use super::loans::{LoanStatus, today};
use super::pagination::{Connection, PageArgs};
use super::scalars::{Date, parse_id, parse_optional_id};
use super::types::{Loan, LoanType, Union, UnionMember, User, found, id};
use crate::db;
use crate::domain::reports::{ParGrouping, Period};
use crate::domain::{LoanId, LoanTypeId, UnionId, UnionMemberId, UserId};
use crate::services::ServiceError;
use crate::services::reports::{self as service, SheetTarget};

/// How a stored report was asked for.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::reports::ReportType")]
pub enum ReportType {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Custom,
}

/// What `portfolioAtRisk` groups the portfolio by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::reports::ParGrouping")]
pub enum ParGroupBy {
    /// The credit officer of the loan's union.
    Officer,
    Union,
    /// The loan product.
    LoanType,
}

/// A period of whole days, both ends included.
#[derive(SimpleObject, Clone, Copy)]
pub struct ReportPeriod {
    start: Date,
    end: Date,
    /// How many days it covers.
    days: i64,
}

impl From<Period> for ReportPeriod {
    fn from(period: Period) -> Self {
        Self {
            start: period.start.into(),
            end: period.end.into(),
            days: period.days(),
        }
    }
}

/// A number of things and what they amount to.
#[derive(SimpleObject, Clone, Copy)]
pub struct CountedAmount {
    count: i64,
    amount: Decimal,
}

impl From<service::Counted> for CountedAmount {
    fn from(counted: service::Counted) -> Self {
        Self {
            count: counted.count,
            amount: counted.amount,
        }
    }
}

/// Loans in one status.
#[derive(SimpleObject, Clone)]
pub struct LoanStatusFigure {
    status: LoanStatus,
    count: i64,
    /// Their principal.
    principal: Decimal,
    /// What they still owe (installments and live charges).
    outstanding: Decimal,
}

/// Portfolio at risk at one threshold: loans with an installment more than `days` days late.
#[derive(SimpleObject, Clone)]
pub struct ParFigure {
    days: i32,
    loans: i64,
    /// What those loans owe in all.
    outstanding: Decimal,
    /// `outstanding ÷` the portfolio's outstanding (0.1234 is 12.34 %); null for an empty
    /// portfolio.
    ratio: Option<Decimal>,
}

impl From<&service::ParFigure> for ParFigure {
    fn from(figure: &service::ParFigure) -> Self {
        Self {
            days: i32::try_from(figure.days).unwrap_or(i32::MAX),
            loans: figure.loans,
            outstanding: figure.outstanding,
            ratio: figure.ratio,
        }
    }
}

/// What happened in one period.
#[derive(SimpleObject, Clone)]
pub struct PeriodFigures {
    period: ReportPeriod,
    /// Loans disbursed in the period (not since cancelled) and their principal.
    disbursed: CountedAmount,
    /// Live repayments dated in the period.
    collected: CountedAmount,
    /// Installments of disbursed loans falling due in the period and their total.
    due: CountedAmount,
    /// What has been paid so far on the installments that fell due in the period.
    due_paid: Decimal,
    /// `collected.amount ÷ due.amount`; null when nothing fell due.
    collection_rate: Option<Decimal>,
    /// Loan applications created in the period.
    new_loans: CountedAmount,
    new_members: i64,
}

impl PeriodFigures {
    fn new(period: service::PeriodFigures, days: Period) -> Self {
        Self {
            period: days.into(),
            disbursed: period.disbursed.into(),
            collected: period.collected.into(),
            due: period.due.into(),
            due_paid: period.due_paid,
            collection_rate: period.collection_rate,
            new_loans: period.new_loans.into(),
            new_members: period.new_members,
        }
    }
}

/// Change against the previous period, as fractions (0.25 is +25 %); null when the previous
/// period had none.
#[derive(SimpleObject, Clone)]
pub struct Growth {
    disbursed: Option<Decimal>,
    collected: Option<Decimal>,
    new_loans: Option<Decimal>,
    new_members: Option<Decimal>,
}

/// Figures of a scope (the caller's, a team's, an officer's).
#[derive(SimpleObject, Clone)]
pub struct ReportFigures {
    unions: i64,
    members: i64,
    verified_members: i64,
    pending_members: i64,
    loans: i64,
    loans_by_status: Vec<LoanStatusFigure>,
    /// Loans waiting for approval.
    pending_approvals: i64,
    /// Loans being repaid (ACTIVE and DEFAULTED) and what they owe.
    portfolio: CountedAmount,
    /// PAR1, PAR30, PAR60 and PAR90 on the report's `asOf` day.
    portfolio_at_risk: Vec<ParFigure>,
    current_period: PeriodFigures,
    previous_period: PeriodFigures,
    growth: Growth,
}

impl ReportFigures {
    fn new(figures: &service::Figures, period: Period) -> Self {
        Self {
            unions: figures.unions,
            members: figures.members,
            verified_members: figures.verified_members,
            pending_members: figures.pending_members,
            loans: figures.loans,
            loans_by_status: figures
                .loans_by_status
                .iter()
                .map(|figure| LoanStatusFigure {
                    status: figure.status.into(),
                    count: figure.count,
                    principal: figure.principal,
                    outstanding: figure.outstanding,
                })
                .collect(),
            pending_approvals: figures.in_status(crate::domain::LoanStatus::PendingApproval),
            portfolio: figures.portfolio.into(),
            portfolio_at_risk: figures.par.iter().map(Into::into).collect(),
            current_period: PeriodFigures::new(figures.current, period),
            previous_period: PeriodFigures::new(figures.previous, period.previous()),
            growth: Growth {
                disbursed: figures.growth.disbursed,
                collected: figures.growth.collected,
                new_loans: figures.growth.new_loans,
                new_members: figures.growth.new_members,
            },
        }
    }
}

/// A union among the largest of the portfolio.
pub struct TopUnion(db::reports::TopUnion);

#[Object]
impl TopUnion {
    async fn union_id(&self) -> ID {
        id(self.0.union_id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn union(&self, ctx: &Context<'_>) -> Result<Option<Union>> {
        let union = found(
            ctx.loaders()?
                .union
                .load_one(UnionId(self.0.union_id))
                .await,
        )?;
        Ok(union.map(Union))
    }

    async fn credit_officer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let user = found(
            ctx.loaders()?
                .user
                .load_one(UserId(self.0.credit_officer_id))
                .await,
        )?;
        Ok(user.map(User))
    }

    /// Its loans being repaid.
    async fn loans(&self) -> i64 {
        self.0.loans
    }

    async fn outstanding(&self) -> Decimal {
        self.0.outstanding
    }

    /// What its loans with an installment more than 30 days late owe.
    async fn at_risk30(&self) -> Decimal {
        self.0.at_risk
    }

    /// `atRisk30 ÷ outstanding`.
    async fn par30(&self) -> Option<Decimal> {
        crate::domain::reports::ratio(self.0.at_risk, self.0.outstanding)
    }

    /// Repayments collected in the period.
    async fn collected(&self) -> Decimal {
        self.0.collected
    }
}

/// What happened to a loan.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ActivityKind {
    RepaymentRecorded,
    LoanDisbursed,
    LoanCreated,
}

/// A recent event of the book.
pub struct Activity(db::reports::Activity);

#[Object]
impl Activity {
    async fn kind(&self) -> ActivityKind {
        match self.0.kind.as_str() {
            "REPAYMENT_RECORDED" => ActivityKind::RepaymentRecorded,
            "LOAN_DISBURSED" => ActivityKind::LoanDisbursed,
            _ => ActivityKind::LoanCreated,
        }
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The repayment's amount, or the loan's principal.
    async fn amount(&self) -> Decimal {
        self.0.amount
    }

    async fn loan_id(&self) -> ID {
        id(self.0.loan_id)
    }

    async fn repayment_id(&self) -> Option<ID> {
        self.0.repayment_id.map(id)
    }

    async fn loan(&self, ctx: &Context<'_>) -> Result<Option<Loan>> {
        let loan = found(ctx.loaders()?.loan.load_one(LoanId(self.0.loan_id)).await)?;
        Ok(loan.map(Loan))
    }
}

/// The dashboard of your scope.
pub struct Dashboard(service::Dashboard);

#[Object]
impl Dashboard {
    async fn period(&self) -> ReportPeriod {
        self.0.period.into()
    }

    /// The day lateness is counted on (today).
    async fn as_of(&self) -> Date {
        self.0.as_of.into()
    }

    #[graphql(flatten)]
    async fn figures(&self) -> ReportFigures {
        ReportFigures::new(&self.0.figures, self.0.period)
    }

    /// Collected in the period ÷ due in the period; null when nothing fell due.
    async fn collection_rate(&self) -> Option<Decimal> {
        self.0.figures.current.collection_rate
    }

    /// The five unions that owe the most.
    async fn top_unions(&self) -> Vec<TopUnion> {
        self.0.top_unions.iter().cloned().map(TopUnion).collect()
    }

    /// The ten latest repayments, disbursements and applications.
    async fn recent_activity(&self) -> Vec<Activity> {
        self.0
            .recent_activity
            .iter()
            .cloned()
            .map(Activity)
            .collect()
    }
}

/// One officer's part of a team report.
pub struct OfficerReport(service::OfficerFigures, Period);

#[Object]
impl OfficerReport {
    async fn officer_id(&self) -> ID {
        id(self.0.officer_id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn officer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let user = found(ctx.loaders()?.user.load_one(self.0.officer_id).await)?;
        Ok(user.map(User))
    }

    /// When the officer last did anything in the system.
    async fn last_activity_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_activity_at
    }

    #[graphql(flatten)]
    async fn figures(&self) -> ReportFigures {
        ReportFigures::new(&self.0.figures, self.1)
    }
}

/// One month of a team's trend.
#[derive(SimpleObject, Clone)]
pub struct MonthFigures {
    /// `YYYY-MM`.
    month: String,
    period: ReportPeriod,
    disbursed: CountedAmount,
    collected: CountedAmount,
    due: CountedAmount,
    collection_rate: Option<Decimal>,
}

/// A supervisor's team, per officer and in total, with six months of trends.
pub struct SupervisorReport(service::SupervisorReport);

#[Object]
impl SupervisorReport {
    /// The supervisor whose team it covers; null for every officer (administrators).
    async fn supervisor_id(&self) -> Option<ID> {
        self.0.supervisor_id.map(id)
    }

    async fn supervisor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(supervisor) = self.0.supervisor_id else {
            return Ok(None);
        };
        let user = found(ctx.loaders()?.user.load_one(supervisor).await)?;
        Ok(user.map(User))
    }

    async fn period(&self) -> ReportPeriod {
        self.0.period.into()
    }

    async fn as_of(&self) -> Date {
        self.0.as_of.into()
    }

    async fn officers(&self) -> Vec<OfficerReport> {
        self.0
            .officers
            .iter()
            .cloned()
            .map(|officer| OfficerReport(officer, self.0.period))
            .collect()
    }

    /// The whole team.
    async fn total(&self) -> ReportFigures {
        ReportFigures::new(&self.0.total, self.0.period)
    }

    /// The six calendar months ending with the period's last month, oldest first.
    async fn trends(&self) -> Vec<MonthFigures> {
        self.0
            .trends
            .iter()
            .map(|month| MonthFigures {
                month: month.month.clone(),
                period: month.period.into(),
                disbursed: month.disbursed.into(),
                collected: month.collected.into(),
                due: month.due.into(),
                collection_rate: month.collection_rate,
            })
            .collect()
    }
}

/// A stored supervisor report.
#[derive(Clone)]
pub struct ReportSession(pub db::report_sessions::ReportSession);

impl From<db::report_sessions::ReportSession> for ReportSession {
    fn from(row: db::report_sessions::ReportSession) -> Self {
        Self(row)
    }
}

#[Object]
impl ReportSession {
    async fn id(&self) -> ID {
        id(self.0.id)
    }

    async fn supervisor_id(&self) -> Option<ID> {
        self.0.supervisor_id.map(id)
    }

    async fn supervisor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(supervisor) = self.0.supervisor_id else {
            return Ok(None);
        };
        let user = found(ctx.loaders()?.user.load_one(supervisor).await)?;
        Ok(user.map(User))
    }

    async fn report_type(&self) -> ReportType {
        self.0.report_type.into()
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn period_start(&self) -> Date {
        self.0.period_start.into()
    }

    async fn period_end(&self) -> Date {
        self.0.period_end.into()
    }

    async fn total_officers(&self) -> i32 {
        self.0.total_officers
    }

    async fn total_unions(&self) -> i32 {
        self.0.total_unions
    }

    async fn total_members(&self) -> i32 {
        self.0.total_members
    }

    async fn verified_members(&self) -> i32 {
        self.0.verified_members
    }

    async fn pending_members(&self) -> i32 {
        self.0.pending_members
    }

    async fn total_loans(&self) -> i32 {
        self.0.total_loans
    }

    async fn pending_loans(&self) -> i32 {
        self.0.pending_loans
    }

    async fn active_loans(&self) -> i32 {
        self.0.active_loans
    }

    async fn completed_loans(&self) -> i32 {
        self.0.completed_loans
    }

    async fn defaulted_loans(&self) -> i32 {
        self.0.defaulted_loans
    }

    async fn total_disbursed(&self) -> Decimal {
        self.0.total_disbursed
    }

    async fn total_repaid(&self) -> Decimal {
        self.0.total_repaid
    }

    async fn total_outstanding(&self) -> Decimal {
        self.0.total_outstanding
    }

    async fn collection_rate(&self) -> Decimal {
        self.0.collection_rate
    }

    /// The whole report as it was generated (the `supervisorReport` shape, camelCase JSON).
    async fn report_data(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.0.report_data.clone())
    }

    /// Its per-officer part.
    async fn officer_metrics(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.0.officer_metrics.clone())
    }

    async fn generated_at(&self) -> DateTime<Utc> {
        self.0.generated_at
    }

    async fn generated_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(user) = self.0.generated_by_user_id else {
            return Ok(None);
        };
        let user = found(ctx.loaders()?.user.load_one(user).await)?;
        Ok(user.map(User))
    }

    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
}

/// One group of the portfolio at risk, or the total.
pub struct RiskGroup {
    row: service::RiskRow,
    group_by: ParGrouping,
}

#[Object]
impl RiskGroup {
    /// The officer, union or loan product; null for the total.
    async fn id(&self) -> Option<ID> {
        self.row.id.map(id)
    }

    async fn name(&self) -> &str {
        &self.row.name
    }

    async fn officer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let (Some(group), ParGrouping::Officer) = (self.row.id, self.group_by) else {
            return Ok(None);
        };
        let user = found(ctx.loaders()?.user.load_one(UserId(group)).await)?;
        Ok(user.map(User))
    }

    async fn union(&self, ctx: &Context<'_>) -> Result<Option<Union>> {
        let (Some(group), ParGrouping::Union) = (self.row.id, self.group_by) else {
            return Ok(None);
        };
        let union = found(ctx.loaders()?.union.load_one(UnionId(group)).await)?;
        Ok(union.map(Union))
    }

    async fn loan_type(&self, ctx: &Context<'_>) -> Result<Option<LoanType>> {
        let (Some(group), ParGrouping::LoanType) = (self.row.id, self.group_by) else {
            return Ok(None);
        };
        let product = found(ctx.loaders()?.loan_type.load_one(LoanTypeId(group)).await)?;
        Ok(product.map(LoanType))
    }

    /// Loans being repaid (ACTIVE and DEFAULTED).
    async fn loans(&self) -> i64 {
        self.row.loans
    }

    /// What they owe in all.
    async fn outstanding(&self) -> Decimal {
        self.row.outstanding
    }

    /// PAR1, PAR30, PAR60, PAR90.
    async fn portfolio_at_risk(&self) -> Vec<ParFigure> {
        self.row.par.iter().map(Into::into).collect()
    }

    async fn par1(&self) -> Option<Decimal> {
        self.ratio(1)
    }

    async fn par30(&self) -> Option<Decimal> {
        self.ratio(30)
    }

    async fn par60(&self) -> Option<Decimal> {
        self.ratio(60)
    }

    async fn par90(&self) -> Option<Decimal> {
        self.ratio(90)
    }
}

impl RiskGroup {
    fn ratio(&self, days: u32) -> Option<Decimal> {
        self.row
            .par
            .iter()
            .find(|figure| figure.days == days)
            .and_then(|figure| figure.ratio)
    }
}

/// The portfolio at risk: loans with an installment more than N days late, by group.
pub struct PortfolioAtRisk(service::PortfolioAtRisk);

#[Object]
impl PortfolioAtRisk {
    async fn as_of(&self) -> Date {
        self.0.as_of.into()
    }

    async fn group_by(&self) -> ParGroupBy {
        self.0.group_by.into()
    }

    /// The groups, those that owe the most first.
    async fn groups(&self) -> Vec<RiskGroup> {
        self.0
            .groups
            .iter()
            .cloned()
            .map(|row| RiskGroup {
                row,
                group_by: self.0.group_by,
            })
            .collect()
    }

    async fn total(&self) -> RiskGroup {
        RiskGroup {
            row: self.0.total.clone(),
            group_by: self.0.group_by,
        }
    }
}

/// One loan on a collection sheet.
pub struct CollectionLine(db::reports::SheetLine, NaiveDate);

#[Object]
impl CollectionLine {
    async fn member_id(&self) -> ID {
        id(self.0.member_id)
    }

    async fn member_code(&self) -> &str {
        &self.0.member_code
    }

    async fn member_name(&self) -> &str {
        &self.0.member_name
    }

    async fn member_phone(&self) -> Option<&str> {
        self.0.member_phone.as_deref()
    }

    async fn member(&self, ctx: &Context<'_>) -> Result<Option<UnionMember>> {
        let member = found(
            ctx.loaders()?
                .member
                .load_one(UnionMemberId(self.0.member_id))
                .await,
        )?;
        Ok(member.map(UnionMember))
    }

    async fn loan_id(&self) -> ID {
        id(self.0.loan_id)
    }

    async fn loan_number(&self) -> &str {
        &self.0.loan_number
    }

    async fn loan(&self, ctx: &Context<'_>) -> Result<Option<Loan>> {
        let loan = found(ctx.loaders()?.loan.load_one(LoanId(self.0.loan_id)).await)?;
        Ok(loan.map(Loan))
    }

    /// What falls due on the day and is not yet paid.
    async fn due(&self) -> Decimal {
        self.0.due
    }

    /// Installments that fell due before the day and are not yet paid.
    async fn overdue(&self) -> Decimal {
        self.0.overdue
    }

    /// Penalties and fees charged up to the day and not yet paid.
    async fn penalties(&self) -> Decimal {
        self.0.penalties
    }

    /// `due + overdue + penalties`: what to collect.
    async fn total(&self) -> Decimal {
        self.0.due + self.0.overdue + self.0.penalties
    }

    /// Everything the loan still owes.
    async fn outstanding(&self) -> Decimal {
        self.0.outstanding
    }

    /// Days since its oldest unpaid installment fell due, on the sheet's day (0 when none).
    async fn days_in_arrears(&self) -> i64 {
        self.0
            .oldest_unpaid_due_date
            .map_or(0, |due| (self.1 - due).num_days().max(0))
    }
}

/// One union on a collection sheet.
pub struct CollectionUnion {
    union: service::SheetUnion,
    day: NaiveDate,
}

#[Object]
impl CollectionUnion {
    async fn union_id(&self) -> ID {
        id(self.union.union_id)
    }

    async fn name(&self) -> &str {
        &self.union.name
    }

    async fn location(&self) -> Option<&str> {
        self.union.location.as_deref()
    }

    async fn members(&self) -> Vec<CollectionLine> {
        self.union
            .lines
            .iter()
            .cloned()
            .map(|line| CollectionLine(line, self.day))
            .collect()
    }

    async fn due(&self) -> Decimal {
        self.union.due
    }

    async fn overdue(&self) -> Decimal {
        self.union.overdue
    }

    async fn penalties(&self) -> Decimal {
        self.union.penalties
    }

    async fn total(&self) -> Decimal {
        self.union.total
    }

    /// The sheet's day.
    async fn date(&self) -> Date {
        self.day.into()
    }
}

/// What each member owes on a day, union by union: an officer's rounds.
pub struct CollectionSheet(service::CollectionSheet);

#[Object]
impl CollectionSheet {
    async fn date(&self) -> Date {
        self.0.date.into()
    }

    async fn credit_officer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(officer) = self.0.credit_officer_id else {
            return Ok(None);
        };
        let user = found(ctx.loaders()?.user.load_one(officer).await)?;
        Ok(user.map(User))
    }

    async fn union_id(&self) -> Option<ID> {
        self.0.union_id.map(id)
    }

    async fn unions(&self) -> Vec<CollectionUnion> {
        self.0
            .unions
            .iter()
            .cloned()
            .map(|union| CollectionUnion {
                union,
                day: self.0.date,
            })
            .collect()
    }

    async fn due(&self) -> Decimal {
        self.0.due
    }

    async fn overdue(&self) -> Decimal {
        self.0.overdue
    }

    async fn penalties(&self) -> Decimal {
        self.0.penalties
    }

    async fn total(&self) -> Decimal {
        self.0.total
    }
}

/// What `reportSessions(filter: …)` narrows by.
#[derive(InputObject, Default)]
pub struct ReportSessionFilter {
    supervisor_id: Option<ID>,
    report_type: Option<ReportType>,
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// Figures of your scope: members, unions, loans by status, portfolio and its PAR, what
    /// was disbursed, collected and due in the period (default: this month to date) against
    /// the period before, the top unions and recent activity.
    #[graphql(guard = "LoggedIn")]
    async fn dashboard(
        &self,
        ctx: &Context<'_>,
        period_start: Option<Date>,
        period_end: Option<Date>,
    ) -> Result<Dashboard> {
        let today = today(ctx);
        let period = service::period(
            period_start.map(Into::into),
            period_end.map(Into::into),
            today,
        )?;
        let caller = ctx.request().caller()?;
        Ok(Dashboard(
            service::dashboard(ctx.state(), &caller, period, today).await?,
        ))
    }

    /// A supervisor's team per officer and in total, with six months of trends. Supervisors
    /// see their own team (`supervisorId` defaults to you); administrators any supervisor's,
    /// or every officer's without `supervisorId`.
    #[graphql(guard = "LoggedIn")]
    async fn supervisor_report(
        &self,
        ctx: &Context<'_>,
        supervisor_id: Option<ID>,
        period_start: Option<Date>,
        period_end: Option<Date>,
    ) -> Result<SupervisorReport> {
        let today = today(ctx);
        let supervisor: Option<UserId> = parse_optional_id(supervisor_id.as_ref(), "supervisorId")?;
        let period = service::period(
            period_start.map(Into::into),
            period_end.map(Into::into),
            today,
        )?;
        let caller = ctx.request().caller()?;
        Ok(SupervisorReport(
            service::supervisor_report(ctx.state(), &caller, supervisor, period, today).await?,
        ))
    }

    /// Stored supervisor reports you may see, newest first.
    #[graphql(
        guard = "LoggedIn",
        complexity = "super::pagination::cost(first, child_complexity)"
    )]
    async fn report_sessions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReportSessionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<ReportSession>> {
        let args = PageArgs::new(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = db::report_sessions::ReportSessionFilter {
            supervisor_id: parse_optional_id(filter.supervisor_id.as_ref(), "supervisorId")?,
            report_type: filter.report_type.map(Into::into),
        };
        let caller = ctx.request().caller()?;
        let page = service::report_sessions(
            ctx.state(),
            &caller,
            &filter,
            PageArgs::wants_total(ctx),
            args.page,
        )
        .await?;
        Ok(Connection::new(&page, args.page))
    }

    /// What each member owes on `date` (default today), union by union: the rounds of a
    /// credit officer (`creditOfficerId`) or of one union (`unionId`); name exactly one.
    #[graphql(guard = "LoggedIn")]
    async fn collection_sheet(
        &self,
        ctx: &Context<'_>,
        date: Option<Date>,
        credit_officer_id: Option<ID>,
        union_id: Option<ID>,
    ) -> Result<CollectionSheet> {
        let day = date.map_or_else(|| today(ctx), Into::into);
        let target = match (credit_officer_id, union_id) {
            (Some(officer), None) => SheetTarget::Officer(parse_id(&officer, "creditOfficerId")?),
            (None, Some(union)) => SheetTarget::Union(parse_id(&union, "unionId")?),
            _ => {
                return Err(ServiceError::bad_input(
                    "creditOfficerId",
                    "Name either `creditOfficerId` or `unionId` (exactly one).",
                )
                .into());
            }
        };
        let caller = ctx.request().caller()?;
        Ok(CollectionSheet(
            service::collection_sheet(ctx.state(), &caller, target, day).await?,
        ))
    }

    /// The portfolio (ACTIVE and DEFAULTED loans) with what is more than 1, 30, 60 and 90 days
    /// late on `asOf` (today, or a later day: what will be late if nothing is paid), grouped.
    #[graphql(guard = "LoggedIn")]
    async fn portfolio_at_risk(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
        #[graphql(default_with = "ParGroupBy::Officer")] group_by: ParGroupBy,
    ) -> Result<PortfolioAtRisk> {
        let today = today(ctx);
        let as_of = as_of.map_or(today, Into::into);
        let caller = ctx.request().caller()?;
        Ok(PortfolioAtRisk(
            service::portfolio_at_risk(ctx.state(), &caller, as_of, group_by.into(), today).await?,
        ))
    }
}

#[derive(Default)]
pub struct ReportMutation;

#[Object]
impl ReportMutation {
    /// Runs `supervisorReport` and stores it as a snapshot (`reportSessions`).
    #[graphql(guard = "LoggedIn")]
    async fn generate_supervisor_report(
        &self,
        ctx: &Context<'_>,
        supervisor_id: Option<ID>,
        #[graphql(default_with = "ReportType::Custom")] report_type: ReportType,
        period_start: Date,
        period_end: Date,
    ) -> Result<ReportSession> {
        let today = today(ctx);
        let supervisor: Option<UserId> = parse_optional_id(supervisor_id.as_ref(), "supervisorId")?;
        let period = service::period(Some(period_start.into()), Some(period_end.into()), today)?;
        let caller = ctx.request().caller()?;
        let row = service::generate_supervisor_report(
            ctx.state(),
            &caller,
            supervisor,
            report_type.into(),
            period,
            today,
        )
        .await?;
        Ok(row.into())
    }

    /// Deletes a stored report (administrators, or the supervisor it belongs to).
    #[graphql(guard = "LoggedIn")]
    async fn delete_report_session(&self, ctx: &Context<'_>, id: ID) -> Result<ReportSession> {
        let id = parse_id(&id, "id")?;
        let caller = ctx.request().caller()?;
        Ok(service::delete_report_session(ctx.state(), &caller, id)
            .await?
            .into())
    }
}
