//! Loading the relations of a whole page ahead, level by level.
//!
//! A dataloader batches the keys its callers ask for within a short delay. async-graphql
//! resolves the items of a list a few at a time (each item's fields hand the thread back), so on
//! a busy server the keys of a long list trickle in over several delays and one relation can
//! cost several statements. A list resolver therefore walks the query's selection before its
//! items resolve: for every relation selected below it, it asks the loader for the keys of all
//! rows at once (one batch), and goes on with the rows that came back. The items then find
//! everything in the loaders' caches. The statements a query costs so depend on its shape,
//! never on the number of rows.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, Name, Result, SelectionField, Value};
use chrono::NaiveDate;
use futures_util::future::{BoxFuture, FutureExt, try_join_all};

use super::context::ContextExt;
use super::loaders::LoadError;
use super::pagination::PageArgs;
use super::types::loaded;
use crate::db;
use crate::db::assignments::AssignmentChange;
use crate::db::documents::DocumentOwner;
use crate::db::page::{Page, Paged};
use crate::domain::permissions;
use crate::domain::{LoanId, UnionId, UnionMemberId, UserId};

/// The selections of some fields of one type.
pub type Fields<'a> = Vec<SelectionField<'a>>;

/// What a preload of one relation returns: a future to join with the relation's siblings.
type Step<'a> = BoxFuture<'a, Result<()>>;

/// The subfields named `name` (under any alias, through fragments) of `fields`.
pub fn children<'a>(fields: &[SelectionField<'a>], name: &str) -> Fields<'a> {
    fields
        .iter()
        .flat_map(|field| field.selection_set().filter(|child| child.name() == name))
        .collect()
}

/// The selections of the nodes of connection fields: `nodes`, and `node` under `edges`.
pub fn nodes_of<'a>(connections: &[SelectionField<'a>]) -> Fields<'a> {
    let mut nodes = children(connections, "nodes");
    nodes.extend(children(&children(connections, "edges"), "node"));
    nodes
}

/// The page a connection field asks for; `None` when its arguments are invalid (the field's
/// own resolver reports that).
fn page_of(ctx: &Context<'_>, field: &SelectionField<'_>) -> Option<Page> {
    let arguments: HashMap<Name, Value> = field.arguments().ok()?.into_iter().collect();
    let first = match arguments.get("first") {
        None | Some(Value::Null) => None,
        Some(Value::Number(number)) => Some(i32::try_from(number.as_i64()?).ok()?),
        Some(_) => return None,
    };
    let after = match arguments.get("after") {
        None | Some(Value::Null) => None,
        Some(Value::String(cursor)) => Some(cursor.as_str()),
        Some(_) => return None,
    };
    PageArgs::new(ctx, first, after).ok().map(|args| args.page)
}

/// The day a `balance` field asks for: its `asOf`, or today; `None` when the argument is
/// invalid (the field's own resolver reports that).
fn balance_day(ctx: &Context<'_>, field: &SelectionField<'_>) -> Option<NaiveDate> {
    let arguments: HashMap<Name, Value> = field.arguments().ok()?.into_iter().collect();
    match arguments.get("asOf") {
        None | Some(Value::Null) => Some(super::loans::today(ctx)),
        Some(Value::String(day)) => day.parse().ok(),
        Some(_) => None,
    }
}

/// Whether `fields` select any object below them. Every relation a preload loads is an object
/// (or a list of them), except a union's counts; so a list that selects only scalars — a
/// nested list's leaves, say — has nothing to preload, and its items' own lists nothing to
/// walk.
fn relations_selected(fields: &[SelectionField<'_>]) -> bool {
    fields
        .iter()
        .flat_map(|field| field.selection_set())
        .any(|child| child.selection_set().next().is_some())
}

/// Whether `fields` select a subfield `name`.
fn selected(fields: &[SelectionField<'_>], name: &str) -> bool {
    !children(fields, name).is_empty()
}

/// A step that loads `keys` into `loader`'s cache, for the resolvers that follow.
fn warm<'a, K, L>(loader: &'a DataLoader<L, HashMapCache>, keys: Vec<K>) -> Step<'a>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K, Error = LoadError>,
{
    async move { loaded(loader.load_many(keys).await).map(drop) }.boxed()
}

/// `fields` grouped by what `key` reads from each (fields it gives `None` are left out).
fn grouped<'a, K: PartialEq>(
    fields: Fields<'a>,
    key: impl Fn(&SelectionField<'a>) -> Option<K>,
) -> Vec<(K, Fields<'a>)> {
    let mut groups: Vec<(K, Fields<'a>)> = Vec::new();
    for field in fields {
        let Some(key) = key(&field) else {
            continue;
        };
        match groups.iter_mut().find(|(known, _)| *known == key) {
            Some((_, same)) => same.push(field),
            None => groups.push((key, vec![field])),
        }
    }
    groups
}

/// The pages asked for by the connection fields `fields`, each with its fields.
fn pages<'a>(ctx: &Context<'_>, fields: Fields<'a>) -> Vec<(Page, Fields<'a>)> {
    grouped(fields, |field| page_of(ctx, field))
}

/// The `documents` fields among `fields`, by the `includeDeleted` they ask for. A field asking
/// for deleted documents by someone who may not see them is left to its resolver, which
/// refuses it.
fn document_lists<'a>(ctx: &Context<'_>, fields: &[SelectionField<'a>]) -> Vec<(bool, Fields<'a>)> {
    let may_see_deleted = ctx
        .request()
        .actor()
        .is_ok_and(|actor| permissions::can_access_deleted(actor).is_ok());
    grouped(children(fields, "documents"), |field| {
        let arguments: HashMap<Name, Value> = field.arguments().ok()?.into_iter().collect();
        let include_deleted = match arguments.get("includeDeleted") {
            None | Some(Value::Null) => false,
            Some(Value::Boolean(flag)) => *flag,
            Some(_) => return None,
        };
        (may_see_deleted || !include_deleted).then_some(include_deleted)
    })
}

fn distinct<K: Ord + Copy>(keys: impl IntoIterator<Item = K>) -> Vec<K> {
    keys.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

async fn join(steps: Vec<Step<'_>>) -> Result<()> {
    try_join_all(steps).await.map(drop)
}

/// Loads the users `ids` and what `fields` select of them.
fn users_by_id<'a>(ctx: &'a Context<'_>, ids: Vec<UserId>, fields: Fields<'a>) -> Step<'a> {
    async move {
        if fields.is_empty() || ids.is_empty() {
            return Ok(());
        }
        let found = loaded(ctx.loaders()?.user.load_many(distinct(ids)).await)?;
        users(ctx, found.values().flatten().collect(), fields).await
    }
    .boxed()
}

/// Loads the unions `ids` and what `fields` select of them.
fn unions_by_id<'a>(ctx: &'a Context<'_>, ids: Vec<UnionId>, fields: Fields<'a>) -> Step<'a> {
    async move {
        if fields.is_empty() || ids.is_empty() {
            return Ok(());
        }
        let found = loaded(ctx.loaders()?.union.load_many(distinct(ids)).await)?;
        unions(ctx, found.values().flatten().collect(), fields).await
    }
    .boxed()
}

/// Loads the members `ids` and what `fields` select of them.
fn members_by_id<'a>(
    ctx: &'a Context<'_>,
    ids: Vec<UnionMemberId>,
    fields: Fields<'a>,
) -> Step<'a> {
    async move {
        if fields.is_empty() || ids.is_empty() {
            return Ok(());
        }
        let found = loaded(ctx.loaders()?.member.load_many(distinct(ids)).await)?;
        members(ctx, found.values().flatten().collect(), fields).await
    }
    .boxed()
}

/// Loads the pages `keys`, which a preload asks for all at once, and leaves them in `loader`'s
/// cache for the connection fields that follow. They are read at once rather than after the
/// loader's batching delay (which gathers keys that trickle in), which would only add to the
/// answer's time, once per level of nesting. Pages already in the cache (read by an earlier
/// operation of a batch, say) come from it.
async fn pages_now<K, T, L>(
    loader: &DataLoader<L, HashMapCache>,
    keys: Vec<(K, Page)>,
) -> Result<HashMap<(K, Page), Arc<Paged<T>>>>
where
    K: Copy + Send + Sync + Hash + Eq + 'static,
    L: Loader<(K, Page), Value = Arc<Paged<T>>, Error = LoadError>,
{
    let cached = loader.get_cached_values::<(K, Page)>();
    if keys.iter().all(|key| cached.contains_key(key)) {
        return loaded(loader.load_many(keys).await);
    }
    let pages = loaded(loader.loader().load(&keys).await)?;
    loader.feed_many(pages.clone()).await;
    Ok(pages)
}

/// The rows of the pages loaded for `parents`.
fn rows_of<K, T>(pages: &HashMap<(K, Page), Arc<Paged<T>>>) -> Vec<&T> {
    pages.values().flat_map(|page| page.rows.iter()).collect()
}

/// What `fields` select of the staff `rows`.
pub fn users<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a db::users::User>,
    fields: Fields<'a>,
) -> Step<'a> {
    async move {
        if rows.is_empty() || !relations_selected(&fields) {
            return Ok(());
        }
        let loaders = ctx.loaders()?;
        let ids: Vec<UserId> = rows.iter().map(|user| user.id).collect();
        let mut steps = vec![users_by_id(
            ctx,
            rows.iter().filter_map(|user| user.supervisor_id).collect(),
            children(&fields, "supervisor"),
        )];
        for (page, connections) in pages(ctx, children(&fields, "creditOfficers")) {
            let keys: Vec<_> = ids.iter().map(|id| (*id, page)).collect();
            steps.push(
                async move {
                    let loaded = pages_now(&loaders.officers_of_supervisor, keys).await?;
                    users(ctx, rows_of(&loaded), nodes_of(&connections)).await
                }
                .boxed(),
            );
        }
        for (page, connections) in pages(ctx, children(&fields, "unions")) {
            let keys: Vec<_> = ids.iter().map(|id| (*id, page)).collect();
            steps.push(
                async move {
                    let loaded = pages_now(&loaders.unions_of_officer, keys).await?;
                    unions(ctx, rows_of(&loaded), nodes_of(&connections)).await
                }
                .boxed(),
            );
        }
        for (page, connections) in pages(ctx, children(&fields, "loans")) {
            let keys: Vec<_> = ids.iter().map(|id| (*id, page)).collect();
            steps.push(
                async move {
                    let loaded = pages_now(&loaders.loans_of_officer, keys).await?;
                    loans(ctx, rows_of(&loaded), nodes_of(&connections)).await
                }
                .boxed(),
            );
        }
        join(steps).await
    }
    .boxed()
}

/// What `fields` select of the unions `rows`.
pub fn unions<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a db::unions::Union>,
    fields: Fields<'a>,
) -> Step<'a> {
    async move {
        if rows.is_empty() || fields.is_empty() {
            return Ok(());
        }
        let loaders = ctx.loaders()?;
        let ids: Vec<UnionId> = rows.iter().map(|union| union.id).collect();
        let mut steps = vec![users_by_id(
            ctx,
            rows.iter().map(|union| union.credit_officer_id).collect(),
            children(&fields, "creditOfficer"),
        )];
        if selected(&fields, "memberCount") {
            steps.push(warm(&loaders.member_count_of_union, ids.clone()));
        }
        if selected(&fields, "loanCount") {
            steps.push(warm(&loaders.loan_count_of_union, ids.clone()));
        }
        for (page, connections) in pages(ctx, children(&fields, "members")) {
            let keys: Vec<_> = ids.iter().map(|id| (*id, page)).collect();
            steps.push(
                async move {
                    let loaded = pages_now(&loaders.members_of_union, keys).await?;
                    members(ctx, rows_of(&loaded), nodes_of(&connections)).await
                }
                .boxed(),
            );
        }
        for (page, connections) in pages(ctx, children(&fields, "loans")) {
            let keys: Vec<_> = ids.iter().map(|id| (*id, page)).collect();
            steps.push(
                async move {
                    let loaded = pages_now(&loaders.loans_of_union, keys).await?;
                    loans(ctx, rows_of(&loaded), nodes_of(&connections)).await
                }
                .boxed(),
            );
        }
        for (page, connections) in pages(ctx, children(&fields, "assignmentHistory")) {
            let keys: Vec<_> = ids.iter().map(|id| (*id, page)).collect();
            steps.push(
                async move {
                    let loaded = pages_now(&loaders.assignments_of_union, keys).await?;
                    assignments(ctx, rows_of(&loaded), nodes_of(&connections)).await
                }
                .boxed(),
            );
        }
        join(steps).await
    }
    .boxed()
}

/// What `fields` select of the members `rows`.
pub fn members<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a db::union_members::UnionMember>,
    fields: Fields<'a>,
) -> Step<'a> {
    async move {
        if rows.is_empty() || !relations_selected(&fields) {
            return Ok(());
        }
        let loaders = ctx.loaders()?;
        let union_ids: Vec<UnionId> = rows.iter().map(|member| member.union_id).collect();
        let mut steps = vec![unions_by_id(
            ctx,
            union_ids.clone(),
            children(&fields, "union"),
        )];
        let officers = children(&fields, "creditOfficer");
        if !officers.is_empty() {
            steps.push(
                async move {
                    let found = loaded(loaders.union.load_many(distinct(union_ids)).await)?;
                    let officer_ids = found
                        .into_values()
                        .flatten()
                        .map(|union| union.credit_officer_id)
                        .collect();
                    users_by_id(ctx, officer_ids, officers).await
                }
                .boxed(),
            );
        }
        for (page, connections) in pages(ctx, children(&fields, "loans")) {
            let keys: Vec<_> = rows.iter().map(|member| (member.id, page)).collect();
            steps.push(
                async move {
                    let loaded = pages_now(&loaders.loans_of_member, keys).await?;
                    loans(ctx, rows_of(&loaded), nodes_of(&connections)).await
                }
                .boxed(),
            );
        }
        for (page, connections) in pages(ctx, children(&fields, "reassignments")) {
            let keys: Vec<_> = rows.iter().map(|member| (member.id, page)).collect();
            steps.push(
                async move {
                    let loaded = pages_now(&loaders.reassignments_of_member, keys).await?;
                    assignments(ctx, rows_of(&loaded), nodes_of(&connections)).await
                }
                .boxed(),
            );
        }
        for (include_deleted, lists) in document_lists(ctx, &fields) {
            let keys: Vec<_> = rows
                .iter()
                .map(|member| (member.id, include_deleted))
                .collect();
            steps.push(
                async move {
                    let loaded = loaded(loaders.documents_of_member.load_many(keys).await)?;
                    documents(ctx, loaded.values().flatten().collect(), lists).await
                }
                .boxed(),
            );
        }
        join(steps).await
    }
    .boxed()
}

/// What `fields` select of the assignment changes `rows`.
pub fn assignments<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a AssignmentChange>,
    fields: Fields<'a>,
) -> Step<'a> {
    async move {
        if rows.is_empty() || !relations_selected(&fields) {
            return Ok(());
        }
        let mut unions = Vec::new();
        let mut old_unions = Vec::new();
        let mut members = Vec::new();
        let mut old_officers = Vec::new();
        let mut new_officers = Vec::new();
        let mut changed_by = Vec::new();
        for row in &rows {
            match row {
                AssignmentChange::Union(change) => {
                    unions.push(change.union_id);
                    old_officers.extend(change.old_officer_id);
                    new_officers.push(change.new_officer_id);
                    changed_by.push(change.changed_by_user_id);
                }
                AssignmentChange::Member(change) => {
                    unions.push(change.new_union_id);
                    old_unions.push(change.old_union_id);
                    members.push(change.union_member_id);
                    old_officers.extend(change.old_officer_id);
                    new_officers.push(change.new_officer_id);
                    changed_by.push(change.changed_by_user_id);
                }
            }
        }
        join(vec![
            unions_by_id(ctx, unions, children(&fields, "union")),
            unions_by_id(ctx, old_unions, children(&fields, "oldUnion")),
            members_by_id(ctx, members, children(&fields, "unionMember")),
            users_by_id(ctx, old_officers, children(&fields, "oldOfficer")),
            users_by_id(ctx, new_officers, children(&fields, "newOfficer")),
            users_by_id(ctx, changed_by, children(&fields, "changedBy")),
        ])
        .await
    }
    .boxed()
}

/// The selections of the nodes of the connection field being resolved in `ctx`.
pub fn page_nodes<'a>(ctx: &'a Context<'_>) -> Fields<'a> {
    nodes_of(&ctx.look_ahead().selection_fields())
}

/// The selections of the field being resolved in `ctx` (for a single object).
pub fn selection<'a>(ctx: &'a Context<'_>) -> Fields<'a> {
    ctx.look_ahead().selection_fields()
}

/// What `fields` select of the audit entries `rows`.
pub fn audit_logs<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a db::audit_logs::AuditLog>,
    fields: Fields<'a>,
) -> Step<'a> {
    users_by_id(
        ctx,
        rows.iter().filter_map(|row| row.actor_user_id).collect(),
        children(&fields, "actor"),
    )
}

/// What `fields` select of the login attempts `rows`.
pub fn login_attempts<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a db::login_history::LoginAttempt>,
    fields: Fields<'a>,
) -> Step<'a> {
    users_by_id(
        ctx,
        rows.iter().filter_map(|row| row.user_id).collect(),
        children(&fields, "user"),
    )
}

/// What `fields` select of the notes `rows`.
pub fn notes<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a db::user_notes::UserNote>,
    fields: Fields<'a>,
) -> Step<'a> {
    async move {
        join(vec![
            users_by_id(
                ctx,
                rows.iter().map(|row| row.user_id).collect(),
                children(&fields, "user"),
            ),
            users_by_id(
                ctx,
                rows.iter().map(|row| row.created_by_user_id).collect(),
                children(&fields, "createdBy"),
            ),
        ])
        .await
    }
    .boxed()
}

/// What `fields` select of the loans `rows`.
pub fn loans<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a db::loans::Loan>,
    fields: Fields<'a>,
) -> Step<'a> {
    async move {
        if rows.is_empty() || !relations_selected(&fields) {
            return Ok(());
        }
        let loaders = ctx.loaders()?;
        let mut steps = vec![
            members_by_id(
                ctx,
                rows.iter().map(|loan| loan.union_member_id).collect(),
                children(&fields, "unionMember"),
            ),
            unions_by_id(
                ctx,
                rows.iter().map(|loan| loan.union_id).collect(),
                children(&fields, "union"),
            ),
            users_by_id(
                ctx,
                rows.iter().map(|loan| loan.assigned_officer_id).collect(),
                children(&fields, "assignedOfficer"),
            ),
            users_by_id(
                ctx,
                rows.iter().map(|loan| loan.created_by_user_id).collect(),
                children(&fields, "createdBy"),
            ),
            users_by_id(
                ctx,
                rows.iter()
                    .filter_map(|loan| loan.approved_by_user_id)
                    .collect(),
                children(&fields, "approvedBy"),
            ),
        ];
        let ids = distinct(rows.iter().map(|loan| loan.id));
        if selected(&fields, "loanType") {
            steps.push(warm(
                &loaders.loan_type,
                distinct(rows.iter().map(|loan| loan.loan_type_id)),
            ));
        }
        if selected(&fields, "repayments") {
            steps.push(warm(&loaders.repayments_of_loan, ids.clone()));
        }
        if selected(&fields, "schedule") {
            steps.push(warm(&loaders.schedule_of_loan, ids.clone()));
        }
        if selected(&fields, "charges") {
            steps.push(warm(&loaders.charges_of_loan, ids.clone()));
        }
        if selected(&fields, "nextInstallment") {
            steps.push(warm(&loaders.next_installment_of_loan, ids.clone()));
        }
        for (include_deleted, lists) in document_lists(ctx, &fields) {
            let keys: Vec<_> = ids.iter().map(|id| (*id, include_deleted)).collect();
            steps.push(
                async move {
                    let loaded = loaded(loaders.documents_of_loan.load_many(keys).await)?;
                    documents(ctx, loaded.values().flatten().collect(), lists).await
                }
                .boxed(),
            );
        }
        let days: BTreeSet<NaiveDate> = children(&fields, "balance")
            .iter()
            .filter_map(|field| balance_day(ctx, field))
            .collect();
        if !days.is_empty() {
            let keys: Vec<_> = rows
                .iter()
                .flat_map(|loan| days.iter().map(|day| (loan.id, *day)))
                .collect();
            steps.push(warm(&loaders.totals_of_loan, keys));
        }
        join(steps).await
    }
    .boxed()
}

fn loans_by_id<'a>(ctx: &'a Context<'_>, ids: Vec<LoanId>, fields: Fields<'a>) -> Step<'a> {
    async move {
        if fields.is_empty() || ids.is_empty() {
            return Ok(());
        }
        let found = loaded(ctx.loaders()?.loan.load_many(distinct(ids)).await)?;
        loans(ctx, found.values().flatten().collect(), fields).await
    }
    .boxed()
}

/// What `fields` select of the repayments `rows`.
pub fn repayments<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a db::repayments::Repayment>,
    fields: Fields<'a>,
) -> Step<'a> {
    async move {
        if rows.is_empty() || !relations_selected(&fields) {
            return Ok(());
        }
        let loaders = ctx.loaders()?;
        let mut steps = vec![
            loans_by_id(
                ctx,
                rows.iter().map(|repayment| repayment.loan_id).collect(),
                children(&fields, "loan"),
            ),
            users_by_id(
                ctx,
                rows.iter()
                    .map(|repayment| repayment.received_by_user_id)
                    .collect(),
                children(&fields, "receivedBy"),
            ),
            users_by_id(
                ctx,
                rows.iter()
                    .filter_map(|repayment| repayment.reversed_by_user_id)
                    .collect(),
                children(&fields, "reversedBy"),
            ),
        ];
        if selected(&fields, "allocations") {
            steps.push(warm(
                &loaders.allocations_of_repayment,
                distinct(rows.iter().map(|repayment| repayment.id)),
            ));
        }
        join(steps).await
    }
    .boxed()
}

/// What `fields` select of the installments `rows`.
pub fn schedule_items<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a db::schedule_items::ScheduleItem>,
    fields: Fields<'a>,
) -> Step<'a> {
    async move {
        if rows.is_empty() || !relations_selected(&fields) {
            return Ok(());
        }
        let loaders = ctx.loaders()?;
        let mut steps = vec![loans_by_id(
            ctx,
            rows.iter().map(|item| item.loan_id).collect(),
            children(&fields, "loan"),
        )];
        if selected(&fields, "allocations") {
            steps.push(warm(
                &loaders.allocations_of_item,
                distinct(rows.iter().map(|item| item.id)),
            ));
        }
        join(steps).await
    }
    .boxed()
}

/// What `fields` select of the documents `rows`.
pub fn documents<'a>(
    ctx: &'a Context<'_>,
    rows: Vec<&'a db::documents::Document>,
    fields: Fields<'a>,
) -> Step<'a> {
    async move {
        if rows.is_empty() || !relations_selected(&fields) {
            return Ok(());
        }
        let loaders = ctx.loaders()?;
        let mut members = Vec::new();
        let mut loans = Vec::new();
        for row in &rows {
            match row.owner {
                DocumentOwner::Member(member) => members.push(member),
                DocumentOwner::Loan(loan) => loans.push(loan),
            }
        }
        let mut steps = vec![
            members_by_id(ctx, members, children(&fields, "unionMember")),
            loans_by_id(ctx, loans, children(&fields, "loan")),
            users_by_id(
                ctx,
                rows.iter()
                    .map(|row| row.details.uploaded_by_user_id)
                    .collect(),
                children(&fields, "uploadedBy"),
            ),
            users_by_id(
                ctx,
                rows.iter()
                    .filter_map(|row| row.details.verified_by_user_id)
                    .collect(),
                children(&fields, "verifiedBy"),
            ),
        ];
        if selected(&fields, "documentType") {
            steps.push(warm(
                &loaders.document_type,
                distinct(rows.iter().map(|row| row.details.document_type_id)),
            ));
        }
        join(steps).await
    }
    .boxed()
}
