//! Access tokens (HS256 JWTs, pinned algorithm, checked issuer, audience and type) and opaque
//! refresh tokens (random, stored only as a SHA-256 hash).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::Secret;
use crate::domain::sessions::ACCESS_TOKEN_TTL;
use crate::domain::{SessionFamilyId, UserId};

const ISSUER: &str = "millennium";
const AUDIENCE: &str = "millennium-staff";
const ACCESS_TYPE: &str = "access";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: Uuid,
    exp: i64,
    iat: i64,
    jti: Uuid,
    /// Token type; only `access` is accepted as a bearer token.
    typ: String,
    /// The session family the token was issued to.
    sid: Uuid,
}

/// What a valid access token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: UserId,
    pub session_id: SessionFamilyId,
    pub expires_at: DateTime<Utc>,
}

/// An access token as handed out.
#[derive(Debug, Clone)]
pub struct IssuedAccessToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Why a bearer token was refused. The client sees only "invalid or expired".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed, forged or of the wrong kind: {0}")]
    Invalid(String),
    #[error("the token has expired")]
    Expired,
}

/// The keys and validation rules for access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys([redacted])")
    }
}

impl TokenKeys {
    pub fn new(secret: &Secret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // Expiry is checked against the service's clock (see `verify`), not the system's.
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
        }
    }

    /// A new access token for a user's session, valid for 15 minutes from `now`.
    pub fn issue(
        &self,
        user_id: UserId,
        session_id: SessionFamilyId,
        now: DateTime<Utc>,
    ) -> Result<IssuedAccessToken, jsonwebtoken::errors::Error> {
        let expires_at = now + ACCESS_TOKEN_TTL;
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user_id.0,
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            jti: Uuid::new_v4(),
            typ: ACCESS_TYPE.into(),
            sid: session_id.0,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(IssuedAccessToken { token, expires_at })
    }

    /// Checks signature, algorithm, issuer, audience, type and expiry (at `now`).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| TokenError::Invalid(err.to_string()))?;
        let claims = data.claims;
        if claims.typ != ACCESS_TYPE {
            return Err(TokenError::Invalid(format!("token type {:?}", claims.typ)));
        }
        let expires_at = DateTime::from_timestamp(claims.exp, 0)
            .ok_or_else(|| TokenError::Invalid("expiry out of range".into()))?;
        if expires_at <= now {
            return Err(TokenError::Expired);
        }
        Ok(AccessClaims {
            user_id: UserId(claims.sub),
            session_id: SessionFamilyId(claims.sid),
            expires_at,
        })
    }
}

/// A new opaque refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> Secret {
    Secret::new(URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()))
}

/// The stored form of a refresh token: its SHA-256, hex.
pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn keys() -> TokenKeys {
        TokenKeys::new(&Secret::new("an-example-secret-of-at-least-32-bytes"))
    }

    fn ids() -> (UserId, SessionFamilyId) {
        (UserId(Uuid::new_v4()), SessionFamilyId(Uuid::new_v4()))
    }

    #[test]
    fn a_fresh_token_verifies_until_it_expires() {
        let (user, session) = ids();
        let now = Utc::now();
        let issued = keys().issue(user, session, now).expect("issue");
        let claims = keys().verify(&issued.token, now).expect("valid");
        assert_eq!(claims.user_id, user);
        assert_eq!(claims.session_id, session);
        assert_eq!(issued.expires_at, now + TimeDelta::minutes(15));
        assert_eq!(
            keys().verify(&issued.token, now + TimeDelta::minutes(16)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let (user, session) = ids();
        let other = TokenKeys::new(&Secret::new("another-secret-another-secret-another"));
        let issued = other.issue(user, session, Utc::now()).expect("issue");
        assert!(matches!(
            keys().verify(&issued.token, Utc::now()),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let now = Utc::now().timestamp();
        let payload = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"iss":"millennium","aud":"millennium-staff","sub":"{}","exp":{},"iat":{now},"jti":"{}","typ":"access","sid":"{}"}}"#,
            Uuid::new_v4(),
            now + 600,
            Uuid::new_v4(),
            Uuid::new_v4()
        ));
        let token = format!("{header}.{payload}.");
        assert!(matches!(
            keys().verify(&token, Utc::now()),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn issuer_audience_and_type_are_checked() {
        let secret = b"an-example-secret-of-at-least-32-bytes";
        let now = Utc::now().timestamp();
        let valid = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: Uuid::new_v4(),
            exp: now + 600,
            iat: now,
            jti: Uuid::new_v4(),
            typ: ACCESS_TYPE.into(),
            sid: Uuid::new_v4(),
        };
        let sign = |claims: &Claims, algorithm: Algorithm| {
            jsonwebtoken::encode(
                &Header::new(algorithm),
                claims,
                &EncodingKey::from_secret(secret),
            )
            .expect("encode")
        };
        assert!(
            keys()
                .verify(&sign(&valid, Algorithm::HS256), Utc::now())
                .is_ok()
        );
        let variants = [
            Claims {
                iss: "someone-else".into(),
                ..valid.clone()
            },
            Claims {
                aud: "another-app".into(),
                ..valid.clone()
            },
            Claims {
                typ: "refresh".into(),
                ..valid.clone()
            },
        ];
        for claims in &variants {
            assert!(matches!(
                keys().verify(&sign(claims, Algorithm::HS256), Utc::now()),
                Err(TokenError::Invalid(_))
            ));
        }
        // The same key under another HMAC algorithm is refused: the algorithm is pinned.
        assert!(matches!(
            keys().verify(&sign(&valid, Algorithm::HS512), Utc::now()),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let a = new_refresh_token();
        let b = new_refresh_token();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 43);
        let hash = hash_refresh_token(a.expose());
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, hash_refresh_token(a.expose()));
        assert_ne!(hash, hash_refresh_token(b.expose()));
    }
}
