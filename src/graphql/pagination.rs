//! Relay connections (SPEC 6), one generic implementation for every list: `first` (default 20,
//! clamped to the configured page size), `after` (an opaque cursor), `edges { cursor node }`,
//! `nodes`, `pageInfo { hasNextPage endCursor }` and `totalCount`, which is counted only when
//! the query selects it (see [`PageArgs::wants_total`]).
//!
//! A cursor is the position of its node in the ordered list, encoded so that clients treat it
//! as opaque.

use async_graphql::{Context, Object, OutputType, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::backups::Backup;
use super::context::ContextExt;
use super::loans::RepaymentScheduleItem;
use super::repayments::Repayment;
use super::reports::ReportSession;
use super::types::{
    AssignmentChange, AuditLog, DocumentType, Loan, LoanType, LoginAttempt, Union, UnionMember,
    User, UserNote,
};
use crate::db::Listing;
use crate::db::page::{Page, Paged};
use crate::services::ServiceError;

/// The page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: i64 = 20;

const CURSOR_PREFIX: &str = "position:";

fn encode_cursor(position: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{position}"))
}

fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let position: i64 = text.strip_prefix(CURSOR_PREFIX)?.parse().ok()?;
    (position >= 0).then_some(position)
}

/// The complexity of a connection field for the query's complexity limit: its children weigh
/// once per node it may return (`first`, or the default page; at most the default maximum page,
/// since a larger `first` is clamped).
pub fn cost(first: Option<i32>, child_complexity: usize) -> usize {
    let most = i64::try_from(crate::config::Limits::default().page_size).unwrap_or(i64::MAX);
    let nodes = first.map_or(DEFAULT_PAGE_SIZE, i64::from).clamp(1, most);
    usize::try_from(nodes)
        .unwrap_or(usize::MAX)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// The `first` and `after` arguments of a connection field, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub page: Page,
}

impl PageArgs {
    /// Reads `first` and `after`; `first` above the configured maximum is clamped to it.
    pub fn new(
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<&str>,
    ) -> Result<Self, ServiceError> {
        let max = i64::try_from(ctx.state().config.limits.page_size).unwrap_or(i64::MAX);
        let limit = match first {
            None => DEFAULT_PAGE_SIZE.min(max),
            Some(first) if first < 0 => {
                return Err(ServiceError::bad_input(
                    "first",
                    "`first` cannot be negative.",
                ));
            }
            Some(first) => i64::from(first).min(max),
        };
        let offset = match after {
            None => 0,
            Some(cursor) => decode_cursor(cursor)
                .map(|position| position + 1)
                .ok_or_else(|| {
                    ServiceError::bad_input(
                        "after",
                        "`after` is not a cursor of this list; use an `endCursor` or edge `cursor` \
                     from a previous page.",
                    )
                })?,
        };
        Ok(Self {
            page: Page::new(limit, offset),
        })
    }

    /// Whether the field being resolved selects `totalCount`.
    pub fn wants_total(ctx: &Context<'_>) -> bool {
        ctx.look_ahead().field("totalCount").exists()
    }

    /// The listing options of a top-level list resolved in `ctx`.
    pub fn listing(ctx: &Context<'_>, include_deleted: Option<bool>) -> Listing {
        Listing {
            include_deleted: include_deleted.unwrap_or(false),
            want_total: Self::wants_total(ctx) && !Self::wants_aggregate(ctx),
        }
    }

    /// Whether the field being resolved selects `aggregate` (which counts too: `totalCount`
    /// then comes from it, in the same statement).
    pub fn wants_aggregate(ctx: &Context<'_>) -> bool {
        ctx.look_ahead().field("aggregate").exists()
    }
}

/// A page of a list.
pub struct Connection<T> {
    nodes: Vec<T>,
    offset: i64,
    has_next: bool,
    total: Option<i64>,
}

impl<T> Connection<T> {
    /// The connection of `paged` (shared through a loader's cache), read at `page`, its rows
    /// copied into nodes.
    pub fn new<R: Clone>(paged: &Paged<R>, page: Page) -> Self
    where
        T: From<R>,
    {
        Self {
            nodes: paged.rows.iter().cloned().map(T::from).collect(),
            offset: page.offset,
            has_next: paged.has_next,
            total: paged.total,
        }
    }

    /// An empty page (a parent without children).
    pub fn empty(page: Page) -> Self {
        Self {
            nodes: Vec::new(),
            offset: page.offset,
            has_next: false,
            total: Some(0),
        }
    }

    fn cursor(&self, index: usize) -> String {
        encode_cursor(self.offset + i64::try_from(index).unwrap_or(i64::MAX))
    }

    fn edge_list(&self) -> Vec<Edge<T>>
    where
        T: Clone,
    {
        self.nodes
            .iter()
            .enumerate()
            .map(|(index, node)| Edge {
                cursor: self.cursor(index),
                node: node.clone(),
            })
            .collect()
    }

    fn info(&self) -> PageInfo {
        let (start_cursor, end_cursor) = match self.nodes.len() {
            0 => (None, None),
            len => (Some(self.cursor(0)), Some(self.cursor(len - 1))),
        };
        PageInfo {
            has_next_page: self.has_next,
            has_previous_page: self.offset > 0,
            start_cursor,
            end_cursor,
        }
    }
}

/// Where a page sits in its list.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether another page follows; fetch it with `after: endCursor`.
    has_next_page: bool,
    /// Whether pages precede this one.
    has_previous_page: bool,
    /// The cursor of the first node of the page.
    start_cursor: Option<String>,
    /// The cursor of the last node of the page.
    end_cursor: Option<String>,
}

/// A node with its cursor.
pub struct Edge<T> {
    cursor: String,
    node: T,
}

#[Object(
    concrete(name = "UserEdge", params(User)),
    concrete(name = "UnionEdge", params(Union)),
    concrete(name = "UnionMemberEdge", params(UnionMember)),
    concrete(name = "LoanTypeEdge", params(LoanType)),
    concrete(name = "LoanEdge", params(Loan)),
    concrete(name = "DocumentTypeEdge", params(DocumentType)),
    concrete(name = "AuditLogEdge", params(AuditLog)),
    concrete(name = "LoginAttemptEdge", params(LoginAttempt)),
    concrete(name = "UserNoteEdge", params(UserNote)),
    concrete(name = "AssignmentChangeEdge", params(AssignmentChange)),
    concrete(name = "RepaymentEdge", params(Repayment)),
    concrete(name = "RepaymentScheduleItemEdge", params(RepaymentScheduleItem)),
    concrete(name = "BackupEdge", params(Backup)),
    concrete(name = "ReportSessionEdge", params(ReportSession))
)]
impl<T: OutputType> Edge<T> {
    /// Pass as `after` to read the nodes that follow this one.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    async fn node(&self) -> &T {
        &self.node
    }
}

#[Object(
    concrete(name = "UserConnection", params(User)),
    concrete(name = "UnionConnection", params(Union)),
    concrete(name = "UnionMemberConnection", params(UnionMember)),
    concrete(name = "LoanTypeConnection", params(LoanType)),
    concrete(name = "DocumentTypeConnection", params(DocumentType)),
    concrete(name = "AuditLogConnection", params(AuditLog)),
    concrete(name = "LoginAttemptConnection", params(LoginAttempt)),
    concrete(name = "UserNoteConnection", params(UserNote)),
    concrete(name = "AssignmentChangeConnection", params(AssignmentChange)),
    concrete(name = "BackupConnection", params(Backup)),
    concrete(name = "ReportSessionConnection", params(ReportSession))
)]
impl<T: OutputType + Clone> Connection<T>
where
    Edge<T>: OutputType,
{
    /// The nodes of this page with their cursors.
    async fn edges(&self) -> Vec<Edge<T>> {
        self.edge_list()
    }

    /// The nodes of this page.
    async fn nodes(&self) -> &[T] {
        &self.nodes
    }

    async fn page_info(&self) -> PageInfo {
        self.info()
    }

    /// How many nodes the whole list holds (all pages), counted only when selected.
    async fn total_count(&self) -> async_graphql::Result<i64> {
        self.total.ok_or_else(|| {
            ServiceError::internal(anyhow::anyhow!("totalCount resolved but not counted")).into()
        })
    }
}

/// What an aggregate over a whole list is computed from, and how.
pub trait Aggregate: Sized + Send + Sync {
    /// The list's filter (and options), as the page was read with.
    type Key: Send + Sync;

    /// Computes the aggregate of the whole filtered, scoped list: one statement.
    fn compute(
        ctx: &Context<'_>,
        key: &Self::Key,
    ) -> impl std::future::Future<Output = async_graphql::Result<Self>> + Send;

    /// How many nodes it covers (what `totalCount` answers when the aggregate is selected).
    fn count(&self) -> i64;
}

/// A connection whose whole filtered list can be aggregated (`aggregate`); `totalCount` and
/// `aggregate` together cost one statement. Nested lists (a union's loans) carry no key: their
/// `aggregate` asks for the top-level list with the parent as filter.
macro_rules! aggregated_connection {
    ($(#[$meta:meta])* $name:ident, $node:ty, $aggregate:ty, $list:literal) => {
        $(#[$meta])*
        pub struct $name {
            page: Connection<$node>,
            key: Option<<$aggregate as Aggregate>::Key>,
            computed: tokio::sync::OnceCell<$aggregate>,
        }

        impl $name {
            pub fn new(page: Connection<$node>, key: Option<<$aggregate as Aggregate>::Key>) -> Self {
                Self {
                    page,
                    key,
                    computed: tokio::sync::OnceCell::new(),
                }
            }

            async fn computed(&self, ctx: &Context<'_>) -> async_graphql::Result<&$aggregate> {
                let Some(key) = &self.key else {
                    return Err(ServiceError::bad_input(
                        "aggregate",
                        concat!(
                            "`aggregate` is computed on the top-level `", $list,
                            "` list: ask it with the parent as its filter."
                        ),
                    )
                    .into());
                };
                self.computed
                    .get_or_try_init(|| <$aggregate as Aggregate>::compute(ctx, key))
                    .await
            }
        }

        #[Object]
        impl $name {
            /// The nodes of this page with their cursors.
            async fn edges(&self) -> Vec<Edge<$node>> {
                self.page.edge_list()
            }

            /// The nodes of this page.
            async fn nodes(&self) -> &[$node] {
                &self.page.nodes
            }

            async fn page_info(&self) -> PageInfo {
                self.page.info()
            }

            /// How many nodes the whole list holds (all pages), counted only when selected.
            async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
                match self.page.total {
                    Some(total) => Ok(total),
                    None => Ok(self.computed(ctx).await?.count()),
                }
            }

            /// Counts and money sums of the whole filtered list in your scope (not the page),
            /// in all and per status.
            async fn aggregate(&self, ctx: &Context<'_>) -> async_graphql::Result<&$aggregate> {
                self.computed(ctx).await
            }
        }
    };
}

aggregated_connection!(
    /// A page of loans, with the aggregate of the whole list.
    LoanConnection,
    Loan,
    super::aggregates::LoanAggregate,
    "loans"
);
aggregated_connection!(
    /// A page of repayments, with the aggregate of the whole list.
    RepaymentConnection,
    Repayment,
    super::aggregates::RepaymentAggregate,
    "repayments"
);
aggregated_connection!(
    /// A page of installments, with the aggregate of the whole list.
    RepaymentScheduleItemConnection,
    RepaymentScheduleItem,
    super::aggregates::ScheduleItemAggregate,
    "scheduleItems"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_weighs_its_children_once_per_node() {
        assert_eq!(cost(Some(50), 3), 151);
        assert_eq!(cost(None, 3), 61);
        assert_eq!(cost(Some(0), 3), 4);
        // A `first` above the page size is clamped, and weighs as the page size.
        assert_eq!(cost(Some(100_000), 2), 1001);
    }

    #[test]
    fn cursors_round_trip_and_reject_foreign_text() {
        for position in [0, 1, 19, 123_456] {
            assert_eq!(decode_cursor(&encode_cursor(position)), Some(position));
        }
        assert_eq!(decode_cursor("not a cursor"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("position:-4")), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("offset:4")), None);
    }
}
