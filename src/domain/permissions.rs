//! Who may see and do what (SPEC section 2). Every scope and permission decision of the loan
//! book lives here as a plain function of the actor and the object's place in the
//! organisation, so that the whole table can be read — and tested — in one file.
//!
//! Two kinds of refusal exist: an object outside the actor's scope is [`Denied::NotVisible`]
//! (answered as `NOT_FOUND`, never revealing that it exists), and an action on a visible object
//! without the right is [`Denied::Forbidden`].

use super::{LoanStatus, Role, SessionFamilyId, UserId};

/// The member of staff behind a request, as confirmed from the database for that request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    /// The actor's own supervisor (credit officers only).
    pub supervisor_id: Option<UserId>,
    /// The login session the request's access token belongs to.
    pub session_id: SessionFamilyId,
}

/// Where an object (union, member, loan, schedule item, repayment, document) sits in the
/// organisation: the credit officer of its union and that officer's supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub officer_id: UserId,
    pub officer_supervisor_id: Option<UserId>,
}

/// The part of the loan book an actor may see; lists are filtered to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything (ADMIN).
    All,
    /// Objects of the credit officers whose supervisor is this user (SUPERVISOR).
    Team { supervisor_id: UserId },
    /// Objects of this credit officer's own unions (CREDIT_OFFICER).
    Officer { officer_id: UserId },
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The object is outside the actor's scope: answer as if it did not exist.
    NotVisible,
    /// The object is visible but the actor lacks the right; the text says what is missing.
    Forbidden(&'static str),
}

pub type Decision = Result<(), Denied>;

fn allow_if(condition: bool, reason: &'static str) -> Decision {
    if condition {
        Ok(())
    } else {
        Err(Denied::Forbidden(reason))
    }
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The business objects (unions, members, loans, schedules, repayments, documents) the actor
/// may see.
pub fn scope(actor: &Actor) -> Scope {
    match actor.role {
        Role::Admin => Scope::All,
        Role::Supervisor => Scope::Team {
            supervisor_id: actor.user_id,
        },
        Role::CreditOfficer => Scope::Officer {
            officer_id: actor.user_id,
        },
    }
}

/// Whether an object with this owner is in the actor's scope.
pub fn can_see(actor: &Actor, owner: &Owner) -> bool {
    match scope(actor) {
        Scope::All => true,
        Scope::Team { supervisor_id } => owner.officer_supervisor_id == Some(supervisor_id),
        Scope::Officer { officer_id } => owner.officer_id == officer_id,
    }
}

fn visible(actor: &Actor, owner: &Owner) -> Decision {
    if can_see(actor, owner) {
        Ok(())
    } else {
        Err(Denied::NotVisible)
    }
}

// ----- staff -----------------------------------------------------------------------------

/// Users: ADMIN all, SUPERVISOR self and own officers, CREDIT_OFFICER self.
pub fn can_see_user(actor: &Actor, user_id: UserId, user_supervisor_id: Option<UserId>) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Supervisor => user_id == actor.user_id || user_supervisor_id == Some(actor.user_id),
        Role::CreditOfficer => user_id == actor.user_id,
    }
}

/// Creating staff: ADMIN any role; SUPERVISOR credit officers only (who become their officers).
pub fn can_create_user(actor: &Actor, role: Role) -> Decision {
    match (actor.role, role) {
        (Role::Admin, _) => Ok(()),
        (Role::Supervisor, Role::CreditOfficer) => Ok(()),
        (Role::Supervisor, _) => Err(Denied::Forbidden(
            "Supervisors can create credit officers only.",
        )),
        (Role::CreditOfficer, _) => Err(Denied::Forbidden(
            "Credit officers cannot create staff accounts.",
        )),
    }
}

/// The audit log: ADMIN all; SUPERVISOR entries whose actor is self or an own officer;
/// CREDIT_OFFICER none.
pub fn can_see_audit_entry(
    actor: &Actor,
    entry_actor_id: Option<UserId>,
    entry_actor_supervisor_id: Option<UserId>,
) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Supervisor => {
            entry_actor_id == Some(actor.user_id)
                || entry_actor_supervisor_id == Some(actor.user_id)
        }
        Role::CreditOfficer => false,
    }
}

/// Whether the actor may read the audit log at all.
pub fn can_read_audit_log(actor: &Actor) -> Decision {
    allow_if(
        actor.role != Role::CreditOfficer,
        "Credit officers cannot read the audit log.",
    )
}

/// Editing a member of staff. ADMIN anyone; SUPERVISOR self and own officers; CREDIT_OFFICER
/// self. Only an ADMIN changes roles, supervisors or emails of others.
pub fn can_edit_user(
    actor: &Actor,
    user_id: UserId,
    user_supervisor_id: Option<UserId>,
    changes_role_or_supervisor: bool,
) -> Decision {
    if !can_see_user(actor, user_id, user_supervisor_id) {
        return Err(Denied::NotVisible);
    }
    if changes_role_or_supervisor {
        allow_if(
            actor.is_admin(),
            "Only an administrator can change a role or a supervisor.",
        )
    } else {
        Ok(())
    }
}

/// Activating, deactivating or resetting the password of a member of staff: ADMIN anyone,
/// SUPERVISOR own officers; nobody does it to themself here (`changePassword` is for that).
pub fn can_manage_account(
    actor: &Actor,
    user_id: UserId,
    user_supervisor_id: Option<UserId>,
) -> Decision {
    if !can_see_user(actor, user_id, user_supervisor_id) {
        return Err(Denied::NotVisible);
    }
    if user_id == actor.user_id {
        return Err(Denied::Forbidden("You cannot do this to your own account."));
    }
    allow_if(
        actor.is_admin() || user_supervisor_id == Some(actor.user_id),
        "Only an administrator or the officer's supervisor can do this.",
    )
}

/// Deleting or restoring staff accounts: ADMIN only, never themself.
pub fn can_delete_user(actor: &Actor, user_id: UserId) -> Decision {
    allow_if(
        actor.is_admin(),
        "Only an administrator can delete or restore staff accounts.",
    )?;
    allow_if(
        user_id != actor.user_id,
        "You cannot delete your own account.",
    )
}

// ----- organisation-wide configuration ---------------------------------------------------

/// Loan products, document types, settings, backups and restore: ADMIN writes; others read.
pub fn can_manage_configuration(actor: &Actor) -> Decision {
    allow_if(
        actor.is_admin(),
        "Only an administrator can change products, document types, settings or backups.",
    )
}

/// Reading the backups and their schedule: administrators, and supervisors (read only).
pub fn can_read_backups(actor: &Actor) -> Decision {
    allow_if(
        matches!(actor.role, Role::Admin | Role::Supervisor),
        "Only administrators and supervisors can see the backups.",
    )
}

/// Seeing soft-deleted rows (`includeDeleted`) and restoring them.
pub fn can_access_deleted(actor: &Actor) -> Decision {
    allow_if(
        actor.is_admin(),
        "Only an administrator can see or restore deleted records.",
    )
}

// ----- unions and members ----------------------------------------------------------------

/// Whether the actor creates unions at all (decided before the officer named is looked up).
pub fn can_create_unions(actor: &Actor) -> Decision {
    allow_if(
        actor.role != Role::CreditOfficer,
        "Credit officers cannot create unions; ask your supervisor.",
    )
}

/// Creating a union for the officer `officer` (whose supervisor is given): ADMIN for any
/// officer; SUPERVISOR for own officers; CREDIT_OFFICER never.
pub fn can_create_union(actor: &Actor, officer: &Owner) -> Decision {
    can_create_unions(actor)?;
    match actor.role {
        Role::Admin => Ok(()),
        Role::Supervisor => allow_if(
            officer.officer_supervisor_id == Some(actor.user_id),
            "Supervisors can create unions for their own credit officers only.",
        ),
        Role::CreditOfficer => Err(Denied::Forbidden(
            "Credit officers cannot create unions; ask your supervisor.",
        )),
    }
}

/// Editing a union's name, location and address: anyone who can see it.
pub fn can_edit_union(actor: &Actor, owner: &Owner) -> Decision {
    visible(actor, owner)
}

/// Deleting a union or a member: ADMIN, or the SUPERVISOR of the officer.
pub fn can_delete_in_union(actor: &Actor, owner: &Owner) -> Decision {
    visible(actor, owner)?;
    allow_if(
        actor.role != Role::CreditOfficer,
        "Credit officers cannot delete unions or members; ask your supervisor.",
    )
}

/// Marking a member verified or not: ADMIN, or the SUPERVISOR of the officer.
pub fn can_verify_member(actor: &Actor, owner: &Owner) -> Decision {
    visible(actor, owner)?;
    allow_if(
        actor.role != Role::CreditOfficer,
        "Only a supervisor or an administrator can verify members.",
    )
}

/// Creating or editing a member of a union: ADMIN, SUPERVISOR in scope, CREDIT_OFFICER in own
/// unions.
pub fn can_edit_member(actor: &Actor, union_owner: &Owner) -> Decision {
    visible(actor, union_owner)
}

/// Moving a member to another union, or reassigning a union's officer: ADMIN only.
pub fn can_reassign(actor: &Actor) -> Decision {
    allow_if(
        actor.is_admin(),
        "Only an administrator can move members or reassign unions.",
    )
}

// ----- loans -----------------------------------------------------------------------------

/// Creating a loan application for a member of a union with this owner.
pub fn can_create_loan(actor: &Actor, union_owner: &Owner) -> Decision {
    visible(actor, union_owner)
}

/// Submitting a draft for approval: anyone who can see the loan.
pub fn can_submit_loan(actor: &Actor, owner: &Owner) -> Decision {
    visible(actor, owner)
}

/// Approving, rejecting, cancelling or disbursing: ADMIN, or the SUPERVISOR of the loan's
/// officer.
pub fn can_decide_loan(actor: &Actor, owner: &Owner) -> Decision {
    visible(actor, owner)?;
    allow_if(
        actor.role != Role::CreditOfficer,
        "Credit officers cannot approve, reject, cancel or disburse loans.",
    )
}

/// Editing a loan's terms: ADMIN in any status before the loan ends (a reschedule once active);
/// CREDIT_OFFICER while DRAFT or PENDING_APPROVAL in own unions; SUPERVISOR never.
pub fn can_edit_loan_terms(actor: &Actor, owner: &Owner, status: LoanStatus) -> Decision {
    visible(actor, owner)?;
    match actor.role {
        Role::Admin => allow_if(
            !matches!(
                status,
                LoanStatus::Completed | LoanStatus::Canceled | LoanStatus::WrittenOff
            ),
            "A completed, cancelled or written-off loan cannot be edited.",
        ),
        Role::Supervisor => Err(Denied::Forbidden("Supervisors cannot edit loan terms.")),
        Role::CreditOfficer => allow_if(
            matches!(status, LoanStatus::Draft | LoanStatus::PendingApproval),
            "Credit officers can edit a loan only while it is a draft or pending approval.",
        ),
    }
}

/// Recording a repayment: anyone who can see the loan.
pub fn can_record_repayment(actor: &Actor, owner: &Owner) -> Decision {
    visible(actor, owner)
}

/// Reversing a repayment, waiving a charge, writing a loan off: ADMIN only.
pub fn can_correct_money(actor: &Actor, owner: &Owner) -> Decision {
    visible(actor, owner)?;
    allow_if(
        actor.is_admin(),
        "Only an administrator can reverse repayments, waive charges or write loans off.",
    )
}

// ----- documents ---------------------------------------------------------------------------

/// Uploading a document of a member or a loan, or deleting one: whoever may edit the member
/// (ADMIN, SUPERVISOR in scope, CREDIT_OFFICER in own unions).
pub fn can_attach_document(actor: &Actor, owner: &Owner) -> Decision {
    visible(actor, owner)
}

/// Marking a document verified or not: ADMIN, or the SUPERVISOR of the officer.
pub fn can_verify_document(actor: &Actor, owner: &Owner) -> Decision {
    visible(actor, owner)?;
    allow_if(
        actor.role != Role::CreditOfficer,
        "Only a supervisor or an administrator can verify documents.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn id(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    const ADMIN: u128 = 1;
    const SUPERVISOR: u128 = 2;
    const OTHER_SUPERVISOR: u128 = 3;
    const OFFICER: u128 = 4;
    const OTHER_OFFICER: u128 = 5;

    fn actor(n: u128, role: Role, supervisor: Option<u128>) -> Actor {
        Actor {
            user_id: id(n),
            role,
            supervisor_id: supervisor.map(id),
            session_id: SessionFamilyId(Uuid::nil()),
        }
    }

    fn admin() -> Actor {
        actor(ADMIN, Role::Admin, None)
    }
    fn supervisor() -> Actor {
        actor(SUPERVISOR, Role::Supervisor, None)
    }
    fn officer() -> Actor {
        actor(OFFICER, Role::CreditOfficer, Some(SUPERVISOR))
    }

    /// Owned by OFFICER, whose supervisor is SUPERVISOR.
    fn team_object() -> Owner {
        Owner {
            officer_id: id(OFFICER),
            officer_supervisor_id: Some(id(SUPERVISOR)),
        }
    }
    /// Owned by OTHER_OFFICER, supervised by OTHER_SUPERVISOR.
    fn foreign_object() -> Owner {
        Owner {
            officer_id: id(OTHER_OFFICER),
            officer_supervisor_id: Some(id(OTHER_SUPERVISOR)),
        }
    }
    /// Owned by an officer without a supervisor.
    fn unsupervised_object() -> Owner {
        Owner {
            officer_id: id(OTHER_OFFICER),
            officer_supervisor_id: None,
        }
    }

    #[test]
    fn scope_follows_the_role() {
        assert_eq!(scope(&admin()), Scope::All);
        assert_eq!(
            scope(&supervisor()),
            Scope::Team {
                supervisor_id: id(SUPERVISOR)
            }
        );
        assert_eq!(
            scope(&officer()),
            Scope::Officer {
                officer_id: id(OFFICER)
            }
        );
    }

    #[test]
    fn visibility_of_business_objects() {
        for object in [team_object(), foreign_object(), unsupervised_object()] {
            assert!(can_see(&admin(), &object));
        }
        assert!(can_see(&supervisor(), &team_object()));
        assert!(!can_see(&supervisor(), &foreign_object()));
        assert!(!can_see(&supervisor(), &unsupervised_object()));
        assert!(can_see(&officer(), &team_object()));
        assert!(!can_see(&officer(), &foreign_object()));
    }

    #[test]
    fn visibility_of_users() {
        assert!(can_see_user(&admin(), id(OTHER_OFFICER), None));
        assert!(can_see_user(&supervisor(), id(SUPERVISOR), None));
        assert!(can_see_user(
            &supervisor(),
            id(OFFICER),
            Some(id(SUPERVISOR))
        ));
        assert!(!can_see_user(
            &supervisor(),
            id(OTHER_OFFICER),
            Some(id(OTHER_SUPERVISOR))
        ));
        assert!(can_see_user(&officer(), id(OFFICER), Some(id(SUPERVISOR))));
        assert!(!can_see_user(&officer(), id(SUPERVISOR), None));
    }

    #[test]
    fn creating_users() {
        for role in Role::ALL {
            assert_eq!(can_create_user(&admin(), *role), Ok(()));
            assert!(matches!(
                can_create_user(&officer(), *role),
                Err(Denied::Forbidden(_))
            ));
        }
        assert_eq!(can_create_user(&supervisor(), Role::CreditOfficer), Ok(()));
        assert!(can_create_user(&supervisor(), Role::Supervisor).is_err());
        assert!(can_create_user(&supervisor(), Role::Admin).is_err());
    }

    #[test]
    fn audit_log_visibility() {
        assert!(can_see_audit_entry(&admin(), None, None));
        assert!(can_see_audit_entry(
            &supervisor(),
            Some(id(SUPERVISOR)),
            None
        ));
        assert!(can_see_audit_entry(
            &supervisor(),
            Some(id(OFFICER)),
            Some(id(SUPERVISOR))
        ));
        assert!(!can_see_audit_entry(
            &supervisor(),
            Some(id(OTHER_OFFICER)),
            Some(id(OTHER_SUPERVISOR))
        ));
        assert!(!can_see_audit_entry(&officer(), Some(id(OFFICER)), None));
        assert!(can_read_audit_log(&officer()).is_err());
        assert!(can_read_audit_log(&supervisor()).is_ok());
    }

    #[test]
    fn configuration_and_deleted_rows_are_admin_only() {
        assert_eq!(can_manage_configuration(&admin()), Ok(()));
        assert!(can_manage_configuration(&supervisor()).is_err());
        assert!(can_manage_configuration(&officer()).is_err());
        assert_eq!(can_access_deleted(&admin()), Ok(()));
        assert!(can_access_deleted(&supervisor()).is_err());
        assert_eq!(can_reassign(&admin()), Ok(()));
        assert!(can_reassign(&supervisor()).is_err());
        assert!(can_reassign(&officer()).is_err());
    }

    #[test]
    fn members_and_loan_applications_follow_scope() {
        for check in [
            can_edit_member,
            can_create_loan,
            can_submit_loan,
            can_record_repayment,
        ] {
            assert_eq!(check(&admin(), &foreign_object()), Ok(()));
            assert_eq!(check(&supervisor(), &team_object()), Ok(()));
            assert_eq!(check(&officer(), &team_object()), Ok(()));
            assert_eq!(
                check(&supervisor(), &foreign_object()),
                Err(Denied::NotVisible)
            );
            assert_eq!(
                check(&officer(), &foreign_object()),
                Err(Denied::NotVisible)
            );
        }
    }

    #[test]
    fn editing_and_managing_staff_accounts() {
        // Profile edits: admin anyone, supervisor self and own officers, officer self.
        assert_eq!(
            can_edit_user(&admin(), id(OTHER_OFFICER), None, true),
            Ok(())
        );
        assert_eq!(
            can_edit_user(&supervisor(), id(OFFICER), Some(id(SUPERVISOR)), false),
            Ok(())
        );
        assert!(matches!(
            can_edit_user(&supervisor(), id(OFFICER), Some(id(SUPERVISOR)), true),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(
            can_edit_user(
                &supervisor(),
                id(OTHER_OFFICER),
                Some(id(OTHER_SUPERVISOR)),
                false
            ),
            Err(Denied::NotVisible)
        );
        assert_eq!(
            can_edit_user(&officer(), id(OFFICER), Some(id(SUPERVISOR)), false),
            Ok(())
        );
        assert_eq!(
            can_edit_user(&officer(), id(SUPERVISOR), None, false),
            Err(Denied::NotVisible)
        );
        // Activation and password resets: admin or the officer's supervisor, never oneself.
        assert_eq!(
            can_manage_account(&admin(), id(OFFICER), Some(id(SUPERVISOR))),
            Ok(())
        );
        assert_eq!(
            can_manage_account(&supervisor(), id(OFFICER), Some(id(SUPERVISOR))),
            Ok(())
        );
        assert!(matches!(
            can_manage_account(&supervisor(), id(SUPERVISOR), None),
            Err(Denied::Forbidden(_))
        ));
        assert!(matches!(
            can_manage_account(&admin(), id(ADMIN), None),
            Err(Denied::Forbidden(_))
        ));
        assert!(matches!(
            can_manage_account(&officer(), id(OFFICER), Some(id(SUPERVISOR))),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(can_delete_user(&admin(), id(OFFICER)), Ok(()));
        assert!(can_delete_user(&admin(), id(ADMIN)).is_err());
        assert!(can_delete_user(&supervisor(), id(OFFICER)).is_err());
    }

    #[test]
    fn unions_are_created_for_officers_in_scope_and_deleted_by_supervisors() {
        assert!(matches!(
            can_create_unions(&officer()),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(can_create_unions(&supervisor()), Ok(()));
        assert_eq!(can_create_union(&admin(), &foreign_object()), Ok(()));
        assert_eq!(can_create_union(&supervisor(), &team_object()), Ok(()));
        assert!(matches!(
            can_create_union(&supervisor(), &foreign_object()),
            Err(Denied::Forbidden(_))
        ));
        assert!(matches!(
            can_create_union(&officer(), &team_object()),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(can_edit_union(&officer(), &team_object()), Ok(()));
        assert_eq!(
            can_edit_union(&officer(), &foreign_object()),
            Err(Denied::NotVisible)
        );
        for check in [can_delete_in_union, can_verify_member] {
            assert_eq!(check(&admin(), &foreign_object()), Ok(()));
            assert_eq!(check(&supervisor(), &team_object()), Ok(()));
            assert_eq!(
                check(&supervisor(), &foreign_object()),
                Err(Denied::NotVisible)
            );
            assert!(matches!(
                check(&officer(), &team_object()),
                Err(Denied::Forbidden(_))
            ));
        }
    }

    #[test]
    fn approving_is_for_admins_and_the_team_supervisor() {
        assert_eq!(can_decide_loan(&admin(), &foreign_object()), Ok(()));
        assert_eq!(can_decide_loan(&supervisor(), &team_object()), Ok(()));
        assert_eq!(
            can_decide_loan(&supervisor(), &foreign_object()),
            Err(Denied::NotVisible)
        );
        assert!(matches!(
            can_decide_loan(&officer(), &team_object()),
            Err(Denied::Forbidden(_))
        ));
    }

    #[test]
    fn editing_loan_terms_depends_on_role_and_status() {
        use LoanStatus::*;
        for status in [Draft, PendingApproval, Approved, Active, Defaulted] {
            assert_eq!(
                can_edit_loan_terms(&admin(), &team_object(), status),
                Ok(())
            );
        }
        for status in [Completed, Canceled, WrittenOff] {
            assert!(can_edit_loan_terms(&admin(), &team_object(), status).is_err());
        }
        for status in LoanStatus::ALL {
            assert!(matches!(
                can_edit_loan_terms(&supervisor(), &team_object(), *status),
                Err(Denied::Forbidden(_))
            ));
        }
        assert_eq!(
            can_edit_loan_terms(&officer(), &team_object(), Draft),
            Ok(())
        );
        assert_eq!(
            can_edit_loan_terms(&officer(), &team_object(), PendingApproval),
            Ok(())
        );
        assert!(can_edit_loan_terms(&officer(), &team_object(), Active).is_err());
        assert_eq!(
            can_edit_loan_terms(&officer(), &foreign_object(), Draft),
            Err(Denied::NotVisible)
        );
    }

    #[test]
    fn money_corrections_are_admin_only() {
        assert_eq!(can_correct_money(&admin(), &team_object()), Ok(()));
        assert!(matches!(
            can_correct_money(&supervisor(), &team_object()),
            Err(Denied::Forbidden(_))
        ));
        assert!(matches!(
            can_correct_money(&officer(), &team_object()),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(
            can_correct_money(&officer(), &foreign_object()),
            Err(Denied::NotVisible)
        );
    }

    #[test]
    fn documents_are_attached_in_scope_and_verified_by_supervisors() {
        for actor in [admin(), supervisor(), officer()] {
            assert_eq!(can_attach_document(&actor, &team_object()), Ok(()));
        }
        assert_eq!(
            can_attach_document(&officer(), &foreign_object()),
            Err(Denied::NotVisible)
        );
        assert_eq!(can_verify_document(&admin(), &foreign_object()), Ok(()));
        assert_eq!(can_verify_document(&supervisor(), &team_object()), Ok(()));
        assert_eq!(
            can_verify_document(&supervisor(), &foreign_object()),
            Err(Denied::NotVisible)
        );
        assert!(matches!(
            can_verify_document(&officer(), &team_object()),
            Err(Denied::Forbidden(_))
        ));
    }
}
