//! Invitations: their states and the one-time tokens of their links (I4, I5).
//!
//! A token names its invitation and proves possession: base64url of the workspace slug,
//! the invitation id and 32 bytes from a CSPRNG. Only its SHA-256 is
//! stored, so looking an invitation up by token is one strongly consistent GetItem by key,
//! then a constant-time comparison of hashes.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Slug;
use super::slug::SLUG_LEN;

/// Random bytes in a token: 256 bits, twice what I4 asks.
const SECRET_LEN: usize = 32;
const ID_LEN: usize = 16;
const TOKEN_BYTES: usize = SLUG_LEN + ID_LEN + SECRET_LEN;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Cancelled,
    Expired,
}

impl InvitationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Declined => "declined",
            InvitationStatus::Cancelled => "cancelled",
            InvitationStatus::Expired => "expired",
        }
    }
}

/// Whether the invitation email went out (I10): a failed send keeps the invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailStatus {
    /// Stored, the email not yet handed to SES.
    Sending,
    Sent,
    Failed,
}

impl EmailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailStatus::Sending => "sending",
            EmailStatus::Sent => "sent",
            EmailStatus::Failed => "failed",
        }
    }
}

/// A token as it travels in links. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct InvitationToken {
    text: String,
    slug: Slug,
    id: uuid::Uuid,
}

impl InvitationToken {
    /// A fresh token for invitation `id` of workspace `slug`.
    pub fn generate(slug: &Slug, id: uuid::Uuid) -> InvitationToken {
        let mut bytes = Vec::with_capacity(TOKEN_BYTES);
        bytes.extend_from_slice(slug.as_str().as_bytes());
        bytes.extend_from_slice(id.as_bytes());
        let mut secret = [0u8; SECRET_LEN];
        // `rand`'s thread-local generator is a CSPRNG (ChaCha12) seeded from the OS.
        rand::rng().fill(&mut secret);
        bytes.extend_from_slice(&secret);
        InvitationToken {
            text: URL_SAFE_NO_PAD.encode(&bytes),
            slug: slug.clone(),
            id,
        }
    }

    /// `None` for anything that is not a token this service could have made.
    pub fn parse(raw: &str) -> Option<InvitationToken> {
        if raw.len() > 128 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        if bytes.len() != TOKEN_BYTES {
            return None;
        }
        let slug = Slug::parse(std::str::from_utf8(&bytes[..SLUG_LEN]).ok()?)?;
        let id = uuid::Uuid::from_slice(&bytes[SLUG_LEN..SLUG_LEN + ID_LEN]).ok()?;
        Some(InvitationToken {
            text: raw.to_string(),
            slug,
            id,
        })
    }

    pub fn slug(&self) -> &Slug {
        &self.slug
    }

    /// The invitation id, as stored (hyphenated).
    pub fn invitation_id(&self) -> String {
        self.id.to_string()
    }

    /// The secret text, for the link only.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// What the store keeps: hex SHA-256 of the token.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.text.as_bytes()))
    }

    /// Constant-time comparison with a stored hash.
    pub fn matches(&self, stored_hash: &str) -> bool {
        let ours = self.hash();
        ours.len() == stored_hash.len()
            && ours
                .bytes()
                .zip(stored_hash.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl fmt::Debug for InvitationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InvitationToken({}/{}, ***)", self.slug, self.id)
    }
}

/// At most this many emails per invitation within [`SEND_WINDOW_SECONDS`] (I8).
pub const MAX_SENDS_PER_WINDOW: usize = 5;
pub const SEND_WINDOW_SECONDS: i64 = 24 * 60 * 60;

/// The sends still inside the window, given the epoch seconds of earlier sends.
pub fn recent_sends(sends: &[i64], now: i64) -> Vec<i64> {
    sends
        .iter()
        .copied()
        .filter(|t| *t > now - SEND_WINDOW_SECONDS)
        .collect()
}

/// `Some(seconds to wait)` when another send now would exceed the limit.
pub fn send_retry_after(sends: &[i64], now: i64) -> Option<u64> {
    let recent = recent_sends(sends, now);
    if recent.len() < MAX_SENDS_PER_WINDOW {
        return None;
    }
    let oldest = recent.iter().min().copied().unwrap_or(now);
    Some((oldest + SEND_WINDOW_SECONDS - now).max(1) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i4_tokens_round_trip_and_hide_their_secret() {
        let slug = Slug::parse("a1b2c3d4").unwrap();
        let id = uuid::Uuid::new_v4();
        let token = InvitationToken::generate(&slug, id);
        let parsed = InvitationToken::parse(token.expose()).unwrap();
        assert_eq!(parsed.slug(), &slug);
        assert_eq!(parsed.invitation_id(), id.to_string());
        assert!(parsed.matches(&token.hash()));
        assert_eq!(token.hash().len(), 64);
        assert!(!format!("{token:?}").contains(token.expose()));
        let other = InvitationToken::generate(&slug, id);
        assert_ne!(other.expose(), token.expose(), "fresh randomness each time");
        assert!(!other.matches(&token.hash()));
    }

    #[test]
    fn i4_malformed_tokens_name_nothing() {
        for bad in ["", "abc", "!!!!", &"A".repeat(75), &"A".repeat(500)] {
            assert!(InvitationToken::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn i8_the_sixth_send_in_a_day_waits_for_the_oldest_to_age_out() {
        let now = 1_000_000;
        let sends = [now - 100, now - 90, now - 80, now - 70];
        assert_eq!(send_retry_after(&sends, now), None);
        let sends = [now - 100, now - 90, now - 80, now - 70, now - 60];
        assert_eq!(
            send_retry_after(&sends, now),
            Some((SEND_WINDOW_SECONDS - 100) as u64)
        );
        let old = [now - SEND_WINDOW_SECONDS - 1; 5];
        assert_eq!(send_retry_after(&old, now), None);
    }
}
