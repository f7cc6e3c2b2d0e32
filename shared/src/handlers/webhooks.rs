//! `/workspaces/{slug}/webhooks` (owners): HTTPS endpoints for workspace events, within the
//! plan's quota. The signing secret is shown once, in the create answer.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::domain::{WebhookEvent, WebhookUrl};
use crate::error::ApiError;
use crate::http::{Call, PageRequest, Reply};
use crate::store::NewWebhook;
use crate::store::items::WebhookItem;
use crate::store::keys::WEBHOOK_PREFIX;

/// Random bytes in a signing secret.
pub const SECRET_BYTES: usize = 32;
pub const SECRET_PREFIX: &str = "whsec_";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateWebhook {
    url: String,
    #[serde(default)]
    events: Option<Vec<String>>,
}

/// A webhook as lists show it: never the secret.
#[derive(Serialize)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub created_by: String,
    pub created_at: String,
}

impl From<WebhookItem> for WebhookView {
    fn from(item: WebhookItem) -> Self {
        WebhookView {
            id: item.id,
            url: item.url,
            events: item.events,
            created_by: item.created_by,
            created_at: item.created_at,
        }
    }
}

/// `whsec_` and 32 bytes from the thread-local CSPRNG (ChaCha, seeded from the OS), base64url.
fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// `POST /workspaces/{slug}/webhooks` (Q1).
pub async fn create(app: &App, call: Call) -> Result<Reply, ApiError> {
    let caller = call.caller()?;
    let slug = call.slug()?;
    let body: CreateWebhook = call.json()?;
    let url = WebhookUrl::parse(&body.url).map_err(ApiError::invalid)?;
    let events = WebhookEvent::parse_list(body.events.as_deref()).map_err(ApiError::invalid)?;
    let item = app
        .store
        .create_webhook(
            &slug,
            &caller.user_id,
            NewWebhook {
                url,
                events,
                secret: new_secret(),
            },
        )
        .await?;
    let secret = item.secret.clone();
    let mut view = serde_json::to_value(WebhookView::from(item)).map_err(ApiError::internal)?;
    view["secret"] = secret.into();
    Reply::created(view)
}

pub async fn list(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let page = PageRequest::from_call(&call, WEBHOOK_PREFIX)?;
    let page = app
        .store
        .list_webhooks(&slug, &caller.user_id, &page)
        .await?;
    Reply::ok(serde_json::json!({
        "items": page.items.into_iter().map(WebhookView::from).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
    }))
}

/// `DELETE /workspaces/{slug}/webhooks/{id}` (Q4).
pub async fn delete(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let id = super::resource_id(&call, "no such webhook in this workspace")?;
    app.store
        .delete_webhook(&slug, &caller.user_id, &id)
        .await?;
    Reply::no_content()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_32_random_bytes() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        let raw = URL_SAFE_NO_PAD
            .decode(a.strip_prefix(SECRET_PREFIX).unwrap())
            .unwrap();
        assert_eq!(raw.len(), SECRET_BYTES);
    }
}
