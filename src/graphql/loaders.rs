//! The per-request dataloaders: every relation field (to-one, to-many page, count) goes through
//! one of these, so a list of N parents costs one statement per relation, not N. They are built
//! once per HTTP request (a batch shares them) for the request's actor, and the actor's scope is
//! applied inside their SQL: a nested field never shows what a direct lookup would hide.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::NaiveDate;

use crate::db::page::{Page, Paged};
use crate::db::{self, DbConn, Direction, Listing};
use crate::domain::balance::Totals;
use crate::domain::permissions::{Scope, scope};
use crate::domain::{
    DocumentTypeId, LoanId, LoanTypeId, RepaymentId, ScheduleItemId, UnionId, UnionMemberId, UserId,
};
use crate::services::{self, Caller, ServiceError};
use crate::state::AppState;

/// What a loader fails with (cloned to every waiting field).
pub type LoadError = Arc<ServiceError>;

/// A loader's access to the database, for one caller and their scope.
#[derive(Clone)]
pub struct Source {
    state: AppState,
    caller: Caller,
    scope: Scope,
}

impl Source {
    async fn run<T, F>(&self, query: F) -> Result<T, LoadError>
    where
        F: for<'c> AsyncFnOnce(&'c mut DbConn, Scope) -> diesel::QueryResult<T>,
    {
        let mut conn = self
            .state
            .db
            .get()
            .await
            .map_err(|err| Arc::new(ServiceError::from(err)))?;
        query(&mut conn, self.scope)
            .await
            .map_err(|err| Arc::new(ServiceError::from(err)))
    }
}

/// Declares a loader of rows by typed id: `find_many(conn, ids, scope)` keyed by the row's `id`.
/// Every key gets an answer — `None` for a row that is missing or out of scope — so that the
/// cache remembers misses too.
macro_rules! by_id_loader {
    ($(#[$meta:meta])* $name:ident: $key:ty => $value:ty, $find_many:path) => {
        $(#[$meta])*
        pub struct $name(Source);

        impl Loader<$key> for $name {
            type Value = Option<$value>;
            type Error = LoadError;

            async fn load(
                &self,
                keys: &[$key],
            ) -> Result<HashMap<$key, Option<$value>>, LoadError> {
                let rows = self.0.run(async |conn, scope| $find_many(conn, keys, scope).await).await?;
                let mut found: HashMap<$key, Option<$value>> =
                    keys.iter().map(|key| (*key, None)).collect();
                found.extend(rows.into_iter().map(|row| (row.id, Some(row))));
                Ok(found)
            }
        }
    };
}

by_id_loader!(
    /// Staff by id, as visible to the actor.
    UserById: UserId => db::users::User, db::users::find_many
);
by_id_loader!(
    /// Unions by id, in scope.
    UnionById: UnionId => db::unions::Union, db::unions::find_many
);
by_id_loader!(
    /// Members by id, in scope.
    MemberById: UnionMemberId => db::union_members::UnionMember, db::union_members::find_many
);

by_id_loader!(
    /// Loan products by id.
    LoanTypeById: LoanTypeId => db::loan_types::LoanType, db::loan_types::find_many
);
by_id_loader!(
    /// Loans by id, in scope.
    LoanById: LoanId => db::loans::Loan, db::loans::find_many
);
by_id_loader!(
    /// Document types by id, deleted ones included.
    DocumentTypeById: DocumentTypeId => db::document_types::DocumentType,
    db::document_types::find_many
);

/// Declares a loader of each owner's documents, keyed by `(owner, include_deleted)`: one
/// statement per value of the flag asked for (`of(conn, owners, scope, include_deleted)`).
macro_rules! documents_loader {
    ($(#[$meta:meta])* $name:ident: $key:ty, $variant:ident, $of:path) => {
        $(#[$meta])*
        pub struct $name(Source);

        impl Loader<($key, bool)> for $name {
            type Value = Vec<db::documents::Document>;
            type Error = LoadError;

            async fn load(
                &self,
                keys: &[($key, bool)],
            ) -> Result<HashMap<($key, bool), Self::Value>, LoadError> {
                let mut groups: HashMap<($key, bool), Self::Value> =
                    keys.iter().map(|key| (*key, Vec::new())).collect();
                for include_deleted in [false, true] {
                    let owners: Vec<$key> = keys
                        .iter()
                        .filter(|(_, flag)| *flag == include_deleted)
                        .map(|(owner, _)| *owner)
                        .collect();
                    if owners.is_empty() {
                        continue;
                    }
                    let rows = self
                        .0
                        .run(async |conn, scope| $of(conn, &owners, scope, include_deleted).await)
                        .await?;
                    for row in rows {
                        if let db::documents::DocumentOwner::$variant(owner) = row.owner {
                            groups.entry((owner, include_deleted)).or_default().push(row);
                        }
                    }
                }
                Ok(groups)
            }
        }
    };
}

documents_loader!(
    /// Each member's documents, oldest upload first.
    DocumentsOfMember: UnionMemberId, Member, db::documents::of_members
);
documents_loader!(
    /// Each loan's documents, oldest upload first.
    DocumentsOfLoan: LoanId, Loan, db::documents::of_loans
);

/// Each loan's installments, in order (a loan's schedule is short: no page).
pub struct ScheduleOfLoan(Source);

impl Loader<LoanId> for ScheduleOfLoan {
    type Value = Vec<db::schedule_items::ScheduleItem>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[LoanId],
    ) -> Result<HashMap<LoanId, Vec<db::schedule_items::ScheduleItem>>, LoadError> {
        let rows = self
            .0
            .run(async |conn, scope| db::schedule_items::of_loans(conn, keys, scope).await)
            .await?;
        let mut schedules: HashMap<LoanId, Vec<_>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for row in rows {
            schedules.entry(row.loan_id).or_default().push(row);
        }
        Ok(schedules)
    }
}

/// Declares a loader of all the children of each parent key (short lists: a loan's
/// repayments, a repayment's allocations), in the order `load(conn, keys, scope)` returns them.
macro_rules! group_loader {
    ($(#[$meta:meta])* $name:ident: $key:ty => $value:ty, $parent:ident, $load:expr) => {
        $(#[$meta])*
        pub struct $name(Source);

        impl Loader<$key> for $name {
            type Value = Vec<$value>;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Vec<$value>>, LoadError> {
                let rows = self.0.run(async |conn, scope| $load(conn, keys, scope).await).await?;
                let mut groups: HashMap<$key, Vec<$value>> =
                    keys.iter().map(|key| (*key, Vec::new())).collect();
                for row in rows {
                    groups.entry(row.$parent).or_default().push(row);
                }
                Ok(groups)
            }
        }
    };
}

/// The repayments of the loans among `keys` that are in scope.
async fn repayments_in_scope(
    conn: &mut DbConn,
    keys: &[LoanId],
    scope: Scope,
) -> diesel::QueryResult<Vec<db::repayments::Repayment>> {
    let visible: Vec<LoanId> = db::loans::find_many(conn, keys, scope)
        .await?
        .into_iter()
        .map(|loan| loan.id)
        .collect();
    db::repayments::of_loans(conn, &visible).await
}

group_loader!(
    /// Each loan's repayments, reversed ones included, in `paidAt` order.
    RepaymentsOfLoan: LoanId => db::repayments::Repayment, loan_id, repayments_in_scope
);
group_loader!(
    /// Each repayment's allocations (the repayments were read in scope).
    AllocationsOfRepayment: RepaymentId => db::repayments::AllocationRow, repayment_id,
    |conn, keys, _scope| db::repayments::allocations_of(conn, keys)
);

group_loader!(
    /// Each loan's charges, waived ones included, oldest first (the loans were read in scope).
    ChargesOfLoan: LoanId => db::charges::Charge, loan_id,
    |conn, keys, _scope| db::charges::of_loans(conn, keys)
);

/// Each loan's first installment not paid in full, if any (the loans were read in scope).
pub struct NextInstallmentOfLoan(Source);

impl Loader<LoanId> for NextInstallmentOfLoan {
    type Value = Option<db::schedule_items::ScheduleItem>;
    type Error = LoadError;

    async fn load(&self, keys: &[LoanId]) -> Result<HashMap<LoanId, Self::Value>, LoadError> {
        let rows = self
            .0
            .run(async |conn, _scope| db::schedule_items::next_unpaid_of_loans(conn, keys).await)
            .await?;
        let mut next: HashMap<LoanId, Self::Value> = keys.iter().map(|key| (*key, None)).collect();
        next.extend(rows.into_iter().map(|row| (row.loan_id, Some(row))));
        Ok(next)
    }
}

/// Each loan's totals on a day, keyed by (loan, day): one statement per distinct day (the loans
/// were read in scope).
pub struct TotalsOfLoan(Source);

impl Loader<(LoanId, NaiveDate)> for TotalsOfLoan {
    type Value = Totals;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(LoanId, NaiveDate)],
    ) -> Result<HashMap<(LoanId, NaiveDate), Totals>, LoadError> {
        let mut by_day: HashMap<NaiveDate, Vec<LoanId>> = HashMap::new();
        for (loan, day) in keys {
            by_day.entry(*day).or_default().push(*loan);
        }
        let mut totals: HashMap<(LoanId, NaiveDate), Totals> =
            keys.iter().map(|key| (*key, Totals::default())).collect();
        for (day, loans) in by_day {
            let rows = self
                .0
                .run(async |conn, _scope| db::balances::totals(conn, &loans, day).await)
                .await?;
            totals.extend(rows.into_iter().map(|(loan, sums)| ((loan, day), sums)));
        }
        Ok(totals)
    }
}

/// Loads pages of children for keys `(parent, page)`: one statement per distinct page (in
/// practice one, since sibling fields ask for the same page).
async fn load_pages<K, T, F, Fut>(
    keys: &[(K, Page)],
    mut load: F,
) -> Result<HashMap<(K, Page), Arc<Paged<T>>>, LoadError>
where
    K: Copy + Eq + Hash,
    F: FnMut(Vec<K>, Page) -> Fut,
    Fut: Future<Output = Result<HashMap<K, Paged<T>>, LoadError>>,
{
    let mut by_page: HashMap<Page, HashSet<K>> = HashMap::new();
    for (parent, page) in keys {
        by_page.entry(*page).or_default().insert(*parent);
    }
    let mut pages = HashMap::with_capacity(keys.len());
    for (page, parents) in by_page {
        let parents: Vec<K> = parents.into_iter().collect();
        let mut loaded = load(parents.clone(), page).await?;
        for parent in parents {
            let children = loaded.remove(&parent).unwrap_or(Paged {
                rows: Vec::new(),
                has_next: false,
                total: Some(0),
            });
            pages.insert((parent, page), Arc::new(children));
        }
    }
    Ok(pages)
}

/// Declares a loader of child pages: `page_by(conn, parents, scope, page)`.
macro_rules! page_loader {
    ($(#[$meta:meta])* $name:ident: $key:ty => $value:ty, $page_by:path) => {
        $(#[$meta])*
        pub struct $name(Source);

        impl Loader<($key, Page)> for $name {
            type Value = Arc<Paged<$value>>;
            type Error = LoadError;

            async fn load(
                &self,
                keys: &[($key, Page)],
            ) -> Result<HashMap<($key, Page), Arc<Paged<$value>>>, LoadError> {
                load_pages(keys, |parents, page| async move {
                    self.0
                        .run(async |conn, scope| $page_by(conn, &parents, scope, page).await)
                        .await
                })
                .await
            }
        }
    };
}

page_loader!(
    /// A page of each union's members, by name.
    MembersOfUnion: UnionId => db::union_members::UnionMember, db::union_members::page_by_union
);
page_loader!(
    /// A page of each officer's unions, by name.
    UnionsOfOfficer: UserId => db::unions::Union, db::unions::page_by_officer
);
page_loader!(
    /// A page of each supervisor's credit officers, by name.
    OfficersOfSupervisor: UserId => db::users::User, db::users::page_by_supervisor
);

page_loader!(
    /// A page of each union's loans, newest first.
    LoansOfUnion: UnionId => db::loans::Loan, db::loans::page_by_union
);
page_loader!(
    /// A page of each member's loans, newest first.
    LoansOfMember: UnionMemberId => db::loans::Loan, db::loans::page_by_member
);
page_loader!(
    /// A page of the loans each credit officer is in charge of, newest first.
    LoansOfOfficer: UserId => db::loans::Loan, db::loans::page_by_officer
);

/// Declares a loader of counts per parent: `count_by(conn, parents, scope)` → `(parent, n)`;
/// parents without children count 0.
macro_rules! count_loader {
    ($(#[$meta:meta])* $name:ident: $key:ty, $count_by:path) => {
        $(#[$meta])*
        pub struct $name(Source);

        impl Loader<$key> for $name {
            type Value = i64;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, i64>, LoadError> {
                let counted = self.0.run(async |conn, scope| $count_by(conn, keys, scope).await).await?;
                let mut counts: HashMap<$key, i64> = keys.iter().map(|key| (*key, 0)).collect();
                counts.extend(counted);
                Ok(counts)
            }
        }
    };
}

count_loader!(
    /// Live members per union.
    MemberCountOfUnion: UnionId, db::union_members::count_by_union
);

count_loader!(
    /// Live loans per union.
    LoanCountOfUnion: UnionId, db::loans::count_by_union
);

page_loader!(
    /// A page of each union's changes of officer, newest first.
    AssignmentsOfUnion: UnionId => db::assignments::AssignmentChange, db::assignments::page_by_union
);

page_loader!(
    /// A page of each member's moves between unions, newest first.
    ReassignmentsOfMember: UnionMemberId => db::assignments::AssignmentChange, db::assignments::page_by_member
);

/// A top-level list as asked for: the same list asked twice in a request (by the operations of
/// a report generator's batch, say) is read once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListKey<F, O> {
    pub filter: F,
    pub order: O,
    pub listing: Listing,
    pub page: Page,
}

/// Declares a loader of top-level lists through their service: `list(state, caller, &key)`.
macro_rules! list_loader {
    (
        $(#[$meta:meta])* $name:ident: $filter:ty, $order:ty => $value:ty,
        |$state:ident, $caller:ident, $key:ident| $list:expr
    ) => {
        $(#[$meta])*
        pub struct $name(Source);

        impl Loader<ListKey<$filter, $order>> for $name {
            type Value = Arc<Paged<$value>>;
            type Error = LoadError;

            async fn load(
                &self,
                keys: &[ListKey<$filter, $order>],
            ) -> Result<HashMap<ListKey<$filter, $order>, Arc<Paged<$value>>>, LoadError> {
                let mut lists = HashMap::with_capacity(keys.len());
                for key in keys {
                    let ($state, $caller, $key) = (&self.0.state, &self.0.caller, key);
                    let list = $list.await.map_err(Arc::new)?;
                    lists.insert(key.clone(), Arc::new(list));
                }
                Ok(lists)
            }
        }
    };
}

type Order<F> = (F, Direction);

list_loader!(
    /// Lists of staff.
    UserLists: db::users::UserFilter, Order<db::users::UserOrderField> => db::users::User,
    |state, caller, key| services::users::list(
        state, caller, &key.filter, key.order, key.listing, key.page
    )
);
list_loader!(
    /// Lists of unions.
    UnionLists: db::unions::UnionFilter, Order<db::unions::UnionOrderField> => db::unions::Union,
    |state, caller, key| services::unions::list(
        state, caller, &key.filter, key.order, key.listing, key.page
    )
);
list_loader!(
    /// Lists of members.
    MemberLists: db::union_members::MemberFilter, Order<db::union_members::MemberOrderField>
        => db::union_members::UnionMember,
    |state, caller, key| services::members::list(
        state, caller, &key.filter, key.order, key.listing, key.page
    )
);
list_loader!(
    /// Pages of the assignment history.
    AssignmentLists: db::assignments::AssignmentFilter, () => db::assignments::AssignmentChange,
    |state, caller, key| services::assignments::list(
        state, caller, &key.filter, key.listing.want_total, key.page
    )
);

list_loader!(
    /// Lists of loan products.
    LoanTypeLists: db::loan_types::LoanTypeFilter, Order<db::loan_types::LoanTypeOrderField>
        => db::loan_types::LoanType,
    |state, caller, key| services::catalog::loan_types(
        state, caller, &key.filter, key.order, key.listing, key.page
    )
);
list_loader!(
    /// Lists of document types.
    DocumentTypeLists: db::document_types::DocumentTypeFilter, ()
        => db::document_types::DocumentType,
    |state, caller, key| services::catalog::document_types(
        state, caller, &key.filter, key.listing, key.page
    )
);

list_loader!(
    /// Lists of loans.
    LoanLists: db::loans::LoanFilter, () => db::loans::Loan,
    |state, caller, key| services::loans::list(state, caller, &key.filter, key.listing, key.page)
);
list_loader!(
    /// Lists of repayments.
    RepaymentLists: db::repayments::RepaymentFilter, () => db::repayments::Repayment,
    |state, caller, key| services::repayments::list(
        state, caller, &key.filter, key.listing.want_total, key.page
    )
);
list_loader!(
    /// Lists of installments.
    ScheduleItemLists: db::schedule_items::ScheduleItemFilter, ()
        => db::schedule_items::ScheduleItem,
    |state, caller, key| services::loans::schedule_items(
        state, caller, &key.filter, key.listing.want_total, key.page
    )
);

/// Each installment's allocations (the installments were read in scope).
pub struct AllocationsOfItem(Source);

impl Loader<ScheduleItemId> for AllocationsOfItem {
    type Value = Vec<db::repayments::AllocationRow>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ScheduleItemId],
    ) -> Result<HashMap<ScheduleItemId, Self::Value>, LoadError> {
        let rows = self
            .0
            .run(async |conn, _scope| db::repayments::allocations_to(conn, keys).await)
            .await?;
        let mut groups: HashMap<ScheduleItemId, Self::Value> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for row in rows {
            if let Some(item) = row.schedule_item_id {
                groups.entry(item).or_default().push(row);
            }
        }
        Ok(groups)
    }
}

/// Every loader of one request.
pub struct Loaders {
    pub loan_type: DataLoader<LoanTypeById, HashMapCache>,
    pub loan: DataLoader<LoanById, HashMapCache>,
    pub document_type: DataLoader<DocumentTypeById, HashMapCache>,
    pub documents_of_member: DataLoader<DocumentsOfMember, HashMapCache>,
    pub documents_of_loan: DataLoader<DocumentsOfLoan, HashMapCache>,
    pub schedule_of_loan: DataLoader<ScheduleOfLoan, HashMapCache>,
    pub repayments_of_loan: DataLoader<RepaymentsOfLoan, HashMapCache>,
    pub loans_of_union: DataLoader<LoansOfUnion, HashMapCache>,
    pub loans_of_member: DataLoader<LoansOfMember, HashMapCache>,
    pub loans_of_officer: DataLoader<LoansOfOfficer, HashMapCache>,
    pub allocations_of_repayment: DataLoader<AllocationsOfRepayment, HashMapCache>,
    pub charges_of_loan: DataLoader<ChargesOfLoan, HashMapCache>,
    pub next_installment_of_loan: DataLoader<NextInstallmentOfLoan, HashMapCache>,
    pub totals_of_loan: DataLoader<TotalsOfLoan, HashMapCache>,
    pub user_lists: DataLoader<UserLists, HashMapCache>,
    pub union_lists: DataLoader<UnionLists, HashMapCache>,
    pub member_lists: DataLoader<MemberLists, HashMapCache>,
    pub assignment_lists: DataLoader<AssignmentLists, HashMapCache>,
    pub loan_type_lists: DataLoader<LoanTypeLists, HashMapCache>,
    pub document_type_lists: DataLoader<DocumentTypeLists, HashMapCache>,
    pub loan_lists: DataLoader<LoanLists, HashMapCache>,
    pub repayment_lists: DataLoader<RepaymentLists, HashMapCache>,
    pub schedule_item_lists: DataLoader<ScheduleItemLists, HashMapCache>,
    pub allocations_of_item: DataLoader<AllocationsOfItem, HashMapCache>,
    pub user: DataLoader<UserById, HashMapCache>,
    pub union: DataLoader<UnionById, HashMapCache>,
    pub member: DataLoader<MemberById, HashMapCache>,
    pub members_of_union: DataLoader<MembersOfUnion, HashMapCache>,
    pub unions_of_officer: DataLoader<UnionsOfOfficer, HashMapCache>,
    pub officers_of_supervisor: DataLoader<OfficersOfSupervisor, HashMapCache>,
    pub member_count_of_union: DataLoader<MemberCountOfUnion, HashMapCache>,
    pub loan_count_of_union: DataLoader<LoanCountOfUnion, HashMapCache>,
    pub assignments_of_union: DataLoader<AssignmentsOfUnion, HashMapCache>,
    pub reassignments_of_member: DataLoader<ReassignmentsOfMember, HashMapCache>,
}

/// A dataloader whose batches run in tasks that keep the request's statement attribution.
fn loader<T: Send + Sync + 'static>(loader: T) -> DataLoader<T, HashMapCache> {
    DataLoader::with_cache(
        loader,
        |batch| tokio::spawn(crate::db::instrument::propagate(batch)),
        HashMapCache::default(),
    )
}

impl Loaders {
    /// The loaders of a request by `caller`.
    pub fn new(state: &AppState, caller: Caller) -> Self {
        let source = Source {
            state: state.clone(),
            scope: scope(&caller.actor),
            caller,
        };
        Self {
            loan_type: loader(LoanTypeById(source.clone())),
            loan: loader(LoanById(source.clone())),
            document_type: loader(DocumentTypeById(source.clone())),
            documents_of_member: loader(DocumentsOfMember(source.clone())),
            documents_of_loan: loader(DocumentsOfLoan(source.clone())),
            schedule_of_loan: loader(ScheduleOfLoan(source.clone())),
            repayments_of_loan: loader(RepaymentsOfLoan(source.clone())),
            charges_of_loan: loader(ChargesOfLoan(source.clone())),
            next_installment_of_loan: loader(NextInstallmentOfLoan(source.clone())),
            totals_of_loan: loader(TotalsOfLoan(source.clone())),
            loans_of_union: loader(LoansOfUnion(source.clone())),
            loans_of_member: loader(LoansOfMember(source.clone())),
            loans_of_officer: loader(LoansOfOfficer(source.clone())),
            allocations_of_repayment: loader(AllocationsOfRepayment(source.clone())),
            user_lists: loader(UserLists(source.clone())),
            union_lists: loader(UnionLists(source.clone())),
            member_lists: loader(MemberLists(source.clone())),
            assignment_lists: loader(AssignmentLists(source.clone())),
            loan_type_lists: loader(LoanTypeLists(source.clone())),
            document_type_lists: loader(DocumentTypeLists(source.clone())),
            loan_lists: loader(LoanLists(source.clone())),
            repayment_lists: loader(RepaymentLists(source.clone())),
            schedule_item_lists: loader(ScheduleItemLists(source.clone())),
            allocations_of_item: loader(AllocationsOfItem(source.clone())),
            user: loader(UserById(source.clone())),
            union: loader(UnionById(source.clone())),
            member: loader(MemberById(source.clone())),
            members_of_union: loader(MembersOfUnion(source.clone())),
            unions_of_officer: loader(UnionsOfOfficer(source.clone())),
            officers_of_supervisor: loader(OfficersOfSupervisor(source.clone())),
            member_count_of_union: loader(MemberCountOfUnion(source.clone())),
            loan_count_of_union: loader(LoanCountOfUnion(source.clone())),
            assignments_of_union: loader(AssignmentsOfUnion(source.clone())),
            reassignments_of_member: loader(ReassignmentsOfMember(source)),
        }
    }
}
