//! The rules of SPEC 4 through the API: member codes, ages and emails; reassigning unions and
//! moving members with their open loans; soft delete and restore with their blockers; staff
//! rules; pagination; settings and maintenance mode.

use axum::http::StatusCode;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use millennium::db::schema::{loans, staff_sessions};
use millennium::domain::{LoanStatus, Role};
use serde_json::{Value, json};

use crate::support::factories::{insert_loan, insert_loan_type};
use crate::support::records::audit_actions;
use crate::support::{Org, TestApp, UnionFactory, UserFactory};

const CREATE_MEMBER: &str = "mutation($input: CreateUnionMemberInput!) {
    createUnionMember(input: $input) { id code email unionId }
}";

fn member_input(union: impl ToString, first: &str, extra: Value) -> Value {
    let mut input =
        json!({ "unionId": union.to_string(), "firstName": first, "lastName": "Bello" });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    input
}

/// (union, assigned officer, status) of a loan.
async fn loan_place(app: &TestApp, loan: uuid::Uuid) -> (uuid::Uuid, uuid::Uuid, String) {
    loans::table
        .find(loan)
        .select((loans::union_id, loans::assigned_officer_id, loans::status))
        .first(&mut app.conn().await)
        .await
        .expect("loan")
}

#[tokio::test]
async fn member_codes_come_from_a_counter_without_duplicates_or_reuse() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    // The organisation's two members took MEM000001 and MEM000002.
    let creations = (0..12).map(|n| {
        app.gql(CREATE_MEMBER)
            .var(
                "input",
                member_input(org.union.id, &format!("Member{n}"), json!({})),
            )
            .by(&org.officer)
            .send()
    });
    let responses = futures_util::future::join_all(creations).await;
    let mut codes: Vec<String> = responses
        .iter()
        .map(|response| {
            response.data()["createUnionMember"]["code"]
                .as_str()
                .expect("code")
                .to_owned()
        })
        .collect();
    codes.sort();
    let expected: Vec<String> = (3..=14).map(|n| format!("MEM{n:06}")).collect();
    assert_eq!(codes, expected);

    // A deleted member's code is not given again.
    let last = responses[0].data()["createUnionMember"]["id"].clone();
    app.gql("mutation($id: ID!) { deleteUnionMember(id: $id) { deletedAt } }")
        .var("id", last)
        .by(&org.supervisor)
        .send()
        .await
        .data();
    let response = app
        .gql(CREATE_MEMBER)
        .var("input", member_input(org.union.id, "Next", json!({})))
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.data()["createUnionMember"]["code"], "MEM000015");
}

#[tokio::test]
async fn members_are_sixteen_or_older_and_their_emails_unique_among_live_members() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let today = app.state.clock.now().date_naive();
    let too_young = today - chrono::Months::new(16 * 12) + chrono::Days::new(1);
    let response = app
        .gql(CREATE_MEMBER)
        .var(
            "input",
            member_input(
                org.union.id,
                "Tunde",
                json!({"dateOfBirth": too_young.to_string()}),
            ),
        )
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(response.error_field().as_deref(), Some("dateOfBirth"));

    let first = app
        .gql(CREATE_MEMBER)
        .var(
            "input",
            member_input(
                org.union.id,
                "Ngozi",
                json!({"email": " Ngozi@Example.org "}),
            ),
        )
        .by(&org.officer)
        .send()
        .await;
    let first = first.data()["createUnionMember"].clone();
    assert_eq!(first["email"], "ngozi@example.org");
    let duplicate = app
        .gql(CREATE_MEMBER)
        .var(
            "input",
            member_input(org.union.id, "Other", json!({"email": "NGOZI@example.org"})),
        )
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(duplicate.error_code(), "CONFLICT");
    assert_eq!(duplicate.error_field().as_deref(), Some("email"));

    // Once the first is deleted, the address is free again.
    app.gql("mutation($id: ID!) { deleteUnionMember(id: $id) { id } }")
        .var("id", first["id"].clone())
        .by(&org.admin)
        .send()
        .await
        .data();
    let again = app
        .gql(CREATE_MEMBER)
        .var(
            "input",
            member_input(org.union.id, "Other", json!({"email": "ngozi@example.org"})),
        )
        .by(&org.officer)
        .send()
        .await;
    again.data();
    // …and the deleted one cannot come back while the address is taken.
    let restore = app
        .gql("mutation($id: ID!) { restoreUnionMember(id: $id) { id } }")
        .var("id", first["id"].clone())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(restore.error_code(), "CONFLICT");
}

#[tokio::test]
async fn reassigning_a_union_records_history_and_its_open_loans_follow() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let product = insert_loan_type(&app, "Weekly Trader Loan").await;
    let open = insert_loan(
        &app,
        &org.member,
        &product,
        org.officer.user.id,
        LoanStatus::Active,
    )
    .await;
    let closed = insert_loan(
        &app,
        &org.member,
        &product,
        org.officer.user.id,
        LoanStatus::Completed,
    )
    .await;

    let reassign = "mutation($union: ID!, $officer: ID!, $reason: String) {
        reassignUnion(unionId: $union, creditOfficerId: $officer, reason: $reason) {
            creditOfficer { email }
            assignmentHistory { totalCount nodes { kind reason oldOfficer { email } newOfficer { email } changedBy { email } } }
        }
    }";
    // Only an active credit officer can take a union.
    let response = app
        .gql(reassign)
        .var("union", org.union.id.to_string())
        .var("officer", org.other_supervisor.user.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(response.error_field().as_deref(), Some("creditOfficerId"));

    let response = app
        .gql(reassign)
        .var("union", org.union.id.to_string())
        .var("officer", org.other_officer.user.id.to_string())
        .var("reason", "Officer moved to Ibadan North")
        .by(&org.admin)
        .send()
        .await;
    let union = &response.data()["reassignUnion"];
    assert_eq!(
        union["creditOfficer"]["email"],
        org.other_officer.user.email
    );
    assert_eq!(union["assignmentHistory"]["totalCount"], 1);
    let change = &union["assignmentHistory"]["nodes"][0];
    assert_eq!(change["kind"], "UNION_OFFICER");
    assert_eq!(change["reason"], "Officer moved to Ibadan North");
    assert_eq!(change["oldOfficer"]["email"], org.officer.user.email);
    assert_eq!(change["newOfficer"]["email"], org.other_officer.user.email);
    assert_eq!(change["changedBy"]["email"], org.admin.user.email);

    // The open loan follows; the completed one keeps its history.
    assert_eq!(loan_place(&app, open).await.1, org.other_officer.user.id.0);
    assert_eq!(loan_place(&app, closed).await.1, org.officer.user.id.0);

    // The very next request sees the new scope.
    let query = "query($id: ID!) { union(id: $id) { name } }";
    let before = app
        .gql(query)
        .var("id", org.union.id.to_string())
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(before.error_code(), "NOT_FOUND");
    let after = app
        .gql(query)
        .var("id", org.union.id.to_string())
        .by(&org.other_officer)
        .send()
        .await;
    assert_eq!(after.data()["union"]["name"], org.union.name);
    assert!(
        audit_actions(&app)
            .await
            .contains(&"UNION_REASSIGNED".to_owned())
    );
}

#[tokio::test]
async fn moving_a_member_records_old_and_new_union_and_moves_the_open_loan() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let product = insert_loan_type(&app, "Daily Market Loan").await;
    let open = insert_loan(
        &app,
        &org.member,
        &product,
        org.officer.user.id,
        LoanStatus::PendingApproval,
    )
    .await;
    let response = app
        .gql(
            "mutation($member: ID!, $union: ID!) {
                moveUnionMember(unionMemberId: $member, unionId: $union, reason: \"Moved stalls\") {
                    union { name }
                    creditOfficer { email }
                    reassignments { nodes { kind oldUnion { name } union { name } oldOfficer { email } newOfficer { email } } }
                }
            }",
        )
        .var("member", org.member.id.to_string())
        .var("union", org.other_union.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    let member = &response.data()["moveUnionMember"];
    assert_eq!(member["union"]["name"], org.other_union.name);
    assert_eq!(
        member["creditOfficer"]["email"],
        org.other_officer.user.email
    );
    let change = &member["reassignments"]["nodes"][0];
    assert_eq!(change["kind"], "MEMBER_UNION");
    assert_eq!(change["oldUnion"]["name"], org.union.name);
    assert_eq!(change["union"]["name"], org.other_union.name);
    assert_eq!(change["oldOfficer"]["email"], org.officer.user.email);
    assert_eq!(change["newOfficer"]["email"], org.other_officer.user.email);
    let (union, officer, _) = loan_place(&app, open).await;
    assert_eq!(union, org.other_union.id.0);
    assert_eq!(officer, org.other_officer.user.id.0);

    // The history lists both kinds together, in scope.
    let history = "{ assignmentHistory { totalCount nodes { kind } } }";
    let response = app.gql(history).by(&org.admin).send().await;
    assert_eq!(response.data()["assignmentHistory"]["totalCount"], 1);
    let response = app.gql(history).by(&org.other_officer).send().await;
    assert_eq!(response.data()["assignmentHistory"]["totalCount"], 1);
    let response = app
        .gql("{ assignmentHistory(filter: {unionId: \"00000000-0000-0000-0000-000000000000\"}) { totalCount } }")
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.data()["assignmentHistory"]["totalCount"], 0);
}

#[tokio::test]
async fn deletions_name_their_blockers_and_deleted_rows_are_for_administrators() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let product = insert_loan_type(&app, "Cooperative Loan").await;
    insert_loan(
        &app,
        &org.member,
        &product,
        org.officer.user.id,
        LoanStatus::Active,
    )
    .await;

    let delete_union = "mutation($id: ID!) { deleteUnion(id: $id) { deletedAt } }";
    let response = app
        .gql(delete_union)
        .var("id", org.union.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "CONFLICT");
    assert!(
        response
            .error_message()
            .contains("1 live member and 1 open loan"),
        "{}",
        response.error_message()
    );
    let delete_member = "mutation($id: ID!) { deleteUnionMember(id: $id) { deletedAt } }";
    let response = app
        .gql(delete_member)
        .var("id", org.member.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "CONFLICT");
    let response = app
        .gql("mutation($id: ID!) { deleteLoanType(id: $id) { id } }")
        .var("id", product.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "CONFLICT");

    // The other union's member has no loan: member, then union, go.
    let response = app
        .gql(delete_member)
        .var("id", org.other_member.id.to_string())
        .by(&org.other_supervisor)
        .send()
        .await;
    assert!(response.data()["deleteUnionMember"]["deletedAt"].is_string());
    app.gql(delete_union)
        .var("id", org.other_union.id.to_string())
        .by(&org.admin)
        .send()
        .await
        .data();
    let listed = "query($deleted: Boolean!) { unions(includeDeleted: $deleted) { totalCount } }";
    let response = app
        .gql(listed)
        .var("deleted", false)
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.data()["unions"]["totalCount"], 1);
    let response = app
        .gql(listed)
        .var("deleted", true)
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.data()["unions"]["totalCount"], 2);
    let response = app
        .gql(listed)
        .var("deleted", true)
        .by(&org.supervisor)
        .send()
        .await;
    assert_eq!(response.error_code(), "FORBIDDEN");

    // A member cannot be restored into a deleted union; the union first.
    let restore_member = "mutation($id: ID!) { restoreUnionMember(id: $id) { deletedAt } }";
    let response = app
        .gql(restore_member)
        .var("id", org.other_member.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "CONFLICT");
    app.gql("mutation($id: ID!) { restoreUnion(id: $id) { deletedAt } }")
        .var("id", org.other_union.id.to_string())
        .by(&org.admin)
        .send()
        .await
        .data();
    let response = app
        .gql(restore_member)
        .var("id", org.other_member.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(
        response.data()["restoreUnionMember"]["deletedAt"],
        Value::Null
    );
}

#[tokio::test]
async fn staff_rules_supervisors_links_and_deactivation() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let create = "mutation($input: CreateUserInput!) {
        createUser(input: $input) { id role supervisorId supervisor { email } }
    }";
    let input = |email: &str, role: &str, extra: Value| {
        let mut input = json!({
            "email": email, "password": "Harvest2026", "role": role,
            "firstName": "Kemi", "lastName": "Ade"
        });
        if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            input.extend(extra.clone());
        }
        input
    };
    // A supervisor's new officer is theirs.
    let response = app
        .gql(create)
        .var(
            "input",
            input("kemi@example.org", "CREDIT_OFFICER", json!({})),
        )
        .by(&org.supervisor)
        .send()
        .await;
    let created = &response.data()["createUser"];
    assert_eq!(created["supervisorId"], org.supervisor.user.id.to_string());
    assert_eq!(created["supervisor"]["email"], org.supervisor.user.email);

    let cases = [
        (
            input("kemi@EXAMPLE.org", "CREDIT_OFFICER", json!({})),
            "CONFLICT",
            Some("email"),
        ),
        (
            input(
                "weak@example.org",
                "CREDIT_OFFICER",
                json!({"password": "harvest"}),
            ),
            "BAD_USER_INPUT",
            Some("password"),
        ),
        (
            input(
                "sup@example.org",
                "SUPERVISOR",
                json!({"supervisorId": org.supervisor.user.id.to_string()}),
            ),
            "BAD_USER_INPUT",
            Some("supervisorId"),
        ),
        (
            input(
                "co@example.org",
                "CREDIT_OFFICER",
                json!({"supervisorId": org.officer.user.id.to_string()}),
            ),
            "BAD_USER_INPUT",
            Some("supervisorId"),
        ),
    ];
    for (input, code, field) in cases {
        let response = app
            .gql(create)
            .var("input", input.clone())
            .by(&org.admin)
            .send()
            .await;
        assert_eq!(response.error_code(), code, "{input}");
        assert_eq!(response.error_field().as_deref(), field, "{input}");
    }

    // Nobody deactivates themself.
    let set_active = "mutation($id: ID!, $active: Boolean!) { setUserActive(id: $id, active: $active) { isActive } }";
    let response = app
        .gql(set_active)
        .var("id", org.admin.user.id.to_string())
        .var("active", false)
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "FORBIDDEN");

    // Deactivating ends the officer's sessions at once.
    let response = app
        .gql(set_active)
        .var("id", org.officer.user.id.to_string())
        .var("active", false)
        .by(&org.supervisor)
        .send()
        .await;
    assert_eq!(response.data()["setUserActive"]["isActive"], false);
    let response = app.gql("{ me { id } }").by(&org.officer).send().await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let live: i64 = staff_sessions::table
        .filter(staff_sessions::user_id.eq(org.officer.user.id))
        .filter(staff_sessions::revoked_at.is_null())
        .count()
        .get_result(&mut app.conn().await)
        .await
        .expect("count");
    assert_eq!(live, 0);

    // An account that still manages unions cannot be deleted; the message says why.
    let response = app
        .gql("mutation($id: ID!) { deleteUser(id: $id) { id } }")
        .var("id", org.officer.user.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "CONFLICT");
    assert!(
        response.error_message().contains("manages 1 union"),
        "{}",
        response.error_message()
    );
}

#[tokio::test]
async fn pages_are_clamped_cursors_are_opaque_and_totals_counted_only_when_asked() {
    let app = TestApp::spawn_with(&[("MAX_PAGE_SIZE", "10")]).await;
    let admin = app.login_as(Role::Admin).await;
    let officer = UserFactory::new().insert(&app).await;
    for n in 0..25 {
        UnionFactory::new(&officer)
            .name(&format!("Union {n:02}"))
            .insert(&app)
            .await;
    }
    let page = "query($first: Int, $after: String) {
        unions(first: $first, after: $after) { totalCount nodes { name } pageInfo { hasNextPage endCursor } }
    }";
    let response = app.gql(page).var("first", 50).by(&admin).send().await;
    let unions = &response.data()["unions"];
    assert_eq!(unions["nodes"].as_array().expect("nodes").len(), 10);
    assert_eq!(unions["totalCount"], 25);
    assert_eq!(unions["pageInfo"]["hasNextPage"], true);
    let mut seen: Vec<String> = Vec::new();
    let mut after = Value::Null;
    loop {
        let response = app
            .gql(page)
            .var("first", 10)
            .var("after", after.clone())
            .by(&admin)
            .send()
            .await;
        let unions = response.data()["unions"].clone();
        seen.extend(
            unions["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["name"].as_str().expect("name").to_owned()),
        );
        if unions["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = unions["pageInfo"]["endCursor"].clone();
    }
    let expected: Vec<String> = (0..25).map(|n| format!("Union {n:02}")).collect();
    assert_eq!(seen, expected);

    let response = app
        .gql(page)
        .var("after", "bm90LWEtY3Vyc29y")
        .by(&admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(response.error_field().as_deref(), Some("after"));

    // Lists weigh their children once per node: a page of pages is refused before it runs.
    let response = app
        .gql("{ users(first: 500) { nodes { unions(first: 500) { nodes { name } } } } }")
        .by(&admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert!(
        response.error_message().contains("complex"),
        "{}",
        response.error_message()
    );

    // Without totalCount, one statement fewer.
    let cost = |query: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            let before = app.statements();
            app.gql(query).by(admin).send().await.data();
            app.statements() - before
        }
    };
    let with_total = cost("{ unions { totalCount nodes { name } } }").await;
    let without = cost("{ unions { nodes { name } } }").await;
    assert_eq!(with_total, without + 1);
}

#[tokio::test]
async fn settings_are_validated_and_maintenance_mode_pauses_changes_for_non_admins() {
    let app = TestApp::spawn().await;
    let org = Org::new(&app).await;
    let update = "mutation($input: UpdateCompanySettingsInput!) {
        updateCompanySettings(input: $input) { currency maintenanceMode }
    }";
    let response = app
        .gql(update)
        .var("input", json!({"currency": "naira"}))
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert_eq!(response.error_field().as_deref(), Some("currency"));
    let response = app
        .gql(update)
        .var("input", json!({"maintenanceMode": true}))
        .by(&org.supervisor)
        .send()
        .await;
    assert_eq!(response.error_code(), "FORBIDDEN");
    let response = app
        .gql(update)
        .var(
            "input",
            json!({"maintenanceMode": true, "maintenanceMessage": "Month-end closing"}),
        )
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(
        response.data()["updateCompanySettings"]["maintenanceMode"],
        true
    );

    // Anyone can see it before logging in.
    let response = app
        .gql("{ publicSettings { name maintenanceMode maintenanceMessage } }")
        .send()
        .await;
    assert_eq!(response.data()["publicSettings"]["maintenanceMode"], true);

    // A non-admin's mutation is refused with 503; their queries work.
    let rename = "mutation($id: ID!) { updateUnion(id: $id, input: {name: \"Renamed\"}) { name } }";
    let response = app
        .gql(rename)
        .var("id", org.union.id.to_string())
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.error_code(), "MAINTENANCE_MODE");
    assert_eq!(response.error_message(), "Month-end closing");
    let response = app
        .gql("{ unions { nodes { name } } }")
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(
        response.data()["unions"]["nodes"][0]["name"],
        org.union.name
    );

    // Logging in and out stays open.
    let session = app
        .login_user(
            org.supervisor.user.clone(),
            crate::support::factories::DEFAULT_PASSWORD,
        )
        .await;
    let response = app.gql("mutation { logout }").by(&session).send().await;
    assert_eq!(response.data()["logout"], true);

    // Administrators are not affected.
    let response = app
        .gql(rename)
        .var("id", org.union.id.to_string())
        .by(&org.admin)
        .send()
        .await;
    assert_eq!(response.data()["updateUnion"]["name"], "Renamed");
    app.gql(update)
        .var("input", json!({"maintenanceMode": false}))
        .by(&org.admin)
        .send()
        .await
        .data();
    let response = app
        .gql(rename)
        .var("id", org.union.id.to_string())
        .by(&org.officer)
        .send()
        .await;
    assert_eq!(response.data()["updateUnion"]["name"], "Renamed");
}
