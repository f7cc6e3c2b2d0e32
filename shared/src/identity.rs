//! The caller, as the API Gateway JWT authorizer hands it over.
//!
//! HTTP APIs pass every claim as a string: `"email_verified": "true"` and arrays as
//! `"[admins support]"`. Both forms (and real JSON) are parsed here.

use std::collections::HashMap;

use crate::domain::Email;

/// The `cognito:groups` entry that makes a caller an operator.
pub const OPERATORS_GROUP: &str = "admins";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The JWT `sub`.
    pub user_id: String,
    pub email: Option<Email>,
    pub email_verified: bool,
    pub groups: Vec<String>,
}

impl Caller {
    /// `None` when there is no usable `sub` (the request is then unauthenticated).
    pub fn from_claims(claims: &HashMap<String, String>) -> Option<Caller> {
        let user_id = claims
            .get("sub")
            .map(|s| s.trim())
            .filter(|s| valid_user_id(s))?
            .to_string();
        Some(Caller {
            user_id,
            email: claims.get("email").and_then(|e| Email::parse(e)),
            email_verified: claims
                .get("email_verified")
                .is_some_and(|v| parse_bool_claim(v)),
            groups: claims
                .get("cognito:groups")
                .map(|g| parse_list_claim(g))
                .unwrap_or_default(),
        })
    }

    pub fn is_operator(&self) -> bool {
        self.groups.iter().any(|g| g == OPERATORS_GROUP)
    }
}

/// A user id becomes part of DynamoDB keys, so it is bounded and free of the key separator.
pub fn valid_user_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:@+|".contains(c))
}

fn parse_bool_claim(raw: &str) -> bool {
    raw.trim().eq_ignore_ascii_case("true")
}

/// `[admins support]` (HTTP API), `["admins","support"]` (JSON), `admins,support` or `admins`.
fn parse_list_claim(raw: &str) -> Vec<String> {
    let raw = raw.trim();
    if let Ok(list) = serde_json::from_str::<Vec<String>>(raw) {
        return list;
    }
    raw.trim_start_matches('[')
        .trim_end_matches(']')
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|g| g.trim_matches('"'))
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn groups_in_the_http_api_bracket_form_are_parsed() {
        let caller = Caller::from_claims(&claims(&[
            ("sub", "u1"),
            ("cognito:groups", "[admins support]"),
        ]))
        .unwrap();
        assert_eq!(caller.groups, vec!["admins", "support"]);
        assert!(caller.is_operator());
    }

    #[test]
    fn groups_in_json_and_single_forms_are_parsed() {
        let json = Caller::from_claims(&claims(&[
            ("sub", "u1"),
            ("cognito:groups", r#"["support","admins"]"#),
        ]))
        .unwrap();
        assert!(json.is_operator());
        let single =
            Caller::from_claims(&claims(&[("sub", "u1"), ("cognito:groups", "support")])).unwrap();
        assert!(!single.is_operator());
        let lookalike = Caller::from_claims(&claims(&[
            ("sub", "u1"),
            ("cognito:groups", "[administrators]"),
        ]))
        .unwrap();
        assert!(!lookalike.is_operator());
    }

    #[test]
    fn email_verified_is_a_string_claim() {
        let yes =
            Caller::from_claims(&claims(&[("sub", "u1"), ("email_verified", "true")])).unwrap();
        let no =
            Caller::from_claims(&claims(&[("sub", "u1"), ("email_verified", "false")])).unwrap();
        assert!(yes.email_verified);
        assert!(!no.email_verified);
    }

    #[test]
    fn no_sub_means_not_signed_in() {
        assert!(Caller::from_claims(&claims(&[("email", "a@example.com")])).is_none());
        assert!(Caller::from_claims(&claims(&[("sub", "USER#x")])).is_none());
    }
}
