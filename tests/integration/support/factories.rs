//! Factories for test data, inserted straight into the test's database.

use millennium::auth::passwords::Passwords;
use millennium::config::Secret;
use millennium::db::union_members::{MemberDetails, NewUnionMember, UnionMember};
use millennium::db::unions::{NewUnion, Union};
use millennium::db::{self, users::User};
use millennium::domain::{Role, UnionId, UserId};
use tokio::sync::OnceCell;

use super::app::TestApp;

/// The password of every factory user unless set otherwise.
pub const DEFAULT_PASSWORD: &str = "Harvest2026";

/// Hashing is slow on purpose; the default password is hashed once per run.
async fn default_password_hash() -> &'static str {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_init(|| async {
        Passwords::new(1)
            .hash(&Secret::new(DEFAULT_PASSWORD))
            .await
            .expect("hash the default password")
    })
    .await
}

pub struct UserFactory {
    email: Option<String>,
    password: Option<String>,
    role: Role,
    active: bool,
    supervisor_id: Option<UserId>,
    first_name: String,
    last_name: String,
}

impl UserFactory {
    pub fn new() -> Self {
        Self {
            email: None,
            password: None,
            role: Role::CreditOfficer,
            active: true,
            supervisor_id: None,
            first_name: "Ada".into(),
            last_name: "Okafor".into(),
        }
    }

    pub fn role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }

    pub fn email(mut self, email: &str) -> Self {
        self.email = Some(email.to_owned());
        self
    }

    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(password.to_owned());
        self
    }

    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    pub fn names(mut self, first: &str, last: &str) -> Self {
        self.first_name = first.to_owned();
        self.last_name = last.to_owned();
        self
    }

    pub fn supervisor(mut self, supervisor: UserId) -> Self {
        self.supervisor_id = Some(supervisor);
        self
    }

    pub async fn insert(self, app: &TestApp) -> User {
        let email = self
            .email
            .map(|email| millennium::domain::email::normalize(&email).expect("a valid email"))
            .unwrap_or_else(|| {
                format!(
                    "staff-{}@example.org",
                    &uuid::Uuid::new_v4().simple().to_string()[..12]
                )
            });
        let hash = match &self.password {
            None => default_password_hash().await.to_owned(),
            Some(password) => app
                .state
                .passwords
                .hash(&Secret::new(password.clone()))
                .await
                .expect("hash"),
        };
        let now = app.state.clock.now();
        let mut conn = app.conn().await;
        db::users::insert(
            &mut conn,
            &db::users::NewUser {
                email: &email,
                password_hash: &hash,
                role: self.role,
                is_active: self.active,
                supervisor_id: self.supervisor_id,
                first_name: &self.first_name,
                last_name: &self.last_name,
                phone: None,
                address: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .expect("insert user")
    }
}

/// A union of a credit officer.
pub struct UnionFactory {
    name: String,
    officer: UserId,
}

impl UnionFactory {
    pub fn new(officer: &User) -> Self {
        Self {
            name: format!("Union {}", &uuid::Uuid::new_v4().simple().to_string()[..6]),
            officer: officer.id,
        }
    }

    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    pub async fn insert(self, app: &TestApp) -> Union {
        let now = app.state.clock.now();
        let mut conn = app.conn().await;
        db::unions::insert(
            &mut conn,
            &NewUnion {
                name: &self.name,
                location: Some("Oja Oba market"),
                address: None,
                credit_officer_id: self.officer,
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .expect("insert union")
    }
}

/// A member of a union, with a code taken from the real counter.
pub struct MemberFactory {
    union_id: UnionId,
    first_name: String,
    last_name: String,
    email: Option<String>,
}

impl MemberFactory {
    pub fn new(union: &Union) -> Self {
        Self {
            union_id: union.id,
            first_name: "Chiamaka".into(),
            last_name: "Nwosu".into(),
            email: None,
        }
    }

    pub fn names(mut self, first: &str, last: &str) -> Self {
        self.first_name = first.to_owned();
        self.last_name = last.to_owned();
        self
    }

    pub async fn insert(self, app: &TestApp) -> UnionMember {
        let now = app.state.clock.now();
        let mut conn = app.conn().await;
        let number = db::counters::next(&mut conn, db::counters::MEMBER_CODE, now)
            .await
            .expect("next member code");
        let code = millennium::domain::members::code(number).expect("a code");
        db::union_members::insert(
            &mut conn,
            &NewUnionMember {
                code: &code,
                details: MemberDetails {
                    first_name: self.first_name,
                    last_name: self.last_name,
                    email: self.email,
                    phone: Some("+2348031234567".into()),
                    ..MemberDetails::default()
                },
                is_verified: true,
                union_id: self.union_id,
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .expect("insert member")
    }
}

/// A loan product, inserted directly.
pub async fn insert_loan_type(app: &TestApp, name: &str) -> db::loan_types::LoanType {
    use rust_decimal_macros::dec;
    let now = app.state.clock.now();
    let mut conn = app.conn().await;
    db::loan_types::insert(
        &mut conn,
        &db::loan_types::LoanTypeFields {
            name: name.to_owned(),
            description: None,
            min_amount: dec!(5000),
            max_amount: dec!(100000),
            term_unit: millennium::domain::products::TermUnit::Week,
            min_term: 4,
            max_term: 24,
            interest_rate: dec!(2.5),
            interest_method: millennium::domain::products::InterestMethod::Flat,
            default_processing_fee: dec!(500),
            default_penalty_fee_per_day: dec!(50),
            is_active: true,
        },
        now,
    )
    .await
    .expect("insert loan type")
}

/// A loan of `member` in `status`, inserted directly (the loan lifecycle comes with the loans
/// themselves); returns its id.
pub async fn insert_loan(
    app: &TestApp,
    member: &UnionMember,
    loan_type: &db::loan_types::LoanType,
    officer: UserId,
    status: millennium::domain::LoanStatus,
) -> uuid::Uuid {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use millennium::db::schema::loans;
    use rust_decimal_macros::dec;

    let mut conn = app.conn().await;
    let now = app.state.clock.now();
    let number = db::counters::next(&mut conn, db::counters::LOAN_NUMBER, now)
        .await
        .expect("next loan number");
    let start = now.date_naive();
    let id: uuid::Uuid = diesel::insert_into(loans::table)
        .values((
            loans::loan_number.eq(format!("LN{number:08}")),
            loans::union_member_id.eq(member.id),
            loans::union_id.eq(member.union_id),
            loans::loan_type_id.eq(loan_type.id),
            loans::principal_amount.eq(dec!(20000)),
            loans::term_count.eq(8),
            loans::term_unit.eq("WEEK"),
            loans::start_date.eq(start),
            loans::end_date.eq(start + chrono::Days::new(56)),
            loans::status.eq(status),
            loans::created_by_user_id.eq(officer),
            loans::assigned_officer_id.eq(officer),
            loans::created_at.eq(now),
            loans::updated_at.eq(now),
        ))
        .returning(loans::id)
        .get_result(&mut conn)
        .await
        .expect("insert loan");
    // As the services do: the daily figures count it.
    db::rollups::add_new(
        &mut conn,
        db::rollups::Loans::one(millennium::domain::LoanId(id)),
    )
    .await
    .expect("count the loan in the daily figures");
    id
}

/// A document type, inserted directly.
pub async fn insert_document_type(
    app: &TestApp,
    name: &str,
    active: bool,
) -> db::document_types::DocumentType {
    let now = app.state.clock.now();
    let mut conn = app.conn().await;
    db::document_types::insert(
        &mut conn,
        &db::document_types::DocumentTypeFields {
            code: name.to_uppercase().replace(' ', "_"),
            name: name.to_owned(),
            description: None,
            is_active: active,
        },
        now,
    )
    .await
    .expect("insert document type")
}
