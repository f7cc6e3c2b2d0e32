//! `/admin/users/{user_id}/…` (operators: `admins` in `cognito:groups`): plans and per-user
//! limit overrides (W3, Q3). Everyone else gets 403.

use serde::{Deserialize, Deserializer};
use serde_json::json;

use crate::App;
use crate::domain::Plan;
use crate::error::ApiError;
use crate::http::{Call, Reply};
use crate::identity::valid_user_id;
use crate::store::{MAX_WORKSPACES_OVERRIDE, OverrideChange, PlanChange, PlanState};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetPlan {
    plan: Plan,
}

/// Each field: absent leaves the override as it is, `null` clears it, a number sets it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetLimits {
    #[serde(default, deserialize_with = "present")]
    workspaces: OverrideChange,
    #[serde(default, deserialize_with = "present")]
    members: OverrideChange,
    #[serde(default, deserialize_with = "present")]
    domains: OverrideChange,
    #[serde(default, deserialize_with = "present")]
    storage_bytes: OverrideChange,
    #[serde(default, deserialize_with = "present")]
    webhooks: OverrideChange,
}

/// Called only for fields that are present, so `null` becomes `Some(None)`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OverrideChange, D::Error> {
    Option::<u64>::deserialize(deserializer).map(Some)
}

fn operator_user_id(call: &Call) -> Result<String, ApiError> {
    let caller = call.caller()?;
    if !caller.is_operator() {
        return Err(ApiError::forbidden(
            "operator_only",
            "only operators can change plans and limits",
        ));
    }
    let user_id = call.path("user_id")?.trim();
    // `me` is an alias elsewhere (members); an operator naming it here surely meant a person.
    if !valid_user_id(user_id) || user_id == "me" {
        return Err(ApiError::bad_request(
            "invalid_user_id",
            "user_id is not a valid user id",
        ));
    }
    Ok(user_id.to_string())
}

fn answer(state: PlanState) -> Result<Reply, ApiError> {
    Reply::ok(json!({
        "user_id": state.user_id,
        "plan": state.plan,
        "overrides": state.overrides,
        "limits": state.limits,
        "workspaces": { "created": state.workspaces_created, "limit": state.limits.workspaces },
        "workspaces_updated": state.workspaces_updated,
    }))
}

/// `PUT /admin/users/{user_id}/plan`.
pub async fn set_plan(app: &App, call: Call) -> Result<Reply, ApiError> {
    let user_id = operator_user_id(&call)?;
    let body: SetPlan = call.json()?;
    let change = PlanChange {
        plan: Some(body.plan),
        ..Default::default()
    };
    answer(app.store.change_plan(&user_id, &change).await?)
}

/// `PUT /admin/users/{user_id}/limits`.
pub async fn set_limits(app: &App, call: Call) -> Result<Reply, ApiError> {
    let user_id = operator_user_id(&call)?;
    let body: SetLimits = call.json()?;
    if let Some(Some(workspaces)) = body.workspaces
        && workspaces > MAX_WORKSPACES_OVERRIDE
    {
        return Err(ApiError::invalid(format!(
            "workspaces can be overridden up to {MAX_WORKSPACES_OVERRIDE}"
        )));
    }
    let change = PlanChange {
        plan: None,
        workspaces: body.workspaces,
        members: body.members,
        domains: body.domains,
        storage_bytes: body.storage_bytes,
        webhooks: body.webhooks,
    };
    answer(app.store.change_plan(&user_id, &change).await?)
}
