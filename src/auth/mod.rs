//! Credentials, free of the database and of the use cases: access tokens (JWT), opaque refresh
//! tokens, and password hashing. `state` holds their keys; `services::auth` uses them.

pub mod passwords;
pub mod tokens;
