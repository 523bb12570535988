//! The portfolio graph: scope on every entry point, nested relations through loaders, the
//! statement budget of nested queries, pagination.

use millennium::domain::Role;
use serde_json::{Value, json};

use crate::support::{MemberFactory, Org, TestApp, UnionFactory, UserFactory};

fn names(list: &Value) -> Vec<String> {
    list["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn each_role_lists_only_the_unions_in_its_scope() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let query = "{ unions { totalCount nodes { name } } }";
    let cases = [
        (&org.admin, vec!["Bodija Weavers", "Oja Oba Traders"]),
        (&org.supervisor, vec!["Oja Oba Traders"]),
        (&org.officer, vec!["Oja Oba Traders"]),
        (&org.other_officer, vec!["Bodija Weavers"]),
    ];
    for (session, expected) in cases {
        let response = app.gql(query).by(session).send().await;
        let unions = &response.data()["unions"];
        assert_eq!(names(unions), expected, "{}", session.user.email);
        assert_eq!(unions["totalCount"], json!(expected.len()));
    }
    // A filter narrows and never widens: an officer asking for another officer's unions gets
    // nothing, not them.
    let response = app
        .gql("query($id: ID!) { unions(filter: {creditOfficerId: $id}) { totalCount nodes { name } } }")
        .var("id", org.other_officer.user.id.to_string())
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.data()["unions"]["totalCount"], 0);
}

#[tokio::test]
async fn nested_statements_do_not_grow_with_the_rows() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let supervisor = UserFactory::new().role(Role::Supervisor).insert(&app).await;
    let mut officers = Vec::new();
    for _ in 0..5 {
        officers.push(
            UserFactory::new()
                .supervisor(supervisor.id)
                .insert(&app)
                .await,
        );
    }
    for n in 0..50 {
        let union = UnionFactory::new(&officers[n % 5]).insert(&app).await;
        for _ in 0..3 {
            MemberFactory::new(&union).insert(&app).await;
        }
    }
    let query = "query($n: Int!) { unions(first: $n) { nodes {
        creditOfficer { supervisor { email } }
        memberCount
        members(first: 20) { nodes { union { name } } }
    } } }";
    let mut costs = Vec::new();
    for n in [5, 50] {
        let before = app.statements();
        let response = app.gql(query).var("n", n).by(&admin).send().await;
        let nodes = response.data()["unions"]["nodes"]
            .as_array()
            .expect("nodes")
            .len();
        assert_eq!(nodes, n as usize);
        costs.push(app.statements() - before);
    }
    assert_eq!(
        costs[0], costs[1],
        "statements for 5 and 50 unions: {costs:?}"
    );
    assert!(costs[1] <= 8, "statements: {costs:?}");

    // A batch of ten such operations shares one set of loaders.
    let single = costs[1];
    let operation = json!({"query": query, "variables": {"n": 50}});
    let batch = Value::Array(vec![operation; 10]);
    let before = app.statements();
    let response = app
        .post_json("/graphql", &batch, Some(&admin.access_token))
        .await;
    assert_eq!(
        response.status,
        axum::http::StatusCode::OK,
        "{}",
        response.body
    );
    assert_eq!(response.body.as_array().expect("batch").len(), 10);
    let batch_cost = app.statements() - before;
    assert!(batch_cost <= single, "batch {batch_cost} > single {single}");
}

#[tokio::test]
async fn out_of_scope_objects_read_as_not_found_by_id_and_through_nested_fields() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let union = "query($id: ID!) { union(id: $id) { name } }";
    let member = "query($id: ID!) { unionMember(id: $id) { code } }";
    let user = "query($id: ID!) { user(id: $id) { email } }";
    let other_union = org.other_union.id.to_string();
    let other_member = org.other_member.id.to_string();
    let other_officer = org.other_officer.user.id.to_string();
    for session in [&org.supervisor, &org.officer] {
        for (query, id) in [
            (union, &other_union),
            (member, &other_member),
            (user, &other_officer),
        ] {
            let response = app
                .gql(query)
                .var("id", id.as_str())
                .by(session)
                .send()
                .await;
            assert_eq!(
                response.error_code(),
                "NOT_FOUND",
                "{query} by {}",
                session.user.email
            );
        }
    }
    // The administrator sees everything.
    let response = app
        .gql(member)
        .var("id", other_member.as_str())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(
        response.data()["unionMember"]["code"],
        org.other_member.code
    );

    // A credit officer sees only their own account: their supervisor reads as null, and the
    // other team never appears through a nested field.
    let response = app
        .gql("{ me { supervisor { email } unions { nodes { name members { nodes { code union { creditOfficer { email } } } } } } } }")
        .by(&org.officer)
        .send()
        .await;
    let me = &response.data()["me"];
    assert_eq!(me["supervisor"], Value::Null);
    assert_eq!(names(&me["unions"]), ["Oja Oba Traders"]);
    let nested_member = &me["unions"]["nodes"][0]["members"]["nodes"][0];
    assert_eq!(nested_member["code"], org.member.code);
    assert_eq!(
        nested_member["union"]["creditOfficer"]["email"],
        org.officer.user.email
    );
    // A supervisor sees their officer through the union, and their team through themself.
    let response = app
        .gql("{ me { creditOfficers { totalCount nodes { email unions { nodes { name } } } } } }")
        .by(&org.supervisor)
        .send()
        .await;
    let officers = &response.data()["me"]["creditOfficers"];
    assert_eq!(officers["totalCount"], 1);
    assert_eq!(officers["nodes"][0]["email"], org.officer.user.email);
    assert_eq!(names(&officers["nodes"][0]["unions"]), ["Oja Oba Traders"]);
}

#[tokio::test]
async fn acting_on_a_visible_object_without_the_right_is_forbidden_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let reassign = "mutation($union: ID!, $officer: ID!) {
        reassignUnion(unionId: $union, creditOfficerId: $officer) { creditOfficerId }
    }";
    for session in [&org.supervisor, &org.officer] {
        let response = app
            .gql(reassign)
            .var("union", org.union.id.to_string())
            .var("officer", org.other_officer.user.id.to_string())
            .by(session)
            .send()
            .await;
        assert_eq!(response.error_code(), "FORBIDDEN");
    }
    // Out of scope comes first: the other team's union is not found, not forbidden.
    let response = app
        .gql(reassign)
        .var("union", org.other_union.id.to_string())
        .var("officer", org.officer.user.id.to_string())
        .by(&org.supervisor)
        .send()
        .await;
    assert_eq!(response.error_code(), "NOT_FOUND");
    let response = app
        .gql("query($id: ID!) { union(id: $id) { creditOfficerId } }")
        .var("id", org.union.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(
        response.data()["union"]["creditOfficerId"],
        org.officer.user.id.to_string()
    );
    assert!(
        crate::support::records::audit_actions(&app)
            .await
            .iter()
            .all(|action| action != "UNION_REASSIGNED")
    );
}

#[tokio::test]
async fn five_hundred_members_with_their_union_and_officer_cost_at_most_five_statements() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let mut unions = Vec::new();
    for _ in 0..4 {
        let officer = UserFactory::new().insert(&app).await;
        for _ in 0..5 {
            unions.push(UnionFactory::new(&officer).insert(&app).await);
        }
    }
    for n in 0..520 {
        MemberFactory::new(&unions[n % unions.len()])
            .insert(&app)
            .await;
    }
    let before = app.statements();
    let response = app
        .gql("{ unionMembers(first: 500) { nodes { union { name creditOfficer { email } } } } }")
        .by(&admin)
        .send()
        .await;
    let cost = app.statements() - before;
    let nodes = response.data()["unionMembers"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes.len(), 500);
    assert!(
        nodes
            .iter()
            .all(|node| node["union"]["creditOfficer"]["email"].is_string())
    );
    assert!(cost <= 5, "statements: {cost}");
}
