//! Cognito user pool triggers. `pre-sign-up` (I9): a sign-up that carries a valid pending
//! invitation token (client metadata `invitation_token`) for the very address being
//! registered is confirmed with a verified email, since the invitation email proved the
//! mailbox. Anything else (no token, a token for another address, a used, expired or
//! replaced one) verifies nothing and joins nothing: the user confirms their email as usual.

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup;

use crate::App;
use crate::domain::{Email, InvitationStatus};
use crate::error::ApiError;
use crate::store::effective_status;

/// The client metadata key of the invitation token.
pub const INVITATION_TOKEN_KEY: &str = "invitation_token";

/// Every Cognito-triggered function (binary) of the service.
pub static COGNITO_TRIGGERS: &[&str] = &["pre-sign-up"];

/// Decides the pre-sign-up response; never fails a sign-up for a bad token.
pub async fn pre_sign_up(
    app: &App,
    mut event: CognitoEventUserPoolsPreSignup,
) -> Result<CognitoEventUserPoolsPreSignup, ApiError> {
    let verified = invited_address(app, &event).await?;
    event.response.auto_confirm_user = verified;
    event.response.auto_verify_email = verified;
    Ok(event)
}

async fn invited_address(
    app: &App,
    event: &CognitoEventUserPoolsPreSignup,
) -> Result<bool, ApiError> {
    let Some(email) = event
        .request
        .user_attributes
        .get("email")
        .and_then(|e| Email::parse(e))
    else {
        return Ok(false);
    };
    let Some(token) = event.request.client_metadata.get(INVITATION_TOKEN_KEY) else {
        return Ok(false);
    };
    let invitation = match app.store.invitation_by_token(token).await {
        Ok(invitation) => invitation,
        Err(ApiError::NotFound { .. } | ApiError::Gone { .. }) => return Ok(false),
        Err(other) => return Err(other),
    };
    let pending =
        effective_status(&invitation, chrono::Utc::now().timestamp()) == InvitationStatus::Pending;
    Ok(pending && invitation.email == email.as_str())
}
