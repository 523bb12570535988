//! The probe suite: each attack that worked against the foundation, and the graphql-cop class of
//! checks, sent through the real router, with the safe answer asserted.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::TimeDelta;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use millennium::db::schema::{audit_logs, user_login_history};
use millennium::domain::Role;
use serde_json::{Value, json};

use crate::support::app::send_through;
use crate::support::factories::DEFAULT_PASSWORD;
use crate::support::records::{attempts_with, audit_actions, login_history};
use crate::support::{TestApp, UserFactory};

const LOGIN: &str = "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }";
const CHANGE_PASSWORD: &str = "mutation($current: String!, $new: String!) { changePassword(currentPassword: $current, newPassword: $new) }";

fn post(body: &Value) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

fn assert_refused(response: &crate::support::app::GqlResponse, needle: &str) {
    assert_eq!(
        response.error_code(),
        "BAD_USER_INPUT",
        "{}",
        response.body()
    );
    assert!(
        response.error_message().contains(needle),
        "expected {needle:?} in {}",
        response.body()
    );
    assert!(
        response.body().get("data").is_none(),
        "a request refused before execution has no data: {}",
        response.body()
    );
}

/// `changePassword` from `current` to a valid new password, by `session`.
async fn change_password(
    app: &TestApp,
    session: &crate::support::app::Session,
    current: &str,
) -> crate::support::app::GqlResponse {
    app.gql(CHANGE_PASSWORD)
        .var("current", current)
        .var("new", "Better2027")
        .by(session)
        .send()
        .await
}

async fn history_rows(app: &TestApp) -> i64 {
    user_login_history::table
        .count()
        .get_result(&mut app.conn().await)
        .await
        .expect("count")
}

// ---- Documents that used to freeze a worker ----

#[tokio::test]
async fn self_spreading_fragments_are_refused_at_once() {
    let app = TestApp::spawn().await;
    for query in [
        "query{...F} fragment F on QueryRoot{...F ...F ...F}",
        "query{...F} fragment F on QueryRoot{...F ...F ...F ...F}",
        "query{...F} fragment F on QueryRoot{__typename ...F ...F ...F}",
        "query{...A} fragment A on QueryRoot{...B} fragment B on QueryRoot{__typename ...A ...A}",
    ] {
        let response = app.gql(query).send().await;
        assert_refused(&response, "spreads itself");
    }
}

#[tokio::test]
async fn chained_fragments_are_counted_without_expanding_them() {
    let app = TestApp::spawn().await;
    // Thirty fragments each spreading the next three times: 3^30 selections once expanded,
    // which async-graphql's own passes would walk one by one.
    let mut query = String::from("query { ...F0 }");
    for i in 0..30 {
        query.push_str(&format!(
            " fragment F{i} on QueryRoot {{ ...F{n} ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    query.push_str(" fragment F30 on QueryRoot { __typename }");
    let response = app.gql(&query).send().await;
    assert_refused(&response, "selects too much");
}

#[tokio::test]
async fn a_megabyte_of_query_is_refused_before_it_is_parsed() {
    let app = TestApp::spawn().await;
    let wide = format!("{{ {} }}", "__typename ".repeat(95_000));
    let response = app.gql(&wide).send().await;
    assert_refused(&response, "too long");

    let deep = format!("{}{}", "{ a ".repeat(200_000), "}".repeat(200_000));
    let response = app.gql(&deep).send().await;
    assert_refused(&response, "nests brackets");

    // Within the token budget but over the selection budget once expanded.
    let fields = "__typename ".repeat(1_000);
    let fragments = (0..12)
        .map(|i| format!("fragment F{i} on QueryRoot {{ {fields} }}"))
        .collect::<Vec<_>>()
        .join(" ");
    let spreads: String = (0..12).map(|i| format!("...F{i} ")).collect();
    let response = app
        .gql(&format!("{{ {spreads} }} {fragments}"))
        .send()
        .await;
    assert!(
        response.error_message().contains("too long")
            || response.error_message().contains("selects too much"),
        "{}",
        response.body()
    );
}

// ---- Introspection ----

/// graphql-js's `getIntrospectionQuery` with every option on, and a `TypeRef` nine levels deep
/// as the newest releases send: what GraphiQL, code generators and API testers load.
pub const STANDARD_INTROSPECTION: &str = r#"
    query IntrospectionQuery {
      __schema {
        description
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types { ...FullType }
        directives {
          name
          description
          isRepeatable
          locations
          args(includeDeprecated: true) { ...InputValue }
        }
      }
    }
    fragment FullType on __Type {
      kind
      name
      description
      specifiedByURL
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) { ...InputValue }
        type { ...TypeRef }
        isDeprecated
        deprecationReason
      }
      inputFields(includeDeprecated: true) { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      isDeprecated
      deprecationReason
    }
    fragment TypeRef on __Type {
      kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
      ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
      kind name } } } } } } } } }
    }
"#;

#[tokio::test]
async fn the_standard_introspection_query_works_for_staff_only() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::CreditOfficer).await;
    let response = app.gql(STANDARD_INTROSPECTION).by(&session).send().await;
    let types = response.data()["__schema"]["types"]
        .as_array()
        .expect("types")
        .clone();
    assert!(
        types.iter().any(|ty| ty["name"] == "AuthPayload"),
        "{types:?}"
    );

    let anonymous = app.gql(STANDARD_INTROSPECTION).send().await;
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    assert!(anonymous.body().get("data").is_none());
}

#[tokio::test]
async fn a_circular_introspection_query_is_bounded_apart() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::Admin).await;
    let circular = format!(
        "{{ __schema {{ types {{ {} name {} }} }} }}",
        "fields { type { ".repeat(10),
        "} } ".repeat(10)
    );
    let response = app.gql(&circular).by(&session).send().await;
    assert_refused(&response, "introspection query is nested");
}

// ---- Sensitive operations: once per request, and alone ----

#[tokio::test]
async fn two_hundred_aliased_logins_check_no_password() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new().insert(&app).await;
    let aliased_logins = |count: usize| {
        let fields: String = (0..count)
            .map(|i| {
                format!(
                    "a{i}: login(email: \"{}\", password: \"Guess{i}x1\") {{ accessToken }} ",
                    user.email
                )
            })
            .collect();
        format!("mutation {{ {fields} }}")
    };
    let response = app.gql(&aliased_logins(200)).send().await;
    // Refused for its aliases before the sensitive rule is even reached.
    assert_refused(&response, "aliases");
    assert_eq!(history_rows(&app).await, 0, "no password was checked");

    // Five would have locked the account in one request; now they check nothing.
    let response = app.gql(&aliased_logins(5)).send().await;
    assert_refused(&response, "once and on its own");
    let login = app.login(&user.email, DEFAULT_PASSWORD).await;
    assert!(login.data()["login"]["accessToken"].is_string());
}

#[tokio::test]
async fn a_sensitive_field_travels_alone() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::Admin).await;
    let login = "login(email: \"a@example.org\", password: \"Nope12345\") { accessToken }";
    let cases = [
        // Next to another field.
        format!("mutation {{ {login} logout }}"),
        // Twice through fragments, under two response keys.
        format!(
            "mutation {{ ...A ...B }} fragment A on MutationRoot {{ a: {login} }} fragment B on MutationRoot {{ b: {login} }}"
        ),
        // changePassword with a query-like neighbour.
        "mutation { changePassword(currentPassword: \"x\", newPassword: \"Better2027\") logout }"
            .to_owned(),
    ];
    for query in &cases {
        let response = app.gql(query).by(&session).send().await;
        assert_refused(&response, "once and on its own");
    }
    // Once in a batch with anything else.
    let batch = json!([
        { "query": "{ __typename }" },
        { "query": format!("mutation {{ {login} }}") }
    ]);
    let response = app.send(post(&batch)).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(
        history_rows(&app).await,
        1,
        "only the session's own login ran"
    );
    assert!(
        !audit_actions(&app).await.contains(&"LOGOUT".to_owned()),
        "nothing of a refused request ran"
    );
}

// ---- The lockout cannot be raced ----

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_check_at_most_five_and_lock_the_right_one_out() {
    let app = Arc::new(
        TestApp::spawn_with(&[
            ("RATE_LIMIT_SENSITIVE_PER_MINUTE", "0"),
            ("RATE_LIMIT_SENSITIVE_PER_ADDRESS_PER_MINUTE", "0"),
            ("DB_POOL_SIZE", "10"),
        ])
        .await,
    );
    let user = UserFactory::new().insert(&app).await;
    let wrong = |i: usize| {
        app.gql(LOGIN)
            .var("email", user.email.as_str())
            .var("password", format!("Wrong{i}pass"))
            .request()
    };
    let burst: Vec<_> = (0..39)
        .map(|i| tokio::spawn(send_through(app.router.clone(), wrong(i))))
        .collect();
    // As soon as five attempts hold their places, the right password arrives inside the burst.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while login_history(&app, &user.email).await.len() < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "the burst never started"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let right = app.login(&user.email, DEFAULT_PASSWORD).await;
    assert_eq!(right.error_code(), "UNAUTHENTICATED", "{}", right.body());
    assert_eq!(right.errors()[0]["extensions"]["reason"], "ACCOUNT_LOCKED");

    let mut locked_answers = 0;
    for task in burst {
        let response = task.await.expect("task");
        assert_eq!(response.status, StatusCode::OK);
        let error = &response.body["errors"][0];
        assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED", "{error}");
        if error["extensions"]["reason"] == "ACCOUNT_LOCKED" {
            locked_answers += 1;
        }
    }
    let checked = attempts_with(&app, &user.email, Some("WRONG_PASSWORD")).await;
    assert_eq!(checked, 5, "exactly five passwords were checked");
    assert_eq!(
        attempts_with(&app, &user.email, None).await,
        0,
        "no success"
    );
    assert_eq!(attempts_with(&app, &user.email, Some("PENDING")).await, 0);
    assert_eq!(
        attempts_with(&app, &user.email, Some("LOCKED")).await,
        40 - 5,
        "every other attempt, the right one included, was refused unchecked"
    );
    assert!(locked_answers >= 34, "{locked_answers}");
    let locks = audit_actions(&app)
        .await
        .iter()
        .filter(|action| *action == "ACCOUNT_LOCKED")
        .count();
    assert_eq!(locks, 1, "the lock is announced once");
}

#[tokio::test]
async fn wrong_current_passwords_count_toward_the_lockout_and_are_audited() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::CreditOfficer).await;
    let email = session.user.email.clone();
    for attempt in 1..=4 {
        let response = change_password(&app, &session, &format!("Guess{attempt}abc")).await;
        assert_eq!(response.error_code(), "BAD_USER_INPUT", "attempt {attempt}");
        assert_eq!(response.error_field().as_deref(), Some("currentPassword"));
        app.clock.advance(TimeDelta::seconds(30));
    }
    let fifth = change_password(&app, &session, "Guess5abc").await;
    assert_eq!(fifth.errors()[0]["extensions"]["reason"], "ACCOUNT_LOCKED");

    // The right password, by either door, is refused while the lock lasts.
    let login = app.login(&email, DEFAULT_PASSWORD).await;
    assert_eq!(login.errors()[0]["extensions"]["reason"], "ACCOUNT_LOCKED");
    let change = change_password(&app, &session, DEFAULT_PASSWORD).await;
    assert_eq!(change.errors()[0]["extensions"]["reason"], "ACCOUNT_LOCKED");

    assert_eq!(
        attempts_with(&app, &email, Some("WRONG_CURRENT_PASSWORD")).await,
        5
    );
    let actions = audit_actions(&app).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "PASSWORD_CHANGE_FAILED")
            .count(),
        5
    );
    assert_eq!(actions.iter().filter(|a| *a == "ACCOUNT_LOCKED").count(), 1);
    assert!(!actions.contains(&"PASSWORD_CHANGED".to_owned()));

    // After the lock, the right current password works and leaves no login behind.
    app.clock.advance(TimeDelta::minutes(16));
    let session = app.login_user(session.user.clone(), DEFAULT_PASSWORD).await;
    let changed = change_password(&app, &session, DEFAULT_PASSWORD).await;
    assert_eq!(changed.data()["changePassword"], true);
    assert_eq!(attempts_with(&app, &email, Some("PENDING")).await, 0);
    assert_eq!(
        attempts_with(&app, &email, None).await,
        2,
        "the two logins only"
    );
}

// ---- Rate limits ----

#[tokio::test]
async fn each_address_has_a_budget_and_health_is_exempt() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_PER_MINUTE", "3")]).await;
    for _ in 0..3 {
        let response = app
            .gql("{ __typename }")
            .sent_from("192.0.2.10")
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = app
        .gql("{ __typename }")
        .sent_from("192.0.2.10")
        .send()
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.error_code(), "RATE_LIMITED");
    let retry_after: u64 = refused.0.headers[header::RETRY_AFTER]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert_eq!(
        refused.errors()[0]["extensions"]["retryAfterSeconds"],
        retry_after
    );

    // Another address has its own budget; a batch counts once.
    let batch = Value::Array(vec![json!({ "query": "{ __typename }" }); 5]);
    let mut request = post(&batch);
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [192, 0, 2, 11],
            1000,
        ))));
    assert_eq!(app.send(request).await.status, StatusCode::OK);
    assert_eq!(
        app.gql("{ __typename }")
            .sent_from("192.0.2.11")
            .send()
            .await
            .status(),
        StatusCode::OK
    );

    for _ in 0..20 {
        let health = app.get("/health").await;
        assert_eq!(health.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn sensitive_operations_have_a_much_smaller_budget() {
    let app = TestApp::spawn_with(&[
        ("RATE_LIMIT_SENSITIVE_PER_MINUTE", "2"),
        ("RATE_LIMIT_SENSITIVE_PER_ADDRESS_PER_MINUTE", "3"),
    ])
    .await;
    let attempt = |email: &str| {
        app.gql(LOGIN)
            .var("email", email)
            .var("password", "Wrong123x")
            .sent_from("198.51.100.4")
            .send()
    };
    assert_eq!(
        attempt("ada@example.org").await.error_code(),
        "UNAUTHENTICATED"
    );
    // The same account differently written is the same account.
    assert_eq!(
        attempt(" ADA@example.org").await.error_code(),
        "UNAUTHENTICATED"
    );
    let limited = attempt("ada@example.org").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.error_code(), "RATE_LIMITED");
    // Another account from the same address, until the address's budget is spent.
    assert_eq!(
        attempt("grace@example.org").await.error_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        attempt("ike@example.org").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Refused requests never reached the login history.
    assert_eq!(history_rows(&app).await, 3);

    // changePassword is counted under the caller (the token's user) and the address.
    let session = TestApp::on_database(
        app.database.clone(),
        &crate::support::db::server().url(&app.database),
        &[],
    )
    .await
    .login_as(Role::Supervisor)
    .await;
    let guess = |address: &'static str| {
        app.gql(CHANGE_PASSWORD)
            .var("current", "Guess123x")
            .var("new", "Better2027")
            .by(&session)
            .sent_from(address)
            .send()
    };
    assert_eq!(guess("203.0.113.1").await.error_code(), "BAD_USER_INPUT");
    assert_eq!(guess("203.0.113.1").await.error_code(), "BAD_USER_INPUT");
    assert_eq!(guess("203.0.113.1").await.error_code(), "RATE_LIMITED");
    // Ordinary requests are not held back.
    assert_eq!(
        app.gql("{ __typename }")
            .sent_from("198.51.100.4")
            .send()
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_forged_forwarded_for_neither_evades_the_limit_nor_reaches_the_history() {
    let app = TestApp::spawn_with(&[("TRUST_PROXY", "true"), ("RATE_LIMIT_PER_MINUTE", "2")]).await;
    // The client writes a new address each time; the proxy appends the one it saw.
    for i in 0..2 {
        let response = app
            .gql("{ __typename }")
            .header("x-forwarded-for", &format!("203.0.113.{i}, 198.51.100.77"))
            .sent_from("10.0.0.1")
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = app
        .gql("{ __typename }")
        .header("x-forwarded-for", "203.0.113.99, 198.51.100.77")
        .sent_from("10.0.0.1")
        .send()
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);

    let logged = TestApp::on_database(
        app.database.clone(),
        &crate::support::db::server().url(&app.database),
        &[("TRUST_PROXY", "true")],
    )
    .await;
    for (forwarded, expected) in [
        ("203.0.113.9, 198.51.100.8", "198.51.100.8"),
        ("198.51.100.8, <script>", "10.0.0.1"),
        ("", "10.0.0.1"),
    ] {
        let email = format!("ghost-{}@example.org", expected.replace('.', "-"));
        let _ = logged
            .gql(LOGIN)
            .var("email", email.as_str())
            .var("password", "Wrong123x")
            .header("x-forwarded-for", forwarded)
            .sent_from("10.0.0.1")
            .send()
            .await;
        let recorded: Option<String> = user_login_history::table
            .filter(user_login_history::email_tried.eq(&email))
            .select(user_login_history::ip_address)
            .first(&mut logged.conn().await)
            .await
            .expect("history row");
        assert_eq!(recorded.as_deref(), Some(expected), "{forwarded:?}");
    }
}

// ---- Input hygiene ----

#[tokio::test]
async fn a_malformed_email_or_an_overlong_password_is_refused_and_recorded() {
    let app = TestApp::spawn().await;
    let long = format!("{}@example.org", "a".repeat(300));
    let response = app.login(&long, "Whatever1").await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(response.error_field().as_deref(), Some("email"));
    let stored: Vec<(String, Option<String>)> = user_login_history::table
        .select((
            user_login_history::email_tried,
            user_login_history::failure_reason,
        ))
        .load(&mut app.conn().await)
        .await
        .expect("history");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0.len(), 254);
    assert_eq!(stored[0].1.as_deref(), Some("INVALID_INPUT"));

    let nul = app.login("ada\u{0}@example.org", "Whatever1").await;
    assert_eq!(nul.error_code(), "BAD_USER_INPUT");
    assert_eq!(nul.error_field().as_deref(), Some("email"));
    assert_eq!(
        attempts_with(&app, "ada\u{fffd}@example.org", Some("INVALID_INPUT")).await,
        1
    );

    let user = UserFactory::new().insert(&app).await;
    let huge = "Aa1".repeat(400);
    let response = app.login(&user.email, &huge).await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(response.error_field().as_deref(), Some("password"));
    assert_eq!(
        attempts_with(&app, &user.email, Some("INVALID_INPUT")).await,
        1
    );
    assert_eq!(
        attempts_with(&app, &user.email, Some("WRONG_PASSWORD")).await,
        0,
        "an overlong password is not a counted guess"
    );
}

#[tokio::test]
async fn a_plain_request_id_is_kept_and_anything_else_replaced() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new().insert(&app).await;
    let plain = "A".repeat(64);
    for (sent, kept) in [
        (plain.as_str(), true),
        (&*"A".repeat(65), false),
        ("<script>alert(1)</script>", false),
        ("two words", false),
    ] {
        let response = app
            .gql(LOGIN)
            .var("email", user.email.as_str())
            .var("password", DEFAULT_PASSWORD)
            .header("x-request-id", sent)
            .send()
            .await;
        let echoed = response.0.headers["x-request-id"]
            .to_str()
            .expect("text")
            .to_owned();
        if kept {
            assert_eq!(echoed, sent);
        } else {
            assert!(
                uuid::Uuid::parse_str(&echoed).is_ok(),
                "{sent:?} → {echoed:?}"
            );
        }
        let stored: Option<String> = audit_logs::table
            .order(audit_logs::created_at.desc())
            .select(audit_logs::request_id)
            .first(&mut app.conn().await)
            .await
            .expect("audit row");
        assert_eq!(stored.as_deref(), Some(echoed.as_str()));
    }
}

#[tokio::test]
async fn tokens_are_never_cached_and_nothing_is_sniffed() {
    let app = TestApp::spawn().await;
    let user = UserFactory::new().insert(&app).await;
    let response = app
        .gql(LOGIN)
        .var("email", user.email.as_str())
        .var("password", DEFAULT_PASSWORD)
        .send()
        .await;
    assert!(response.data()["login"]["accessToken"].is_string());
    assert_eq!(response.0.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(response.0.headers["x-content-type-options"], "nosniff");
    for uri in ["/health", "/graphiql", "/nowhere"] {
        let response = app.get(uri).await;
        assert_eq!(
            response.headers["x-content-type-options"], "nosniff",
            "{uri}"
        );
    }
}

#[tokio::test]
async fn a_request_over_its_time_answers_503_in_the_usual_shape() {
    let app = TestApp::spawn_with(&[("REQUEST_TIMEOUT_MS", "1")]).await;
    let user = UserFactory::new().insert(&app).await;
    let response = app.login(&user.email, DEFAULT_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.error_code(), "SERVICE_UNAVAILABLE");
    assert!(response.0.headers.contains_key("x-request-id"));
}

// ---- The graphql-cop class of checks ----

#[tokio::test]
async fn a_mutation_over_get_is_refused() {
    let app = TestApp::spawn().await;
    let response = app.get("/graphql?query=mutation%7B__typename%7D").await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers[header::ALLOW], "POST");
    assert_eq!(
        response.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn alias_and_directive_overloading_are_refused_with_one_error() {
    let app = TestApp::spawn().await;
    let aliases: String = (0..=100)
        .map(|i| format!("alias{i}: __typename "))
        .collect();
    let response = app.gql(&format!("query {{ {aliases} }}")).send().await;
    assert_refused(&response, "aliases");

    let directives = "@aa".repeat(10);
    let response = app
        .gql(&format!("query {{ __typename {directives} }}"))
        .send()
        .await;
    assert_refused(&response, "directives");
    assert_eq!(response.errors().len(), 1);
}

#[tokio::test]
async fn deep_and_wide_queries_are_refused() {
    let app = TestApp::spawn().await;
    let deep = format!("{{ {}__typename{} }}", "me { ".repeat(20), " }".repeat(20));
    let response = app.gql(&deep).send().await;
    assert_refused(&response, "levels deep");

    let wide: String = (0..10_001).map(|_| "__typename ").collect();
    let response = app.gql(&format!("{{ {wide} }}")).send().await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert!(response.body().get("data").is_none());
}

#[tokio::test]
async fn batches_are_bounded_and_share_one_budget() {
    let app = TestApp::spawn_with(&[("MAX_QUERY_NODES", "30")]).await;
    let batch = Value::Array(vec![json!({ "query": "{ __typename }" }); 21]);
    let response = app.send(post(&batch)).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);

    // Ten selections each: the fourth operation finds the shared budget spent.
    let ten = format!("{{ {} }}", "__typename ".repeat(10));
    let batch = Value::Array(vec![json!({ "query": ten }); 4]);
    let response = app.send(post(&batch)).await;
    assert_eq!(response.status, StatusCode::OK);
    let results = response.body.as_array().expect("array");
    for result in &results[..3] {
        assert_eq!(result["data"]["__typename"], "QueryRoot");
    }
    assert_eq!(
        results[3]["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert!(results[3].get("data").is_none());
}
