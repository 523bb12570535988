//! The HTTP surface: GET and POST, batches and their limits, the error contract, request ids,
//! CORS, the body limit, GraphiQL and who may introspect.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use diesel::QueryDsl;
use millennium::domain::Role;
use serde_json::{Value, json};

use crate::support::TestApp;

fn post_json(body: &Value) -> Request<Body> {
    post_with(None, body)
}

#[tokio::test]
async fn queries_work_over_get_and_mutations_do_not() {
    let app = TestApp::spawn().await;
    let query = app.get("/graphql?query=%7B__typename%7D").await;
    assert_eq!(query.status, StatusCode::OK);
    assert_eq!(query.body["data"]["__typename"], "QueryRoot");

    let mutation = app.get("/graphql?query=mutation%7Blogout%7D").await;
    assert_eq!(mutation.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        mutation.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn a_batch_runs_every_operation_and_is_bounded() {
    let app = TestApp::spawn().await;
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ me { id } }" }]);
    let response = app.send(post_json(&batch)).await;
    assert_eq!(response.status, StatusCode::OK);
    let results = response.body.as_array().expect("one result per operation");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["data"]["__typename"], "QueryRoot");
    assert_eq!(
        results[1]["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );

    let too_many = Value::Array(vec![json!({ "query": "{ __typename }" }); 21]);
    let response = app.send(post_json(&too_many)).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert!(
        response.body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("20")
    );
}

#[tokio::test]
async fn login_and_refresh_are_never_batched() {
    let app = TestApp::spawn().await;
    let batch = json!([
        { "query": "{ __typename }" },
        { "query": "mutation { login(email: \"a@example.org\", password: \"x\") { accessToken } }" }
    ]);
    let response = app.send(post_json(&batch)).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn every_error_carries_a_code() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::Admin).await;

    let syntax = app.gql("{ me { id ").by(&session).send().await;
    assert_eq!(syntax.error_code(), "BAD_USER_INPUT");
    let unknown_field = app.gql("{ nonsense }").by(&session).send().await;
    assert_eq!(unknown_field.error_code(), "BAD_USER_INPUT");
    let wrong_type = app
        .gql("mutation($id: ID!) { revokeSession(id: $id) }")
        .var("id", json!({ "not": "an id" }))
        .by(&session)
        .send()
        .await;
    assert_eq!(wrong_type.error_code(), "BAD_USER_INPUT");

    let not_json = app
        .send(
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{ this is not json"))
                .expect("request"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        not_json.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn query_depth_is_limited_but_introspection_is_bounded_apart() {
    let lenient = TestApp::spawn().await;
    let session = lenient.login_as(Role::Admin).await;
    // The same database and keys, with a depth limit of two.
    let url = crate::support::db::server().url(&lenient.database);
    let app =
        TestApp::on_database(lenient.database.clone(), &url, &[("MAX_QUERY_DEPTH", "2")]).await;
    let shallow = app.gql("{ me { id } }").by(&session).send().await;
    assert!(shallow.data()["me"]["id"].is_string());

    // Three levels: refused before anything runs, so no login is even attempted.
    let deep = app
        .gql("mutation { login(email: \"deep@example.org\", password: \"x\") { user { id } } }")
        .send()
        .await;
    assert_eq!(deep.error_code(), "BAD_USER_INPUT");
    assert!(
        deep.error_message().contains("3 levels"),
        "{}",
        deep.error_message()
    );
    assert!(deep.body().get("data").is_none(), "{}", deep.body());
    let attempts: i64 = diesel_async::RunQueryDsl::get_result(
        millennium::db::schema::user_login_history::table.count(),
        &mut app.conn().await,
    )
    .await
    .expect("count");
    assert_eq!(attempts, 1, "only the session's own login");

    // Introspection five levels deep is not held to a depth limit of two.
    let introspection = app
        .gql("{ __schema { types { fields { type { name } } } } }")
        .by(&session)
        .send()
        .await;
    assert!(introspection.data()["__schema"]["types"].is_array());
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("/health").await;
    let id = response
        .headers
        .get("x-request-id")
        .expect("generated request id");
    assert!(uuid::Uuid::parse_str(id.to_str().expect("text")).is_ok());

    let response = app
        .send(
            Request::get("/health")
                .header("x-request-id", "trace-me-123")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(
        response
            .headers
            .get("x-request-id")
            .expect("kept")
            .to_str()
            .expect("text"),
        "trace-me-123"
    );
}

#[tokio::test]
async fn cors_headers_only_for_configured_origins() {
    let app = TestApp::spawn_with(&[(
        "CORS_ORIGIN",
        "https://app.example.org, http://localhost:5173",
    )])
    .await;
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/graphql")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type",
            )
            .body(Body::empty())
            .expect("request")
    };
    let allowed = app.send(preflight("https://app.example.org")).await;
    assert_eq!(
        allowed
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .expect("allowed")
            .to_str()
            .expect("text"),
        "https://app.example.org"
    );
    let denied = app.send(preflight("https://evil.example.com")).await;
    assert!(
        denied
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );

    let unconfigured = TestApp::spawn().await;
    let response = unconfigured
        .send(preflight("https://app.example.org"))
        .await;
    assert!(
        response
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let padding = "x".repeat(1024 * 1024 + 10);
    let body = json!({ "query": "{ __typename }", "variables": { "pad": padding } }).to_string();
    // Without a declared length: refused while reading.
    let response = app
        .send(post_json(
            &json!({ "query": "{ __typename }", "variables": { "pad": padding } }),
        ))
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    // With a declared length: refused before reading.
    let declared = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .expect("request");
    assert_eq!(
        app.send(declared).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn introspection_and_suggestions_are_for_staff() {
    let app = TestApp::spawn().await;
    let introspect = "{ __schema { queryType { name } } }";
    let anonymous = app.gql(introspect).send().await;
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    assert!(anonymous.body()["data"]["__schema"].is_null());
    let type_lookup = app
        .gql("{ __type(name: \"User\") { fields { name } } }")
        .send()
        .await;
    assert_eq!(type_lookup.error_code(), "UNAUTHENTICATED");
    assert!(type_lookup.body()["data"]["__type"].is_null());

    let session = app.login_as(Role::CreditOfficer).await;
    let staff = app.gql(introspect).by(&session).send().await;
    assert_eq!(staff.data()["__schema"]["queryType"]["name"], "QueryRoot");

    let typo = "{ mySesions { id } }";
    let anonymous = app.gql(typo).send().await;
    assert!(
        !anonymous.error_message().contains("Did you mean"),
        "{}",
        anonymous.error_message()
    );
    let staff = app.gql(typo).by(&session).send().await;
    assert!(
        staff.error_message().contains("Did you mean"),
        "{}",
        staff.error_message()
    );
}

#[tokio::test]
async fn internal_errors_hide_their_cause_and_give_the_request_id() {
    let app = TestApp::spawn().await;
    let user = crate::support::UserFactory::new().insert(&app).await;
    // Break the database under the running app: logging in can no longer store a session.
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("DROP TABLE staff_sessions CASCADE"),
        &mut app.conn().await,
    )
    .await
    .expect("drop the table");

    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-request-id", "req-broken-1")
        .body(Body::from(
            json!({
                "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                "variables": { "e": user.email, "p": crate::support::factories::DEFAULT_PASSWORD }
            })
            .to_string(),
        ))
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::OK);
    let error = &response.body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    assert_eq!(error["extensions"]["requestId"], "req-broken-1");
    let text = response.body.to_string();
    for leak in [
        "staff_sessions",
        "relation",
        "SELECT",
        "INSERT",
        "does not exist",
    ] {
        assert!(!text.contains(leak), "the response leaks {leak:?}: {text}");
    }
}

fn post_with(accept: Option<&str>, body: &Value) -> Request<Body> {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    request.body(Body::from(body.to_string())).expect("request")
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

#[tokio::test]
async fn a_client_that_accepts_only_json_gets_json() {
    let app = TestApp::spawn().await;
    for body in [
        json!({ "query": "{ __typename }" }),
        json!({ "query": "{ nonsense }" }),
        json!({ "query": "{ __typename" }),
    ] {
        for accept in [None, Some("application/json"), Some("*/*")] {
            let response = app.send(post_with(accept, &body)).await;
            assert_eq!(response.status, StatusCode::OK, "{accept:?} {body}");
            assert_eq!(
                response.headers[header::CONTENT_TYPE],
                "application/json; charset=utf-8",
                "{accept:?}"
            );
        }
    }
    let preferred = app
        .send(post_with(
            Some("application/graphql-response+json, application/json;q=0.9"),
            &json!({ "query": "{ __typename }" }),
        ))
        .await;
    assert_eq!(
        preferred.headers[header::CONTENT_TYPE],
        "application/graphql-response+json; charset=utf-8"
    );
}

#[tokio::test]
async fn with_graphql_response_json_a_request_error_is_400_without_data() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::Admin).await;
    let cases = [
        ("parse", json!({ "query": "{ me { id " })),
        ("validation", json!({ "query": "{ nonsense }" })),
        (
            "variable type",
            json!({ "query": "mutation($id: ID!) { revokeSession(id: $id) }", "variables": { "id": { "not": "an id" } } }),
        ),
        (
            "missing variable",
            json!({ "query": "mutation($id: ID!) { revokeSession(id: $id) }", "variables": {} }),
        ),
        (
            "unknown operation",
            json!({ "query": "query A { __typename }", "operationName": "B" }),
        ),
    ];
    for (what, body) in cases {
        let mut request = post_with(Some(GRAPHQL_RESPONSE), &body);
        request.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {}", session.access_token)
                .parse()
                .expect("header"),
        );
        let response = app.send(request).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            response.body
        );
        assert!(
            response.body.get("data").is_none(),
            "{what}: {}",
            response.body
        );
        assert_eq!(
            response.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{what}"
        );
        assert_eq!(
            response.headers[header::CONTENT_TYPE],
            "application/graphql-response+json; charset=utf-8"
        );
        // The same request as application/json: 200, still without data.
        let mut request = post_with(Some("application/json"), &body);
        request.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {}", session.access_token)
                .parse()
                .expect("header"),
        );
        let response = app.send(request).await;
        assert_eq!(response.status, StatusCode::OK, "{what}");
        assert!(
            response.body.get("data").is_none(),
            "{what}: {}",
            response.body
        );
    }
    // An error while executing is not a request error: 200, with data.
    let response = app
        .send(post_with(
            Some(GRAPHQL_RESPONSE),
            &json!({ "query": "{ me { id } }" }),
        ))
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.get("data").is_some(), "{}", response.body);
    assert_eq!(
        response.body["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn a_post_must_be_json_or_an_upload() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "{ __typename }" }).to_string();
    let without = Request::post("/graphql")
        .body(Body::from(body.clone()))
        .expect("request");
    let response = app.send(without).await;
    assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        response.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.clone()))
            .expect("request");
        assert_eq!(
            app.send(request).await.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
    }
    // Multipart is for uploads, by logged-in staff only (tests/integration/documents.rs).
    let multipart = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
        .body(Body::from(body.clone()))
        .expect("request");
    assert_eq!(app.send(multipart).await.status, StatusCode::UNAUTHORIZED);
    let charset = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(body))
        .expect("request");
    assert_eq!(app.send(charset).await.status, StatusCode::OK);
}
