//! The money invariants of SPEC 5.3, checked over a test's whole database after every money
//! operation by the same checker as `millennium check` (`millennium::check`).

use super::TestApp;

/// Panics naming every invariant that does not hold.
pub async fn assert_invariants(app: &TestApp) {
    let report = millennium::check::run(&mut *app.conn().await)
        .await
        .expect("invariant queries");
    assert!(
        report.violations.is_empty(),
        "money invariants broken: {:#?}",
        report.violations
    );
}
