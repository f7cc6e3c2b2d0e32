//! `member-removed`: after a member is removed (or leaves), clears their assignments in that
//! workspace (M2) and cancels the invitations they sent (M3). Triggered by the INSERT of the
//! removal record that the removal's own transaction writes, so a workspace's purge (which
//! deletes MEMBER items too) never triggers it. Every step is idempotent: a record delivered twice, or retried after a crash half-way,
//! finishes the job and changes nothing else.

use aws_lambda_events::event::dynamodb::EventRecord;

use crate::App;
use crate::domain::Slug;
use crate::error::ApiError;
use crate::events::image;
use crate::store::items::{MemberRemovalItem, kind};

pub async fn handle(app: &App, record: &EventRecord) -> Result<(), ApiError> {
    let Some(removal) = image::<MemberRemovalItem>(&record.change.new_image)? else {
        return Ok(());
    };
    if removal.kind != kind::MEMBER_REMOVAL {
        return Ok(());
    }
    let slug = Slug::parse(&removal.slug)
        .ok_or_else(|| ApiError::internal("removal record without a valid slug"))?;
    let unassigned = app
        .store
        .unassign_removed_member(&slug, &removal.user_id, &removal.removed_at)
        .await?;
    tracing::info!(slug = %slug, unassigned, "removed member's tickets unassigned");

    // M3: the invitations they sent up to their removal are cancelled, freeing the seats
    // (both times are microsecond stamps; what they sent after rejoining stays).
    let cancelled = app
        .store
        .cancel_invitations_sent_by(&slug, &removal.user_id, &removal.removed_at)
        .await?;
    tracing::info!(slug = %slug, cancelled, "removed member's pending invitations cancelled");
    Ok(())
}
