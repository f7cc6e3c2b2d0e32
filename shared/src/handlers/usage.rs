//! `GET /workspaces/{slug}/usage` (owners, Q2): the creator's plan and each counter with its
//! limit, as the workspace item holds them (seats of lapsed invitations not counted).

use serde_json::json;

use crate::App;
use crate::error::ApiError;
use crate::http::{Call, Reply};

pub async fn get(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let usage = app.store.usage(&slug, &caller.user_id).await?;
    let w = &usage.workspace;
    Reply::ok(json!({
        "plan": usage.plan,
        "members": { "used": usage.members_used(), "limit": w.members_limit },
        "domains": { "used": w.domains_used, "limit": w.domains_limit },
        "storage_bytes": { "used": w.storage_used_bytes, "limit": w.storage_limit_bytes },
        "webhooks": { "used": w.webhooks_used, "limit": w.webhooks_limit },
    }))
}
