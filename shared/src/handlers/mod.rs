//! One module per resource; each handler validates its input at the edge and hands the
//! domain intent to the store.

pub mod admin;
pub mod domains;
pub mod files;
pub mod invitations;
pub mod me;
pub mod members;
pub mod tickets;
pub mod usage;
pub mod webhooks;
pub mod workspaces;

use crate::error::ApiError;
use crate::http::Call;

/// An `{id}` path parameter naming a webhook, file or invitation. The service issues UUIDs; any other id
/// of safe characters is passed on and simply names nothing (so the caller's role is still
/// checked first: a member asking an owner-only route gets 403, not 404). Anything that could
/// not be a key at all is 404 at once.
fn resource_id(call: &Call, not_found: &str) -> Result<String, ApiError> {
    let raw = call.path("id")?;
    let safe = !raw.is_empty()
        && raw.len() <= 64
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if safe {
        Ok(raw.to_string())
    } else {
        Err(ApiError::not_found(not_found))
    }
}
