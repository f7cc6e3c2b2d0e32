//! One module per resource; each handler validates its input at the edge and hands the
//! domain intent to the store.

pub mod admin;
pub mod domains;
pub mod files;
pub mod invitations;
pub mod me;
pub mod usage;
pub mod webhooks;
pub mod workspaces;

use crate::error::ApiError;
use crate::http::Call;

/// An `{id}` path parameter naming a webhook or file: a UUID as the service issues them.
/// Anything else names nothing here: 404.
fn resource_id(call: &Call, not_found: &str) -> Result<String, ApiError> {
    let raw = call.path("id")?;
    match uuid::Uuid::parse_str(raw) {
        Ok(id) if id.hyphenated().to_string() == raw => Ok(raw.to_string()),
        _ => Err(ApiError::not_found(not_found)),
    }
}
