//! `/workspaces` and `/workspaces/{slug}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::App;
use crate::domain::Role;
use crate::domain::workspace::WorkspaceName;
use crate::error::ApiError;
use crate::http::{Call, PageRequest, Reply};
use crate::store::keys::MEMBERSHIP_PREFIX;
use crate::store::{NewWorkspace, WorkspacePatch, WorkspaceWithRole};

/// Settings are free-form JSON, bounded so an item never nears DynamoDB's 400 KB.
pub const MAX_SETTINGS_BYTES: usize = 16 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateWorkspace {
    name: String,
    #[serde(default)]
    settings: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateWorkspace {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    settings: Option<Map<String, Value>>,
}

/// The workspace shape of the API; `role` is the caller's.
#[derive(Serialize)]
pub struct WorkspaceView {
    pub slug: String,
    pub name: String,
    pub settings: Value,
    pub role: Role,
    pub is_creator: bool,
    pub created_at: String,
}

impl From<&WorkspaceWithRole> for WorkspaceView {
    fn from(view: &WorkspaceWithRole) -> Self {
        WorkspaceView {
            slug: view.workspace.slug.clone(),
            name: view.workspace.name.clone(),
            settings: view.workspace.settings_value(),
            role: view.role,
            is_creator: view.is_creator,
            created_at: view.workspace.created_at.clone(),
        }
    }
}

fn settings_within_limit(settings: &Map<String, Value>) -> Result<(), ApiError> {
    let bytes = Value::Object(settings.clone()).to_string().len();
    if bytes > MAX_SETTINGS_BYTES {
        return Err(ApiError::bad_request(
            "settings_too_large",
            format!("settings take {bytes} bytes; the limit is {MAX_SETTINGS_BYTES}"),
        ));
    }
    Ok(())
}

/// `POST /workspaces` (W1–W3).
pub async fn create(app: &App, call: Call) -> Result<Reply, ApiError> {
    let caller = call.caller()?;
    let body: CreateWorkspace = call.json()?;
    let name = WorkspaceName::parse(&body.name).map_err(ApiError::invalid)?;
    let settings = body.settings.unwrap_or_default();
    settings_within_limit(&settings)?;
    let created = app
        .store
        .create_workspace(caller, NewWorkspace { name, settings }, app.slugs.as_ref())
        .await?;
    Reply::created(WorkspaceView::from(&created))
}

/// `GET /workspaces` (W4): every workspace the caller belongs to, with the caller's role.
pub async fn list(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let page = PageRequest::from_call(&call, MEMBERSHIP_PREFIX)?;
    let page = app.store.list_workspaces(&caller.user_id, &page).await?;
    Reply::ok(serde_json::json!({
        "items": page.items.iter().map(WorkspaceView::from).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
    }))
}

/// `GET /workspaces/{slug}` (members; W5).
pub async fn get(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let view = app
        .store
        .workspace_for_member(&slug, &caller.user_id)
        .await?;
    Reply::ok(WorkspaceView::from(&view))
}

/// `PATCH /workspaces/{slug}` (owners; R2). The slug never changes (W2).
pub async fn update(app: &App, call: Call) -> Result<Reply, ApiError> {
    let caller = call.caller()?;
    let slug = call.slug()?;
    let raw: Map<String, Value> = call.json()?;
    if raw.contains_key("slug") {
        return Err(ApiError::bad_request(
            "slug_immutable",
            "a workspace's slug never changes",
        ));
    }
    let body: UpdateWorkspace = serde_json::from_value(Value::Object(raw))
        .map_err(|e| ApiError::bad_request("invalid_field", format!("request body: {e}")))?;
    let name = body
        .name
        .as_deref()
        .map(WorkspaceName::parse)
        .transpose()
        .map_err(ApiError::invalid)?;
    if let Some(settings) = &body.settings {
        settings_within_limit(settings)?;
    }
    let patch = WorkspacePatch {
        name,
        settings: body.settings,
    };
    let view = app
        .store
        .update_workspace(&slug, caller, patch, MAX_SETTINGS_BYTES)
        .await?;
    Reply::ok(WorkspaceView::from(&view))
}

/// `DELETE /workspaces/{slug}` (the creator only).
pub async fn delete(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    app.store.delete_workspace(&slug, caller).await?;
    Reply::no_content()
}
