//! The audit trail (SPEC 3): every change of staff, unions, members, the catalogue, the settings
//! and notes leaves one row saying what happened to which record, who did it, from which request,
//! address and user agent, with the record before and after; a refused change leaves no row and
//! changes nothing.

use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::json::{ANY, mismatch};
use crate::support::org::Who::{self, *};
use crate::support::records::{audit_count, audit_rows_of_request};
use crate::support::scenario::Scenario;

const ADDRESS: &str = "203.0.113.7";
const AGENT: &str = "audit-trail-tests/1.0";

/// `field(input: …) { id }`.
fn create(field: &str, input_type: &str) -> String {
    format!("mutation($input: {input_type}!) {{ {field}(input: $input) {{ id }} }}")
}

/// `field(id: …, input: …) { id }`.
fn update(field: &str, input_type: &str) -> String {
    format!(
        "mutation($id: ID!, $input: {input_type}!) {{ {field}(id: $id, input: $input) {{ id }} }}"
    )
}

/// `field(id: …) { id }`: deletes and restores.
fn on_id(field: &str) -> String {
    format!("mutation($id: ID!) {{ {field}(id: $id) {{ id }} }}")
}

fn id_and(id: impl serde::Serialize, input: Value) -> Value {
    json!({ "id": id, "input": input })
}

const SET_USER_ACTIVE: &str =
    "mutation($id: ID!, $on: Boolean!) { setUserActive(id: $id, active: $on) { id } }";
const RESET_PASSWORD: &str =
    "mutation($id: ID!) { resetUserPassword(id: $id, newPassword: \"Fresh2026x\") { id } }";
const REASSIGN_UNION: &str =
    "mutation($id: ID!, $to: ID!) { reassignUnion(unionId: $id, creditOfficerId: $to) { id } }";
const SET_VERIFIED: &str =
    "mutation($id: ID!, $on: Boolean!) { setUnionMemberVerified(id: $id, verified: $on) { id } }";
const MOVE_MEMBER: &str =
    "mutation($id: ID!, $to: ID!) { moveUnionMember(unionMemberId: $id, unionId: $to) { id } }";
const SET_LOAN_TYPE_ACTIVE: &str =
    "mutation($id: ID!, $on: Boolean!) { setLoanTypeActive(id: $id, active: $on) { id } }";
const UPDATE_SETTINGS: &str = "mutation($input: UpdateCompanySettingsInput!) {
    updateCompanySettings(input: $input) { name } }";

/// What an audit row holds about the record.
enum Change {
    /// `before` null; `after` the new record, with these fields.
    Created(Value),
    /// `before` and `after` the record; `after` has these fields, which `before` had not.
    Changed(Value),
    /// Neither (a password reset changes nothing one could show): only `metadata`.
    Event,
}

struct Audited {
    who: Who,
    query: String,
    vars: Value,
    action: &'static str,
    entity: &'static str,
    change: Change,
}

fn audited(
    who: Who,
    query: impl Into<String>,
    vars: Value,
    (action, entity): (&'static str, &'static str),
    change: Change,
) -> Audited {
    Audited {
        who,
        query: query.into(),
        vars,
        action,
        entity,
        change,
    }
}

fn deleted() -> Change {
    Change::Changed(json!({ "deletedAt": ANY }))
}

fn restored() -> Change {
    Change::Changed(json!({ "deletedAt": null }))
}

fn staff_changes(s: &Scenario) -> Vec<Audited> {
    let spare = json!({ "id": s.spare_officer.id, "on": false });
    let new_officer = json!({ "input": {
        "email": "nkem@example.org", "password": "Harvest2026", "role": "CREDIT_OFFICER",
        "firstName": "Nkem", "lastName": "New" } });
    vec![
        audited(
            Supervisor,
            create("createUser", "CreateUserInput"),
            new_officer,
            ("USER_CREATED", "User"),
            Change::Created(
                json!({ "email": "nkem@example.org", "role": "CREDIT_OFFICER",
                "supervisorId": s.org.supervisor.user.id }),
            ),
        ),
        audited(
            Admin,
            update("updateUser", "UpdateUserInput"),
            id_and(s.other_spare_officer.id, json!({ "lastName": "Sparrow" })),
            ("USER_UPDATED", "User"),
            Change::Changed(json!({ "lastName": "Sparrow" })),
        ),
        audited(
            Supervisor,
            SET_USER_ACTIVE,
            spare,
            ("USER_DEACTIVATED", "User"),
            Change::Changed(json!({ "isActive": false })),
        ),
        audited(
            Supervisor,
            SET_USER_ACTIVE,
            json!({ "id": s.spare_officer.id, "on": true }),
            ("USER_ACTIVATED", "User"),
            Change::Changed(json!({ "isActive": true })),
        ),
        audited(
            Supervisor,
            RESET_PASSWORD,
            json!({ "id": s.spare_officer.id }),
            ("USER_PASSWORD_RESET", "User"),
            Change::Event,
        ),
        audited(
            Admin,
            on_id("deleteUser"),
            json!({ "id": s.other_spare_officer.id }),
            ("USER_DELETED", "User"),
            deleted(),
        ),
        audited(
            Admin,
            on_id("restoreUser"),
            json!({ "id": s.deleted_user.id }),
            ("USER_RESTORED", "User"),
            restored(),
        ),
    ]
}

fn portfolio_changes(s: &Scenario) -> Vec<Audited> {
    let new_member = json!({ "input": {
        "unionId": s.org.union.id, "firstName": "Bisi", "lastName": "Ade" } });
    let new_union = json!({ "name": "Mokola Bakers", "creditOfficerId": s.org.officer.user.id });
    vec![
        audited(
            Supervisor,
            create("createUnion", "CreateUnionInput"),
            json!({ "input": new_union }),
            ("UNION_CREATED", "Union"),
            Change::Created(new_union),
        ),
        audited(
            Officer,
            update("updateUnion", "UpdateUnionInput"),
            id_and(s.org.union.id, json!({ "name": "Oja Oba Traders Guild" })),
            ("UNION_UPDATED", "Union"),
            Change::Changed(json!({ "name": "Oja Oba Traders Guild" })),
        ),
        audited(
            Admin,
            REASSIGN_UNION,
            json!({ "id": s.handed_union.id, "to": s.spare_officer.id }),
            ("UNION_REASSIGNED", "Union"),
            Change::Changed(json!({ "creditOfficerId": s.spare_officer.id })),
        ),
        audited(
            Supervisor,
            on_id("deleteUnion"),
            json!({ "id": s.empty_union.id }),
            ("UNION_DELETED", "Union"),
            deleted(),
        ),
        audited(
            Admin,
            on_id("restoreUnion"),
            json!({ "id": s.deleted_union.id }),
            ("UNION_RESTORED", "Union"),
            restored(),
        ),
        audited(
            Officer,
            create("createUnionMember", "CreateUnionMemberInput"),
            new_member,
            ("MEMBER_CREATED", "UnionMember"),
            Change::Created(json!({ "firstName": "Bisi", "unionId": s.org.union.id, "code": ANY })),
        ),
        audited(
            Officer,
            update("updateUnionMember", "UpdateUnionMemberInput"),
            id_and(s.org.member.id, json!({ "city": "Ibadan" })),
            ("MEMBER_UPDATED", "UnionMember"),
            Change::Changed(json!({ "city": "Ibadan" })),
        ),
        audited(
            Supervisor,
            SET_VERIFIED,
            json!({ "id": s.org.member.id, "on": false }),
            ("MEMBER_VERIFICATION_CHANGED", "UnionMember"),
            Change::Changed(json!({ "isVerified": false })),
        ),
        audited(
            Admin,
            MOVE_MEMBER,
            json!({ "id": s.moved_member.id, "to": s.org.union.id }),
            ("MEMBER_MOVED", "UnionMember"),
            Change::Changed(json!({ "unionId": s.org.union.id })),
        ),
        audited(
            Supervisor,
            on_id("deleteUnionMember"),
            json!({ "id": s.spare_member.id }),
            ("MEMBER_DELETED", "UnionMember"),
            deleted(),
        ),
        audited(
            Admin,
            on_id("restoreUnionMember"),
            json!({ "id": s.deleted_member.id }),
            ("MEMBER_RESTORED", "UnionMember"),
            restored(),
        ),
    ]
}

fn configuration_changes(s: &Scenario) -> Vec<Audited> {
    let product = json!({ "input": {
        "name": "Harvest Loan", "minAmount": "1000.00", "maxAmount": "50000.00",
        "termUnit": "MONTH", "minTerm": 1, "maxTerm": 12 } });
    let officer = s.org.officer.user.id;
    let note = json!({ "input": {
        "userId": officer, "title": "Coaching", "content": "Met the target." } });
    vec![
        audited(
            Admin,
            create("createLoanType", "CreateLoanTypeInput"),
            product,
            ("LOAN_TYPE_CREATED", "LoanType"),
            Change::Created(json!({ "name": "Harvest Loan", "isActive": true })),
        ),
        audited(
            Admin,
            update("updateLoanType", "UpdateLoanTypeInput"),
            id_and(s.spare_loan_type.id, json!({ "maxAmount": "75000.00" })),
            ("LOAN_TYPE_UPDATED", "LoanType"),
            Change::Changed(json!({ "maxAmount": "75000.00" })),
        ),
        audited(
            Admin,
            SET_LOAN_TYPE_ACTIVE,
            json!({ "id": s.loan_type.id, "on": false }),
            ("LOAN_TYPE_UPDATED", "LoanType"),
            Change::Changed(json!({ "isActive": false })),
        ),
        audited(
            Admin,
            on_id("deleteLoanType"),
            json!({ "id": s.spare_loan_type.id }),
            ("LOAN_TYPE_DELETED", "LoanType"),
            deleted(),
        ),
        audited(
            Admin,
            on_id("restoreLoanType"),
            json!({ "id": s.deleted_loan_type.id }),
            ("LOAN_TYPE_RESTORED", "LoanType"),
            restored(),
        ),
        audited(
            Admin,
            create("createDocumentType", "CreateDocumentTypeInput"),
            json!({ "input": { "name": "Utility Bill" } }),
            ("DOCUMENT_TYPE_CREATED", "DocumentType"),
            Change::Created(json!({ "code": "UTILITY_BILL", "name": "Utility Bill" })),
        ),
        audited(
            Admin,
            update("updateDocumentType", "UpdateDocumentTypeInput"),
            id_and(&s.document_type, json!({ "description": "Issued by NIMC" })),
            ("DOCUMENT_TYPE_UPDATED", "DocumentType"),
            Change::Changed(json!({ "description": "Issued by NIMC" })),
        ),
        audited(
            Admin,
            on_id("deleteDocumentType"),
            json!({ "id": s.document_type }),
            ("DOCUMENT_TYPE_DELETED", "DocumentType"),
            deleted(),
        ),
        audited(
            Admin,
            on_id("restoreDocumentType"),
            json!({ "id": s.deleted_document_type }),
            ("DOCUMENT_TYPE_RESTORED", "DocumentType"),
            restored(),
        ),
        audited(
            Admin,
            UPDATE_SETTINGS,
            json!({ "input": { "name": "Millennium Microfinance" } }),
            ("SETTINGS_UPDATED", "CompanySettings"),
            Change::Changed(json!({ "name": "Millennium Microfinance" })),
        ),
        audited(
            Supervisor,
            create("createUserNote", "CreateUserNoteInput"),
            note,
            ("USER_NOTE_CREATED", "UserNote"),
            Change::Created(json!({ "title": "Coaching", "userId": officer,
                "createdByUserId": s.org.supervisor.user.id })),
        ),
        audited(
            Supervisor,
            update("updateUserNote", "UpdateUserNoteInput"),
            id_and(&s.supervisor_note, json!({ "title": "Field visit, May" })),
            ("USER_NOTE_UPDATED", "UserNote"),
            Change::Changed(json!({ "title": "Field visit, May" })),
        ),
        audited(
            Supervisor,
            on_id("deleteUserNote"),
            json!({ "id": s.supervisor_note }),
            ("USER_NOTE_DELETED", "UserNote"),
            deleted(),
        ),
        audited(
            Admin,
            on_id("restoreUserNote"),
            json!({ "id": s.deleted_note }),
            ("USER_NOTE_RESTORED", "UserNote"),
            restored(),
        ),
    ]
}

/// Where `fields` differ from the same fields of `record`, or `record` lacks them.
fn fields_mismatch(fields: &Value, record: &Value) -> Option<String> {
    let fields = fields.as_object()?;
    fields
        .iter()
        .find_map(|(key, value)| mismatch(value, &record[key]).map(|diff| format!("{key}: {diff}")))
}

/// What is wrong with the audit row of `case`, sent as request `request_id`, which answered
/// `data`.
async fn check_row(
    app: &TestApp,
    s: &Scenario,
    case: &Audited,
    request_id: &str,
    data: &Value,
) -> Result<(), String> {
    let rows = audit_rows_of_request(app, request_id).await;
    let [row] = rows.as_slice() else {
        return Err(format!("{} audit rows", rows.len()));
    };
    let actor = s.org.as_who(case.who).map(|session| session.user.id);
    let returned_id = data
        .as_object()
        .and_then(|d| d.values().next())
        .map(|v| &v["id"]);
    let who = (
        row.action.as_str(),
        row.entity_name.as_str(),
        row.actor_user_id,
        row.ip_address.as_deref(),
        row.user_agent.as_deref(),
    );
    if who != (case.action, case.entity, actor, Some(ADDRESS), Some(AGENT)) {
        return Err(format!("action, entity, actor, address, agent: {who:?}"));
    }
    let entity_id = row.entity_id.map(|id| json!(id));
    match returned_id {
        Some(id) if !id.is_null() && entity_id.as_ref() != Some(id) => {
            return Err(format!("entity id {entity_id:?}, returned id {id}"));
        }
        _ if entity_id.is_none() => return Err("no entity id".into()),
        _ => {}
    }
    let text = format!("{:?} {:?}", row.before, row.after);
    if case.entity == "User" && (text.contains("password") || text.contains("argon2")) {
        return Err(format!("a password hash in the trail: {text}"));
    }
    let (before, after) = (row.before.as_ref(), row.after.as_ref());
    match (&case.change, before, after) {
        (Change::Created(fields), None, Some(after)) => {
            match fields_mismatch(&json!({ "id": entity_id }), after) {
                Some(diff) => Err(format!("after.id: {diff}")),
                None => fields_mismatch(fields, after).map_or(Ok(()), Err),
            }
        }
        (Change::Changed(fields), Some(before), Some(after)) => {
            if let Some(diff) = fields_mismatch(fields, after) {
                return Err(format!("after: {diff}"));
            }
            match fields_mismatch(fields, before) {
                None => Err(format!("before already had {fields}")),
                Some(_) => Ok(()),
            }
        }
        (Change::Event, None, None) if row.metadata.is_some() => Ok(()),
        _ => Err(format!(
            "before {before:?}, after {after:?}, metadata {:?}",
            row.metadata
        )),
    }
}

/// Performs each change as its caller, from a known address and agent with a request id, and
/// checks the one audit row that request wrote.
async fn run(changes: fn(&Scenario) -> Vec<Audited>) {
    let app = TestApp::spawn().await;
    let s = Scenario::new(&app).await;
    let mut failures = Vec::new();
    let cases = changes(&s);
    for (n, case) in cases.iter().enumerate() {
        let request_id = format!("audit-{n}");
        let response = app
            .gql(&case.query)
            .vars(&case.vars)
            .by_opt(s.org.as_who(case.who))
            .header("x-request-id", &request_id)
            .header("user-agent", AGENT)
            .sent_from(ADDRESS)
            .send()
            .await;
        let outcome = match response.body().get("errors") {
            Some(errors) => Err(format!("refused: {errors}")),
            None => check_row(&app, &s, case, &request_id, &response.body()["data"]).await,
        };
        if let Err(problem) = outcome {
            failures.push(format!("{} by {:?}: {problem}", case.action, case.who));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} changes badly audited:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn staff_changes_are_audited() {
    run(staff_changes).await;
}

#[tokio::test]
async fn union_and_member_changes_are_audited() {
    run(portfolio_changes).await;
}

#[tokio::test]
async fn catalogue_settings_and_note_changes_are_audited() {
    run(configuration_changes).await;
}

#[tokio::test]
async fn the_trail_keeps_the_generated_request_id_and_shows_through_the_api() {
    let app = TestApp::spawn().await;
    let s = Scenario::new(&app).await;
    let response = app
        .gql(&update("updateUnion", "UpdateUnionInput"))
        .vars(&id_and(
            s.org.union.id,
            json!({ "location": "Oja Oba, Ibadan" }),
        ))
        .by(&s.org.officer)
        .send()
        .await;
    response.data();
    let request_id = response.0.headers["x-request-id"]
        .to_str()
        .expect("a request id")
        .to_owned();
    let trail = app
        .gql(
            "query($id: ID!) { auditTrail(entityName: \"Union\", entityId: $id) { nodes {
            action entityId actorUserId requestId before after } } }",
        )
        .var("id", s.org.union.id.to_string())
        .by(&s.org.admin)
        .send()
        .await;
    let nodes = trail.data()["auditTrail"]["nodes"].clone();
    let last = &nodes[nodes.as_array().map_or(0, Vec::len).saturating_sub(1)];
    assert_eq!(last["action"], "UNION_UPDATED", "{nodes}");
    assert_eq!(last["requestId"], request_id.as_str());
    assert_eq!(last["entityId"], json!(s.org.union.id));
    assert_eq!(last["actorUserId"], json!(s.org.officer.user.id));
    assert_eq!(last["before"]["location"], "Ibadan");
    assert_eq!(last["after"]["location"], "Oja Oba, Ibadan");
}

// ----- refusals ----------------------------------------------------------------------------

const UNION_PROBE: &str = "query($id: ID!) { union(id: $id, includeDeleted: true) {
    name location creditOfficerId memberCount updatedAt deletedAt } }";
const MEMBER_PROBE: &str = "query($id: ID!) { unionMember(id: $id, includeDeleted: true) {
    fullName city dateOfBirth isVerified unionId updatedAt deletedAt } }";
const USER_PROBE: &str = "query($id: ID!) { user(id: $id, includeDeleted: true) {
    fullName role isActive supervisorId updatedAt deletedAt } }";
const LOAN_TYPES_PROBE: &str = "{ loanTypes(includeDeleted: true) {
    totalCount nodes { name maxAmount isActive updatedAt deletedAt } } }";
const SETTINGS_PROBE: &str = "{ companySettings { name primaryColor timezone updatedAt } }";
const NOTES_PROBE: &str = "query($id: ID!) { userNotes(userId: $id, includeDeleted: true) {
    nodes { title content isPrivate updatedAt deletedAt } } }";
const STAFF_PROBE: &str = "{ users(includeDeleted: true) { totalCount } }";
const UNIONS_PROBE: &str = "{ unions(includeDeleted: true) { totalCount } }";

/// A change that must be refused with `code` (and a message naming `because`), leaving the
/// audit log and what `probe` reads (as the administrator) as they were.
struct Refused {
    who: Who,
    query: String,
    vars: Value,
    code: &'static str,
    because: &'static str,
    probe: (&'static str, Value),
}

fn refused(
    who: Who,
    query: impl Into<String>,
    vars: Value,
    (code, because): (&'static str, &'static str),
    probe: &(&'static str, Value),
) -> Refused {
    Refused {
        who,
        query: query.into(),
        vars,
        code,
        because,
        probe: probe.clone(),
    }
}

fn with_id(id: impl serde::Serialize) -> Value {
    json!({ "id": id })
}

/// The root field of a one-field operation.
fn root_field(query: &str) -> &str {
    let after_brace = query.split('{').nth(1).unwrap_or_default();
    after_brace.split('(').next().unwrap_or_default().trim()
}

const RESET_AND_DEACTIVATE: &str = "mutation($id: ID!) {
    resetUserPassword(id: $id, newPassword: \"Fresh2026x\") { id }
    setUserActive(id: $id, active: false) { id } }";

fn refusals(s: &Scenario) -> Vec<Refused> {
    let union = (UNION_PROBE, with_id(s.org.union.id));
    let empty_union = (UNION_PROBE, with_id(s.empty_union.id));
    let their_union = (UNION_PROBE, with_id(s.org.other_union.id));
    let member = (MEMBER_PROBE, with_id(s.org.member.id));
    let their_member = (MEMBER_PROBE, with_id(s.org.other_member.id));
    let spare = (USER_PROBE, with_id(s.spare_officer.id));
    let officer = (USER_PROBE, with_id(s.org.officer.user.id));
    let notes = (NOTES_PROBE, with_id(s.org.officer.user.id));
    let loan_types = (LOAN_TYPES_PROBE, json!({}));
    let settings = (SETTINGS_PROBE, json!({}));
    let staff = (STAFF_PROBE, json!({}));
    let unions = (UNIONS_PROBE, json!({}));
    let product = |name: &str| {
        json!({ "input": { "name": name, "minAmount": "1000.00", "maxAmount": "5000.00",
            "termUnit": "WEEK", "minTerm": 1, "maxTerm": 4 } })
    };
    let twin = json!({ "input": { "email": s.org.officer.user.email, "password": "Harvest2026",
        "role": "CREDIT_OFFICER", "firstName": "Twin", "lastName": "Officer" } });
    let no_officer = json!({ "input": {
        "name": "Nowhere", "creditOfficerId": s.org.supervisor.user.id } });
    let (forbidden, not_found) = (("FORBIDDEN", ""), ("NOT_FOUND", "not found"));
    let update_user = update("updateUser", "UpdateUserInput");
    let update_union = update("updateUnion", "UpdateUnionInput");
    let update_member = update("updateUnionMember", "UpdateUnionMemberInput");
    let update_note = update("updateUserNote", "UpdateUserNoteInput");
    let create_loan_type = create("createLoanType", "CreateLoanTypeInput");
    let promote = id_and(s.org.officer.user.id, json!({ "role": "SUPERVISOR" }));
    vec![
        refused(
            Officer,
            on_id("deleteUnion"),
            with_id(s.empty_union.id),
            forbidden,
            &empty_union,
        ),
        refused(
            Supervisor,
            REASSIGN_UNION,
            json!({ "id": s.org.union.id, "to": s.spare_officer.id }),
            forbidden,
            &union,
        ),
        refused(
            Officer,
            SET_VERIFIED,
            json!({ "id": s.org.member.id, "on": false }),
            forbidden,
            &member,
        ),
        refused(
            Supervisor,
            on_id("deleteUser"),
            with_id(s.spare_officer.id),
            forbidden,
            &spare,
        ),
        refused(
            Supervisor,
            &update_user,
            promote.clone(),
            forbidden,
            &officer,
        ),
        refused(
            Supervisor,
            &create_loan_type,
            product("Sneaky"),
            forbidden,
            &loan_types,
        ),
        refused(
            Supervisor,
            UPDATE_SETTINGS,
            json!({ "input": { "name": "Hijacked" } }),
            forbidden,
            &settings,
        ),
        refused(
            Supervisor,
            &update_note,
            id_and(&s.note, json!({ "title": "Mine" })),
            forbidden,
            &notes,
        ),
        refused(
            Officer,
            &update_union,
            id_and(s.org.other_union.id, json!({ "name": "Taken" })),
            not_found,
            &their_union,
        ),
        refused(
            Supervisor,
            &update_member,
            id_and(s.org.other_member.id, json!({ "city": "Oyo" })),
            not_found,
            &their_member,
        ),
        refused(
            OtherSupervisor,
            SET_USER_ACTIVE,
            json!({ "id": s.spare_officer.id, "on": false }),
            not_found,
            &spare,
        ),
        refused(
            Supervisor,
            on_id("deleteUserNote"),
            with_id(&s.private_note),
            not_found,
            &notes,
        ),
        refused(
            Officer,
            MOVE_MEMBER,
            json!({ "id": s.org.other_member.id, "to": s.org.union.id }),
            not_found,
            &their_member,
        ),
        refused(
            Officer,
            &update_member,
            id_and(
                s.org.member.id,
                json!({ "city": "Oyo", "dateOfBirth": "2020-01-01" }),
            ),
            ("BAD_USER_INPUT", "16"),
            &member,
        ),
        refused(
            Admin,
            REASSIGN_UNION,
            json!({ "id": s.org.union.id, "to": s.org.supervisor.user.id }),
            ("BAD_USER_INPUT", "credit officer"),
            &union,
        ),
        refused(
            Admin,
            UPDATE_SETTINGS,
            json!({ "input": { "name": "Renamed", "primaryColor": "green" } }),
            ("BAD_USER_INPUT", "colour"),
            &settings,
        ),
        refused(
            Admin,
            RESET_AND_DEACTIVATE,
            with_id(s.spare_officer.id),
            ("BAD_USER_INPUT", "on its own"),
            &spare,
        ),
        refused(
            Admin,
            create("createUnion", "CreateUnionInput"),
            no_officer,
            ("BAD_USER_INPUT", "credit officer"),
            &unions,
        ),
        refused(
            Admin,
            on_id("deleteUnion"),
            with_id(s.org.union.id),
            ("CONFLICT", "2 live members"),
            &union,
        ),
        refused(
            Admin,
            on_id("deleteUnionMember"),
            with_id(s.org.other_member.id),
            ("CONFLICT", "open loan"),
            &their_member,
        ),
        refused(
            Admin,
            on_id("deleteLoanType"),
            with_id(s.loan_type.id),
            ("CONFLICT", "used by 1 loan"),
            &loan_types,
        ),
        refused(
            Admin,
            &create_loan_type,
            product("Market Women 8 Weeks"),
            ("CONFLICT", "already exists"),
            &loan_types,
        ),
        refused(
            Admin,
            on_id("deleteUser"),
            with_id(s.org.officer.user.id),
            ("CONFLICT", "manages 3 unions"),
            &officer,
        ),
        refused(
            Admin,
            &update_user,
            promote,
            ("CONFLICT", "3 unions"),
            &officer,
        ),
        refused(
            Admin,
            on_id("restoreUnion"),
            with_id(s.org.union.id),
            ("CONFLICT", "not deleted"),
            &union,
        ),
        refused(
            Admin,
            create("createUser", "CreateUserInput"),
            twin,
            ("CONFLICT", "already exists"),
            &staff,
        ),
    ]
}

async fn probe(app: &TestApp, s: &Scenario, (query, vars): &(&str, Value)) -> Value {
    let response = app.gql(query).vars(vars).by(&s.org.admin).send().await;
    response.data().clone()
}

#[tokio::test]
async fn a_refused_change_writes_no_audit_row_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let s = Scenario::new(&app).await;
    let mut failures = Vec::new();
    let cases = refusals(&s);
    for case in &cases {
        let (before, rows) = (probe(&app, &s, &case.probe).await, audit_count(&app).await);
        let response = app
            .gql(&case.query)
            .vars(&case.vars)
            .by_opt(s.org.as_who(case.who))
            .send()
            .await;
        let error = &response.body()["errors"][0];
        let problem = if error["extensions"]["code"] != case.code {
            Some(format!("answered {}", response.body()))
        } else if !error["message"]
            .as_str()
            .is_some_and(|m| m.contains(case.because))
        {
            Some(format!("no {:?} in {error}", case.because))
        } else if audit_count(&app).await != rows {
            Some("an audit row was written".to_owned())
        } else {
            let after = probe(&app, &s, &case.probe).await;
            (after != before).then(|| format!("changed: {before} → {after}"))
        };
        if let Some(problem) = problem {
            let field = root_field(&case.query);
            failures.push(format!(
                "{field} by {:?} ({}): {problem}",
                case.who, case.code
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} refusals failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
