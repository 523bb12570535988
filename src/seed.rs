//! `millennium seed demo`: a small, realistic organisation — staff, unions of Nigerian markets
//! and cooperatives, their members, loan products and document types — created through the
//! services, so that validation, member codes and audit rows apply as for any other change.
//!
//! The data is the same on every run: fixed lists walked in order, and a random generator with
//! a fixed seed for the members. It runs only on an empty loan book (no unions, members, loans,
//! products, document types, and no staff but at most one administrator — the bootstrap one),
//! and all of it in one transaction: it either creates the whole organisation or nothing.

use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use scoped_futures::ScopedFutureExt;

use crate::config::Secret;
use crate::db::contents::Contents;
use crate::db::users::User;
use crate::db::{self, DbConn};
use crate::domain::members::{Gender, MaritalStatus};
use crate::domain::permissions::Actor;
use crate::domain::products::{InterestMethod, TermUnit};
use crate::domain::unions::plural;
use crate::domain::{Role, SessionFamilyId, UnionId};
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
/// The seed of the members' random generator.
const RANDOM_SEED: u64 = 2026;
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

/// What the seed created so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Created {
    pub staff: usize,
    pub loan_types: usize,
    pub document_types: usize,
    pub unions: usize,
    pub members: usize,
}

impl fmt::Display for Created {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
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

/// The outcome of `seed demo`: what was created and how to log in.
#[derive(Debug, Clone)]
pub struct Report {
    pub created: Created,
    pub logins: Vec<Login>,
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
            "Each supervisor oversees {OFFICERS_PER_SUPERVISOR} credit officers; each officer manages {UNIONS_PER_OFFICER} unions of {MEMBERS_PER_UNION} members."
        )?;
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

/// Creates the demo organisation on an empty loan book, through the services, acting as the
/// demo administrator it creates first — all in one transaction, so that a failure leaves the
/// database as it was. Refuses (creating nothing) when the database already holds business
/// data or one of the demo emails.
pub async fn demo(state: &AppState, graphiql_url: &str) -> anyhow::Result<Report> {
    let started = Instant::now();
    {
        let mut conn = state.db.get().await?;
        check_empty(&mut conn).await.map_err(anyhow::Error::msg)?;
    }
    // Hashing is the slow part: done once per account, before the transaction.
    let staff = Staff::prepare(state).await?;
    let now = state.clock.now();
    let outcome = services::transaction(state, |conn| {
        let staff = &staff;
        async move {
            check_empty(conn).await.map_err(ServiceError::conflict)?;
            populate(conn, staff, now).await
        }
        .scope_boxed()
    })
    .await;
    let (created, logins) =
        outcome.map_err(|err| anyhow::anyhow!("seed demo created nothing: {err}"))?;
    Ok(Report {
        created,
        logins,
        elapsed: started.elapsed(),
        graphiql_url: graphiql_url.to_owned(),
    })
}

/// Refuses a database that holds business data or any of the demo accounts' emails, with a
/// sentence.
async fn check_empty(conn: &mut DbConn) -> Result<(), String> {
    let failed = |err: diesel::result::Error| format!("could not read the database: {err}");
    let contents = db::contents::count(conn).await.map_err(failed)?;
    if let Some(refusal) = refusal(&contents) {
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

/// Why `contents` is not an empty loan book, if it is not. One administrator is allowed: the
/// one a first start or `admin create` makes.
fn refusal(contents: &Contents) -> Option<String> {
    let only_an_admin = contents.staff == 0 || (contents.staff == 1 && contents.admins == 1);
    let mut held = Vec::new();
    for (count, one, many) in [
        (contents.unions, "union", "unions"),
        (contents.members, "member", "members"),
        (contents.loans, "loan", "loans"),
        (contents.loan_types, "loan type", "loan types"),
        (contents.document_types, "document type", "document types"),
    ] {
        if count > 0 {
            held.push(plural(count, one, many));
        }
    }
    if !only_an_admin {
        held.push(plural(contents.staff, "staff account", "staff accounts"));
    }
    (!held.is_empty()).then(|| {
        format!(
            "The database already holds business data ({}); seed demo only runs on an empty loan book. Use a new DATA_DIR or an empty database.",
            held.join(", ")
        )
    })
}

/// The demo staff, checked and with their passwords hashed.
struct Staff {
    admin: PreparedStaff,
    supervisors: Vec<PreparedStaff>,
    officers: Vec<PreparedStaff>,
}

impl Staff {
    async fn prepare(state: &AppState) -> ServiceResult<Self> {
        let new = |person: &Person, role: Role| NewStaff {
            email: person.email.into(),
            password: Secret::new(DEMO_PASSWORD),
            role,
            first_name: person.first_name.into(),
            last_name: person.last_name.into(),
            phone: Some(person.phone.into()),
            address: None,
            supervisor_id: None,
        };
        let admin = staff::prepare(state, &new(&ADMIN, Role::Admin)).await?;
        let mut supervisors = Vec::new();
        for person in &SUPERVISORS {
            supervisors.push(staff::prepare(state, &new(person, Role::Supervisor)).await?);
        }
        let mut officers = Vec::new();
        for person in &OFFICERS {
            officers.push(staff::prepare(state, &new(person, Role::CreditOfficer)).await?);
        }
        Ok(Self {
            admin,
            supervisors,
            officers,
        })
    }
}

async fn populate(
    conn: &mut DbConn,
    staff: &Staff,
    now: DateTime<Utc>,
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

    let mut officers = Vec::new();
    for (supervisor, team) in staff
        .supervisors
        .iter()
        .zip(staff.officers.chunks(OFFICERS_PER_SUPERVISOR))
    {
        let supervisor = staff::insert(conn, &caller.meta, by, supervisor, now).await?;
        created.staff += 1;
        logins.push(Login::of(&supervisor));
        for officer in team {
            let mut officer = officer.clone();
            officer.supervisor_id = Some(supervisor.id);
            let officer = staff::insert(conn, &caller.meta, by, &officer, now).await?;
            created.staff += 1;
            logins.push(Login::of(&officer));
            officers.push(officer.id);
        }
    }

    for seed in &LOAN_TYPES {
        catalog::create_loan_type_in(conn, &caller, &loan_type_input(seed), now).await?;
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

    let mut unions = Vec::new();
    for (officer, seeds) in officers.iter().zip(UNIONS.chunks(UNIONS_PER_OFFICER)) {
        for seed in seeds {
            let input = UnionInput {
                name: seed.name.into(),
                location: Some(seed.location.into()),
                address: Some(seed.address.into()),
                credit_officer_id: *officer,
            };
            let row = unions::create_in(conn, &caller, &input, now).await?;
            created.unions += 1;
            unions.push((row.id, seed));
        }
    }

    let mut rng = StdRng::seed_from_u64(RANDOM_SEED);
    for (union_id, seed) in unions {
        for _ in 0..MEMBERS_PER_UNION {
            let input = member(&mut rng, union_id, seed, created.members + 1);
            members::create_in(conn, &caller, &input, now).await?;
            created.members += 1;
        }
    }
    Ok((created, logins))
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
    use crate::domain::{email, password_policy, products};

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

    #[test]
    fn only_an_empty_loan_book_is_seeded() {
        assert_eq!(refusal(&Contents::default()), None);
        let bootstrap_admin = Contents {
            staff: 1,
            admins: 1,
            ..Contents::default()
        };
        assert_eq!(refusal(&bootstrap_admin), None);
        let officer_only = Contents {
            staff: 1,
            ..Contents::default()
        };
        assert!(refusal(&officer_only).is_some());
        let seeded = Contents {
            staff: 9,
            admins: 1,
            unions: 30,
            members: 600,
            loan_types: 4,
            document_types: 5,
            loans: 0,
        };
        assert_eq!(
            refusal(&seeded).as_deref(),
            Some(
                "The database already holds business data (30 unions, 600 members, 4 loan types, 5 document types, 9 staff accounts); seed demo only runs on an empty loan book. Use a new DATA_DIR or an empty database."
            )
        );
    }
}
