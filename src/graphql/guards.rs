//! Field guards: who may call a field at all. Finer decisions — scope, ownership, status — live
//! in `domain::permissions` and are applied by the services.

use async_graphql::{Context, Guard, Result};

use super::context::ContextExt;
use crate::domain::Role;
use crate::services::ServiceError;

/// Requires a logged-in member of staff.
pub struct LoggedIn;

impl Guard for LoggedIn {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        ctx.request().actor()?;
        Ok(())
    }
}

/// Requires a logged-in member of staff with one of the roles:
/// `#[graphql(guard = "RequireRole(&[Role::Admin])")]`.
pub struct RequireRole(pub &'static [Role]);

impl Guard for RequireRole {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let actor = ctx.request().actor()?;
        if self.0.contains(&actor.role) {
            Ok(())
        } else {
            let roles: Vec<&str> = self.0.iter().map(|role| role.as_str()).collect();
            Err(ServiceError::Forbidden(format!(
                "This is reserved for the role(s) {}.",
                roles.join(", ")
            ))
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Request, Schema};

    use super::*;
    use crate::domain::permissions::Actor;
    use crate::domain::{SessionFamilyId, UserId};
    use crate::graphql::RequestContext;
    use crate::services::RequestMeta;

    struct Query;

    #[Object]
    impl Query {
        #[graphql(guard = "RequireRole(&[Role::Admin, Role::Supervisor])")]
        async fn team_report(&self) -> bool {
            true
        }
    }

    async fn call_as(role: Option<Role>) -> Result<(), ServiceError> {
        let schema = Schema::new(Query, EmptyMutation, EmptySubscription);
        let actor = role.map(|role| Actor {
            user_id: UserId::new_random(),
            role,
            supervisor_id: None,
            session_id: SessionFamilyId::new_random(),
        });
        let auth = RequestContext::new(actor, RequestMeta::default(), chrono::Utc::now());
        let response = schema
            .execute(Request::new("{ teamReport }").data(auth))
            .await;
        match response.errors.first() {
            None => Ok(()),
            Some(error) => Err(match error.source::<ServiceError>() {
                Some(ServiceError::Forbidden(message)) => ServiceError::Forbidden(message.clone()),
                Some(ServiceError::Unauthenticated(message)) => {
                    ServiceError::Unauthenticated(message.clone())
                }
                other => panic!("unexpected error {other:?}"),
            }),
        }
    }

    #[tokio::test]
    async fn roles_outside_the_list_are_forbidden() {
        assert!(call_as(Some(Role::Admin)).await.is_ok());
        assert!(call_as(Some(Role::Supervisor)).await.is_ok());
        assert!(matches!(
            call_as(Some(Role::CreditOfficer)).await,
            Err(ServiceError::Forbidden(message)) if message.contains("ADMIN, SUPERVISOR")
        ));
        assert!(matches!(
            call_as(None).await,
            Err(ServiceError::Unauthenticated(_))
        ));
    }
}
