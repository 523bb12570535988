//! Staff roles.

text_enum! {
    /// What a member of staff may do; see SPEC section 2.
    pub enum Role {
        /// Runs the organisation: staff, products, settings, backups, approvals, everything.
        Admin => "ADMIN",
        /// Oversees a team of credit officers.
        Supervisor => "SUPERVISOR",
        /// Works in the field with the unions assigned to them.
        CreditOfficer => "CREDIT_OFFICER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
