//! `member-removed`: after a member is removed (or leaves), clears their assignments in that
//! workspace (M2) and cancels the invitations they sent (M3). Triggered by the INSERT of the
//! removal record that the removal's own transaction writes, so a workspace's purge (which
//! deletes MEMBER items too) never triggers it. Every step is idempotent: a record delivered
//! twice, or retried after a crash half-way, finishes the job and changes nothing else.

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
    // What counts as "before the removal" is decided now, from the membership as it is,
    // not from the time stamped in the removal record: requests racing the removal are
    // stamped before they commit, so an assignment or invitation that committed just before
    // the removal can carry a later time than `removed_at`.
    // - Not a member now: everything assigned to or sent by them until this moment goes.
    // - Back as a member (rejoined before this ran): only what predates the new membership.
    let cutoff = match app.store.member(&slug, &removal.user_id).await? {
        None => crate::store::now_rfc3339_micros(),
        Some(member) => member.joined_at,
    };
    let unassigned = app
        .store
        .unassign_removed_member(&slug, &removal.user_id, &cutoff)
        .await?;
    tracing::info!(slug = %slug, unassigned, "removed member's tickets unassigned");

    // M3: the invitations they sent while they were a member are cancelled, freeing the seats.
    let cancelled = app
        .store
        .cancel_invitations_sent_by(&slug, &removal.user_id, &cutoff)
        .await?;
    tracing::info!(slug = %slug, cancelled, "removed member's pending invitations cancelled");
    Ok(())
}
