//! Tickets, minimal (X1): a subject, a status and at most one assignee.

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

pub const SUBJECT_MAX_CHARS: usize = 200;

/// A ticket subject: 1–200 characters after trimming, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketSubject(String);

impl TicketSubject {
    pub fn parse(raw: &str) -> Result<TicketSubject, String> {
        let subject = raw.trim();
        let chars = subject.chars().count();
        if chars == 0 {
            return Err("subject must not be empty".into());
        }
        if chars > SUBJECT_MAX_CHARS {
            return Err(format!(
                "subject must be at most {SUBJECT_MAX_CHARS} characters, got {chars}"
            ));
        }
        if subject.chars().any(char::is_control) {
            return Err("subject must not contain control characters".into());
        }
        Ok(TicketSubject(subject.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    #[default]
    Open,
    Pending,
    Closed,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<TicketStatus> {
        match raw.trim() {
            "open" => Some(TicketStatus::Open),
            "pending" => Some(TicketStatus::Pending),
            "closed" => Some(TicketStatus::Closed),
            _ => None,
        }
    }
}

/// Hex digits of a ticket id: 13 for the creation time in milliseconds (so ids sort, and
/// lists page, in creation order) and 11 random ones (44 bits) against collisions.
const TIME_DIGITS: usize = 13;
const ID_LEN: usize = 24;

/// A ticket id, unique within its workspace.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TicketId(String);

impl TicketId {
    pub fn generate() -> TicketId {
        let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
        let random: u64 = rand::rng().random_range(0..(1u64 << 44));
        TicketId(format!("{millis:0TIME_DIGITS$x}{random:011x}"))
    }

    /// A malformed id names no ticket (the caller gets 404, like any unknown id).
    pub fn parse(raw: &str) -> Option<TicketId> {
        (raw.len() == ID_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| TicketId(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x1_subjects_are_trimmed_and_bounded() {
        assert_eq!(
            TicketSubject::parse("  Refund  ").unwrap().as_str(),
            "Refund"
        );
        assert!(TicketSubject::parse(" \t ").is_err());
        assert!(TicketSubject::parse(&"é".repeat(200)).is_ok());
        assert!(TicketSubject::parse(&"é".repeat(201)).is_err());
        assert!(TicketSubject::parse("a\nb").is_err());
    }

    #[test]
    fn ticket_ids_parse_and_sort_by_creation() {
        let first = TicketId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = TicketId::generate();
        assert!(first.as_str() < second.as_str());
        assert_eq!(TicketId::parse(first.as_str()), Some(first));
        assert!(TicketId::parse("not-a-ticket").is_none());
        assert!(TicketId::parse(&"A".repeat(24)).is_none());
    }
}
