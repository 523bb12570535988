//! The harness: a throwaway PostgreSQL per test run, a database per test, the app in process, a
//! small GraphQL client and factories.

pub mod app;
pub mod db;
pub mod factories;
pub mod http_client;
pub mod json;
pub mod money;
pub mod org;
pub mod pgbouncer;
pub mod process;
pub mod prometheus;
pub mod records;
pub mod samples;
pub mod scenario;

pub use app::TestApp;
pub use factories::{MemberFactory, UnionFactory, UserFactory};
pub use org::Org;
