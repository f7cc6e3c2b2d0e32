//! The local stand-in for API Gateway's JWT authorizer: HS256 tokens signed with
//! `LOCAL_JWT_SECRET`, handed to the handlers as the claim strings API Gateway produces.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};

pub const DEFAULT_LOCAL_JWT_SECRET: &str = "gopimi-local-development-secret";

/// Token lifetime for minted local tokens.
pub const TOKEN_TTL_SECONDS: i64 = 12 * 60 * 60;

/// Claims of a local token.
pub struct TokenRequest<'a> {
    pub sub: &'a str,
    pub email: &'a str,
    pub email_verified: bool,
    pub groups: &'a [String],
}

/// A stable, Cognito-like (UUID) user id for an email: the same email is the same local user
/// (`make token` and `POST /local/sign-up` agree).
pub fn local_user_id(email: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("gopimi-local:{email}").as_bytes(),
    )
    .to_string()
}

pub fn mint(secret: &str, request: &TokenRequest<'_>) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "sub": request.sub,
        "email": request.email,
        "email_verified": request.email_verified,
        "iat": now,
        "exp": now + TOKEN_TTL_SECONDS,
        "iss": "gopimi-local",
        "token_use": "id",
    });
    if !request.groups.is_empty() {
        claims["cognito:groups"] = json!(request.groups);
    }
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 signing with an in-memory key cannot fail")
}

/// Verifies `Authorization: Bearer …` and returns the claims as API Gateway hands them
/// over: every value a string, booleans as `"true"`, arrays as `"[a b]"`.
pub fn verify(secret: &str, authorization: Option<&str>) -> Option<HashMap<String, String>> {
    let token = authorization?
        .strip_prefix("Bearer ")
        .or_else(|| authorization?.strip_prefix("bearer "))?
        .trim();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.validate_aud = false;
    validation.validate_nbf = true;
    // API Gateway allows little clock skew; so does the stand-in.
    validation.leeway = 5;
    let data = jsonwebtoken::decode::<Map<String, Value>>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .ok()?;
    Some(
        data.claims
            .into_iter()
            .map(|(k, v)| (k, api_gateway_claim_string(&v)))
            .collect(),
    )
}

/// How an HTTP API JWT authorizer stringifies a claim.
pub fn api_gateway_claim_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(api_gateway_claim_string).collect();
            format!("[{}]", inner.join(" "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_come_out_as_api_gateway_strings() {
        let groups = vec!["admins".to_string(), "support".to_string()];
        let token = mint(
            "s",
            &TokenRequest {
                sub: "u1",
                email: "a@example.com",
                email_verified: true,
                groups: &groups,
            },
        );
        let claims = verify("s", Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(claims["sub"], "u1");
        assert_eq!(claims["email_verified"], "true");
        assert_eq!(claims["cognito:groups"], "[admins support]");
    }

    #[test]
    fn wrong_secret_or_garbage_is_rejected() {
        let token = mint(
            "s",
            &TokenRequest {
                sub: "u1",
                email: "a@example.com",
                email_verified: false,
                groups: &[],
            },
        );
        assert!(verify("other", Some(&format!("Bearer {token}"))).is_none());
        assert!(verify("s", Some("Bearer not-a-jwt")).is_none());
        assert!(verify("s", None).is_none());
    }
}
