//! An [`Org`] with something of every kind around it, for the role matrix and the audit trail:
//! spare staff and unions to act on, deleted rows to restore, products, document types, notes,
//! a member's move and a union's reassignment, and a few audited edits and failed logins.
//!
//! Names sort on purpose: staff by last name (Admin, Gone, Officer, Spare, Supervisor), unions
//! Agbeni, Bodija, Dugbe, Eleyele, Gbagi, Oja Oba, Zango; members Adeyemi, Bello, Eze, Gone,
//! Nwosu, Okon.

use millennium::db::loan_types::LoanType;
use millennium::db::union_members::UnionMember;
use millennium::db::unions::Union;
use millennium::db::users::User;
use millennium::domain::LoanStatus;
use serde_json::{Value, json};

use super::app::{Session, TestApp};
use super::factories::{insert_loan, insert_loan_type};
use super::{MemberFactory, Org, UnionFactory, UserFactory};

pub struct Scenario {
    pub org: Org,
    /// "Gani Spare", the supervisor's second officer.
    pub spare_officer: User,
    /// "Eleyele Fishers", our spare officer's union: our supervisor's, not our officer's.
    pub colleague_union: Union,
    /// "Lami Okon", of our spare officer's union.
    pub colleague_member: UnionMember,
    /// "Hauwa Spare", the other supervisor's second officer, without unions.
    pub other_spare_officer: User,
    /// "Ife Gone", once the supervisor's officer, deleted.
    pub deleted_user: User,
    /// "Ngozi Eze", a second member of our union.
    pub spare_member: UnionMember,
    /// "Kemi Bello", moved by the administrator from our union to theirs.
    pub moved_member: UnionMember,
    /// "Tunde Gone", of our union, deleted.
    pub deleted_member: UnionMember,
    /// "Agbeni Tailors", our officer's union without members.
    pub empty_union: Union,
    /// "Dugbe Cobblers", their officer's union without members.
    pub other_empty_union: Union,
    /// "Gbagi Dyers", made for their officer and reassigned to ours; no members.
    pub handed_union: Union,
    /// "Zango Smiths", our officer's, deleted.
    pub deleted_union: Union,
    /// "Market Women 8 Weeks", used by an active loan of their member.
    pub loan_type: LoanType,
    /// "Artisan Starter", unused.
    pub spare_loan_type: LoanType,
    /// "Retired Product", deleted.
    pub deleted_loan_type: LoanType,
    /// "National ID Card".
    pub document_type: String,
    /// "Old Voter Card", deleted.
    pub deleted_document_type: String,
    /// "Punctual": the administrator's note about our officer.
    pub note: String,
    /// "Private review": the administrator's private note about our officer.
    pub private_note: String,
    /// "Field visit": the supervisor's note about our officer.
    pub supervisor_note: String,
    /// "Withdrawn": the administrator's note about our officer, deleted.
    pub deleted_note: String,
}

/// The email of a login attempt on no account.
pub const UNKNOWN_EMAIL: &str = "nobody@example.org";

/// Sends `query` as `session` and returns its data, which must come without errors.
pub async fn done(app: &TestApp, session: &Session, query: &str, vars: Value) -> Value {
    let response = app.gql(query).vars(&vars).by(session).send().await;
    response.data().clone()
}

/// Sends a one-field mutation as `session` and returns the `id` it answered.
async fn made(app: &TestApp, session: &Session, query: &str, vars: Value) -> String {
    let data = done(app, session, query, vars).await;
    let field = data.as_object().and_then(|data| data.values().next());
    field
        .and_then(|field| field["id"].as_str())
        .expect("an id")
        .to_owned()
}

const DELETE: [&str; 6] = [
    "mutation($id: ID!) { deleteUser(id: $id) { id } }",
    "mutation($id: ID!) { deleteUnionMember(id: $id) { id } }",
    "mutation($id: ID!) { deleteUnion(id: $id) { id } }",
    "mutation($id: ID!) { deleteLoanType(id: $id) { id } }",
    "mutation($id: ID!) { deleteDocumentType(id: $id) { id } }",
    "mutation($id: ID!) { deleteUserNote(id: $id) { id } }",
];
const MOVE: &str = "mutation($id: ID!, $to: ID!) {
    moveUnionMember(unionMemberId: $id, unionId: $to, reason: \"Lives nearer\") { id } }";
const REASSIGN: &str = "mutation($id: ID!, $to: ID!) {
    reassignUnion(unionId: $id, creditOfficerId: $to, reason: \"Handover\") { id } }";
const CREATE_DOCUMENT_TYPE: &str =
    "mutation($input: CreateDocumentTypeInput!) { createDocumentType(input: $input) { id } }";
const CREATE_NOTE: &str =
    "mutation($input: CreateUserNoteInput!) { createUserNote(input: $input) { id } }";
const EDIT_UNION: &str =
    "mutation($id: ID!) { updateUnion(id: $id, input: {location: \"Ibadan\"}) { id } }";

/// A note about our officer, as `session`; returns its id.
async fn note(app: &TestApp, org: &Org, session: &Session, title: &str, private: bool) -> String {
    let input = json!({ "userId": org.officer.user.id, "title": title,
        "content": "Seen at the market.", "isPrivate": private });
    made(app, session, CREATE_NOTE, json!({ "input": input })).await
}

async fn document_type(app: &TestApp, org: &Org, name: &str) -> String {
    let vars = json!({ "input": { "name": name } });
    made(app, &org.admin, CREATE_DOCUMENT_TYPE, vars).await
}

fn staff(supervisor: &Session, first: &str, last: &str) -> UserFactory {
    UserFactory::new()
        .names(first, last)
        .supervisor(supervisor.user.id)
}

impl Scenario {
    pub async fn new(app: &TestApp) -> Self {
        let org = Org::new(app).await;
        let mut scenario = Self::insert(app, org).await;
        scenario.act(app).await;
        scenario
    }

    /// The rows made directly, before anything happens to them.
    async fn insert(app: &TestApp, org: Org) -> Self {
        let (supervisor, other_supervisor) = (&org.supervisor, &org.other_supervisor);
        let member = |first: &str, last: &str| MemberFactory::new(&org.union).names(first, last);
        let ours = |name: &str| UnionFactory::new(&org.officer.user).name(name);
        let theirs = |name: &str| UnionFactory::new(&org.other_officer.user).name(name);
        let loan_type = insert_loan_type(app, "Market Women 8 Weeks").await;
        let (officer, member_in_use) = (org.other_officer.user.id, &org.other_member);
        insert_loan(app, member_in_use, &loan_type, officer, LoanStatus::Active).await;
        let spare_officer = staff(supervisor, "Gani", "Spare").insert(app).await;
        let colleague = UnionFactory::new(&spare_officer).name("Eleyele Fishers");
        let colleague_union = colleague.insert(app).await;
        let colleague_member = MemberFactory::new(&colleague_union).names("Lami", "Okon");
        Self {
            spare_officer,
            colleague_member: colleague_member.insert(app).await,
            colleague_union,
            other_spare_officer: staff(other_supervisor, "Hauwa", "Spare").insert(app).await,
            deleted_user: staff(supervisor, "Ife", "Gone").insert(app).await,
            spare_member: member("Ngozi", "Eze").insert(app).await,
            moved_member: member("Kemi", "Bello").insert(app).await,
            deleted_member: member("Tunde", "Gone").insert(app).await,
            empty_union: ours("Agbeni Tailors").insert(app).await,
            other_empty_union: theirs("Dugbe Cobblers").insert(app).await,
            handed_union: theirs("Gbagi Dyers").insert(app).await,
            deleted_union: ours("Zango Smiths").insert(app).await,
            loan_type,
            spare_loan_type: insert_loan_type(app, "Artisan Starter").await,
            deleted_loan_type: insert_loan_type(app, "Retired Product").await,
            document_type: document_type(app, &org, "National ID Card").await,
            deleted_document_type: document_type(app, &org, "Old Voter Card").await,
            note: note(app, &org, &org.admin, "Punctual", false).await,
            private_note: note(app, &org, &org.admin, "Private review", true).await,
            supervisor_note: note(app, &org, supervisor, "Field visit", false).await,
            deleted_note: note(app, &org, &org.admin, "Withdrawn", false).await,
            org,
        }
    }

    /// What happens to them, in this order: deletions, a move and a handover by the
    /// administrator; one union edit each by our officer, their officer and our supervisor;
    /// two failed logins (our spare officer's, and one on no account).
    async fn act(&mut self, app: &TestApp) {
        let org = &self.org;
        let deleted = [
            json!(self.deleted_user.id),
            json!(self.deleted_member.id),
            json!(self.deleted_union.id),
            json!(self.deleted_loan_type.id),
            json!(self.deleted_document_type),
            json!(self.deleted_note),
        ];
        for (query, id) in DELETE.iter().zip(deleted) {
            done(app, &org.admin, query, json!({ "id": id })).await;
        }
        let moved = json!({ "id": self.moved_member.id, "to": org.other_union.id });
        done(app, &org.admin, MOVE, moved).await;
        let handed = json!({ "id": self.handed_union.id, "to": org.officer.user.id });
        done(app, &org.admin, REASSIGN, handed).await;
        for (session, union) in [
            (&org.officer, org.union.id),
            (&org.other_officer, org.other_union.id),
            (&org.supervisor, self.empty_union.id),
        ] {
            done(app, session, EDIT_UNION, json!({ "id": union })).await;
        }
        app.login(&self.spare_officer.email, "Wrong12345").await;
        app.login(UNKNOWN_EMAIL, "Wrong12345").await;
    }
}
