//! `/workspaces/{slug}/members[/{user_id}]`: list (members), change a role and remove
//! (owners; anyone may remove themselves, and `me` names the caller).

use serde::{Deserialize, Serialize};

use crate::App;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::{Call, PageRequest, Reply};
use crate::identity::valid_user_id;
use crate::store::items::MemberItem;
use crate::store::keys::MEMBER_PREFIX;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeRole {
    role: Role,
}

/// The member shape of the API.
#[derive(Serialize)]
pub struct MemberView {
    pub user_id: String,
    pub email: Option<String>,
    pub role: Role,
    pub joined_at: String,
    pub is_creator: bool,
}

impl From<&MemberItem> for MemberView {
    fn from(member: &MemberItem) -> Self {
        MemberView {
            user_id: member.user_id.clone(),
            email: member.email.clone(),
            role: member.role,
            joined_at: member.joined_at.clone(),
            is_creator: member.is_creator,
        }
    }
}

/// The `{user_id}` of the path, with `me` standing for the caller. An id that cannot be a
/// user's names no member: 404.
fn target_user(call: &Call) -> Result<String, ApiError> {
    let raw = call.path("user_id")?;
    if raw == "me" {
        return Ok(call.caller()?.user_id.clone());
    }
    if !valid_user_id(raw) {
        return Err(ApiError::not_found("no such member in this workspace"));
    }
    Ok(raw.to_string())
}

/// `GET /workspaces/{slug}/members` (members; R1).
pub async fn list(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let page = PageRequest::from_call(&call, MEMBER_PREFIX)?;
    let page = app
        .store
        .list_members(&slug, &caller.user_id, &page)
        .await?;
    Reply::ok(serde_json::json!({
        "items": page.items.iter().map(MemberView::from).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
    }))
}

/// `PATCH /workspaces/{slug}/members/{user_id}` (owners; R2, R3).
pub async fn update(app: &App, call: Call) -> Result<Reply, ApiError> {
    let caller = call.caller()?;
    let slug = call.slug()?;
    let body: ChangeRole = call.json()?;
    let target = target_user(&call)?;
    let member = app
        .store
        .change_role(&slug, caller, &target, body.role)
        .await?;
    Reply::ok(MemberView::from(&member))
}

/// `DELETE /workspaces/{slug}/members/{user_id}` (owners, or the member themselves; M1, R3).
pub async fn remove(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let target = target_user(&call)?;
    app.store.remove_member(&slug, caller, &target).await?;
    Reply::no_content()
}
