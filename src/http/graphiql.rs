//! `GET /graphiql`: the playground.

use async_graphql::http::GraphiQLSource;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

use super::HttpState;

pub fn routes() -> Router<HttpState> {
    Router::new().route("/graphiql", get(graphiql))
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Millennium — GraphiQL")
            .finish(),
    )
}
