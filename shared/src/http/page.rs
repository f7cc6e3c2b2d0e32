//! Pagination: `?limit=&cursor=` in, `{"items": [...], "next_cursor": ...}` out.
//!
//! A cursor is the sort key the next page starts after, base64url-encoded. The partition
//! is always the server's own, so a forged cursor can at most skip within the caller's list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::error::ApiError;
use crate::http::Call;

pub const DEFAULT_PAGE_SIZE: i32 = 50;
pub const MAX_PAGE_SIZE: i32 = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor(pub String);

impl Cursor {
    pub fn encode(sort_key: &str) -> String {
        URL_SAFE_NO_PAD.encode(sort_key.as_bytes())
    }

    /// Accepts only a cursor for the list being read (its sort key has `expected_prefix`).
    pub fn decode(raw: &str, expected_prefix: &str) -> Result<Cursor, ApiError> {
        let invalid =
            || ApiError::bad_request("invalid_cursor", "cursor is not one this list returned");
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
        let sort_key = String::from_utf8(bytes).map_err(|_| invalid())?;
        if !sort_key.starts_with(expected_prefix) || sort_key.len() > 1024 {
            return Err(invalid());
        }
        Ok(Cursor(sort_key))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i32,
    pub cursor: Option<Cursor>,
}

impl PageRequest {
    /// `limit` 1–100 (default 50) and an optional cursor whose sort key starts with `prefix`.
    pub fn from_call(call: &Call, prefix: &str) -> Result<PageRequest, ApiError> {
        let limit = match call.query("limit") {
            None => DEFAULT_PAGE_SIZE,
            Some(raw) => raw
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_limit",
                        format!("limit must be an integer from 1 to {MAX_PAGE_SIZE}"),
                    )
                })?,
        };
        let cursor = call
            .query("cursor")
            .filter(|c| !c.is_empty())
            .map(|c| Cursor::decode(c, prefix))
            .transpose()?;
        Ok(PageRequest { limit, cursor })
    }
}

/// One page of a list, as every list endpoint answers.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_other_lists() {
        let raw = Cursor::encode("WORKSPACE#abcdefgh");
        assert_eq!(
            Cursor::decode(&raw, "WORKSPACE#").unwrap(),
            Cursor("WORKSPACE#abcdefgh".into())
        );
        assert!(Cursor::decode(&raw, "MEMBER#").is_err());
        assert!(Cursor::decode("%%%", "WORKSPACE#").is_err());
    }
}
