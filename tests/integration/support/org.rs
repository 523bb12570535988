//! A small organisation for scope tests: an administrator; two supervisors, each with a credit
//! officer; each officer with a union of one member. "Ours" is the first team, "theirs" the
//! second.

use millennium::db::union_members::UnionMember;
use millennium::db::unions::Union;
use millennium::domain::Role;

use super::app::{Session, TestApp};
use super::factories::{DEFAULT_PASSWORD, MemberFactory, UnionFactory, UserFactory};

pub struct Org {
    pub admin: Session,
    pub supervisor: Session,
    pub officer: Session,
    pub other_supervisor: Session,
    pub other_officer: Session,
    pub union: Union,
    pub other_union: Union,
    pub member: UnionMember,
    pub other_member: UnionMember,
}

impl Org {
    pub async fn new(app: &TestApp) -> Self {
        let admin = UserFactory::new()
            .role(Role::Admin)
            .names("Amaka", "Admin")
            .insert(app)
            .await;
        let supervisor = UserFactory::new()
            .role(Role::Supervisor)
            .names("Bola", "Supervisor")
            .insert(app)
            .await;
        let officer = UserFactory::new()
            .supervisor(supervisor.id)
            .names("Chidi", "Officer")
            .insert(app)
            .await;
        let other_supervisor = UserFactory::new()
            .role(Role::Supervisor)
            .names("Dayo", "Supervisor")
            .insert(app)
            .await;
        let other_officer = UserFactory::new()
            .supervisor(other_supervisor.id)
            .names("Emeka", "Officer")
            .insert(app)
            .await;
        let union = UnionFactory::new(&officer)
            .name("Oja Oba Traders")
            .insert(app)
            .await;
        let other_union = UnionFactory::new(&other_officer)
            .name("Bodija Weavers")
            .insert(app)
            .await;
        let member = MemberFactory::new(&union).insert(app).await;
        let other_member = MemberFactory::new(&other_union)
            .names("Funke", "Adeyemi")
            .insert(app)
            .await;
        Self {
            admin: app.login_user(admin, DEFAULT_PASSWORD).await,
            supervisor: app.login_user(supervisor, DEFAULT_PASSWORD).await,
            officer: app.login_user(officer, DEFAULT_PASSWORD).await,
            other_supervisor: app.login_user(other_supervisor, DEFAULT_PASSWORD).await,
            other_officer: app.login_user(other_officer, DEFAULT_PASSWORD).await,
            union,
            other_union,
            member,
            other_member,
        }
    }

    /// The session of a role in the first team (or the administrator).
    pub fn session(&self, role: Role) -> &Session {
        match role {
            Role::Admin => &self.admin,
            Role::Supervisor => &self.supervisor,
            Role::CreditOfficer => &self.officer,
        }
    }
}

/// Who sends a request in a role matrix: nobody, someone of the first team (or the
/// administrator), or someone of the second team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    Admin,
    Supervisor,
    Officer,
    OtherSupervisor,
    OtherOfficer,
}

impl Org {
    /// The session of `who` (none for [`Who::Anonymous`]).
    pub fn as_who(&self, who: Who) -> Option<&Session> {
        match who {
            Who::Anonymous => None,
            Who::Admin => Some(self.session(Role::Admin)),
            Who::Supervisor => Some(self.session(Role::Supervisor)),
            Who::Officer => Some(self.session(Role::CreditOfficer)),
            Who::OtherSupervisor => Some(&self.other_supervisor),
            Who::OtherOfficer => Some(&self.other_officer),
        }
    }
}
