//! `millennium seed demo [--scale N]`: a realistic organisation — staff, unions of Nigerian
//! markets and cooperatives, their members, loan products and document types — and six months
//! of loan history: loans in every status with their schedules, repayments (on time, late,
//! partial, a few reversed), penalty charges and allocations.
//!
//! The organisation's staff, products, document types and unions are created through the
//! services, so validation and audit rows apply as for any other change; the volume — members,
//! loans, installments, charges, repayments, allocations — is written in bulk (multi-row
//! `INSERT`s, see `db::bulk`), members with their `MEMBER_CREATED` audit rows. The loan history
//! ([`history`]) has no audit rows: it is imported, not acted. `--scale N` repeats the
//! organisation N times under the one administrator (staff emails of copy 2 and later carry
//! the copy's number, union names a branch number); the demo password is hashed once.
//!
//! The data is the same on every run: fixed lists walked in order, and random generators with
//! fixed seeds. It runs only on an empty loan book (no unions, members, loans, products,
//! document types, and no staff but at most one administrator — the bootstrap one), and all of
//! it in **one transaction**, at every scale: it either creates everything or nothing, so an
//! interrupted or failed run leaves the database as it was, ready for another try.

pub mod history;
mod progress;

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use scoped_futures::ScopedFutureExt;

use crate::config::Secret;
use crate::db::audit_logs::NewAuditLog;
use crate::db::union_members::NewUnionMember;
use crate::db::users::User;
use crate::db::{self, DbConn};
use crate::domain::audit::{AuditAction, ENTITY_UNION_MEMBER};
use crate::domain::members::{self as member_rules, Gender, MaritalStatus};
use crate::domain::permissions::Actor;
use crate::domain::products::{InterestMethod, TermUnit};
use crate::domain::unions::plural;
use crate::domain::{Role, SessionFamilyId, UnionId, UserId};
use crate::services::catalog::{self, DocumentTypeInput, LoanTypeInput};
use crate::services::members::{self, MemberFields, MemberInput};
use crate::services::staff::{self, NewStaff, PreparedStaff};
use crate::services::unions::{self, UnionInput};
use crate::services::{self, Caller, RequestMeta, ServiceError, ServiceResult};
use crate::state::AppState;

/// The password of every demo account (it satisfies the password policy).
pub const DEMO_PASSWORD: &str = "Demo2026!";
/// The request id of the seed's audit rows.
pub const REQUEST_ID: &str = "seed-demo";
/// The seed of the members' random generator; the loan history of copy `k` of the organisation
/// uses `HISTORY_SEED + k`.
const RANDOM_SEED: u64 = 2026;
const HISTORY_SEED: u64 = 2_026_000;
/// Members generated, written and re-played at a time: a credit officer's unions.
const MEMBERS_PER_BATCH: usize = MEMBERS_PER_UNION * UNIONS_PER_OFFICER;
/// The largest `--scale`: member codes have six digits.
pub const MAX_SCALE: u32 = 1_000;
const OFFICERS_PER_SUPERVISOR: usize = 3;
const UNIONS_PER_OFFICER: usize = 5;
/// Members registered in each union.
pub const MEMBERS_PER_UNION: usize = 20;

/// A member of staff of the demo organisation.
struct Person {
    first_name: &'static str,
    last_name: &'static str,
    email: &'static str,
    phone: &'static str,
}

const ADMIN: Person = Person {
    first_name: "Olufemi",
    last_name: "Adebayo",
    email: "admin@demo.example.org",
    phone: "+2348031234501",
};

const SUPERVISORS: [Person; 2] = [
    Person {
        first_name: "Funmilayo",
        last_name: "Adeyemi",
        email: "funmilayo.adeyemi@demo.example.org",
        phone: "+2348062345102",
    },
    Person {
        first_name: "Chukwuemeka",
        last_name: "Okafor",
        email: "chukwuemeka.okafor@demo.example.org",
        phone: "+2348133456203",
    },
];

/// Credit officers, [`OFFICERS_PER_SUPERVISOR`] to each supervisor in order.
const OFFICERS: [Person; 6] = [
    Person {
        first_name: "Tunde",
        last_name: "Bakare",
        email: "tunde.bakare@demo.example.org",
        phone: "+2347034567304",
    },
    Person {
        first_name: "Kemi",
        last_name: "Ogunleye",
        email: "kemi.ogunleye@demo.example.org",
        phone: "+2348165678405",
    },
    Person {
        first_name: "Segun",
        last_name: "Afolabi",
        email: "segun.afolabi@demo.example.org",
        phone: "+2349036789506",
    },
    Person {
        first_name: "Ngozi",
        last_name: "Eze",
        email: "ngozi.eze@demo.example.org",
        phone: "+2348037890607",
    },
    Person {
        first_name: "Aisha",
        last_name: "Bello",
        email: "aisha.bello@demo.example.org",
        phone: "+2348068901708",
    },
    Person {
        first_name: "Ibrahim",
        last_name: "Musa",
        email: "ibrahim.musa@demo.example.org",
        phone: "+2347069012809",
    },
];

/// Where most members of a union come from, for their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum People {
    Yoruba,
    Igbo,
    Hausa,
    /// A city where all three meet (Abuja).
    Mixed,
}

/// A union of the demo organisation.
struct UnionSeed {
    name: &'static str,
    location: &'static str,
    address: &'static str,
    city: &'static str,
    state: &'static str,
    people: People,
    /// What most of its members do.
    trade: &'static str,
}

const fn union(
    name: &'static str,
    location: &'static str,
    address: &'static str,
    (city, state): (&'static str, &'static str),
    people: People,
    trade: &'static str,
) -> UnionSeed {
    UnionSeed {
        name,
        location,
        address,
        city,
        state,
        people,
        trade,
    }
}

const IBADAN: (&str, &str) = ("Ibadan", "Oyo");
const LAGOS: (&str, &str) = ("Lagos", "Lagos");
const ABEOKUTA: (&str, &str) = ("Abeokuta", "Ogun");
const OSOGBO: (&str, &str) = ("Osogbo", "Osun");
const ONITSHA: (&str, &str) = ("Onitsha", "Anambra");
const AWKA: (&str, &str) = ("Awka", "Anambra");
const ENUGU: (&str, &str) = ("Enugu", "Enugu");
const ABA: (&str, &str) = ("Aba", "Abia");
const KANO: (&str, &str) = ("Kano", "Kano");
const ABUJA: (&str, &str) = ("Abuja", "Federal Capital Territory");
const PORT_HARCOURT: (&str, &str) = ("Port Harcourt", "Rivers");

/// The unions, [`UNIONS_PER_OFFICER`] to each credit officer in order.
#[rustfmt::skip]
const UNIONS: [UnionSeed; 30] = [
    // Tunde Bakare, Ibadan.
    union("Oja Oba Traders Union", "Oja Oba, Ibadan", "Oja Oba Market, Mapo Hill, Ibadan South-East", IBADAN, People::Yoruba, "Foodstuff trader"),
    union("Bodija Market Women Cooperative", "Bodija, Ibadan", "Bodija Market, Ibadan North", IBADAN, People::Yoruba, "Pepper and tomato seller"),
    union("Dugbe Textile Sellers Association", "Dugbe, Ibadan", "Dugbe Market, Ibadan South-West", IBADAN, People::Yoruba, "Fabric seller"),
    union("Oje Aso-Oke Weavers Union", "Oje, Ibadan", "Oje Market, Ibadan North-East", IBADAN, People::Yoruba, "Aso-oke weaver"),
    union("Gbagi Traders Cooperative", "Gbagi, Ibadan", "Gbagi Market, Old Ife Road, Ibadan", IBADAN, People::Yoruba, "Provision store owner"),
    // Kemi Ogunleye, Lagos.
    union("Balogun Market Traders Association", "Lagos Island, Lagos", "Balogun Market, Lagos Island", LAGOS, People::Yoruba, "Fabric seller"),
    union("Oyingbo Market Women Cooperative", "Ebute Metta, Lagos", "Oyingbo Market, Ebute Metta", LAGOS, People::Yoruba, "Foodstuff trader"),
    union("Mile 12 Foodstuff Sellers Union", "Kosofe, Lagos", "Mile 12 Market, Ikorodu Road", LAGOS, People::Yoruba, "Foodstuff trader"),
    union("Computer Village Phone Dealers Cooperative", "Ikeja, Lagos", "Otigba Street, Computer Village, Ikeja", LAGOS, People::Mixed, "Phone accessories dealer"),
    union("Tejuosho Market Traders Union", "Yaba, Lagos", "Tejuosho Market, Yaba", LAGOS, People::Yoruba, "Tailor"),
    // Segun Afolabi, Abeokuta and Osogbo.
    union("Itoku Adire Makers Cooperative", "Itoku, Abeokuta", "Itoku Market, Abeokuta South", ABEOKUTA, People::Yoruba, "Adire dyer"),
    union("Kuto Market Traders Union", "Kuto, Abeokuta", "Kuto Market, Abeokuta South", ABEOKUTA, People::Yoruba, "Provision store owner"),
    union("Lafenwa Market Women Association", "Lafenwa, Abeokuta", "Lafenwa Market, Abeokuta North", ABEOKUTA, People::Yoruba, "Foodstuff trader"),
    union("Igbonna Market Traders Union", "Igbonna, Osogbo", "Igbonna Market, Osogbo", OSOGBO, People::Yoruba, "Provision store owner"),
    union("Osogbo Garri Processors Cooperative", "Oja Oba, Osogbo", "Oja Oba Market, Osogbo", OSOGBO, People::Yoruba, "Garri processor"),
    // Ngozi Eze, the South-East.
    union("Onitsha Main Market Traders Association", "Onitsha, Anambra", "Main Market, Onitsha North", ONITSHA, People::Igbo, "Fabric seller"),
    union("Ose Okwodu Foodstuff Traders Union", "Onitsha, Anambra", "Ose Okwodu Market, Onitsha South", ONITSHA, People::Igbo, "Foodstuff trader"),
    union("Ogbete Main Market Women Cooperative", "Ogbete, Enugu", "Ogbete Main Market, Enugu North", ENUGU, People::Igbo, "Pepper and tomato seller"),
    union("Ariaria Shoemakers Union", "Aba, Abia", "Ariaria International Market, Aba", ABA, People::Igbo, "Shoemaker"),
    union("Eke Awka Market Traders Cooperative", "Awka, Anambra", "Eke Awka Market, Awka South", AWKA, People::Igbo, "Provision store owner"),
    // Aisha Bello, Kano.
    union("Kurmi Market Traders Union", "Kano City, Kano", "Kurmi Market, Kano Municipal", KANO, People::Hausa, "Leather worker"),
    union("Kantin Kwari Textile Dealers Cooperative", "Fagge, Kano", "Kantin Kwari Market, Fagge", KANO, People::Hausa, "Fabric seller"),
    union("Sabon Gari Market Women Association", "Sabon Gari, Kano", "Sabon Gari Market, Fagge", KANO, People::Hausa, "Foodstuff trader"),
    union("Dawanau Grains Traders Union", "Dawakin Tofa, Kano", "Dawanau International Grains Market", KANO, People::Hausa, "Grain merchant"),
    union("Rimi Market Cooperative", "Kano City, Kano", "Rimi Market, Kano Municipal", KANO, People::Hausa, "Provision store owner"),
    // Ibrahim Musa, Abuja and Port Harcourt.
    union("Wuse Market Traders Union", "Wuse, Abuja", "Wuse Market, Zone 5, Wuse", ABUJA, People::Mixed, "Foodstuff trader"),
    union("Garki Model Market Women Cooperative", "Garki, Abuja", "Garki Model Market, Area 10, Garki", ABUJA, People::Mixed, "Caterer"),
    union("Nyanya Farmers Cooperative", "Nyanya, Abuja", "Nyanya Market, Abuja-Keffi Road", ABUJA, People::Hausa, "Farmer"),
    union("Mile One Market Traders Association", "Diobu, Port Harcourt", "Mile One Market, Diobu", PORT_HARCOURT, People::Igbo, "Provision store owner"),
    union("Creek Road Fish Sellers Cooperative", "Port Harcourt Township", "Creek Road Market, Port Harcourt", PORT_HARCOURT, People::Igbo, "Fish seller"),
];

const YORUBA_WOMEN: &[&str] = &[
    "Abimbola", "Adebola", "Adenike", "Aduke", "Bolanle", "Bukola", "Folake", "Funke", "Iyabo",
    "Kehinde", "Modupe", "Morenike", "Olabisi", "Omolara", "Omotola", "Ronke", "Sade", "Taiwo",
    "Titilayo", "Yetunde",
];
const YORUBA_MEN: &[&str] = &[
    "Adebayo",
    "Adewale",
    "Ayodele",
    "Babatunde",
    "Biodun",
    "Dapo",
    "Femi",
    "Gbenga",
    "Kayode",
    "Kunle",
    "Olumide",
    "Rotimi",
    "Segun",
    "Tunde",
    "Wale",
    "Yemi",
];
const YORUBA_SURNAMES: &[&str] = &[
    "Adeleke", "Adeniran", "Adeyemi", "Afolabi", "Ajayi", "Akande", "Akinola", "Alabi", "Babalola",
    "Bakare", "Balogun", "Fashola", "Ilori", "Ogundipe", "Ogunleye", "Ojo", "Oladipo", "Olaniyan",
    "Oyelaran", "Oyewole", "Salami",
];
const IGBO_WOMEN: &[&str] = &[
    "Ada", "Adaeze", "Amaka", "Chiamaka", "Chidinma", "Chinwe", "Chioma", "Ebere", "Ifeoma",
    "Ngozi", "Nkechi", "Nneka", "Obiageli", "Ogechi", "Uchenna", "Uju",
];
const IGBO_MEN: &[&str] = &[
    "Chijioke",
    "Chinedu",
    "Chukwuemeka",
    "Emeka",
    "Ifeanyi",
    "Ikenna",
    "Kelechi",
    "Nnamdi",
    "Obinna",
    "Okechukwu",
    "Onyekachi",
    "Uche",
];
const IGBO_SURNAMES: &[&str] = &[
    "Agu",
    "Anyanwu",
    "Chukwu",
    "Eze",
    "Ezeh",
    "Ibekwe",
    "Nnadi",
    "Nwachukwu",
    "Nwankwo",
    "Nwosu",
    "Obi",
    "Okafor",
    "Okeke",
    "Okonkwo",
    "Okoro",
    "Onyeka",
    "Udeh",
    "Ugwu",
];
const HAUSA_WOMEN: &[&str] = &[
    "Aisha", "Amina", "Asabe", "Binta", "Fatima", "Hadiza", "Hafsat", "Halima", "Hauwa", "Jamila",
    "Khadija", "Ladi", "Maryam", "Rukayya", "Salamatu", "Zainab",
];
const HAUSA_MEN: &[&str] = &[
    "Abdullahi",
    "Abubakar",
    "Aliyu",
    "Bashir",
    "Garba",
    "Haruna",
    "Ibrahim",
    "Kabiru",
    "Lawal",
    "Musa",
    "Nasiru",
    "Sani",
    "Shehu",
    "Umar",
    "Usman",
    "Yusuf",
];
const HAUSA_SURNAMES: &[&str] = &[
    "Abdullahi",
    "Aminu",
    "Bello",
    "Danjuma",
    "Dikko",
    "Garba",
    "Ibrahim",
    "Kabir",
    "Lawal",
    "Mohammed",
    "Musa",
    "Sani",
    "Shehu",
    "Suleiman",
    "Tanko",
    "Usman",
    "Yakubu",
    "Yusuf",
];

/// Trades of members who do not follow their union's main one.
const TRADES: &[&str] = &[
    "Foodstuff trader",
    "Fabric seller",
    "Tailor",
    "Hairdresser",
    "Provision store owner",
    "Fish seller",
    "Palm oil seller",
    "Caterer",
    "Shoemaker",
    "Phone accessories dealer",
    "Welder",
    "Keke (tricycle) operator",
];

const STREETS: &[&str] = &[
    "Market Road",
    "Church Street",
    "Mosque Road",
    "School Road",
    "Hospital Road",
    "Station Road",
    "Palace Road",
    "Bank Road",
    "Stadium Road",
    "Court Road",
    "New Layout Road",
    "Old Garage Road",
];

/// Nigerian mobile prefixes (MTN, Airtel, Glo, 9mobile); a number is `+234`, a prefix and
/// seven digits.
const PHONE_PREFIXES: &[&str] = &[
    "803", "806", "813", "816", "810", "814", "903", "906", "703", "706", "802", "808", "812",
    "701", "708", "902", "907", "805", "807", "815", "705", "905", "809", "817", "818", "908",
    "909",
];

/// Domains reserved for examples: member emails reach nobody.
const EMAIL_DOMAINS: &[&str] = &["example.com", "example.net", "example.org"];

/// A loan product of the demo organisation.
struct LoanTypeSeed {
    name: &'static str,
    description: &'static str,
    min_amount: Decimal,
    max_amount: Decimal,
    term_unit: TermUnit,
    min_term: i32,
    max_term: i32,
    interest_rate: Decimal,
    interest_method: InterestMethod,
    processing_fee: Decimal,
    penalty_per_day: Decimal,
}

const LOAN_TYPES: [LoanTypeSeed; 4] = [
    LoanTypeSeed {
        name: "Market Women Daily",
        description: "Working capital for market women, repaid every market day at the stall.",
        min_amount: dec!(5000),
        max_amount: dec!(100000),
        term_unit: TermUnit::Day,
        min_term: 20,
        max_term: 60,
        interest_rate: dec!(0.25),
        interest_method: InterestMethod::Flat,
        processing_fee: dec!(500),
        penalty_per_day: dec!(50),
    },
    LoanTypeSeed {
        name: "Weekly Trader Loan",
        description: "For traders who restock every week; repaid weekly.",
        min_amount: dec!(20000),
        max_amount: dec!(300000),
        term_unit: TermUnit::Week,
        min_term: 4,
        max_term: 26,
        interest_rate: dec!(2.5),
        interest_method: InterestMethod::Flat,
        processing_fee: dec!(1000),
        penalty_per_day: dec!(100),
    },
    LoanTypeSeed {
        name: "Monthly Cooperative Loan",
        description: "For cooperative members with a monthly income; interest on the balance still owed.",
        min_amount: dec!(50000),
        max_amount: dec!(1000000),
        term_unit: TermUnit::Month,
        min_term: 3,
        max_term: 12,
        interest_rate: dec!(3.5),
        interest_method: InterestMethod::DecliningBalance,
        processing_fee: dec!(2500),
        penalty_per_day: dec!(200),
    },
    LoanTypeSeed {
        name: "Asset Acquisition Loan",
        description: "Equipment for artisans and traders: sewing machines, grinding mills, freezers.",
        min_amount: dec!(100000),
        max_amount: dec!(2000000),
        term_unit: TermUnit::Month,
        min_term: 6,
        max_term: 18,
        interest_rate: dec!(3),
        interest_method: InterestMethod::DecliningBalance,
        processing_fee: dec!(5000),
        penalty_per_day: dec!(500),
    },
];

/// Document types: name and description.
const DOCUMENT_TYPES: [(&str, &str); 5] = [
    (
        "National ID card",
        "National Identity Number (NIN) slip or card issued by NIMC.",
    ),
    ("Voter's card", "Permanent voter's card issued by INEC."),
    (
        "Utility bill",
        "A recent electricity or water bill showing the member's address.",
    ),
    (
        "Passport photograph",
        "A recent passport-sized photograph on a white background.",
    ),
    (
        "Guarantor form",
        "The signed form of the member's guarantor, with the guarantor's ID.",
    ),
];

/// One account the seed created, with its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub email: String,
    pub role: Role,
    pub name: String,
    pub password: &'static str,
}

impl Login {
    fn of(user: &User) -> Self {
        Self {
            email: user.email.clone(),
            role: user.role,
            name: format!("{} {}", user.first_name, user.last_name),
            password: DEMO_PASSWORD,
        }
    }
}

/// How much to seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Copies of the organisation (staff, unions, members and their loans); 1 to [`MAX_SCALE`].
    pub scale: u32,
    /// Show progress on standard error.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            scale: 1,
            progress: false,
        }
    }
}

/// What the seed created so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Created {
    pub staff: usize,
    pub loan_types: usize,
    pub document_types: usize,
    pub unions: usize,
    pub members: usize,
    pub loans: usize,
    /// Loans by status (`ACTIVE` …).
    pub statuses: BTreeMap<&'static str, usize>,
    pub installments: usize,
    pub repayments: usize,
    /// Of `repayments`, the reversed ones.
    pub reversed: usize,
    pub charges: usize,
    pub allocations: usize,
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl fmt::Display for Created {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {}, {}, {}, {}",
            plural(count(self.staff), "staff account", "staff accounts"),
            plural(count(self.unions), "union", "unions"),
            plural(count(self.members), "member", "members"),
            plural(count(self.loan_types), "loan type", "loan types"),
            plural(
                count(self.document_types),
                "document type",
                "document types"
            ),
        )
    }
}

impl Created {
    /// The loan history, in a sentence.
    pub fn history(&self) -> String {
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(status, n)| format!("{n} {status}"))
            .collect();
        format!(
            "{} ({}), {}, {} ({} reversed), {}, {}",
            plural(count(self.loans), "loan", "loans"),
            statuses.join(", "),
            plural(count(self.installments), "installment", "installments"),
            plural(count(self.repayments), "repayment", "repayments"),
            self.reversed,
            plural(count(self.charges), "penalty charge", "penalty charges"),
            plural(count(self.allocations), "allocation", "allocations"),
        )
    }

    fn add(&mut self, history: &history::History) {
        self.loans += history.loans.len();
        for loan in &history.loans {
            *self.statuses.entry(loan.status.as_str()).or_default() += 1;
        }
        self.installments += history.items.len();
        self.repayments += history.repayments.len();
        self.reversed += history
            .repayments
            .iter()
            .filter(|repayment| repayment.reversed_at.is_some())
            .count();
        self.charges += history.charges.len();
        self.allocations += history.allocations.len();
    }
}

/// The outcome of `seed demo`: what was created and how to log in.
#[derive(Debug, Clone)]
pub struct Report {
    pub created: Created,
    /// The logins of the first copy of the organisation.
    pub logins: Vec<Login>,
    pub scale: u32,
    pub elapsed: Duration,
    /// Where the server serves the playground, e.g. `http://127.0.0.1:4000/graphiql`.
    pub graphiql_url: String,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Seeded the demo organisation in {:.1} s: {}.",
            self.elapsed.as_secs_f64(),
            self.created
        )?;
        writeln!(
            f,
            "Loan history over six months: {}.",
            self.created.history()
        )?;
        writeln!(
            f,
            "Each supervisor oversees {OFFICERS_PER_SUPERVISOR} credit officers; each officer manages {UNIONS_PER_OFFICER} unions of {MEMBERS_PER_UNION} members."
        )?;
        if self.scale > 1 {
            writeln!(
                f,
                "The organisation is repeated {} times: the staff of copy k (2 to {}) log in as name.k@demo.example.org, e.g. tunde.bakare.2@demo.example.org.",
                self.scale, self.scale
            )?;
        }
        writeln!(f)?;
        let email_width = self
            .logins
            .iter()
            .map(|login| login.email.len())
            .max()
            .unwrap_or(0);
        let name_width = self
            .logins
            .iter()
            .map(|login| login.name.len())
            .max()
            .unwrap_or(0);
        writeln!(
            f,
            "  {:email_width$}  {:14}  {:name_width$}  PASSWORD",
            "EMAIL", "ROLE", "NAME"
        )?;
        for login in &self.logins {
            writeln!(
                f,
                "  {:email_width$}  {:14}  {:name_width$}  {}",
                login.email,
                login.role.as_str(),
                login.name,
                login.password
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "Start the server (`millennium serve`), open {} and log in with any of these.",
            self.graphiql_url
        )
    }
}

/// Creates the demo organisation and its loan history on an empty loan book, acting as the
/// demo administrator it creates first — all in one transaction, so that a failure leaves the
/// database as it was. Refuses (creating nothing) when the database already holds business
/// data or one of the demo emails.
pub async fn demo(
    state: &AppState,
    graphiql_url: &str,
    options: Options,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let scale = options.scale;
    if !(1..=MAX_SCALE).contains(&scale) {
        anyhow::bail!("the scale is a number from 1 to {MAX_SCALE}");
    }
    {
        let mut conn = state.db.get().await?;
        check_empty(&mut conn).await.map_err(anyhow::Error::msg)?;
    }
    // Hashing is the slow part: done once, before the transaction, for every account.
    let staff = Staff::prepare(state, scale).await?;
    let now = state.clock.now();
    let members = MEMBERS_PER_UNION * UNIONS.len() * scale as usize;
    let progress = progress::Progress::new(members as u64, options.progress);
    let outcome = services::transaction(state, |conn| {
        let (staff, progress) = (&staff, &progress);
        async move {
            check_empty(conn).await.map_err(ServiceError::conflict)?;
            populate(conn, staff, now, progress).await
        }
        .scope_boxed()
    })
    .await;
    progress.finish();
    let (created, logins) =
        outcome.map_err(|err| anyhow::anyhow!("seed demo created nothing: {err}"))?;
    Ok(Report {
        created,
        logins,
        scale,
        elapsed: started.elapsed(),
        graphiql_url: graphiql_url.to_owned(),
    })
}

/// Refuses a database that holds business data or any of the demo accounts' emails, with a
/// sentence.
async fn check_empty(conn: &mut DbConn) -> Result<(), String> {
    let failed = |err: diesel::result::Error| format!("could not read the database: {err}");
    let contents = db::contents::count(conn).await.map_err(failed)?;
    if let Some(refusal) = contents.refusal("seed demo") {
        return Err(refusal);
    }
    for person in std::iter::once(&ADMIN).chain(&SUPERVISORS).chain(&OFFICERS) {
        if db::users::email_taken(conn, person.email, None)
            .await
            .map_err(failed)?
        {
            return Err(format!(
                "A staff account with the demo email {} already exists; seed demo only runs on an empty loan book.",
                person.email
            ));
        }
    }
    Ok(())
}

/// The email of `person` in copy `copy` (from 1) of the organisation: the first copy's as
/// listed, later ones with the copy's number before the `@`.
fn copy_email(person: &Person, copy: u32) -> String {
    match person.email.split_once('@') {
        Some((local, domain)) if copy > 1 => format!("{local}.{copy}@{domain}"),
        _ => person.email.to_owned(),
    }
}

/// The demo staff, checked and with the demo password hashed once for all of them.
struct Staff {
    admin: PreparedStaff,
    /// For each copy of the organisation, its supervisors and its officers.
    copies: Vec<(Vec<PreparedStaff>, Vec<PreparedStaff>)>,
}

impl Staff {
    async fn prepare(state: &AppState, scale: u32) -> ServiceResult<Self> {
        let password = Secret::new(DEMO_PASSWORD);
        let hash = state.passwords.hash(&password).await?;
        let new = |person: &Person, role: Role, copy: u32| NewStaff {
            email: copy_email(person, copy),
            password: password.clone(),
            role,
            first_name: person.first_name.into(),
            last_name: person.last_name.into(),
            phone: Some(person.phone.into()),
            address: None,
            supervisor_id: None,
        };
        let prepare = |person: &Person, role: Role, copy: u32| {
            staff::prepare_with_hash(&new(person, role, copy), hash.clone())
        };
        let admin = prepare(&ADMIN, Role::Admin, 1)?;
        let mut copies = Vec::new();
        for copy in 1..=scale {
            let supervisors = SUPERVISORS
                .iter()
                .map(|person| prepare(person, Role::Supervisor, copy))
                .collect::<ServiceResult<Vec<_>>>()?;
            let officers = OFFICERS
                .iter()
                .map(|person| prepare(person, Role::CreditOfficer, copy))
                .collect::<ServiceResult<Vec<_>>>()?;
            copies.push((supervisors, officers));
        }
        Ok(Self { admin, copies })
    }
}

/// A union created by the seed, with who is in charge of it.
struct SeededUnion {
    id: UnionId,
    seed: &'static UnionSeed,
    officer: UserId,
    supervisor: UserId,
}

async fn populate(
    conn: &mut DbConn,
    staff: &Staff,
    now: DateTime<Utc>,
    progress: &progress::Progress,
) -> ServiceResult<(Created, Vec<Login>)> {
    let meta = RequestMeta {
        request_id: Some(REQUEST_ID.into()),
        ..RequestMeta::default()
    };
    let mut created = Created::default();
    let admin = staff::insert(conn, &meta, None, &staff.admin, now).await?;
    created.staff += 1;
    let caller = Caller {
        actor: Actor {
            user_id: admin.id,
            role: Role::Admin,
            supervisor_id: None,
            session_id: SessionFamilyId::new_random(),
        },
        meta,
    };
    let by = Some(admin.id);
    let mut logins = vec![Login::of(&admin)];

    let mut products = Vec::new();
    for seed in &LOAN_TYPES {
        products
            .push(catalog::create_loan_type_in(conn, &caller, &loan_type_input(seed), now).await?);
        created.loan_types += 1;
    }
    for (name, description) in DOCUMENT_TYPES {
        let input = DocumentTypeInput {
            name: Some(name.into()),
            description: Some(Some(description.into())),
            is_active: Some(true),
        };
        catalog::create_document_type_in(conn, &caller, &input, now).await?;
        created.document_types += 1;
    }
    let settings = db::settings::get(conn).await?;
    let setting = history::Setting {
        now,
        currency: settings.currency.clone(),
        penalty_grace_days: u32::try_from(settings.penalty_grace_days).unwrap_or(0),
        default_grace_days: u32::try_from(settings.default_grace_days).unwrap_or(0),
        order: settings.allocation_order,
        admin: admin.id,
    };

    let mut rng = StdRng::seed_from_u64(RANDOM_SEED);
    for ((supervisors, officers), copy) in staff.copies.iter().zip(1_u32..) {
        let mut unions = Vec::new();
        for (supervisor, team) in supervisors
            .iter()
            .zip(officers.chunks(OFFICERS_PER_SUPERVISOR))
        {
            let supervisor = staff::insert(conn, &caller.meta, by, supervisor, now).await?;
            created.staff += 1;
            if copy == 1 {
                logins.push(Login::of(&supervisor));
            }
            for (officer, seeds) in team.iter().zip(
                UNIONS
                    .chunks(UNIONS_PER_OFFICER)
                    .skip(unions.len() / UNIONS_PER_OFFICER),
            ) {
                let mut officer = officer.clone();
                officer.supervisor_id = Some(supervisor.id);
                let officer = staff::insert(conn, &caller.meta, by, &officer, now).await?;
                created.staff += 1;
                if copy == 1 {
                    logins.push(Login::of(&officer));
                }
                for seed in seeds {
                    let name = if copy == 1 {
                        seed.name.to_owned()
                    } else {
                        format!("{} (branch {copy})", seed.name)
                    };
                    let input = UnionInput {
                        name,
                        location: Some(seed.location.into()),
                        address: Some(seed.address.into()),
                        credit_officer_id: officer.id,
                    };
                    let row = unions::create_in(conn, &caller, &input, now).await?;
                    created.unions += 1;
                    unions.push(SeededUnion {
                        id: row.id,
                        seed,
                        officer: officer.id,
                        supervisor: supervisor.id,
                    });
                }
            }
        }

        let mut generator =
            history::Generator::new(HISTORY_SEED + u64::from(copy), &setting, &products);
        for batch in unions.chunks(MEMBERS_PER_BATCH / MEMBERS_PER_UNION) {
            let borrowers =
                insert_members(conn, &caller, batch, &mut rng, &mut created, now).await?;
            let mut history = history::History::default();
            for borrower in &borrowers {
                generator
                    .member(borrower, &mut history)
                    .map_err(ServiceError::internal)?;
            }
            let first = i64::try_from(history.loans.len()).unwrap_or(i64::MAX);
            let first = db::counters::reserve(conn, db::counters::LOAN_NUMBER, first, now).await?;
            history
                .number_loans(first)
                .map_err(ServiceError::conflict)?;
            write_history(conn, &history).await?;
            created.add(&history);
            progress.advance(borrowers.len() as u64, history.loans.len() as u64);
        }
    }
    // Fresh statistics, so that the first queries on the new volume get good plans.
    db::bulk::analyze(conn, BULK_TABLES).await?;
    Ok((created, logins))
}

/// The tables the seed fills in bulk.
const BULK_TABLES: &[&str] = &[
    "union_members",
    "audit_logs",
    "loans",
    "repayment_schedule_items",
    "loan_charges",
    "repayments",
    "repayment_allocations",
];

/// Registers the members of `unions` in bulk, with their codes and `MEMBER_CREATED` audit
/// rows as `members::create_in` writes them; returns them as borrowers.
async fn insert_members(
    conn: &mut DbConn,
    caller: &Caller,
    unions: &[SeededUnion],
    rng: &mut StdRng,
    created: &mut Created,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<history::Borrower>> {
    let count = unions.len() * MEMBERS_PER_UNION;
    let first = db::counters::reserve(
        conn,
        db::counters::MEMBER_CODE,
        i64::try_from(count).unwrap_or(i64::MAX),
        now,
    )
    .await?;
    let mut codes = Vec::with_capacity(count);
    let mut details = Vec::with_capacity(count);
    for union in unions {
        for _ in 0..MEMBERS_PER_UNION {
            let number = created.members + details.len() + 1;
            let input = member(rng, union.id, union.seed, number);
            let n = first + i64::try_from(details.len()).unwrap_or(i64::MAX);
            codes.push(member_rules::code(n).map_err(ServiceError::conflict)?);
            details.push((
                members::new_details(&input, now.date_naive())?,
                input.is_verified.unwrap_or(true),
                union.id,
            ));
        }
    }
    let rows: Vec<NewUnionMember<'_>> = codes
        .iter()
        .zip(details)
        .map(|(code, (details, is_verified, union_id))| NewUnionMember {
            code,
            details,
            is_verified,
            union_id,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let written = db::union_members::insert_many(conn, &rows).await?;
    let snapshots: Vec<_> = written.iter().map(services::audit::snapshot).collect();
    let entries: Vec<NewAuditLog<'_>> = written
        .iter()
        .zip(&snapshots)
        .map(|(member, after)| NewAuditLog {
            actor_user_id: Some(caller.actor.user_id),
            action: AuditAction::MemberCreated,
            entity_name: ENTITY_UNION_MEMBER,
            entity_id: Some(member.id.0),
            before: None,
            after: Some(after),
            metadata: None,
            ip_address: None,
            user_agent: None,
            request_id: caller.meta.request_id.as_deref(),
            created_at: now,
        })
        .collect();
    db::audit_logs::insert_many(conn, &entries).await?;
    created.members += written.len();
    let by_union: std::collections::HashMap<UnionId, &SeededUnion> =
        unions.iter().map(|union| (union.id, union)).collect();
    Ok(written
        .iter()
        .filter_map(|member| {
            let union = by_union.get(&member.union_id)?;
            Some(history::Borrower {
                member: member.id,
                union: union.id,
                officer: union.officer,
                supervisor: union.supervisor,
            })
        })
        .collect())
}

/// Writes a batch of loan history, parents before children.
async fn write_history(conn: &mut DbConn, history: &history::History) -> ServiceResult<()> {
    db::loans::insert_imported(conn, &history.loans).await?;
    db::schedule_items::insert_imported(conn, &history.items).await?;
    db::charges::insert_imported_charges(conn, &history.charges).await?;
    db::repayments::insert_imported(conn, &history.repayments).await?;
    let loans: Vec<_> = history.loans.iter().map(|loan| loan.id).collect();
    db::loan_facts::refresh(conn, &loans).await?;
    db::repayments::insert_allocations(conn, &history.allocations).await?;
    db::rollups::add_new(conn, db::rollups::Loans::These(loans)).await?;
    Ok(())
}

fn loan_type_input(seed: &LoanTypeSeed) -> LoanTypeInput {
    LoanTypeInput {
        name: Some(seed.name.into()),
        description: Some(Some(seed.description.into())),
        min_amount: Some(seed.min_amount),
        max_amount: Some(seed.max_amount),
        term_unit: Some(seed.term_unit),
        min_term: Some(seed.min_term),
        max_term: Some(seed.max_term),
        interest_rate: Some(seed.interest_rate),
        interest_method: Some(seed.interest_method),
        default_processing_fee: Some(seed.processing_fee),
        default_penalty_fee_per_day: Some(seed.penalty_per_day),
        is_active: Some(true),
    }
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// The `number`th member (from 1), of a union like `seed`: mostly of the union's people and
/// trade, mostly women, all adults; a third with an email address.
fn member(rng: &mut StdRng, union_id: UnionId, seed: &UnionSeed, number: usize) -> MemberInput {
    let people = match seed.people {
        People::Mixed => None,
        people if rng.random_ratio(4, 5) => Some(people),
        _ => None,
    }
    .unwrap_or_else(|| [People::Yoruba, People::Igbo, People::Hausa][rng.random_range(0..3)]);
    let female = rng.random_ratio(7, 10);
    let (women, men, surnames) = match people {
        People::Igbo => (IGBO_WOMEN, IGBO_MEN, IGBO_SURNAMES),
        People::Hausa => (HAUSA_WOMEN, HAUSA_MEN, HAUSA_SURNAMES),
        People::Yoruba | People::Mixed => (YORUBA_WOMEN, YORUBA_MEN, YORUBA_SURNAMES),
    };
    let first_name = pick(rng, if female { women } else { men });
    let last_name = pick(rng, surnames);
    let phone = format!(
        "+234{}{:07}",
        pick(rng, PHONE_PREFIXES),
        rng.random_range(0..10_000_000)
    );
    let email = rng.random_ratio(1, 3).then(|| {
        format!(
            "{}.{}{number}@{}",
            first_name.to_lowercase(),
            last_name.to_lowercase(),
            pick(rng, EMAIL_DOMAINS)
        )
    });
    let address = format!(
        "{} {}, {}",
        rng.random_range(1..=120),
        pick(rng, STREETS),
        seed.location
    );
    // Born 1962 to 2003: every member is an adult.
    let date_of_birth =
        NaiveDate::from_yo_opt(rng.random_range(1962..=2003), rng.random_range(1..=365));
    let marital_status = match rng.random_range(0..100) {
        0..60 => MaritalStatus::Married,
        60..80 => MaritalStatus::Single,
        80..92 => MaritalStatus::Widowed,
        _ => MaritalStatus::Divorced,
    };
    let profession = if rng.random_ratio(3, 5) {
        seed.trade
    } else {
        pick(rng, TRADES)
    };
    MemberInput {
        union_id,
        fields: MemberFields {
            first_name: Some(first_name.into()),
            last_name: Some(last_name.into()),
            phone: Some(Some(phone)),
            email: Some(email),
            address: Some(Some(address)),
            date_of_birth: Some(date_of_birth),
            gender: Some(Some(if female { Gender::Female } else { Gender::Male })),
            marital_status: Some(Some(marital_status)),
            profession: Some(Some(profession.into())),
            city: Some(Some(seed.city.into())),
            state: Some(Some(seed.state.into())),
            country: Some(Some("Nigeria".into())),
            ..MemberFields::default()
        },
        is_verified: Some(!rng.random_ratio(1, 12)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::loan_types::LoanType;
    use crate::domain::{LoanStatus, email, password_policy, products};

    #[test]
    fn the_demo_password_and_emails_pass_validation() {
        assert_eq!(password_policy::check(DEMO_PASSWORD), Ok(()));
        let emails: Vec<&str> = std::iter::once(&ADMIN)
            .chain(&SUPERVISORS)
            .chain(&OFFICERS)
            .map(|person| person.email)
            .collect();
        for address in &emails {
            assert_eq!(email::normalize(address).as_deref(), Ok(*address));
        }
        let mut unique = emails.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), emails.len());
    }

    #[test]
    fn the_organisation_has_its_shape() {
        assert_eq!(OFFICERS.len(), SUPERVISORS.len() * OFFICERS_PER_SUPERVISOR);
        assert_eq!(UNIONS.len(), OFFICERS.len() * UNIONS_PER_OFFICER);
        let mut names: Vec<&str> = UNIONS.iter().map(|union| union.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), UNIONS.len(), "union names are unique");
        let mut codes: Vec<String> = DOCUMENT_TYPES
            .iter()
            .filter_map(|(name, _)| products::document_code(name))
            .collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), DOCUMENT_TYPES.len());
        for seed in &LOAN_TYPES {
            let terms = products::ProductTerms {
                min_amount: seed.min_amount,
                max_amount: seed.max_amount,
                min_term: seed.min_term,
                max_term: seed.max_term,
                interest_rate: seed.interest_rate,
                default_processing_fee: seed.processing_fee,
                default_penalty_fee_per_day: seed.penalty_per_day,
            };
            assert_eq!(products::check_terms(&terms), Ok(()), "{}", seed.name);
        }
    }

    #[test]
    fn members_are_the_same_on_every_run_and_plausible() {
        let union_id = UnionId::new_random();
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let generate = || {
            let mut rng = StdRng::seed_from_u64(RANDOM_SEED);
            (1..=200)
                .map(|n| member(&mut rng, union_id, &UNIONS[n % UNIONS.len()], n))
                .collect::<Vec<_>>()
        };
        let (first, second) = (generate(), generate());
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        let mut emails = 0;
        for input in &first {
            let fields = &input.fields;
            let phone = fields.phone.clone().flatten().expect("phone");
            assert!(phone.starts_with("+234"), "{phone}");
            assert_eq!(phone.len(), 14, "{phone}");
            assert!(phone[4..].chars().all(|c| c.is_ascii_digit()), "{phone}");
            let born = fields.date_of_birth.flatten().expect("date of birth");
            assert!(crate::domain::members::old_enough(born, today));
            if let Some(Some(address)) = &fields.email {
                emails += 1;
                assert!(email::normalize(address).is_ok(), "{address}");
            }
        }
        assert!(
            (40..=100).contains(&emails),
            "about a third have an email: {emails}"
        );
    }

    /// The demo's products as rows.
    fn demo_products() -> Vec<LoanType> {
        let at = Utc::now();
        LOAN_TYPES
            .iter()
            .map(|seed| LoanType {
                id: crate::domain::LoanTypeId::new_random(),
                name: seed.name.into(),
                description: None,
                min_amount: seed.min_amount,
                max_amount: seed.max_amount,
                term_unit: seed.term_unit,
                min_term: seed.min_term,
                max_term: seed.max_term,
                interest_rate: seed.interest_rate,
                interest_method: seed.interest_method,
                default_processing_fee: seed.processing_fee,
                default_penalty_fee_per_day: seed.penalty_per_day,
                is_active: true,
                created_at: at,
                updated_at: at,
                deleted_at: None,
            })
            .collect()
    }

    /// The history of one copy of the organisation's members, as of 2026-03-15.
    fn one_copy(products: &[LoanType], borrowers: &[history::Borrower]) -> history::History {
        let setting = history::Setting {
            now: NaiveDate::from_ymd_opt(2026, 3, 15)
                .and_then(|day| day.and_hms_opt(16, 30, 0))
                .expect("now")
                .and_utc(),
            currency: "NGN".into(),
            penalty_grace_days: 0,
            default_grace_days: 0,
            order: crate::domain::settings::AllocationOrder::PenaltiesFirst,
            admin: UserId(uuid::Uuid::nil()),
        };
        let mut generator = history::Generator::new(HISTORY_SEED + 1, &setting, products);
        let mut history = history::History::default();
        for borrower in borrowers {
            generator.member(borrower, &mut history).expect("history");
        }
        history.number_loans(1).expect("numbers");
        history
    }

    #[test]
    fn the_loan_history_is_the_same_on_every_run_and_plausible() {
        use std::collections::{HashMap, HashSet};
        let products = demo_products();
        let borrowers: Vec<history::Borrower> = (0..MEMBERS_PER_UNION * UNIONS.len())
            .map(|_| history::Borrower {
                member: crate::domain::UnionMemberId::new_random(),
                union: UnionId::new_random(),
                officer: UserId::new_random(),
                supervisor: UserId::new_random(),
            })
            .collect();
        let history = one_copy(&products, &borrowers);
        assert!(history == one_copy(&products, &borrowers), "deterministic");

        // About 2,000 loans of about 12 installments for 600 members.
        let (loans, items) = (history.loans.len(), history.items.len());
        let per_loan = items * 10 / loans;
        eprintln!(
            "{loans} loans, {items} installments, {} repayments, {} charges, {} allocations",
            history.repayments.len(),
            history.charges.len(),
            history.allocations.len()
        );
        assert!((1_800..=2_300).contains(&loans), "{loans} loans");
        assert!(
            (110..=130).contains(&per_loan),
            "{items} installments for {loans} loans"
        );
        let statuses: HashSet<LoanStatus> = history.loans.iter().map(|loan| loan.status).collect();
        assert_eq!(
            statuses.len(),
            LoanStatus::ALL.len(),
            "every status: {statuses:?}"
        );
        let reversed = history
            .repayments
            .iter()
            .filter(|r| r.reversed_at.is_some())
            .count();
        assert!(reversed >= 5, "{reversed} reversed repayments");
        assert!(
            history.charges.len() >= 100,
            "{} penalties",
            history.charges.len()
        );
        assert!(
            history
                .charges
                .iter()
                .any(|charge| !charge.paid_amount.is_zero())
        );
        assert_eq!(history.loans[0].loan_number, "LN00000001");

        // At most one open loan a member; schedules sum to the principal.
        let mut open = HashSet::new();
        for loan in &history.loans {
            if loan.status.is_open() {
                assert!(open.insert(loan.union_member_id), "two open loans");
            }
            assert_eq!(loan.closed_at.is_some(), !loan.status.is_open(), "{loan:?}");
            assert_eq!(
                loan.disbursed_at.is_some(),
                matches!(
                    loan.status,
                    LoanStatus::Active
                        | LoanStatus::Completed
                        | LoanStatus::Defaulted
                        | LoanStatus::WrittenOff
                )
            );
        }
        let mut principal: HashMap<_, Decimal> = HashMap::new();
        for item in &history.items {
            *principal.entry(item.loan_id).or_default() += item.principal_due;
            assert!(item.paid_amount <= item.total_due);
            assert_eq!(item.closed_at.is_some(), item.paid_amount == item.total_due);
        }
        for loan in &history.loans {
            assert_eq!(principal.get(&loan.id), Some(&loan.principal_amount));
        }
        // Every cent of a live repayment allocated, none of a reversed one; paid amounts are
        // the sums of their allocations.
        let mut allocated: HashMap<_, Decimal> = HashMap::new();
        let mut to_items: HashMap<_, Decimal> = HashMap::new();
        let mut to_charges: HashMap<_, Decimal> = HashMap::new();
        for part in &history.allocations {
            *allocated.entry(part.repayment_id).or_default() += part.amount;
            if let Some(item) = part.schedule_item_id {
                *to_items.entry(item).or_default() += part.amount;
            }
            if let Some(charge) = part.charge_id {
                *to_charges.entry(charge).or_default() += part.amount;
            }
        }
        for repayment in &history.repayments {
            let expected = if repayment.reversed_at.is_some() {
                None
            } else {
                Some(&repayment.amount)
            };
            assert_eq!(allocated.get(&repayment.id), expected);
        }
        for item in &history.items {
            assert_eq!(
                to_items.get(&item.id).copied().unwrap_or_default(),
                item.paid_amount
            );
        }
        for charge in &history.charges {
            assert_eq!(
                to_charges.get(&charge.id).copied().unwrap_or_default(),
                charge.paid_amount
            );
        }
        assert!(
            history
                .loans
                .iter()
                .all(|loan| loan.created_at <= loan.updated_at)
        );
    }

    #[test]
    fn scaled_staff_emails_are_unique_and_valid() {
        let mut emails = Vec::new();
        for copy in 1..=3 {
            for person in std::iter::once(&ADMIN).chain(&SUPERVISORS).chain(&OFFICERS) {
                let address = copy_email(person, copy);
                assert_eq!(email::normalize(&address).as_deref(), Ok(address.as_str()));
                emails.push(address);
            }
        }
        assert_eq!(
            copy_email(&OFFICERS[0], 2),
            "tunde.bakare.2@demo.example.org"
        );
        let total = emails.len();
        emails.sort_unstable();
        emails.dedup();
        assert_eq!(emails.len(), total);
    }
}
