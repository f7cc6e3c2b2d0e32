//! `/workspaces/{slug}/files` (members, R1): file records whose sizes count against storage.

use serde::{Deserialize, Serialize};

use crate::App;
use crate::domain::file::{parse_content_type, parse_file_name};
use crate::error::ApiError;
use crate::http::{Call, PageRequest, Reply};
use crate::store::NewFile;
use crate::store::items::FileItem;
use crate::store::keys::FILE_PREFIX;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateFile {
    name: String,
    size_bytes: u64,
    #[serde(default)]
    content_type: Option<String>,
}

#[derive(Serialize)]
pub struct FileView {
    pub id: String,
    pub name: String,
    pub size_bytes: u64,
    pub content_type: String,
    pub uploaded_by: String,
    pub created_at: String,
}

impl From<FileItem> for FileView {
    fn from(item: FileItem) -> Self {
        FileView {
            id: item.id,
            name: item.name,
            size_bytes: item.size_bytes,
            content_type: item.content_type,
            uploaded_by: item.uploaded_by,
            created_at: item.created_at,
        }
    }
}

/// `POST /workspaces/{slug}/files` (Q1, Q4): 429 when the bytes would cross the limit.
pub async fn create(app: &App, call: Call) -> Result<Reply, ApiError> {
    let caller = call.caller()?;
    let slug = call.slug()?;
    let body: CreateFile = call.json()?;
    let name = parse_file_name(&body.name).map_err(ApiError::invalid)?;
    if body.size_bytes == 0 {
        return Err(ApiError::invalid("size_bytes must be greater than 0"));
    }
    let content_type =
        parse_content_type(body.content_type.as_deref()).map_err(ApiError::invalid)?;
    let item = app
        .store
        .create_file(
            &slug,
            &caller.user_id,
            NewFile {
                name,
                size_bytes: body.size_bytes,
                content_type,
            },
        )
        .await?;
    Reply::created(FileView::from(item))
}

pub async fn list(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let page = PageRequest::from_call(&call, FILE_PREFIX)?;
    let page = app.store.list_files(&slug, &caller.user_id, &page).await?;
    Reply::ok(serde_json::json!({
        "items": page.items.into_iter().map(FileView::from).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
    }))
}

/// `DELETE /workspaces/{slug}/files/{id}` (Q4): frees the file's bytes at once.
pub async fn delete(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let id = super::resource_id(&call, "no such file in this workspace")?;
    app.store.delete_file(&slug, &caller.user_id, &id).await?;
    Reply::no_content()
}
