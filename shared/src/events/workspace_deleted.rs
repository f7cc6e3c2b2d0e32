//! `workspace-deleted`: after the creator deletes a workspace (its item became a tombstone),
//! removes every other item of the workspace and each member's copy of the membership, page
//! by page, then strips the tombstone to its slug. Safe to run any number of times.

use aws_lambda_events::event::dynamodb::EventRecord;

use crate::App;
use crate::domain::Slug;
use crate::error::ApiError;
use crate::events::image;
use crate::store::items::WorkspaceItem;

pub async fn handle(app: &App, record: &EventRecord) -> Result<(), ApiError> {
    let Some(workspace) = image::<WorkspaceItem>(&record.change.new_image)? else {
        return Ok(());
    };
    if workspace.is_live() {
        return Ok(());
    }
    let slug = Slug::parse(&workspace.slug)
        .ok_or_else(|| ApiError::internal("tombstone without a valid slug"))?;
    let removed = app.store.purge_workspace(&slug).await?;
    tracing::info!(slug = %slug, removed, "deleted workspace purged");
    Ok(())
}
