//! Email addresses: trimmed, lower-cased, validated once at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An email address that is already trimmed, lower-cased and syntactically valid.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Accepts what a person might type: surrounding spaces and any letter case.
    pub fn parse(raw: &str) -> Option<Email> {
        let normalized = raw.trim().to_lowercase();
        // One bare address: no display name (`Bo <bo@example.com>`), quoting or comments,
        // which the RFC allows but which would compare unequal to the same mailbox.
        let bare = !normalized
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:[]\\".contains(c));
        let valid = normalized.len() <= 254
            && bare
            && email_address::EmailAddress::is_valid(&normalized)
            // A bare `user@host` is valid per RFC 5322 but undeliverable on the internet.
            && normalized.rsplit_once('@').is_some_and(|(_, domain)| domain.contains('.') && !domain.starts_with('['));
        valid.then_some(Email(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i1_emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@@example.com",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad:?} should be rejected");
        }
    }
}
