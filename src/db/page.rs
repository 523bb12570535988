//! Pages of rows: a list's window (`LIMIT`/`OFFSET`, one row more than asked to learn whether
//! another page follows), and [`PerParent`], which cuts the same window out of each parent's
//! children in one statement (`row_number() OVER (PARTITION BY parent)`), so that a nested
//! connection costs one statement for any number of parents.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::BigInt;

/// Loads the page `$page` of `$rows` (a filtered, ordered, scoped list) into a [`Paged`], and
/// the size of the whole list with `$count` (an `Option` of a count query) when it is given.
/// (A macro rather than a generic function: the boxed queries' lifetimes defeat the `Send`
/// inference of the futures that call it.)
macro_rules! load_page {
    ($conn:expr, $rows:expr, $count:expr, $page:expr) => {{
        let page: $crate::db::page::Page = $page;
        let mut rows = diesel_async::RunQueryDsl::load(
            diesel::QueryDsl::offset(
                diesel::QueryDsl::limit($rows, page.probe_limit()),
                page.offset,
            ),
            $conn,
        )
        .await?;
        let has_next = page.trim(&mut rows);
        let total = match $count {
            Some(count) => Some(diesel_async::RunQueryDsl::get_result(count, $conn).await?),
            None => None,
        };
        Ok($crate::db::page::Paged {
            rows,
            has_next,
            total,
        })
    }};
}
pub(crate) use load_page;

/// Which rows of an ordered list to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Page {
    /// How many rows (already clamped to the configured maximum).
    pub limit: i64,
    /// How many rows to skip.
    pub offset: i64,
}

impl Page {
    pub const fn new(limit: i64, offset: i64) -> Self {
        Self { limit, offset }
    }

    /// The `LIMIT` to send: one more row than the page, to see whether another follows.
    pub const fn probe_limit(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the probe row off `rows` (loaded with [`Page::probe_limit`]); true when it was there.
    pub fn trim<T>(&self, rows: &mut Vec<T>) -> bool {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() > limit {
            rows.truncate(limit);
            true
        } else {
            false
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub rows: Vec<T>,
    /// Whether rows follow this page.
    pub has_next: bool,
    /// The size of the whole list, when it was asked for.
    pub total: Option<i64>,
}

impl<T> Paged<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            rows: self.rows.into_iter().map(f).collect(),
            has_next: self.has_next,
            total: self.total,
        }
    }
}

/// Wraps a query whose select list ends with `row_number() OVER (PARTITION BY parent ORDER BY …)`
/// and `count(*) OVER (PARTITION BY parent)`, keeping of each parent's rows the window
/// `page.offset < row_number <= page.offset + page.limit + 1` (the extra row tells whether
/// another page follows).
#[derive(Debug, Clone, QueryId)]
pub struct PerParent<Q> {
    query: Q,
    after: i64,
    up_to: i64,
}

impl<Q> PerParent<Q> {
    pub fn new(query: Q, page: Page) -> Self {
        Self {
            query,
            after: page.offset,
            up_to: page.offset + page.probe_limit(),
        }
    }
}

impl<Q: Query> Query for PerParent<Q> {
    type SqlType = Q::SqlType;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for PerParent<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // PostgreSQL names the window columns after their functions.
        out.push_sql("SELECT * FROM (");
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(") AS per_parent WHERE per_parent.row_number > ");
        out.push_bind_param::<BigInt, _>(&self.after)?;
        out.push_sql(" AND per_parent.row_number <= ");
        out.push_bind_param::<BigInt, _>(&self.up_to)?;
        Ok(())
    }
}

/// A child row with its place among its parent's children and their number.
pub type Ranked<T> = (T, i64, i64);

/// Groups the rows of a [`PerParent`] query by parent into pages, in row-number order.
pub fn group_per_parent<K, T>(
    rows: Vec<Ranked<T>>,
    page: Page,
    parent_of: impl Fn(&T) -> K,
) -> std::collections::HashMap<K, Paged<T>>
where
    K: std::hash::Hash + Eq,
{
    let mut ranked: std::collections::HashMap<K, (Vec<(i64, T)>, i64)> =
        std::collections::HashMap::new();
    for (row, row_number, count) in rows {
        let entry = ranked
            .entry(parent_of(&row))
            .or_insert_with(|| (Vec::new(), count));
        entry.0.push((row_number, row));
    }
    ranked
        .into_iter()
        .map(|(parent, (mut rows, count))| {
            rows.sort_by_key(|(row_number, _)| *row_number);
            let mut rows: Vec<T> = rows.into_iter().map(|(_, row)| row).collect();
            let has_next = page.trim(&mut rows);
            (
                parent,
                Paged {
                    rows,
                    has_next,
                    total: Some(count),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_reports_a_following_page() {
        let page = Page::new(2, 0);
        let mut rows = vec![1, 2, 3];
        assert!(page.trim(&mut rows));
        assert_eq!(rows, [1, 2]);
        let mut rows = vec![1, 2];
        assert!(!page.trim(&mut rows));
    }

    #[test]
    fn per_parent_rows_are_grouped_in_order() {
        let rows = vec![
            (("a", 2), 2, 3),
            (("b", 1), 1, 1),
            (("a", 1), 1, 3),
            (("a", 3), 3, 3),
        ];
        let pages = group_per_parent(rows, Page::new(2, 0), |row| row.0);
        let a = &pages["a"];
        assert_eq!(a.rows, [("a", 1), ("a", 2)]);
        assert!(a.has_next);
        assert_eq!(a.total, Some(3));
        assert!(!pages["b"].has_next);
    }
}
