//! `GET /me`: who the caller is, their plan and how many workspaces they may still create.

use serde_json::json;

use crate::App;
use crate::domain::{Limits, Plan};
use crate::error::ApiError;
use crate::http::{Call, Reply};

pub async fn get(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let user = app.store.get_user(&caller.user_id).await?;
    let (plan, limits, created) = match &user {
        Some(user) => (user.plan, user.limits(), user.workspaces_created),
        None => (
            Plan::default(),
            Limits::effective(Plan::default(), &Default::default()),
            0,
        ),
    };
    // Verified by the identity provider, or by following an invitation link (I6).
    let email_verified = caller.email_verified || user.as_ref().is_some_and(|u| u.email_verified);
    Reply::ok(json!({
        "id": caller.user_id,
        "email": caller.email,
        "email_verified": email_verified,
        "plan": plan,
        "workspaces": { "created": created, "limit": limits.workspaces },
        "limits": limits,
    }))
}
