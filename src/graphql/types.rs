//! GraphQL object types over the database rows.

use async_graphql::{ComplexObject, Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};

use crate::db;

/// What a member of staff may do.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::Role")]
pub enum Role {
    /// Runs the organisation: staff, products, settings, backups, approvals, everything.
    Admin,
    /// Oversees a team of credit officers.
    Supervisor,
    /// Works in the field with the unions assigned to them.
    CreditOfficer,
}

/// A member of staff.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct User {
    pub id: ID,
    pub email: String,
    pub role: Role,
    pub is_active: bool,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub profile_image: Option<String>,
    /// The supervisor of a credit officer.
    pub supervisor_id: Option<ID>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub login_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[ComplexObject]
impl User {
    /// First and last name.
    async fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

impl From<db::users::User> for User {
    fn from(user: db::users::User) -> Self {
        Self {
            id: ID(user.id.to_string()),
            email: user.email,
            role: user.role.into(),
            is_active: user.is_active,
            first_name: user.first_name,
            last_name: user.last_name,
            phone: user.phone,
            address: user.address,
            profile_image: user.profile_image,
            supervisor_id: user.supervisor_id.map(|id| ID(id.to_string())),
            last_login_at: user.last_login_at,
            last_activity_at: user.last_activity_at,
            login_count: user.login_count,
            created_at: user.created_at,
            updated_at: user.updated_at,
            deleted_at: user.deleted_at,
        }
    }
}
