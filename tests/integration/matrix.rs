//! The role matrix of SPEC 2 for staff, unions, members, the catalogue, settings, notes and the
//! records, written as data: every query and mutation, tried by each role on objects in its
//! scope and out of it (another officer's union, another supervisor's team), with the data or
//! the error code each caller gets.
//!
//! A [`Row`] is one operation on one object; its cells run in order. In mutation rows the
//! refusals come before the success, so that the success also shows that they changed nothing.
//! Each test function runs its rows against a fresh [`Scenario`] (see its names there).

use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::json::{ANY, mismatch};
use crate::support::org::Who::{self, *};
use crate::support::scenario::{Scenario, UNKNOWN_EMAIL};

#[derive(Clone)]
enum Expect {
    /// `data`, whole (`ANY` matches any non-null value).
    Data(Value),
    /// The first error's `extensions.code`, and no data.
    Code(&'static str),
}

const UNAUTHENTICATED: Expect = Expect::Code("UNAUTHENTICATED");
const NOT_FOUND: Expect = Expect::Code("NOT_FOUND");
const FORBIDDEN: Expect = Expect::Code("FORBIDDEN");
const BAD_INPUT: Expect = Expect::Code("BAD_USER_INPUT");
const CONFLICT: Expect = Expect::Code("CONFLICT");

fn ok(data: Value) -> Expect {
    Expect::Data(data)
}

struct Row {
    name: &'static str,
    query: &'static str,
    vars: Value,
    cells: Vec<(Who, Expect)>,
}

fn row<const N: usize>(
    name: &'static str,
    query: &'static str,
    vars: Value,
    cells: [(Who, Expect); N],
) -> Row {
    Row {
        name,
        query,
        vars,
        cells: cells.into(),
    }
}

/// Runs every cell of the rows on a fresh scenario and reports all the cells that failed.
async fn run(rows: fn(&Scenario) -> Vec<Row>) {
    let app = TestApp::spawn().await;
    let s = Scenario::new(&app).await;
    let mut failures = Vec::new();
    let mut cells = 0;
    for row in rows(&s) {
        for (who, expect) in &row.cells {
            cells += 1;
            let request = app.gql(row.query).vars(&row.vars);
            let response = request.by_opt(s.org.as_who(*who)).send().await;
            if let Some(problem) = verdict(expect, response.body()) {
                failures.push(format!("{} — as {who:?}: {problem}", row.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn verdict(expect: &Expect, body: &Value) -> Option<String> {
    match expect {
        Expect::Data(data) => match body.get("errors") {
            Some(errors) => Some(format!("unexpected errors: {errors}")),
            None => mismatch(data, &body["data"]),
        },
        Expect::Code(code) => {
            let got = body["errors"][0]["extensions"]["code"].as_str();
            let leaked = body["data"]
                .as_object()
                .is_some_and(|data| data.values().any(|value| !value.is_null()));
            (got != Some(*code) || leaked).then(|| format!("expected {code}, got {body}"))
        }
    }
}

// ----- expected shapes ---------------------------------------------------------------------

/// A connection of `values` as `{key: value}` nodes, with its total.
fn list(key: &str, values: &[&str]) -> Value {
    let nodes: Vec<Value> = values.iter().map(|value| json!({ key: value })).collect();
    json!({ "totalCount": values.len(), "nodes": nodes })
}

fn person(name: &str) -> Value {
    json!({ "fullName": name })
}

fn named(name: &str) -> Value {
    json!({ "name": name })
}

/// A user (or officer) with their supervisor, as far as the caller sees them.
fn with_supervisor(name: &str, supervisor: Option<&str>) -> Value {
    json!({ "fullName": name, "supervisor": supervisor.map(person) })
}

/// `{field: value}` — the data of a one-field operation.
fn one(field: &str, value: Value) -> Value {
    json!({ field: value })
}

// ----- staff and records -------------------------------------------------------------------

const ME: &str = "{ me { fullName role supervisor { fullName } } }";
const USER: &str = "query($id: ID!) { user(id: $id) { fullName supervisor { fullName } } }";
const USER_DELETED: &str =
    "query($id: ID!) { user(id: $id, includeDeleted: true) { fullName deletedAt } }";
const USER_UNIONS: &str = "query($id: ID!) { user(id: $id) {
    fullName supervisor { fullName } unions { nodes { name } } } }";
const USERS: &str =
    "query($filter: UserFilter) { users(filter: $filter) { totalCount nodes { fullName } } }";
const USERS_DELETED: &str = "{ users(includeDeleted: true) { totalCount } }";
const USER_RELATIONS: &str = "query($id: ID!) { user(id: $id) {
    unions { totalCount nodes { name } } creditOfficers { totalCount nodes { fullName } } } }";
const USER_NOTES: &str = "query($id: ID!) { userNotes(userId: $id) {
    totalCount nodes { title isPrivate createdBy { fullName } } } }";
const USER_NOTES_DELETED: &str =
    "query($id: ID!) { userNotes(userId: $id, includeDeleted: true) { totalCount } }";
const LOGIN_HISTORY: &str = "query($filter: LoginHistoryFilter) { loginHistory(filter: $filter) {
    totalCount nodes { success user { fullName } } } }";
const AUDIT_LOGS: &str = "query($filter: AuditLogFilter) { auditLogs(filter: $filter) {
    totalCount nodes { action actor { fullName } } } }";
const AUDIT_TRAIL: &str = "query($id: ID!) { auditTrail(entityName: \"Union\", entityId: $id) {
    totalCount nodes { action actor { fullName } } } }";

fn me(name: &str, role: &str) -> Expect {
    ok(json!({ "me": { "fullName": name, "role": role, "supervisor": null } }))
}

fn user(name: &str, supervisor: Option<&str>) -> Expect {
    ok(one("user", with_supervisor(name, supervisor)))
}

/// Our spare officer, seen with their union.
fn colleague(supervisor: Option<&str>) -> Expect {
    let mut seen = with_supervisor("Gani Spare", supervisor);
    seen["unions"] = json!({ "nodes": [named("Eleyele Fishers")] });
    ok(one("user", seen))
}

fn users(names: &[&str]) -> Expect {
    ok(one("users", list("fullName", names)))
}

fn relations(unions: &[&str], officers: &[&str]) -> Expect {
    ok(one(
        "user",
        json!({ "unions": list("name", unions), "creditOfficers": list("fullName", officers) }),
    ))
}

fn notes(notes: &[(&str, bool, Option<&str>)]) -> Expect {
    let note = |(title, private, author): &(&str, bool, Option<&str>)| json!({ "title": title, "isPrivate": private, "createdBy": author.map(person) });
    let nodes: Vec<Value> = notes.iter().map(note).collect();
    ok(one(
        "userNotes",
        json!({ "totalCount": nodes.len(), "nodes": nodes }),
    ))
}

fn attempts(attempts: &[(bool, Option<&str>)]) -> Expect {
    let nodes: Vec<Value> = attempts
        .iter()
        .map(|(success, user)| json!({ "success": success, "user": user.map(person) }))
        .collect();
    ok(one(
        "loginHistory",
        json!({ "totalCount": nodes.len(), "nodes": nodes }),
    ))
}

/// Audit entries as (action, actor) under `field`.
fn entries(field: &str, entries: &[(&str, &str)]) -> Expect {
    let nodes: Vec<Value> = entries
        .iter()
        .map(|(action, actor)| json!({ "action": action, "actor": person(actor) }))
        .collect();
    ok(one(
        field,
        json!({ "totalCount": nodes.len(), "nodes": nodes }),
    ))
}

fn union_edits(actors: &[&str]) -> Expect {
    let edits: Vec<(&str, &str)> = actors.iter().map(|a| ("UNION_UPDATED", *a)).collect();
    entries("auditLogs", &edits)
}

const ALL_STAFF: &[&str] = &[
    "Amaka Admin",
    "Chidi Officer",
    "Emeka Officer",
    "Gani Spare",
    "Hauwa Spare",
    "Bola Supervisor",
    "Dayo Supervisor",
];

fn staff_query_rows(s: &Scenario) -> Vec<Row> {
    vec![
        row(
            "me",
            ME,
            json!({}),
            [
                (Anonymous, UNAUTHENTICATED),
                (Admin, me("Amaka Admin", "ADMIN")),
                (Supervisor, me("Bola Supervisor", "SUPERVISOR")),
                // A credit officer does not see their supervisor.
                (Officer, me("Chidi Officer", "CREDIT_OFFICER")),
                (OtherOfficer, me("Emeka Officer", "CREDIT_OFFICER")),
            ],
        ),
        row(
            "user: our officer",
            USER,
            json!({ "id": s.org.officer.user.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (Admin, user("Chidi Officer", Some("Bola Supervisor"))),
                (Supervisor, user("Chidi Officer", Some("Bola Supervisor"))),
                (Officer, user("Chidi Officer", None)),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
            ],
        ),
        row(
            "user { unions }: our officer's colleague",
            USER_UNIONS,
            json!({ "id": s.spare_officer.id }),
            [
                (Admin, colleague(Some("Bola Supervisor"))),
                (Supervisor, colleague(Some("Bola Supervisor"))),
                (Officer, NOT_FOUND),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
            ],
        ),
        row(
            "user: our supervisor",
            USER,
            json!({ "id": s.org.supervisor.user.id }),
            [
                (Admin, user("Bola Supervisor", None)),
                (Supervisor, user("Bola Supervisor", None)),
                (Officer, NOT_FOUND),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
            ],
        ),
        row(
            "user: the administrator",
            USER,
            json!({ "id": s.org.admin.user.id }),
            [
                (Admin, user("Amaka Admin", None)),
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
            ],
        ),
        row(
            "user: their officer",
            USER,
            json!({ "id": s.org.other_officer.user.id }),
            [
                (Admin, user("Emeka Officer", Some("Dayo Supervisor"))),
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (
                    OtherSupervisor,
                    user("Emeka Officer", Some("Dayo Supervisor")),
                ),
                (OtherOfficer, user("Emeka Officer", None)),
            ],
        ),
        row(
            "user: a deleted account",
            USER,
            json!({ "id": s.deleted_user.id }),
            [(Admin, NOT_FOUND), (Supervisor, NOT_FOUND)],
        ),
        row(
            "user(includeDeleted): a deleted account",
            USER_DELETED,
            json!({ "id": s.deleted_user.id }),
            [
                (
                    Admin,
                    ok(one(
                        "user",
                        json!({ "fullName": "Ife Gone", "deletedAt": ANY }),
                    )),
                ),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "users",
            USERS,
            json!({}),
            [
                (Anonymous, UNAUTHENTICATED),
                (Admin, users(ALL_STAFF)),
                (
                    Supervisor,
                    users(&["Chidi Officer", "Gani Spare", "Bola Supervisor"]),
                ),
                (Officer, users(&["Chidi Officer"])),
                (
                    OtherSupervisor,
                    users(&["Emeka Officer", "Hauwa Spare", "Dayo Supervisor"]),
                ),
                (OtherOfficer, users(&["Emeka Officer"])),
            ],
        ),
        row(
            "users(filter: the other supervisor's officers)",
            USERS,
            json!({ "filter": { "supervisorId": s.org.other_supervisor.user.id } }),
            [
                (Admin, users(&["Emeka Officer", "Hauwa Spare"])),
                (Supervisor, users(&[])),
                (Officer, users(&[])),
                (OtherSupervisor, users(&["Emeka Officer", "Hauwa Spare"])),
            ],
        ),
        row(
            "users(filter: role SUPERVISOR)",
            USERS,
            json!({ "filter": { "role": "SUPERVISOR" } }),
            [
                (Admin, users(&["Bola Supervisor", "Dayo Supervisor"])),
                (Supervisor, users(&["Bola Supervisor"])),
                (Officer, users(&[])),
            ],
        ),
        row(
            "users(filter: search their officer)",
            USERS,
            json!({ "filter": { "search": "Emeka" } }),
            [
                (Admin, users(&["Emeka Officer"])),
                (Supervisor, users(&[])),
                (Officer, users(&[])),
            ],
        ),
        row(
            "users(includeDeleted)",
            USERS_DELETED,
            json!({}),
            [
                (Admin, ok(one("users", json!({ "totalCount": 8 })))),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "user { unions creditOfficers }: our officer",
            USER_RELATIONS,
            json!({ "id": s.org.officer.user.id }),
            [
                (Admin, relations(&OUR_UNIONS, &[])),
                (Supervisor, relations(&OUR_UNIONS, &[])),
                (Officer, relations(&OUR_UNIONS, &[])),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
            ],
        ),
        row(
            "user { unions creditOfficers }: our supervisor",
            USER_RELATIONS,
            json!({ "id": s.org.supervisor.user.id }),
            [
                (Admin, relations(&[], &["Chidi Officer", "Gani Spare"])),
                (Supervisor, relations(&[], &["Chidi Officer", "Gani Spare"])),
                (Officer, NOT_FOUND),
                (OtherSupervisor, NOT_FOUND),
            ],
        ),
        row(
            "userNotes: about our officer",
            USER_NOTES,
            json!({ "id": s.org.officer.user.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (
                    Admin,
                    notes(&[
                        ("Field visit", false, Some("Bola Supervisor")),
                        ("Private review", true, Some("Amaka Admin")),
                        ("Punctual", false, Some("Amaka Admin")),
                    ]),
                ),
                // The administrator's private note stays hidden, and so does the
                // administrator behind the public one.
                (
                    Supervisor,
                    notes(&[
                        ("Field visit", false, Some("Bola Supervisor")),
                        ("Punctual", false, None),
                    ]),
                ),
                (
                    Officer,
                    notes(&[("Field visit", false, None), ("Punctual", false, None)]),
                ),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
            ],
        ),
        row(
            "userNotes: about their officer",
            USER_NOTES,
            json!({ "id": s.org.other_officer.user.id }),
            [
                (Admin, notes(&[])),
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
            ],
        ),
        row(
            "userNotes(includeDeleted): about our officer",
            USER_NOTES_DELETED,
            json!({ "id": s.org.officer.user.id }),
            [
                (Admin, ok(one("userNotes", json!({ "totalCount": 4 })))),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "loginHistory",
            LOGIN_HISTORY,
            json!({}),
            [
                (Anonymous, UNAUTHENTICATED),
                (
                    Admin,
                    attempts(&[
                        (false, None),
                        (false, Some("Gani Spare")),
                        (true, Some("Emeka Officer")),
                        (true, Some("Dayo Supervisor")),
                        (true, Some("Chidi Officer")),
                        (true, Some("Bola Supervisor")),
                        (true, Some("Amaka Admin")),
                    ]),
                ),
                (
                    Supervisor,
                    attempts(&[
                        (false, Some("Gani Spare")),
                        (true, Some("Chidi Officer")),
                        (true, Some("Bola Supervisor")),
                    ]),
                ),
                (Officer, attempts(&[(true, Some("Chidi Officer"))])),
                (
                    OtherSupervisor,
                    attempts(&[
                        (true, Some("Emeka Officer")),
                        (true, Some("Dayo Supervisor")),
                    ]),
                ),
            ],
        ),
        row(
            "loginHistory(filter: their officer)",
            LOGIN_HISTORY,
            json!({ "filter": { "userId": s.org.other_officer.user.id } }),
            [
                (Admin, attempts(&[(true, Some("Emeka Officer"))])),
                (Supervisor, attempts(&[])),
                (Officer, attempts(&[])),
            ],
        ),
        row(
            "loginHistory(filter: an email of no account)",
            LOGIN_HISTORY,
            json!({ "filter": { "email": UNKNOWN_EMAIL } }),
            [
                (Admin, attempts(&[(false, None)])),
                (Supervisor, attempts(&[])),
                (Officer, attempts(&[])),
            ],
        ),
        row(
            "auditLogs(filter: UNION_UPDATED)",
            AUDIT_LOGS,
            json!({ "filter": { "action": "UNION_UPDATED" } }),
            [
                (Anonymous, UNAUTHENTICATED),
                (
                    Admin,
                    union_edits(&["Bola Supervisor", "Emeka Officer", "Chidi Officer"]),
                ),
                (
                    Supervisor,
                    union_edits(&["Bola Supervisor", "Chidi Officer"]),
                ),
                (Officer, FORBIDDEN),
                (OtherSupervisor, union_edits(&["Emeka Officer"])),
                (OtherOfficer, FORBIDDEN),
            ],
        ),
        row(
            "auditLogs(filter: their officer's union edits)",
            AUDIT_LOGS,
            {
                json!({ "filter": {
                    "action": "UNION_UPDATED", "actorUserId": s.org.other_officer.user.id } })
            },
            [
                (Admin, union_edits(&["Emeka Officer"])),
                (Supervisor, union_edits(&[])),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "auditLogs(filter: their union)",
            AUDIT_LOGS,
            json!({ "filter": { "entityName": "Union", "entityId": s.org.other_union.id } }),
            [
                (Admin, union_edits(&["Emeka Officer"])),
                (Supervisor, union_edits(&[])),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "auditTrail: our union",
            AUDIT_TRAIL,
            json!({ "id": s.org.union.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (
                    Admin,
                    entries("auditTrail", &[("UNION_UPDATED", "Chidi Officer")]),
                ),
                (
                    Supervisor,
                    entries("auditTrail", &[("UNION_UPDATED", "Chidi Officer")]),
                ),
                (Officer, FORBIDDEN),
                (OtherSupervisor, entries("auditTrail", &[])),
            ],
        ),
        row(
            "auditTrail: their union",
            AUDIT_TRAIL,
            json!({ "id": s.org.other_union.id }),
            [
                (
                    Admin,
                    entries("auditTrail", &[("UNION_UPDATED", "Emeka Officer")]),
                ),
                (Supervisor, entries("auditTrail", &[])),
                (Officer, FORBIDDEN),
                (
                    OtherSupervisor,
                    entries("auditTrail", &[("UNION_UPDATED", "Emeka Officer")]),
                ),
                (OtherOfficer, FORBIDDEN),
            ],
        ),
        row(
            "auditTrail: the union the administrator handed to our officer",
            AUDIT_TRAIL,
            json!({ "id": s.handed_union.id }),
            [
                (
                    Admin,
                    entries("auditTrail", &[("UNION_REASSIGNED", "Amaka Admin")]),
                ),
                // The administrator's entries are not the supervisor's to read.
                (Supervisor, entries("auditTrail", &[])),
                (Officer, FORBIDDEN),
            ],
        ),
    ]
}

#[tokio::test]
async fn staff_notes_and_records_read_by_role() {
    run(staff_query_rows).await;
}

// ----- unions, members and their history ---------------------------------------------------

const UNIONS: &str =
    "query($filter: UnionFilter) { unions(filter: $filter) { totalCount nodes { name } } }";
const UNIONS_DELETED: &str = "{ unions(includeDeleted: true) { totalCount nodes { name } } }";
const UNION: &str = "query($id: ID!) { union(id: $id) { name memberCount
    creditOfficer { fullName supervisor { fullName } } members { nodes { fullName } } } }";
const UNION_DELETED: &str =
    "query($id: ID!) { union(id: $id, includeDeleted: true) { name deletedAt } }";
const MEMBERS: &str = "query($filter: UnionMemberFilter) { unionMembers(filter: $filter) {
    totalCount nodes { fullName } } }";
const MEMBERS_DELETED: &str = "{ unionMembers(includeDeleted: true) { totalCount } }";
const MEMBER: &str = "query($id: ID!) { unionMember(id: $id) { fullName
    union { name creditOfficer { fullName supervisor { fullName } } }
    creditOfficer { fullName } } }";
const MEMBER_DELETED: &str =
    "query($id: ID!) { unionMember(id: $id, includeDeleted: true) { fullName deletedAt } }";
const ASSIGNMENT_HISTORY: &str = "{ assignmentHistory { totalCount nodes { kind
    union { name } oldUnion { name } unionMember { fullName }
    oldOfficer { fullName } newOfficer { fullName } changedBy { fullName } } } }";
const UNION_HISTORY: &str = "query($id: ID!) { union(id: $id) {
    assignmentHistory { nodes { oldOfficer { fullName } newOfficer { fullName } } } } }";
const MEMBER_MOVES: &str = "query($id: ID!) { unionMember(id: $id) { reassignments { nodes {
    oldUnion { name } union { name } oldOfficer { fullName } newOfficer { fullName } } } } }";

/// Our officer's unions; our supervisor's team also has our spare officer's Eleyele Fishers.
const OUR_UNIONS: [&str; 3] = ["Agbeni Tailors", "Gbagi Dyers", "Oja Oba Traders"];
const TEAM_UNIONS: [&str; 4] = [
    "Agbeni Tailors",
    "Eleyele Fishers",
    "Gbagi Dyers",
    "Oja Oba Traders",
];
const THEIR_UNIONS: [&str; 2] = ["Bodija Weavers", "Dugbe Cobblers"];
const OUR_MEMBERS: [&str; 2] = ["Ngozi Eze", "Chiamaka Nwosu"];
const TEAM_MEMBERS: [&str; 3] = ["Ngozi Eze", "Chiamaka Nwosu", "Lami Okon"];
const THEIR_MEMBERS: [&str; 2] = ["Funke Adeyemi", "Kemi Bello"];

fn unions(names: &[&str]) -> Expect {
    ok(one("unions", list("name", names)))
}

fn members(names: &[&str]) -> Expect {
    ok(one("unionMembers", list("fullName", names)))
}

/// `union(id)` as seen: its officer (with their supervisor, when visible) and members.
fn union(name: &str, officer: &str, supervisor: Option<&str>, members: &[&str]) -> Expect {
    let nodes: Vec<Value> = members.iter().map(|name| person(name)).collect();
    ok(one(
        "union",
        json!({
            "name": name,
            "memberCount": members.len(),
            "creditOfficer": with_supervisor(officer, supervisor),
            "members": { "nodes": nodes },
        }),
    ))
}

/// `unionMember(id)` as seen, through its union to the officer and their supervisor.
fn member(name: &str, union: &str, officer: &str, supervisor: Option<&str>) -> Expect {
    ok(one(
        "unionMember",
        json!({
            "fullName": name,
            "union": { "name": union, "creditOfficer": with_supervisor(officer, supervisor) },
            "creditOfficer": person(officer),
        }),
    ))
}

/// One change of `assignmentHistory`; `None` for what the caller may not see.
fn change(
    kind: &str,
    unions: [Option<&str>; 2],
    member: Option<&str>,
    officers: [Option<&str>; 3],
) -> Value {
    json!({
        "kind": kind,
        "union": unions[0].map(named),
        "oldUnion": unions[1].map(named),
        "unionMember": member.map(person),
        "oldOfficer": officers[0].map(person),
        "newOfficer": officers[1].map(person),
        "changedBy": officers[2].map(person),
    })
}

fn history(changes: Vec<Value>) -> Expect {
    ok(one(
        "assignmentHistory",
        json!({ "totalCount": changes.len(), "nodes": changes }),
    ))
}

/// What our team sees of the history: the handover of Gbagi Dyers to our officer (but not
/// who had it before, nor who did it), and Kemi Bello leaving our union (but not for where).
fn our_history() -> Expect {
    history(vec![
        change(
            "UNION_OFFICER",
            [Some("Gbagi Dyers"), None],
            None,
            [None, Some("Chidi Officer"), None],
        ),
        change(
            "MEMBER_UNION",
            [None, Some("Oja Oba Traders")],
            None,
            [Some("Chidi Officer"), None, None],
        ),
    ])
}

/// What their team sees: Kemi Bello arriving, from nowhere they may see.
fn their_history() -> Expect {
    history(vec![change(
        "MEMBER_UNION",
        [Some("Bodija Weavers"), None],
        Some("Kemi Bello"),
        [None, Some("Emeka Officer"), None],
    )])
}

fn moves(moves: &[[Option<&str>; 4]]) -> Expect {
    let nodes: Vec<Value> = moves
        .iter()
        .map(|[old_union, union, old_officer, new_officer]| {
            json!({
                "oldUnion": old_union.map(named), "union": union.map(named),
                "oldOfficer": old_officer.map(person), "newOfficer": new_officer.map(person),
            })
        })
        .collect();
    ok(one(
        "unionMember",
        json!({ "reassignments": { "nodes": nodes } }),
    ))
}

fn handovers(old: Option<&str>, new: &str) -> Expect {
    ok(one(
        "union",
        json!({ "assignmentHistory": { "nodes": [
            { "oldOfficer": old.map(person), "newOfficer": person(new) } ] } }),
    ))
}

const BOLA: Option<&str> = Some("Bola Supervisor");
const DAYO: Option<&str> = Some("Dayo Supervisor");

fn portfolio_query_rows(s: &Scenario) -> Vec<Row> {
    let oja_oba = |supervisor| union("Oja Oba Traders", "Chidi Officer", supervisor, &OUR_MEMBERS);
    let bodija = |supervisor| {
        union(
            "Bodija Weavers",
            "Emeka Officer",
            supervisor,
            &THEIR_MEMBERS,
        )
    };
    let eleyele = |supervisor| union("Eleyele Fishers", "Gani Spare", supervisor, &["Lami Okon"]);
    let chiamaka = |supervisor| {
        member(
            "Chiamaka Nwosu",
            "Oja Oba Traders",
            "Chidi Officer",
            supervisor,
        )
    };
    let funke = |supervisor| {
        member(
            "Funke Adeyemi",
            "Bodija Weavers",
            "Emeka Officer",
            supervisor,
        )
    };
    let ours = json!({ "id": s.org.union.id });
    let theirs = json!({ "id": s.org.other_union.id });
    vec![
        row(
            "unions",
            UNIONS,
            json!({}),
            [
                (Anonymous, UNAUTHENTICATED),
                (
                    Admin,
                    unions(&[
                        "Agbeni Tailors",
                        "Bodija Weavers",
                        "Dugbe Cobblers",
                        "Eleyele Fishers",
                        "Gbagi Dyers",
                        "Oja Oba Traders",
                    ]),
                ),
                (Supervisor, unions(&TEAM_UNIONS)),
                (Officer, unions(&OUR_UNIONS)),
                (OtherSupervisor, unions(&THEIR_UNIONS)),
                (OtherOfficer, unions(&THEIR_UNIONS)),
            ],
        ),
        row(
            "unions(filter: their officer)",
            UNIONS,
            json!({ "filter": { "creditOfficerId": s.org.other_officer.user.id } }),
            [
                (Admin, unions(&THEIR_UNIONS)),
                (Supervisor, unions(&[])),
                (Officer, unions(&[])),
                (OtherOfficer, unions(&THEIR_UNIONS)),
            ],
        ),
        row(
            "unions(filter: their supervisor)",
            UNIONS,
            json!({ "filter": { "supervisorId": s.org.other_supervisor.user.id } }),
            [
                (Admin, unions(&THEIR_UNIONS)),
                (Supervisor, unions(&[])),
                (Officer, unions(&[])),
            ],
        ),
        row(
            "unions(filter: search their union)",
            UNIONS,
            json!({ "filter": { "search": "Bodija" } }),
            [
                (Admin, unions(&["Bodija Weavers"])),
                (Supervisor, unions(&[])),
                (Officer, unions(&[])),
            ],
        ),
        row(
            "unions(includeDeleted)",
            UNIONS_DELETED,
            json!({}),
            [
                (
                    Admin,
                    unions(&[
                        "Agbeni Tailors",
                        "Bodija Weavers",
                        "Dugbe Cobblers",
                        "Eleyele Fishers",
                        "Gbagi Dyers",
                        "Oja Oba Traders",
                        "Zango Smiths",
                    ]),
                ),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "union { creditOfficer members }: ours",
            UNION,
            ours.clone(),
            [
                (Anonymous, UNAUTHENTICATED),
                (Admin, oja_oba(BOLA)),
                (Supervisor, oja_oba(BOLA)),
                (Officer, oja_oba(None)),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
            ],
        ),
        row(
            "union { creditOfficer members }: theirs",
            UNION,
            theirs.clone(),
            [
                (Admin, bodija(DAYO)),
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherSupervisor, bodija(DAYO)),
                (OtherOfficer, bodija(None)),
            ],
        ),
        row(
            "union: a colleague's in our team",
            UNION,
            json!({ "id": s.colleague_union.id }),
            [
                (Admin, eleyele(BOLA)),
                (Supervisor, eleyele(BOLA)),
                // A credit officer's scope is their own unions, not their team's.
                (Officer, NOT_FOUND),
                (OtherSupervisor, NOT_FOUND),
            ],
        ),
        row(
            "unions(filter: a colleague)",
            UNIONS,
            json!({ "filter": { "creditOfficerId": s.spare_officer.id } }),
            [
                (Supervisor, unions(&["Eleyele Fishers"])),
                (Officer, unions(&[])),
            ],
        ),
        row(
            "unionMember: a colleague's",
            MEMBER,
            json!({ "id": s.colleague_member.id }),
            [
                (
                    Supervisor,
                    member(
                        "Lami Okon",
                        "Eleyele Fishers",
                        "Gani Spare",
                        Some("Bola Supervisor"),
                    ),
                ),
                (Officer, NOT_FOUND),
            ],
        ),
        row(
            "unionMembers(filter: a colleague's union)",
            MEMBERS,
            json!({ "filter": { "unionId": s.colleague_union.id } }),
            [
                (Supervisor, members(&["Lami Okon"])),
                (Officer, members(&[])),
            ],
        ),
        row(
            "union: a deleted one",
            UNION,
            json!({ "id": s.deleted_union.id }),
            [(Admin, NOT_FOUND), (Officer, NOT_FOUND)],
        ),
        row(
            "union(includeDeleted): a deleted one",
            UNION_DELETED,
            json!({ "id": s.deleted_union.id }),
            [
                (
                    Admin,
                    ok(one(
                        "union",
                        json!({ "name": "Zango Smiths", "deletedAt": ANY }),
                    )),
                ),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "unionMembers",
            MEMBERS,
            json!({}),
            [
                (Anonymous, UNAUTHENTICATED),
                (
                    Admin,
                    members(&[
                        "Funke Adeyemi",
                        "Kemi Bello",
                        "Ngozi Eze",
                        "Chiamaka Nwosu",
                        "Lami Okon",
                    ]),
                ),
                (Supervisor, members(&TEAM_MEMBERS)),
                (Officer, members(&OUR_MEMBERS)),
                (OtherSupervisor, members(&THEIR_MEMBERS)),
                (OtherOfficer, members(&THEIR_MEMBERS)),
            ],
        ),
        row(
            "unionMembers(filter: their union)",
            MEMBERS,
            json!({ "filter": { "unionId": s.org.other_union.id } }),
            [
                (Admin, members(&THEIR_MEMBERS)),
                (Supervisor, members(&[])),
                (Officer, members(&[])),
                (OtherOfficer, members(&THEIR_MEMBERS)),
            ],
        ),
        row(
            "unionMembers(filter: their officer)",
            MEMBERS,
            json!({ "filter": { "creditOfficerId": s.org.other_officer.user.id } }),
            [
                (Admin, members(&THEIR_MEMBERS)),
                (Supervisor, members(&[])),
                (Officer, members(&[])),
            ],
        ),
        row(
            "unionMembers(filter: search their member)",
            MEMBERS,
            json!({ "filter": { "search": "Adeyemi" } }),
            [
                (Admin, members(&["Funke Adeyemi"])),
                (Supervisor, members(&[])),
                (Officer, members(&[])),
            ],
        ),
        row(
            "unionMembers(includeDeleted)",
            MEMBERS_DELETED,
            json!({}),
            [
                (Admin, ok(one("unionMembers", json!({ "totalCount": 6 })))),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "unionMember { union { creditOfficer } }: ours",
            MEMBER,
            json!({ "id": s.org.member.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (Admin, chiamaka(BOLA)),
                (Supervisor, chiamaka(BOLA)),
                (Officer, chiamaka(None)),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
            ],
        ),
        row(
            "unionMember { union { creditOfficer } }: theirs",
            MEMBER,
            json!({ "id": s.org.other_member.id }),
            [
                (Admin, funke(DAYO)),
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherOfficer, funke(None)),
            ],
        ),
        row(
            "unionMember: a deleted one",
            MEMBER,
            json!({ "id": s.deleted_member.id }),
            [(Admin, NOT_FOUND), (Officer, NOT_FOUND)],
        ),
        row(
            "unionMember(includeDeleted): a deleted one",
            MEMBER_DELETED,
            json!({ "id": s.deleted_member.id }),
            [
                (
                    Admin,
                    ok(one(
                        "unionMember",
                        json!({ "fullName": "Tunde Gone", "deletedAt": ANY }),
                    )),
                ),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "assignmentHistory",
            ASSIGNMENT_HISTORY,
            json!({}),
            [
                (Anonymous, UNAUTHENTICATED),
                (
                    Admin,
                    history(vec![
                        change(
                            "UNION_OFFICER",
                            [Some("Gbagi Dyers"), None],
                            None,
                            [
                                Some("Emeka Officer"),
                                Some("Chidi Officer"),
                                Some("Amaka Admin"),
                            ],
                        ),
                        change(
                            "MEMBER_UNION",
                            [Some("Bodija Weavers"), Some("Oja Oba Traders")],
                            Some("Kemi Bello"),
                            [
                                Some("Chidi Officer"),
                                Some("Emeka Officer"),
                                Some("Amaka Admin"),
                            ],
                        ),
                    ]),
                ),
                (Supervisor, our_history()),
                (Officer, our_history()),
                (OtherSupervisor, their_history()),
                (OtherOfficer, their_history()),
            ],
        ),
        row(
            "union { assignmentHistory }: handed from their officer to ours",
            UNION_HISTORY,
            json!({ "id": s.handed_union.id }),
            [
                (Admin, handovers(Some("Emeka Officer"), "Chidi Officer")),
                (Supervisor, handovers(None, "Chidi Officer")),
                (Officer, handovers(None, "Chidi Officer")),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
            ],
        ),
        row(
            "unionMember { reassignments }: moved from our union to theirs",
            MEMBER_MOVES,
            json!({ "id": s.moved_member.id }),
            [
                (
                    Admin,
                    moves(&[[
                        Some("Oja Oba Traders"),
                        Some("Bodija Weavers"),
                        Some("Chidi Officer"),
                        Some("Emeka Officer"),
                    ]]),
                ),
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (
                    OtherSupervisor,
                    moves(&[[None, Some("Bodija Weavers"), None, Some("Emeka Officer")]]),
                ),
                (
                    OtherOfficer,
                    moves(&[[None, Some("Bodija Weavers"), None, Some("Emeka Officer")]]),
                ),
            ],
        ),
    ]
}

#[tokio::test]
async fn unions_members_and_their_history_read_by_role() {
    run(portfolio_query_rows).await;
}

// ----- catalogue and settings, read ---------------------------------------------------------

const LOAN_TYPES: &str = "{ loanTypes { totalCount nodes { name } } }";
const LOAN_TYPES_DELETED: &str = "{ loanTypes(includeDeleted: true) { totalCount } }";
const LOAN_TYPE: &str = "query($id: ID!) { loanType(id: $id) { name isActive } }";
const LOAN_TYPE_DELETED: &str =
    "query($id: ID!) { loanType(id: $id, includeDeleted: true) { name deletedAt } }";
const DOCUMENT_TYPES: &str = "{ documentTypes { totalCount nodes { code } } }";
const DOCUMENT_TYPES_DELETED: &str = "{ documentTypes(includeDeleted: true) { totalCount } }";
const DOCUMENT_TYPE: &str = "query($id: ID!) { documentType(id: $id) { code name } }";
const DOCUMENT_TYPE_DELETED: &str =
    "query($id: ID!) { documentType(id: $id, includeDeleted: true) { code deletedAt } }";
const COMPANY_SETTINGS: &str = "{ companySettings { currency timezone maintenanceMode } }";
const PUBLIC_SETTINGS: &str = "{ publicSettings { name maintenanceMode } }";

fn loan_types() -> Expect {
    ok(one(
        "loanTypes",
        list("name", &["Artisan Starter", "Market Women 8 Weeks"]),
    ))
}

fn loan_type() -> Expect {
    ok(one(
        "loanType",
        json!({ "name": "Market Women 8 Weeks", "isActive": true }),
    ))
}

fn document_types() -> Expect {
    ok(one("documentTypes", list("code", &["NATIONAL_ID_CARD"])))
}

fn document_type() -> Expect {
    ok(one(
        "documentType",
        json!({ "code": "NATIONAL_ID_CARD", "name": "National ID Card" }),
    ))
}

fn company_settings() -> Expect {
    ok(one(
        "companySettings",
        json!({ "currency": "NGN", "timezone": "Africa/Lagos", "maintenanceMode": false }),
    ))
}

fn public_settings() -> Expect {
    ok(one(
        "publicSettings",
        json!({ "name": "Millennium", "maintenanceMode": false }),
    ))
}

/// Every member of staff gets `expect`; nobody else is let in.
fn for_all_staff(expect: Expect) -> [(Who, Expect); 6] {
    [
        (Anonymous, UNAUTHENTICATED),
        (Admin, expect.clone()),
        (Supervisor, expect.clone()),
        (Officer, expect.clone()),
        (OtherSupervisor, expect.clone()),
        (OtherOfficer, expect),
    ]
}

fn catalogue_query_rows(s: &Scenario) -> Vec<Row> {
    let deleted_loan_type = json!({ "id": s.deleted_loan_type.id });
    let deleted_document_type = json!({ "id": s.deleted_document_type });
    vec![
        row(
            "loanTypes",
            LOAN_TYPES,
            json!({}),
            for_all_staff(loan_types()),
        ),
        row(
            "loanType",
            LOAN_TYPE,
            json!({ "id": s.loan_type.id }),
            for_all_staff(loan_type()),
        ),
        row(
            "loanType: a deleted one",
            LOAN_TYPE,
            deleted_loan_type.clone(),
            [(Admin, NOT_FOUND), (Officer, NOT_FOUND)],
        ),
        row(
            "loanType(includeDeleted): a deleted one",
            LOAN_TYPE_DELETED,
            deleted_loan_type.clone(),
            [
                (
                    Admin,
                    ok(one(
                        "loanType",
                        json!({ "name": "Retired Product", "deletedAt": ANY }),
                    )),
                ),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "loanTypes(includeDeleted)",
            LOAN_TYPES_DELETED,
            json!({}),
            [
                (Admin, ok(one("loanTypes", json!({ "totalCount": 3 })))),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "documentTypes",
            DOCUMENT_TYPES,
            json!({}),
            for_all_staff(document_types()),
        ),
        row(
            "documentType",
            DOCUMENT_TYPE,
            json!({ "id": s.document_type }),
            for_all_staff(document_type()),
        ),
        row(
            "documentType: a deleted one",
            DOCUMENT_TYPE,
            deleted_document_type.clone(),
            [(Admin, NOT_FOUND), (Officer, NOT_FOUND)],
        ),
        row(
            "documentType(includeDeleted): a deleted one",
            DOCUMENT_TYPE_DELETED,
            deleted_document_type.clone(),
            [
                (
                    Admin,
                    ok(one(
                        "documentType",
                        json!({ "code": "OLD_VOTER_CARD", "deletedAt": ANY }),
                    )),
                ),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "documentTypes(includeDeleted)",
            DOCUMENT_TYPES_DELETED,
            json!({}),
            [
                (Admin, ok(one("documentTypes", json!({ "totalCount": 2 })))),
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "companySettings",
            COMPANY_SETTINGS,
            json!({}),
            for_all_staff(company_settings()),
        ),
        row(
            "publicSettings",
            PUBLIC_SETTINGS,
            json!({}),
            [(Anonymous, public_settings()), (Officer, public_settings())],
        ),
    ]
}

#[tokio::test]
async fn the_catalogue_and_settings_read_by_role() {
    run(catalogue_query_rows).await;
}

// ----- staff, changed ----------------------------------------------------------------------

const CREATE_USER: &str = "mutation($input: CreateUserInput!) {
    createUser(input: $input) { fullName role supervisorId } }";
const UPDATE_USER: &str = "mutation($id: ID!, $input: UpdateUserInput!) {
    updateUser(id: $id, input: $input) { fullName role supervisorId } }";
const SET_USER_ACTIVE: &str = "mutation($id: ID!, $active: Boolean!) {
    setUserActive(id: $id, active: $active) { fullName isActive } }";
const RESET_PASSWORD: &str = "mutation($id: ID!, $password: String!) {
    resetUserPassword(id: $id, newPassword: $password) { fullName } }";
const RESET_PASSWORD_AND_MORE: &str = "mutation($id: ID!, $password: String!) {
    resetUserPassword(id: $id, newPassword: $password) { fullName }
    setUserActive(id: $id, active: true) { isActive } }";
const DELETE_USER: &str = "mutation($id: ID!) { deleteUser(id: $id) { fullName deletedAt } }";
const RESTORE_USER: &str = "mutation($id: ID!) { restoreUser(id: $id) { fullName deletedAt } }";

fn new_staff(first: &str, role: &str, supervisor: Value) -> Value {
    json!({ "input": {
        "email": format!("{}@example.org", first.to_lowercase()), "password": "Harvest2026",
        "role": role, "firstName": first, "lastName": "New", "supervisorId": supervisor,
    } })
}

fn created(name: &str, role: &str, supervisor: Value) -> Expect {
    ok(one(
        "createUser",
        json!({ "fullName": name, "role": role, "supervisorId": supervisor }),
    ))
}

fn updated(name: &str, role: &str, supervisor: Value) -> Expect {
    ok(one(
        "updateUser",
        json!({ "fullName": name, "role": role, "supervisorId": supervisor }),
    ))
}

fn activity(name: &str, active: bool) -> Expect {
    ok(one(
        "setUserActive",
        json!({ "fullName": name, "isActive": active }),
    ))
}

fn our_officer_updated(s: &Scenario) -> Expect {
    updated(
        "Chidi Officer",
        "CREDIT_OFFICER",
        json!(s.org.supervisor.user.id),
    )
}

fn edit_user(id: impl serde::Serialize, input: Value) -> Value {
    json!({ "id": id, "input": input })
}

fn reset(id: impl serde::Serialize) -> Value {
    json!({ "id": id, "password": "Fresh2026x" })
}

fn staff_mutation_rows(s: &Scenario) -> Vec<Row> {
    vec![
        row(
            "createUser: a credit officer, by a supervisor who becomes theirs",
            CREATE_USER,
            new_staff("Nkem", "CREDIT_OFFICER", Value::Null),
            [
                (Anonymous, UNAUTHENTICATED),
                (Officer, FORBIDDEN),
                (OtherOfficer, FORBIDDEN),
                (
                    Supervisor,
                    created(
                        "Nkem New",
                        "CREDIT_OFFICER",
                        json!(s.org.supervisor.user.id),
                    ),
                ),
                // The email is taken now.
                (Admin, CONFLICT),
            ],
        ),
        row(
            "users: the supervisor's new officer is in their team only",
            USERS,
            json!({ "filter": { "search": "Nkem" } }),
            [
                (Supervisor, users(&["Nkem New"])),
                (OtherSupervisor, users(&[])),
            ],
        ),
        row(
            "createUser: a credit officer of another supervisor",
            CREATE_USER,
            {
                new_staff(
                    "Obi",
                    "CREDIT_OFFICER",
                    json!(s.org.other_supervisor.user.id),
                )
            },
            [
                (Supervisor, BAD_INPUT),
                (
                    Admin,
                    created(
                        "Obi New",
                        "CREDIT_OFFICER",
                        json!(s.org.other_supervisor.user.id),
                    ),
                ),
            ],
        ),
        row(
            "createUser: a supervisor",
            CREATE_USER,
            new_staff("Pat", "SUPERVISOR", Value::Null),
            [
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
                (Admin, created("Pat New", "SUPERVISOR", Value::Null)),
            ],
        ),
        row(
            "createUser: an administrator",
            CREATE_USER,
            new_staff("Remi", "ADMIN", Value::Null),
            [
                (Supervisor, FORBIDDEN),
                (Officer, FORBIDDEN),
                (Admin, created("Remi New", "ADMIN", Value::Null)),
            ],
        ),
        row(
            "updateUser: our spare officer's name",
            UPDATE_USER,
            edit_user(s.spare_officer.id, json!({ "lastName": "Sparrow" })),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Officer, NOT_FOUND),
                (
                    Supervisor,
                    updated(
                        "Gani Sparrow",
                        "CREDIT_OFFICER",
                        json!(s.org.supervisor.user.id),
                    ),
                ),
            ],
        ),
        row(
            "updateUser: their spare officer's name",
            UPDATE_USER,
            edit_user(s.other_spare_officer.id, json!({ "lastName": "Sparrow" })),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (
                    Admin,
                    updated(
                        "Hauwa Sparrow",
                        "CREDIT_OFFICER",
                        json!(s.org.other_supervisor.user.id),
                    ),
                ),
            ],
        ),
        row(
            "updateUser: our officer's phone",
            UPDATE_USER,
            edit_user(s.org.officer.user.id, json!({ "phone": "+2348000000001" })),
            [
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Officer, our_officer_updated(s)),
                (Supervisor, our_officer_updated(s)),
                (Admin, our_officer_updated(s)),
            ],
        ),
        row(
            "updateUser: our supervisor's phone",
            UPDATE_USER,
            {
                edit_user(
                    s.org.supervisor.user.id,
                    json!({ "phone": "+2348000000002" }),
                )
            },
            [
                (Officer, NOT_FOUND),
                (OtherSupervisor, NOT_FOUND),
                (
                    Supervisor,
                    updated("Bola Supervisor", "SUPERVISOR", Value::Null),
                ),
                (Admin, updated("Bola Supervisor", "SUPERVISOR", Value::Null)),
            ],
        ),
        row(
            "updateUser: the administrator's phone",
            UPDATE_USER,
            edit_user(s.org.admin.user.id, json!({ "phone": "+2348000000003" })),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (Admin, updated("Amaka Admin", "ADMIN", Value::Null)),
            ],
        ),
        row(
            "updateUser: our officer's role",
            UPDATE_USER,
            edit_user(s.org.officer.user.id, json!({ "role": "SUPERVISOR" })),
            [
                (Officer, FORBIDDEN),
                (Supervisor, FORBIDDEN),
                // The officer still manages unions.
                (Admin, CONFLICT),
            ],
        ),
        row(
            "setUserActive: deactivating our spare officer",
            SET_USER_ACTIVE,
            json!({ "id": s.spare_officer.id, "active": false }),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Officer, NOT_FOUND),
                (Supervisor, activity("Gani Sparrow", false)),
            ],
        ),
        row(
            "setUserActive: reactivating our spare officer",
            SET_USER_ACTIVE,
            json!({ "id": s.spare_officer.id, "active": true }),
            [
                (Officer, NOT_FOUND),
                (Supervisor, activity("Gani Sparrow", true)),
                (Admin, activity("Gani Sparrow", true)),
            ],
        ),
        row(
            "setUserActive: deactivating their spare officer",
            SET_USER_ACTIVE,
            json!({ "id": s.other_spare_officer.id, "active": false }),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Admin, activity("Hauwa Sparrow", false)),
            ],
        ),
        row(
            "setUserActive: the supervisor themself",
            SET_USER_ACTIVE,
            json!({ "id": s.org.supervisor.user.id, "active": false }),
            [
                (Supervisor, FORBIDDEN),
                (Officer, NOT_FOUND),
                (OtherSupervisor, NOT_FOUND),
            ],
        ),
        row(
            "setUserActive: the officer themself",
            SET_USER_ACTIVE,
            json!({ "id": s.org.officer.user.id, "active": false }),
            [(Officer, FORBIDDEN)],
        ),
        row(
            "setUserActive: the administrator themself",
            SET_USER_ACTIVE,
            json!({ "id": s.org.admin.user.id, "active": false }),
            [(Admin, FORBIDDEN), (Supervisor, NOT_FOUND)],
        ),
        row(
            "resetUserPassword: our spare officer",
            RESET_PASSWORD,
            reset(s.spare_officer.id),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (
                    Supervisor,
                    ok(one("resetUserPassword", person("Gani Sparrow"))),
                ),
            ],
        ),
        row(
            "resetUserPassword: their spare officer",
            RESET_PASSWORD,
            reset(s.other_spare_officer.id),
            [
                (Supervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Admin, ok(one("resetUserPassword", person("Hauwa Sparrow")))),
            ],
        ),
        row(
            "resetUserPassword: the supervisor themself",
            RESET_PASSWORD,
            reset(s.org.supervisor.user.id),
            [(Supervisor, FORBIDDEN)],
        ),
        row(
            "resetUserPassword: the officer themself",
            RESET_PASSWORD,
            reset(s.org.officer.user.id),
            [(Officer, FORBIDDEN)],
        ),
        row(
            "resetUserPassword: the administrator themself",
            RESET_PASSWORD,
            reset(s.org.admin.user.id),
            [(Admin, FORBIDDEN)],
        ),
        row(
            "resetUserPassword: a weak password",
            RESET_PASSWORD,
            json!({ "id": s.spare_officer.id, "password": "weak" }),
            [(Supervisor, BAD_INPUT)],
        ),
        row(
            "resetUserPassword: next to another field in its request",
            RESET_PASSWORD_AND_MORE,
            reset(s.spare_officer.id),
            [(Admin, BAD_INPUT), (Supervisor, BAD_INPUT)],
        ),
        row(
            "deleteUser: their spare officer",
            DELETE_USER,
            json!({ "id": s.other_spare_officer.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (Supervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (OtherSupervisor, FORBIDDEN),
                (
                    Admin,
                    ok(one(
                        "deleteUser",
                        json!({ "fullName": "Hauwa Sparrow", "deletedAt": ANY }),
                    )),
                ),
                (Admin, NOT_FOUND),
            ],
        ),
        row(
            "deleteUser: our officer, who manages unions",
            DELETE_USER,
            json!({ "id": s.org.officer.user.id }),
            [
                (Officer, FORBIDDEN),
                (Supervisor, FORBIDDEN),
                (Admin, CONFLICT),
            ],
        ),
        row(
            "deleteUser: our supervisor, who has officers",
            DELETE_USER,
            json!({ "id": s.org.supervisor.user.id }),
            [(Supervisor, FORBIDDEN), (Admin, CONFLICT)],
        ),
        row(
            "deleteUser: the administrator themself",
            DELETE_USER,
            json!({ "id": s.org.admin.user.id }),
            [(Admin, FORBIDDEN)],
        ),
        row(
            "restoreUser: a deleted account",
            RESTORE_USER,
            json!({ "id": s.deleted_user.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (Officer, FORBIDDEN),
                (Supervisor, FORBIDDEN),
                (OtherSupervisor, FORBIDDEN),
                (
                    Admin,
                    ok(one(
                        "restoreUser",
                        json!({ "fullName": "Ife Gone", "deletedAt": null }),
                    )),
                ),
                (Admin, CONFLICT),
            ],
        ),
        row(
            "updateUser: our spare officer's supervisor",
            UPDATE_USER,
            {
                edit_user(
                    s.spare_officer.id,
                    json!({ "supervisorId": s.org.other_supervisor.user.id }),
                )
            },
            [
                (Officer, NOT_FOUND),
                (OtherSupervisor, NOT_FOUND),
                (Supervisor, FORBIDDEN),
                (
                    Admin,
                    updated(
                        "Gani Sparrow",
                        "CREDIT_OFFICER",
                        json!(s.org.other_supervisor.user.id),
                    ),
                ),
                // Now in the other team.
                (Supervisor, NOT_FOUND),
            ],
        ),
        row(
            "users: after the changes",
            USERS,
            json!({ "filter": { "search": "Spar" } }),
            [
                (Supervisor, users(&[])),
                (OtherSupervisor, users(&["Gani Sparrow"])),
            ],
        ),
    ]
}

#[tokio::test]
async fn staff_changed_by_role() {
    run(staff_mutation_rows).await;
}

// ----- unions and members, changed ---------------------------------------------------------

const CREATE_MEMBER: &str = "mutation($input: CreateUnionMemberInput!) {
    createUnionMember(input: $input) { fullName unionId isVerified } }";
const UPDATE_MEMBER: &str = "mutation($id: ID!, $input: UpdateUnionMemberInput!) {
    updateUnionMember(id: $id, input: $input) { fullName city } }";
const SET_VERIFIED: &str = "mutation($id: ID!, $verified: Boolean!) {
    setUnionMemberVerified(id: $id, verified: $verified) { fullName isVerified } }";
const MOVE_MEMBER: &str = "mutation($member: ID!, $union: ID!) {
    moveUnionMember(unionMemberId: $member, unionId: $union) { fullName unionId } }";
const DELETE_MEMBER: &str =
    "mutation($id: ID!) { deleteUnionMember(id: $id) { fullName deletedAt } }";
const RESTORE_MEMBER: &str =
    "mutation($id: ID!) { restoreUnionMember(id: $id) { fullName deletedAt } }";
const CREATE_UNION: &str = "mutation($input: CreateUnionInput!) {
    createUnion(input: $input) { name creditOfficerId } }";
const UPDATE_UNION: &str = "mutation($id: ID!, $input: UpdateUnionInput!) {
    updateUnion(id: $id, input: $input) { name location } }";
const REASSIGN_UNION: &str = "mutation($union: ID!, $officer: ID!) {
    reassignUnion(unionId: $union, creditOfficerId: $officer) { name creditOfficerId } }";
const DELETE_UNION: &str = "mutation($id: ID!) { deleteUnion(id: $id) { name deletedAt } }";
const RESTORE_UNION: &str = "mutation($id: ID!) { restoreUnion(id: $id) { name deletedAt } }";

fn new_member(union: impl serde::Serialize, extra: Value) -> Value {
    let mut input = json!({ "unionId": union, "firstName": "Bisi", "lastName": "Ade" });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    json!({ "input": input })
}

fn member_created(union: impl serde::Serialize) -> Expect {
    ok(one(
        "createUnionMember",
        json!({ "fullName": "Bisi Ade", "unionId": union, "isVerified": true }),
    ))
}

fn edit(id: impl serde::Serialize, input: Value) -> Value {
    json!({ "id": id, "input": input })
}

/// `{field: {<key>: name, deletedAt}}` — what deletes and restores answer.
fn deletion(field: &str, key: &str, name: &str, deleted: bool) -> Expect {
    let deleted_at = if deleted { json!(ANY) } else { Value::Null };
    ok(one(field, json!({ key: name, "deletedAt": deleted_at })))
}

fn member_city(name: &str, city: &str) -> Expect {
    ok(one(
        "updateUnionMember",
        json!({ "fullName": name, "city": city }),
    ))
}

fn verified(name: &str, on: bool) -> Expect {
    ok(one(
        "setUnionMemberVerified",
        json!({ "fullName": name, "isVerified": on }),
    ))
}

fn union_location(name: &str, location: &str) -> Expect {
    ok(one(
        "updateUnion",
        json!({ "name": name, "location": location }),
    ))
}

fn new_union(name: &str, officer: impl serde::Serialize) -> Value {
    json!({ "input": { "name": name, "creditOfficerId": officer } })
}

fn union_result(field: &str, name: &str, officer: impl serde::Serialize) -> Expect {
    ok(one(
        field,
        json!({ "name": name, "creditOfficerId": officer }),
    ))
}

fn member_mutation_rows(s: &Scenario) -> Vec<Row> {
    let ours = json!({ "id": s.org.member.id });
    vec![
        row(
            "createUnionMember: in our union",
            CREATE_MEMBER,
            new_member(s.org.union.id, json!({})),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, BAD_INPUT),
                (OtherOfficer, BAD_INPUT),
                (Officer, member_created(s.org.union.id)),
                (Supervisor, member_created(s.org.union.id)),
                (Admin, member_created(s.org.union.id)),
            ],
        ),
        row(
            "createUnionMember: in their union",
            CREATE_MEMBER,
            new_member(s.org.other_union.id, json!({})),
            [
                (Supervisor, BAD_INPUT),
                (Officer, BAD_INPUT),
                (OtherOfficer, member_created(s.org.other_union.id)),
                (Admin, member_created(s.org.other_union.id)),
            ],
        ),
        row(
            "createUnionMember: in a colleague's union",
            CREATE_MEMBER,
            new_member(s.colleague_union.id, json!({})),
            [
                (Officer, BAD_INPUT),
                (Supervisor, member_created(s.colleague_union.id)),
            ],
        ),
        row(
            "setUnionMemberVerified: a colleague's member",
            SET_VERIFIED,
            json!({ "id": s.colleague_member.id, "verified": false }),
            [(Officer, NOT_FOUND)],
        ),
        row(
            "deleteUnionMember: a colleague's member",
            DELETE_MEMBER,
            json!({ "id": s.colleague_member.id }),
            [
                (Officer, NOT_FOUND),
                (
                    Supervisor,
                    deletion("deleteUnionMember", "fullName", "Lami Okon", true),
                ),
            ],
        ),
        row(
            "createUnionMember: in a deleted union",
            CREATE_MEMBER,
            new_member(s.deleted_union.id, json!({})),
            [(Officer, BAD_INPUT), (Admin, BAD_INPUT)],
        ),
        row(
            "createUnionMember: younger than sixteen",
            CREATE_MEMBER,
            new_member(s.org.union.id, json!({ "dateOfBirth": "2020-01-01" })),
            [(Officer, BAD_INPUT)],
        ),
        row(
            "updateUnionMember: ours",
            UPDATE_MEMBER,
            edit(s.org.member.id, json!({ "city": "Ibadan" })),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Officer, member_city("Chiamaka Nwosu", "Ibadan")),
                (Supervisor, member_city("Chiamaka Nwosu", "Ibadan")),
                (Admin, member_city("Chiamaka Nwosu", "Ibadan")),
            ],
        ),
        row(
            "updateUnionMember: theirs",
            UPDATE_MEMBER,
            edit(s.org.other_member.id, json!({ "city": "Ogbomoso" })),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherOfficer, member_city("Funke Adeyemi", "Ogbomoso")),
                (Admin, member_city("Funke Adeyemi", "Ogbomoso")),
            ],
        ),
        row(
            "updateUnionMember: moved out of our union",
            UPDATE_MEMBER,
            edit(s.moved_member.id, json!({ "city": "Ibadan" })),
            [(Officer, NOT_FOUND), (Supervisor, NOT_FOUND)],
        ),
        row(
            "updateUnionMember: a deleted one",
            UPDATE_MEMBER,
            edit(s.deleted_member.id, json!({ "city": "Ibadan" })),
            [(Admin, NOT_FOUND)],
        ),
        row(
            "setUnionMemberVerified: ours",
            SET_VERIFIED,
            json!({ "id": s.org.member.id, "verified": false }),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Officer, FORBIDDEN),
                (Supervisor, verified("Chiamaka Nwosu", false)),
                (Admin, verified("Chiamaka Nwosu", false)),
            ],
        ),
        row(
            "setUnionMemberVerified: theirs",
            SET_VERIFIED,
            json!({ "id": s.org.other_member.id, "verified": false }),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherOfficer, FORBIDDEN),
                (OtherSupervisor, verified("Funke Adeyemi", false)),
            ],
        ),
        row(
            "moveUnionMember: ours into their union",
            MOVE_MEMBER,
            json!({ "member": s.org.member.id, "union": s.org.other_union.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Officer, FORBIDDEN),
                (Supervisor, FORBIDDEN),
            ],
        ),
        row(
            "moveUnionMember: the moved member back into our union",
            MOVE_MEMBER,
            json!({ "member": s.moved_member.id, "union": s.org.union.id }),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherOfficer, FORBIDDEN),
                (OtherSupervisor, FORBIDDEN),
                (
                    Admin,
                    ok(one(
                        "moveUnionMember",
                        json!({ "fullName": "Kemi Bello", "unionId": s.org.union.id }),
                    )),
                ),
                // Back in our scope, out of theirs.
                (OtherOfficer, NOT_FOUND),
            ],
        ),
        row(
            "moveUnionMember: into the union it is in",
            MOVE_MEMBER,
            json!({ "member": s.org.member.id, "union": s.org.union.id }),
            [(Admin, BAD_INPUT)],
        ),
        row(
            "moveUnionMember: into a deleted union",
            MOVE_MEMBER,
            json!({ "member": s.org.member.id, "union": s.deleted_union.id }),
            [(Admin, BAD_INPUT)],
        ),
        row(
            "deleteUnionMember: our spare member",
            DELETE_MEMBER,
            json!({ "id": s.spare_member.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Officer, FORBIDDEN),
                (
                    Supervisor,
                    deletion("deleteUnionMember", "fullName", "Ngozi Eze", true),
                ),
                (Supervisor, NOT_FOUND),
            ],
        ),
        row(
            "deleteUnionMember: theirs, with an open loan",
            DELETE_MEMBER,
            json!({ "id": s.org.other_member.id }),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherOfficer, FORBIDDEN),
                (OtherSupervisor, CONFLICT),
                (Admin, CONFLICT),
            ],
        ),
        row(
            "deleteUnionMember: ours, by the administrator",
            DELETE_MEMBER,
            ours.clone(),
            [(
                Admin,
                deletion("deleteUnionMember", "fullName", "Chiamaka Nwosu", true),
            )],
        ),
        row(
            "restoreUnionMember: a deleted one",
            RESTORE_MEMBER,
            json!({ "id": s.deleted_member.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (Officer, FORBIDDEN),
                (Supervisor, FORBIDDEN),
                (OtherSupervisor, FORBIDDEN),
                (
                    Admin,
                    deletion("restoreUnionMember", "fullName", "Tunde Gone", false),
                ),
                (Admin, CONFLICT),
            ],
        ),
        row(
            "createUnion: for our officer",
            CREATE_UNION,
            new_union("Mokola Bakers", s.org.officer.user.id),
            [
                (Anonymous, UNAUTHENTICATED),
                (Officer, FORBIDDEN),
                // The role is refused before the named officer is looked up.
                (OtherOfficer, FORBIDDEN),
                (OtherSupervisor, BAD_INPUT),
                (
                    Supervisor,
                    union_result("createUnion", "Mokola Bakers", s.org.officer.user.id),
                ),
                (
                    Admin,
                    union_result("createUnion", "Mokola Bakers", s.org.officer.user.id),
                ),
            ],
        ),
        row(
            "createUnion: for their officer",
            CREATE_UNION,
            new_union("Sango Potters", s.org.other_officer.user.id),
            [
                (Supervisor, BAD_INPUT),
                (Officer, FORBIDDEN),
                (OtherOfficer, FORBIDDEN),
                (
                    Admin,
                    union_result("createUnion", "Sango Potters", s.org.other_officer.user.id),
                ),
            ],
        ),
        row(
            "createUnion: for a supervisor",
            CREATE_UNION,
            new_union("Iwo Road Drivers", s.org.supervisor.user.id),
            [(Supervisor, BAD_INPUT), (Admin, BAD_INPUT)],
        ),
        row(
            "createUnion: without a name",
            CREATE_UNION,
            new_union("  ", s.org.officer.user.id),
            [(Supervisor, BAD_INPUT)],
        ),
        row(
            "updateUnion: ours",
            UPDATE_UNION,
            edit(s.org.union.id, json!({ "location": "Oja Oba, Ibadan" })),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (
                    Officer,
                    ok(one(
                        "updateUnion",
                        json!({ "name": "Oja Oba Traders", "location": "Oja Oba, Ibadan" }),
                    )),
                ),
                (
                    Supervisor,
                    ok(one(
                        "updateUnion",
                        json!({ "name": "Oja Oba Traders", "location": "Oja Oba, Ibadan" }),
                    )),
                ),
                (
                    Admin,
                    ok(one(
                        "updateUnion",
                        json!({ "name": "Oja Oba Traders", "location": "Oja Oba, Ibadan" }),
                    )),
                ),
            ],
        ),
        row(
            "updateUnion: theirs",
            UPDATE_UNION,
            {
                edit(
                    s.org.other_union.id,
                    json!({ "name": "Bodija Weavers Guild" }),
                )
            },
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (
                    OtherOfficer,
                    union_location("Bodija Weavers Guild", "Ibadan"),
                ),
                (Admin, union_location("Bodija Weavers Guild", "Ibadan")),
            ],
        ),
        row(
            "updateUnion: a colleague's union",
            UPDATE_UNION,
            edit(s.colleague_union.id, json!({ "location": "Eleyele" })),
            [
                (Officer, NOT_FOUND),
                (OtherSupervisor, NOT_FOUND),
                (Supervisor, union_location("Eleyele Fishers", "Eleyele")),
            ],
        ),
        row(
            "updateUnion: a deleted one",
            UPDATE_UNION,
            edit(s.deleted_union.id, json!({ "location": "Ibadan" })),
            [(Admin, NOT_FOUND)],
        ),
        row(
            "updateUnion: a blank name",
            UPDATE_UNION,
            edit(s.org.union.id, json!({ "name": "" })),
            [(Officer, BAD_INPUT)],
        ),
        row(
            "reassignUnion: the handed union to our spare officer",
            REASSIGN_UNION,
            json!({ "union": s.handed_union.id, "officer": s.spare_officer.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Officer, FORBIDDEN),
                (Supervisor, FORBIDDEN),
                (
                    Admin,
                    union_result("reassignUnion", "Gbagi Dyers", s.spare_officer.id),
                ),
                // No longer our officer's.
                (Officer, NOT_FOUND),
            ],
        ),
        row(
            "reassignUnion: our union to the officer it has",
            REASSIGN_UNION,
            json!({ "union": s.org.union.id, "officer": s.org.officer.user.id }),
            [(Admin, BAD_INPUT)],
        ),
        row(
            "reassignUnion: our union to a supervisor",
            REASSIGN_UNION,
            json!({ "union": s.org.union.id, "officer": s.org.supervisor.user.id }),
            [(Admin, BAD_INPUT)],
        ),
        row(
            "reassignUnion: their union to our officer",
            REASSIGN_UNION,
            json!({ "union": s.other_empty_union.id, "officer": s.org.officer.user.id }),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherSupervisor, FORBIDDEN),
                (OtherOfficer, FORBIDDEN),
            ],
        ),
        row(
            "deleteUnion: ours, with live members",
            DELETE_UNION,
            json!({ "id": s.org.union.id }),
            [
                (OtherSupervisor, NOT_FOUND),
                (Officer, FORBIDDEN),
                (Supervisor, CONFLICT),
                (Admin, CONFLICT),
            ],
        ),
        row(
            "deleteUnion: our empty union",
            DELETE_UNION,
            json!({ "id": s.empty_union.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Officer, FORBIDDEN),
                (
                    Supervisor,
                    deletion("deleteUnion", "name", "Agbeni Tailors", true),
                ),
                (Supervisor, NOT_FOUND),
            ],
        ),
        row(
            "deleteUnion: their empty union",
            DELETE_UNION,
            json!({ "id": s.other_empty_union.id }),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherOfficer, FORBIDDEN),
                (
                    Admin,
                    deletion("deleteUnion", "name", "Dugbe Cobblers", true),
                ),
            ],
        ),
        row(
            "restoreUnion: a deleted one",
            RESTORE_UNION,
            json!({ "id": s.deleted_union.id }),
            [
                (Anonymous, UNAUTHENTICATED),
                (Officer, FORBIDDEN),
                (Supervisor, FORBIDDEN),
                (OtherSupervisor, FORBIDDEN),
                (
                    Admin,
                    deletion("restoreUnion", "name", "Zango Smiths", false),
                ),
                (Admin, CONFLICT),
            ],
        ),
        row(
            "updateUnion: the restored union, live again and our officer's",
            UPDATE_UNION,
            edit(s.deleted_union.id, json!({ "location": "Ibadan" })),
            [(Officer, union_location("Zango Smiths", "Ibadan"))],
        ),
    ]
}

#[tokio::test]
async fn unions_and_members_changed_by_role() {
    run(member_mutation_rows).await;
}

// ----- catalogue and settings, changed -----------------------------------------------------

const CREATE_LOAN_TYPE: &str = "mutation($input: CreateLoanTypeInput!) {
    createLoanType(input: $input) { name isActive interestMethod } }";
const UPDATE_LOAN_TYPE: &str = "mutation($id: ID!, $input: UpdateLoanTypeInput!) {
    updateLoanType(id: $id, input: $input) { name maxAmount } }";
const SET_LOAN_TYPE_ACTIVE: &str = "mutation($id: ID!, $active: Boolean!) {
    setLoanTypeActive(id: $id, active: $active) { name isActive } }";
const DELETE_LOAN_TYPE: &str = "mutation($id: ID!) { deleteLoanType(id: $id) { name deletedAt } }";
const RESTORE_LOAN_TYPE: &str =
    "mutation($id: ID!) { restoreLoanType(id: $id) { name deletedAt } }";
const CREATE_DOCUMENT_TYPE: &str = "mutation($input: CreateDocumentTypeInput!) {
    createDocumentType(input: $input) { code name isActive } }";
const UPDATE_DOCUMENT_TYPE: &str = "mutation($id: ID!, $input: UpdateDocumentTypeInput!) {
    updateDocumentType(id: $id, input: $input) { code description } }";
const DELETE_DOCUMENT_TYPE: &str =
    "mutation($id: ID!) { deleteDocumentType(id: $id) { name deletedAt } }";
const RESTORE_DOCUMENT_TYPE: &str =
    "mutation($id: ID!) { restoreDocumentType(id: $id) { name deletedAt } }";
const UPDATE_SETTINGS: &str = "mutation($input: UpdateCompanySettingsInput!) {
    updateCompanySettings(input: $input) { name primaryColor } }";

fn product(name: &str, min: &str, max: &str) -> Value {
    json!({ "input": {
        "name": name, "minAmount": min, "maxAmount": max,
        "termUnit": "MONTH", "minTerm": 1, "maxTerm": 12,
    } })
}

/// Only administrators: others are refused, then the administrator succeeds.
fn admin_only(expect: Expect) -> [(Who, Expect); 4] {
    [
        (Anonymous, UNAUTHENTICATED),
        (Officer, FORBIDDEN),
        (Supervisor, FORBIDDEN),
        (Admin, expect),
    ]
}

fn catalogue_mutation_rows(s: &Scenario) -> Vec<Row> {
    let spare = json!({ "id": s.spare_loan_type.id });
    let in_use = json!({ "id": s.loan_type.id });
    let retired = json!({ "id": s.deleted_loan_type.id });
    let national_id = json!({ "id": s.document_type });
    let voter_card = json!({ "id": s.deleted_document_type });
    vec![
        row(
            "createLoanType",
            CREATE_LOAN_TYPE,
            product("Harvest Loan", "1000.00", "50000.00"),
            admin_only(ok(one(
                "createLoanType",
                json!({ "name": "Harvest Loan", "isActive": true, "interestMethod": "FLAT" }),
            ))),
        ),
        row(
            "createLoanType: a name in use",
            CREATE_LOAN_TYPE,
            product("Harvest Loan", "1000.00", "50000.00"),
            [(Supervisor, FORBIDDEN), (Admin, CONFLICT)],
        ),
        row(
            "createLoanType: a minimum above the maximum",
            CREATE_LOAN_TYPE,
            product("Upside Down", "9000.00", "1000.00"),
            [(Admin, BAD_INPUT)],
        ),
        row(
            "updateLoanType",
            UPDATE_LOAN_TYPE,
            edit(s.spare_loan_type.id, json!({ "maxAmount": "75000.00" })),
            admin_only(ok(one(
                "updateLoanType",
                json!({ "name": "Artisan Starter", "maxAmount": "75000.00" }),
            ))),
        ),
        row(
            "updateLoanType: to a name in use",
            UPDATE_LOAN_TYPE,
            {
                edit(
                    s.spare_loan_type.id,
                    json!({ "name": "Market Women 8 Weeks" }),
                )
            },
            [(Admin, CONFLICT)],
        ),
        row(
            "updateLoanType: a deleted one",
            UPDATE_LOAN_TYPE,
            edit(s.deleted_loan_type.id, json!({ "maxAmount": "75000.00" })),
            [(Admin, NOT_FOUND)],
        ),
        row(
            "setLoanTypeActive",
            SET_LOAN_TYPE_ACTIVE,
            json!({ "id": s.loan_type.id, "active": false }),
            admin_only(ok(one(
                "setLoanTypeActive",
                json!({ "name": "Market Women 8 Weeks", "isActive": false }),
            ))),
        ),
        row(
            "deleteLoanType: one a loan uses",
            DELETE_LOAN_TYPE,
            in_use.clone(),
            [(Supervisor, FORBIDDEN), (Admin, CONFLICT)],
        ),
        row(
            "deleteLoanType: an unused one",
            DELETE_LOAN_TYPE,
            spare.clone(),
            admin_only(deletion("deleteLoanType", "name", "Artisan Starter", true)),
        ),
        row(
            "restoreLoanType",
            RESTORE_LOAN_TYPE,
            retired.clone(),
            admin_only(deletion(
                "restoreLoanType",
                "name",
                "Retired Product",
                false,
            )),
        ),
        row(
            "restoreLoanType: a live one",
            RESTORE_LOAN_TYPE,
            in_use.clone(),
            [(Admin, CONFLICT)],
        ),
        row(
            "createDocumentType",
            CREATE_DOCUMENT_TYPE,
            json!({ "input": { "name": "Utility Bill" } }),
            admin_only(ok(one(
                "createDocumentType",
                json!({ "code": "UTILITY_BILL", "name": "Utility Bill", "isActive": true }),
            ))),
        ),
        row(
            "createDocumentType: a name in use",
            CREATE_DOCUMENT_TYPE,
            json!({ "input": { "name": "Utility Bill" } }),
            [(Admin, CONFLICT)],
        ),
        row(
            "updateDocumentType",
            UPDATE_DOCUMENT_TYPE,
            edit(&s.document_type, json!({ "description": "Issued by NIMC" })),
            admin_only(ok(one(
                "updateDocumentType",
                json!({ "code": "NATIONAL_ID_CARD", "description": "Issued by NIMC" }),
            ))),
        ),
        row(
            "updateDocumentType: a deleted one",
            UPDATE_DOCUMENT_TYPE,
            edit(&s.deleted_document_type, json!({ "description": "Gone" })),
            [(Admin, NOT_FOUND)],
        ),
        row(
            "deleteDocumentType",
            DELETE_DOCUMENT_TYPE,
            national_id.clone(),
            admin_only(deletion(
                "deleteDocumentType",
                "name",
                "National ID Card",
                true,
            )),
        ),
        row(
            "restoreDocumentType",
            RESTORE_DOCUMENT_TYPE,
            voter_card.clone(),
            admin_only(deletion(
                "restoreDocumentType",
                "name",
                "Old Voter Card",
                false,
            )),
        ),
        row(
            "restoreDocumentType: a live one",
            RESTORE_DOCUMENT_TYPE,
            voter_card.clone(),
            [(Admin, CONFLICT)],
        ),
        row(
            "updateCompanySettings",
            UPDATE_SETTINGS,
            json!({ "input": { "name": "Millennium Microfinance", "primaryColor": "#0a7f3f" } }),
            admin_only(ok(one(
                "updateCompanySettings",
                json!({ "name": "Millennium Microfinance", "primaryColor": "#0a7f3f" }),
            ))),
        ),
        row(
            "updateCompanySettings: not a colour",
            UPDATE_SETTINGS,
            json!({ "input": { "primaryColor": "green" } }),
            [(Supervisor, FORBIDDEN), (Admin, BAD_INPUT)],
        ),
        row(
            "updateCompanySettings: not a time zone",
            UPDATE_SETTINGS,
            json!({ "input": { "timezone": "Lagos time" } }),
            [(Admin, BAD_INPUT)],
        ),
        row(
            "publicSettings: after the change",
            PUBLIC_SETTINGS,
            json!({}),
            [(
                Anonymous,
                ok(one(
                    "publicSettings",
                    json!({ "name": "Millennium Microfinance", "maintenanceMode": false }),
                )),
            )],
        ),
    ]
}

#[tokio::test]
async fn the_catalogue_and_settings_changed_by_role() {
    run(catalogue_mutation_rows).await;
}

// ----- notes, changed ----------------------------------------------------------------------

const CREATE_NOTE: &str = "mutation($input: CreateUserNoteInput!) {
    createUserNote(input: $input) { title isPrivate userId } }";
const UPDATE_NOTE: &str = "mutation($id: ID!, $input: UpdateUserNoteInput!) {
    updateUserNote(id: $id, input: $input) { title isPrivate } }";
const DELETE_NOTE: &str = "mutation($id: ID!) { deleteUserNote(id: $id) { title deletedAt } }";
const RESTORE_NOTE: &str = "mutation($id: ID!) { restoreUserNote(id: $id) { title deletedAt } }";

fn new_note(user: impl serde::Serialize, title: &str) -> Value {
    json!({ "input": { "userId": user, "title": title, "content": "Met the weekly target." } })
}

fn note_created(user: impl serde::Serialize) -> Expect {
    ok(one(
        "createUserNote",
        json!({ "title": "Coaching", "isPrivate": false, "userId": user }),
    ))
}

fn note_updated(title: &str, private: bool) -> Expect {
    ok(one(
        "updateUserNote",
        json!({ "title": title, "isPrivate": private }),
    ))
}

fn note_mutation_rows(s: &Scenario) -> Vec<Row> {
    vec![
        row(
            "createUserNote: about our officer",
            CREATE_NOTE,
            new_note(s.org.officer.user.id, "Coaching"),
            [
                (Anonymous, UNAUTHENTICATED),
                (Officer, FORBIDDEN),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Supervisor, note_created(s.org.officer.user.id)),
                (Admin, note_created(s.org.officer.user.id)),
            ],
        ),
        row(
            "createUserNote: about their officer",
            CREATE_NOTE,
            new_note(s.org.other_officer.user.id, "Coaching"),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherOfficer, FORBIDDEN),
                (OtherSupervisor, note_created(s.org.other_officer.user.id)),
                (Admin, note_created(s.org.other_officer.user.id)),
            ],
        ),
        row(
            "createUserNote: about the administrator",
            CREATE_NOTE,
            new_note(s.org.admin.user.id, "Coaching"),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (Admin, note_created(s.org.admin.user.id)),
            ],
        ),
        row(
            "createUserNote: a blank title",
            CREATE_NOTE,
            new_note(s.org.officer.user.id, " "),
            [(Supervisor, BAD_INPUT)],
        ),
        row(
            "updateUserNote: the supervisor's note",
            UPDATE_NOTE,
            edit(&s.supervisor_note, json!({ "title": "Field visit, May" })),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
                (Officer, FORBIDDEN),
                (Supervisor, note_updated("Field visit, May", false)),
                (Admin, note_updated("Field visit, May", false)),
            ],
        ),
        row(
            "updateUserNote: the administrator's note",
            UPDATE_NOTE,
            edit(&s.note, json!({ "content": "Always on time." })),
            [
                (Officer, FORBIDDEN),
                (Supervisor, FORBIDDEN),
                (Admin, note_updated("Punctual", false)),
            ],
        ),
        row(
            "updateUserNote: the administrator's private note",
            UPDATE_NOTE,
            edit(&s.private_note, json!({ "content": "Reviewed." })),
            [
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (Admin, note_updated("Private review", true)),
            ],
        ),
        row(
            "updateUserNote: made private by its author",
            UPDATE_NOTE,
            edit(&s.supervisor_note, json!({ "isPrivate": true })),
            [
                (Supervisor, note_updated("Field visit, May", true)),
                // Private now: out of the officer's sight.
                (Officer, NOT_FOUND),
            ],
        ),
        row(
            "updateUserNote: a deleted one",
            UPDATE_NOTE,
            edit(&s.deleted_note, json!({ "content": "Again." })),
            [(Admin, NOT_FOUND)],
        ),
        row(
            "deleteUserNote: the supervisor's note",
            DELETE_NOTE,
            json!({ "id": s.supervisor_note }),
            [
                (Anonymous, UNAUTHENTICATED),
                (OtherSupervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (
                    Supervisor,
                    deletion("deleteUserNote", "title", "Field visit, May", true),
                ),
            ],
        ),
        row(
            "deleteUserNote: the administrator's note",
            DELETE_NOTE,
            json!({ "id": s.note }),
            [
                (Officer, FORBIDDEN),
                (Supervisor, FORBIDDEN),
                (Admin, deletion("deleteUserNote", "title", "Punctual", true)),
            ],
        ),
        row(
            "restoreUserNote",
            RESTORE_NOTE,
            json!({ "id": s.deleted_note }),
            [
                (Anonymous, UNAUTHENTICATED),
                (Officer, FORBIDDEN),
                (Supervisor, FORBIDDEN),
                (
                    Admin,
                    deletion("restoreUserNote", "title", "Withdrawn", false),
                ),
                (Admin, CONFLICT),
            ],
        ),
        row(
            "restoreUserNote: one its author deleted",
            RESTORE_NOTE,
            json!({ "id": s.supervisor_note }),
            [
                (Supervisor, FORBIDDEN),
                (
                    Admin,
                    deletion("restoreUserNote", "title", "Field visit, May", false),
                ),
            ],
        ),
    ]
}

#[tokio::test]
async fn notes_changed_by_role() {
    run(note_mutation_rows).await;
}

// ---- Reports ----

const DASHBOARD_UNIONS: &str = "{ dashboard { unions } }";
const SUPERVISOR_REPORT: &str =
    "query($id: ID) { supervisorReport(supervisorId: $id) { officers { name } } }";
const PAR_LOANS: &str = "{ portfolioAtRisk(groupBy: UNION) { total { loans } } }";
const COLLECTION_SHEET: &str =
    "query($id: ID) { collectionSheet(creditOfficerId: $id) { creditOfficer { fullName } } }";
const UNION_SHEET: &str = "query($id: ID) { collectionSheet(unionId: $id) { unions { name } } }";
const GENERATE_REPORT: &str = "mutation($id: ID) {
    generateSupervisorReport(supervisorId: $id, periodStart: \"2026-01-01\", periodEnd: \"2026-01-31\") {
        title totalOfficers } }";
const REPORT_SESSIONS: &str = "{ reportSessions { totalCount } }";

fn dashboard_unions(count: i64) -> Expect {
    ok(json!({ "dashboard": { "unions": count } }))
}

fn report_officers(names: &[&str]) -> Expect {
    let officers: Vec<Value> = names.iter().map(|name| json!({ "name": name })).collect();
    ok(json!({ "supervisorReport": { "officers": officers } }))
}

fn par_loans(count: i64) -> Expect {
    ok(json!({ "portfolioAtRisk": { "total": { "loans": count } } }))
}

fn sheet_of(officer: &str) -> Expect {
    ok(json!({ "collectionSheet": { "creditOfficer": { "fullName": officer } } }))
}

fn sessions(count: i64) -> Expect {
    ok(json!({ "reportSessions": { "totalCount": count } }))
}

/// Each report in each role's scope: the figures cover the caller's unions, team reports are
/// for supervisors (their own team) and administrators, a sheet is for someone who sees the
/// officer or the union. Our officer has three live unions (ours, Agbeni Tailors and the
/// handed Gbagi Dyers), our supervisor also the spare officer's Eleyele Fishers; theirs are
/// their union and Dugbe Cobblers. The only loan being repaid is their member's.
fn report_rows(s: &Scenario) -> Vec<Row> {
    let ours = json!({ "id": s.org.supervisor.user.id });
    let theirs = json!({ "id": s.org.other_supervisor.user.id });
    let our_officer = json!({ "id": s.org.officer.user.id });
    let their_union = json!({ "id": s.org.other_union.id });
    let team = ["Chidi Officer", "Gani Spare"];
    vec![
        row(
            "dashboard",
            DASHBOARD_UNIONS,
            json!({}),
            [
                (Anonymous, UNAUTHENTICATED),
                (Admin, dashboard_unions(6)),
                (Supervisor, dashboard_unions(4)),
                (Officer, dashboard_unions(3)),
                (OtherSupervisor, dashboard_unions(2)),
                (OtherOfficer, dashboard_unions(2)),
            ],
        ),
        row(
            "supervisorReport of our team",
            SUPERVISOR_REPORT,
            ours.clone(),
            [
                (Anonymous, UNAUTHENTICATED),
                (Admin, report_officers(&team)),
                (Supervisor, report_officers(&team)),
                (Officer, FORBIDDEN),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, FORBIDDEN),
            ],
        ),
        row(
            "supervisorReport of the caller's team",
            SUPERVISOR_REPORT,
            json!({}),
            [
                (Supervisor, report_officers(&team)),
                (
                    OtherSupervisor,
                    report_officers(&["Emeka Officer", "Hauwa Spare"]),
                ),
                (Officer, FORBIDDEN),
            ],
        ),
        row(
            "portfolioAtRisk",
            PAR_LOANS,
            json!({}),
            [
                (Anonymous, UNAUTHENTICATED),
                (Admin, par_loans(1)),
                (Supervisor, par_loans(0)),
                (Officer, par_loans(0)),
                (OtherSupervisor, par_loans(1)),
                (OtherOfficer, par_loans(1)),
            ],
        ),
        row(
            "collectionSheet of our officer",
            COLLECTION_SHEET,
            our_officer,
            [
                (Anonymous, UNAUTHENTICATED),
                (Admin, sheet_of("Chidi Officer")),
                (Supervisor, sheet_of("Chidi Officer")),
                (Officer, sheet_of("Chidi Officer")),
                (OtherSupervisor, NOT_FOUND),
                (OtherOfficer, NOT_FOUND),
            ],
        ),
        row(
            "collectionSheet of their union",
            UNION_SHEET,
            their_union,
            [
                (Anonymous, UNAUTHENTICATED),
                (Supervisor, NOT_FOUND),
                (Officer, NOT_FOUND),
                (OtherOfficer, empty_sheet()),
                (OtherSupervisor, empty_sheet()),
                (Admin, empty_sheet()),
            ],
        ),
        row(
            "generateSupervisorReport of their team",
            GENERATE_REPORT,
            theirs,
            [
                (Anonymous, UNAUTHENTICATED),
                (Officer, FORBIDDEN),
                (OtherOfficer, FORBIDDEN),
                (Supervisor, NOT_FOUND),
                (
                    OtherSupervisor,
                    ok(json!({ "generateSupervisorReport": { "title": ANY, "totalOfficers": 2 } })),
                ),
                (
                    Admin,
                    ok(json!({ "generateSupervisorReport": { "title": ANY, "totalOfficers": 2 } })),
                ),
            ],
        ),
        row(
            "reportSessions",
            REPORT_SESSIONS,
            json!({}),
            [
                (Anonymous, UNAUTHENTICATED),
                (Admin, sessions(2)),
                (OtherSupervisor, sessions(2)),
                (Supervisor, sessions(0)),
                (Officer, sessions(0)),
                (OtherOfficer, sessions(0)),
            ],
        ),
    ]
}

/// A sheet of their union, answered: nobody owes anything today, so it lists no union.
fn empty_sheet() -> Expect {
    ok(json!({ "collectionSheet": { "unions": [] } }))
}

#[tokio::test]
async fn reports_by_role() {
    run(report_rows).await;
}
