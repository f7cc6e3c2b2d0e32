//! `/workspaces/{slug}/invitations[...]` (owners) and `/invitations/{token}[...]` (holders
//! of the token). The invitation is stored before any email goes out (I10); a failed send
//! leaves it pending with `email_status: "failed"`, and a resend tries again.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::App;
use crate::domain::{Email, EmailStatus, InvitationStatus, Role};
use crate::emails;
use crate::error::ApiError;
use crate::http::{Call, PageRequest, Reply};
use crate::observability::mask_email;
use crate::store::items::InvitationItem;
use crate::store::keys::INVITATION_PREFIX;
use crate::store::{IssuedInvitation, NewInvitation, effective_status};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateInvitation {
    email: String,
    #[serde(default)]
    role: Option<Role>,
}

/// The invitation shape of the API.
#[derive(Serialize)]
pub struct InvitationView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    pub expires_at: String,
    pub email_status: EmailStatus,
    pub invited_by: String,
    pub created_at: String,
}

impl From<&InvitationItem> for InvitationView {
    fn from(item: &InvitationItem) -> Self {
        InvitationView {
            id: item.id.clone(),
            email: item.email.clone(),
            role: item.role,
            status: effective_status(item, chrono::Utc::now().timestamp()),
            expires_at: item.expires_at.clone(),
            email_status: item.email_status,
            invited_by: item.invited_by.clone(),
            created_at: item.created_at.clone(),
        }
    }
}

/// The public preview (I11): nothing about the workspace beyond its slug and name.
fn preview(item: &InvitationItem) -> serde_json::Value {
    json!({
        "workspace": { "slug": item.slug, "name": item.workspace_name },
        "invited_by": { "user_id": item.invited_by, "email": item.inviter_email },
        "email": item.email,
        "role": item.role,
        "status": effective_status(item, chrono::Utc::now().timestamp()),
        "expires_at": item.expires_at,
    })
}

/// Sends the email for the invitation's current token and records the outcome.
async fn send_invitation_email(
    app: &App,
    issued: IssuedInvitation,
) -> Result<InvitationItem, ApiError> {
    let invitation = issued.invitation;
    let inviter = invitation
        .inviter_email
        .clone()
        .unwrap_or_else(|| "A GoPimi user".into());
    let email = emails::invitation(
        &invitation.email,
        &invitation.workspace_name,
        &inviter,
        invitation.role.as_str(),
        &app.config.app_base_url,
        issued.token.expose(),
        &invitation.expires_at,
    );
    let status = match app.mailer.send(&email).await {
        Ok(_) => EmailStatus::Sent,
        Err(error) => {
            tracing::warn!(invitation = %invitation.id, to = %mask_email(&invitation.email), %error, "invitation email failed; kept pending");
            EmailStatus::Failed
        }
    };
    app.store.set_email_status(&invitation, status).await?;
    Ok(InvitationItem {
        email_status: status,
        ..invitation
    })
}

/// `POST /workspaces/{slug}/invitations` (owners; I1–I4, I10).
pub async fn create(app: &App, call: Call) -> Result<Reply, ApiError> {
    let caller = call.caller()?;
    let slug = call.slug()?;
    let body: CreateInvitation = call.json()?;
    let email = Email::parse(&body.email)
        .ok_or_else(|| ApiError::bad_request("invalid_email", "email is not a valid address"))?;
    let new = NewInvitation {
        email,
        role: body.role.unwrap_or(Role::Member),
    };
    let issued = app
        .store
        .create_invitation(&slug, caller, new, app.config.invitation_ttl_seconds)
        .await?;
    let invitation = send_invitation_email(app, issued).await?;
    Reply::created(InvitationView::from(&invitation))
}

/// `GET /workspaces/{slug}/invitations` (owners): pending and past invitations, oldest first.
pub async fn list(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let page = PageRequest::from_call(&call, INVITATION_PREFIX)?;
    let page = app.store.list_invitations(&slug, caller, &page).await?;
    Reply::ok(json!({
        "items": page.items.iter().map(InvitationView::from).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
    }))
}

/// An invitation id from the path (see `resource_id`: the caller's role is checked before a
/// malformed id is found to name nothing).
fn invitation_id(call: &Call) -> Result<String, ApiError> {
    super::resource_id(call, "no such invitation")
}

/// `DELETE /workspaces/{slug}/invitations/{id}` (owners; I7).
pub async fn cancel(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let id = invitation_id(&call)?;
    app.store.cancel_invitation(&slug, caller, &id).await?;
    Reply::no_content()
}

/// `POST /workspaces/{slug}/invitations/{id}/resend` (owners; I8).
pub async fn resend(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let id = invitation_id(&call)?;
    let issued = app
        .store
        .reissue_invitation(&slug, caller, &id, app.config.invitation_ttl_seconds)
        .await?;
    let invitation = send_invitation_email(app, issued).await?;
    Reply::ok(InvitationView::from(&invitation))
}

/// `GET /invitations/{token}` (public; I11).
pub async fn get_preview(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let invitation = app.store.invitation_by_token(call.path("token")?).await?;
    Reply::ok(preview(&invitation))
}

/// `POST /invitations/{token}/accept` (signed in, the invited address; I6).
pub async fn accept(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let accepted = app
        .store
        .accept_invitation(call.path("token")?, caller)
        .await?;
    let invitation = accepted.invitation;
    Reply::ok(json!({
        "workspace": { "slug": invitation.slug, "name": invitation.workspace_name },
        "role": invitation.role,
        "status": InvitationStatus::Accepted,
        "already_accepted": !accepted.newly,
    }))
}

/// `POST /invitations/{token}/decline` (the token is enough; I7).
pub async fn decline(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let invitation = app.store.decline_invitation(call.path("token")?).await?;
    Reply::ok(preview(&invitation))
}
