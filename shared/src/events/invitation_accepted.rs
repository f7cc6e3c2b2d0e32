//! `invitation-accepted`: once an invitation turns accepted, writes the workspace's audit
//! entry and emails the inviter that the person joined. A repeat of the record finds the
//! entry already notified and does nothing; a failed email fails the record (retried).

use aws_lambda_events::event::dynamodb::EventRecord;

use crate::App;
use crate::domain::{InvitationStatus, Slug};
use crate::emails;
use crate::error::ApiError;
use crate::events::image;
use crate::store::items::{AuditItem, InvitationItem, kind};
use crate::store::keys;

pub const AUDIT_EVENT: &str = "invitation.accepted";

pub async fn handle(app: &App, record: &EventRecord) -> Result<(), ApiError> {
    let Some(invitation) = image::<InvitationItem>(&record.change.new_image)? else {
        return Ok(());
    };
    if invitation.status != InvitationStatus::Accepted {
        return Ok(());
    }
    let slug = Slug::parse(&invitation.slug)
        .ok_or_else(|| ApiError::internal("invitation without a valid slug"))?;
    let key = keys::audit(&slug, AUDIT_EVENT, &invitation.id);
    let entry = AuditItem {
        pk: key.pk,
        sk: key.sk,
        kind: kind::AUDIT.into(),
        event: AUDIT_EVENT.into(),
        at: invitation
            .updated_at
            .clone()
            .unwrap_or_else(crate::store::now_rfc3339),
        actor_id: invitation.accepted_by.clone().unwrap_or_default(),
        subject: invitation.id.clone(),
        detail: format!(
            "{} joined as {} (invited by {})",
            invitation.email,
            invitation.role.as_str(),
            invitation.invited_by
        ),
        notified_at: None,
    };
    let Some(entry) = app.store.record_audit(&slug, entry).await? else {
        tracing::info!(slug = %slug, "invitation accepted in a deleted workspace; nothing to do");
        return Ok(());
    };
    if entry.notified_at.is_some() {
        return Ok(());
    }
    if let Some(inviter) = &invitation.inviter_email {
        let email =
            emails::invitation_accepted(inviter, &invitation.workspace_name, &invitation.email);
        app.mailer
            .send(&email)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
    }
    app.store.mark_audit_notified(&entry).await
}
