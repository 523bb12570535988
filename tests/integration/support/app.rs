//! `TestApp`: the real router over a database of its own, with a clock the test controls and a
//! small GraphQL client.

use std::collections::HashMap;
use std::sync::Arc;

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::Utc;
use diesel_async::pooled_connection::deadpool::Object;
use http_body_util::BodyExt;
use millennium::clock::ManualClock;
use millennium::config::{Config, Secret};
use millennium::db::direct::Direct;
use millennium::db::{self, DbConn, PoolSettings, StatementCounter};
use millennium::domain::Role;
use millennium::state::AppState;
use millennium::storage::Storage;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::db::server;
use super::factories::{DEFAULT_PASSWORD, UserFactory};

pub const JWT_SECRET: &str = "integration-tests-secret-0123456789abcdef";

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub clock: Arc<ManualClock>,
    pub database: String,
    /// `DATA_DIR`: the local store's files are under `files/`.
    pub data_dir: std::path::PathBuf,
    /// Whether the database was made for this app (and is dropped with it on a shared server).
    owns_database: bool,
}

/// A logged-in member of staff.
pub struct Session {
    pub user: db::users::User,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    /// An app on a fresh database cloned from the migrated template.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// An app with extra configuration variables (as if from the environment).
    pub async fn spawn_with(vars: &[(&str, &str)]) -> Self {
        let database = server().create_database().await;
        let database_url = server().url(&database);
        let mut app = Self::on_database(database, &database_url, vars).await;
        app.owns_database = true;
        app
    }

    /// An app on a fresh database whose transactions default to SERIALIZABLE (as CockroachDB
    /// runs): what every statement outside an explicit transaction gets too.
    pub async fn spawn_serializable() -> Self {
        let database = server().create_database().await;
        server().default_to_serializable(&database).await;
        let database_url = server().url(&database);
        let mut app = Self::on_database(database, &database_url, &[]).await;
        app.owns_database = true;
        app
    }

    /// Whether the database's transactions default to SERIALIZABLE.
    pub async fn default_isolation(&self) -> String {
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            level: String,
        }
        let setting: Setting = diesel_async::RunQueryDsl::get_result(
            diesel::sql_query("SELECT current_setting('default_transaction_isolation') AS level"),
            &mut *self.conn().await,
        )
        .await
        .expect("isolation");
        setting.level
    }

    /// An app on an existing database.
    pub async fn on_database(
        database: String,
        database_url: &Secret,
        vars: &[(&str, &str)],
    ) -> Self {
        let mut env: HashMap<String, String> = HashMap::from([
            ("JWT_SECRET".to_owned(), JWT_SECRET.to_owned()),
            ("DB_POOL_SIZE".to_owned(), "5".to_owned()),
            ("DB_ACQUIRE_TIMEOUT_MS".to_owned(), "3000".to_owned()),
            ("PASSWORD_HASHING_CONCURRENCY".to_owned(), "2".to_owned()),
        ]);
        for (name, value) in vars {
            env.insert((*name).to_owned(), (*value).to_owned());
        }
        // Stored files go to a directory of this app's own, removed with it.
        let data_dir = std::env::temp_dir()
            .join("millennium-test-data")
            .join(format!("{database}-{}", uuid::Uuid::new_v4().simple()));
        env.entry("DATA_DIR".to_owned())
            .or_insert_with(|| data_dir.display().to_string());
        let config =
            Config::from_lookup(|name| env.get(name).cloned()).expect("test configuration");
        let storage = Storage::open(&config.storage, &config.database.data_dir).expect("storage");
        let data_dir = config.database.data_dir.clone();
        let statements = StatementCounter::default();
        let endpoint = db::Endpoint::parse(database_url).expect("the test database's URL");
        let pool = db::build_pool(&endpoint, PoolSettings::from(&config.database), &statements)
            .expect("pool");
        // DATABASE_READ_URL, as the server reads it: a replica's pool beside the primary's.
        let replica = config.database.read_url.as_ref().map(|read| {
            let endpoint = db::Endpoint::new(read).expect("the replica's URL");
            db::build_pool(
                &endpoint,
                PoolSettings::from(&config.database).for_replica(),
                &statements,
            )
            .expect("replica pool")
        });
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let mut state = AppState::new(
            config,
            pool,
            Direct::new(endpoint),
            statements,
            &Secret::new(JWT_SECRET),
            clock.clone(),
            storage,
        );
        if let Some(replica) = replica {
            state = state.with_replica(replica);
        }
        let router = millennium::build_app(state.clone());
        Self {
            state,
            router,
            clock,
            database,
            data_dir,
            owns_database: false,
        }
    }

    /// A connection for direct reads and writes in assertions and set-up.
    /// Tries again while the pool times out (an app built with a short acquire timeout, on a
    /// loaded machine).
    pub async fn conn(&self) -> Object<DbConn> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match self.state.db.get().await {
                Ok(conn) => return conn,
                Err(err) if std::time::Instant::now() >= deadline => {
                    panic!("test connection: {err:?}")
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    }

    /// `GET uri`, without headers.
    pub async fn get(&self, uri: &str) -> RawResponse {
        self.send(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    /// Sends a raw request through the router.
    pub async fn send(&self, request: Request<Body>) -> RawResponse {
        send_through(self.router.clone(), request).await
    }

    /// `POST uri` with a JSON body (a batch, say), with the bearer `token` if given.
    pub async fn post_json(&self, uri: &str, body: &Value, token: Option<&str>) -> RawResponse {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::from(body.to_string())).expect("request"))
            .await
    }

    /// `POST /graphql` as a GraphQL multipart request (uploads): `operations` (one operation or
    /// a batch), `map` (part name → variable paths), then `files`; with the bearer `token` if
    /// given.
    pub async fn post_multipart(
        &self,
        operations: &Value,
        map: &Value,
        files: &[FilePart<'_>],
        token: Option<&str>,
    ) -> RawResponse {
        let body = multipart_body(operations, map, files);
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/graphql")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"),
            )
            .header(header::CONTENT_LENGTH, body.len());
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::from(body)).expect("request"))
            .await
    }

    /// Starts a GraphQL request.
    pub fn gql(&self, query: &str) -> GqlRequest<'_> {
        GqlRequest {
            app: self,
            query: query.to_owned(),
            variables: json!({}),
            token: None,
            headers: Vec::new(),
            peer: None,
        }
    }

    /// Creates a user of `role` with the default password and logs in through the API.
    pub async fn login_as(&self, role: Role) -> Session {
        let user = UserFactory::new().role(role).insert(self).await;
        self.login_user(user, DEFAULT_PASSWORD).await
    }

    /// Logs an existing user in through the API.
    pub async fn login_user(&self, user: db::users::User, password: &str) -> Session {
        let response = self.login(&user.email, password).await;
        let payload = response.data()["login"].clone();
        Session {
            user,
            access_token: payload["accessToken"]
                .as_str()
                .expect("accessToken")
                .to_owned(),
            refresh_token: payload["refreshToken"]
                .as_str()
                .expect("refreshToken")
                .to_owned(),
        }
    }

    /// The `login` mutation.
    pub async fn login(&self, email: &str, password: &str) -> GqlResponse {
        self.gql(
            "mutation($email: String!, $password: String!) {
                login(email: $email, password: $password) {
                    accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt sessionId
                    user { id email role }
                }
            }",
        )
        .var("email", email)
        .var("password", password)
        .send()
        .await
    }

    /// The `refreshSession` mutation.
    pub async fn refresh(&self, refresh_token: &str) -> GqlResponse {
        self.gql(
            "mutation($token: String!) {
                refreshSession(refreshToken: $token) { accessToken refreshToken sessionId user { id } }
            }",
        )
        .var("token", refresh_token)
        .send()
        .await
    }

    /// Statements sent to the database so far.
    pub fn statements(&self) -> u64 {
        self.state.statements.get()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if self
            .data_dir
            .starts_with(std::env::temp_dir().join("millennium-test-data"))
        {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
        // A throwaway server disappears with the run; a shared one must not fill up.
        if self.owns_database && server().external {
            let name = self.database.clone();
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(server().drop_database(&name));
                }
            })
            .join();
        }
    }
}

pub struct GqlRequest<'a> {
    app: &'a TestApp,
    query: String,
    variables: Value,
    token: Option<String>,
    headers: Vec<(String, String)>,
    peer: Option<SocketAddr>,
}

impl GqlRequest<'_> {
    pub fn var(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.variables[name] = value.into();
        self
    }

    /// Sets every variable of `variables` (a JSON object).
    pub fn vars(mut self, variables: &Value) -> Self {
        for (name, value) in variables.as_object().into_iter().flatten() {
            self.variables[name] = value.clone();
        }
        self
    }

    /// Sends the request with the token of `session`, or anonymously.
    pub fn by_opt(self, session: Option<&Session>) -> Self {
        match session {
            Some(session) => self.by(session),
            None => self,
        }
    }

    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    pub fn by(self, session: &Session) -> Self {
        let token = session.access_token.clone();
        self.token(&token)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends the request as if from a connection at `ip` (in process there is none).
    pub fn sent_from(mut self, ip: &str) -> Self {
        self.peer = Some(SocketAddr::new(ip.parse().expect("an IP address"), 40_000));
        self
    }

    /// The HTTP request this builds.
    pub fn request(&self) -> Request<Body> {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/graphql")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = &self.token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let body = json!({ "query": self.query, "variables": self.variables });
        let mut request = request.body(Body::from(body.to_string())).expect("request");
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        request
    }

    pub async fn send(self) -> GqlResponse {
        GqlResponse(self.app.send(self.request()).await)
    }
}

/// Sends a request through a router (a clone of an app's, for requests sent from tasks).
pub async fn send_through(router: Router, request: Request<Body>) -> RawResponse {
    let response = router.oneshot(request).await.expect("infallible router");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    RawResponse {
        status,
        headers,
        body,
        bytes: bytes.to_vec(),
    }
}

#[derive(Debug)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as JSON (or as a string when it is not JSON).
    pub body: Value,
    /// The body as sent (for files).
    pub bytes: Vec<u8>,
}

impl RawResponse {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    }
}

/// A file of a GraphQL multipart request: the part's name (as the map names it), the file's
/// name, the content type the client declares, and the bytes.
pub struct FilePart<'a> {
    pub name: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

const MULTIPART_BOUNDARY: &str = "millennium-test-boundary-7f3a";

/// The body of a GraphQL multipart request: `operations`, `map`, then `files`.
fn multipart_body(operations: &Value, map: &Value, files: &[FilePart<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut part = |disposition: String, content_type: Option<&str>, bytes: &[u8]| {
        body.extend_from_slice(format!("--{MULTIPART_BOUNDARY}\r\n").as_bytes());
        body.extend_from_slice(
            format!("Content-Disposition: form-data; {disposition}\r\n").as_bytes(),
        );
        if let Some(content_type) = content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    };
    part(
        "name=\"operations\"".into(),
        None,
        operations.to_string().as_bytes(),
    );
    part("name=\"map\"".into(), None, map.to_string().as_bytes());
    for file in files {
        part(
            format!("name=\"{}\"; filename=\"{}\"", file.name, file.file_name),
            Some(file.content_type),
            file.bytes,
        );
    }
    body.extend_from_slice(format!("--{MULTIPART_BOUNDARY}--\r\n").as_bytes());
    body
}

/// A GraphQL response with helpers for assertions.
#[derive(Debug)]
pub struct GqlResponse(pub RawResponse);

impl GqlResponse {
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn body(&self) -> &Value {
        &self.0.body
    }

    /// `data`, asserting that there is no error.
    #[track_caller]
    pub fn data(&self) -> &Value {
        assert_eq!(
            self.0.status,
            StatusCode::OK,
            "HTTP status; body: {}",
            self.0.body
        );
        assert!(
            self.0.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.0.body
        );
        &self.0.body["data"]
    }

    pub fn errors(&self) -> Vec<Value> {
        self.0.body["errors"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `extensions.code` of the first error.
    #[track_caller]
    pub fn error_code(&self) -> String {
        let errors = self.errors();
        let first = errors
            .first()
            .unwrap_or_else(|| panic!("expected an error: {}", self.0.body));
        first["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("error without code: {first}"))
            .to_owned()
    }

    /// `extensions.field` of the first error.
    pub fn error_field(&self) -> Option<String> {
        self.errors().first()?["extensions"]["field"]
            .as_str()
            .map(str::to_owned)
    }

    pub fn error_message(&self) -> String {
        self.errors()
            .first()
            .and_then(|e| e["message"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}
