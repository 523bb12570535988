//! `schema.graphql` is the frontend's contract: it must be what the code generates.

#[test]
fn committed_sdl_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = millennium::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is stale: run `cargo run -- schema print > schema.graphql` and commit it"
    );
}
