//! Webhooks of a workspace (owners), counted against `webhooks_limit`.

use super::items::{WebhookItem, kind};
use super::quotas::{Need, Share, WEBHOOKS};
use super::{Store, keys, now_rfc3339, to_item};
use crate::domain::{Slug, WebhookEvent, WebhookUrl};
use crate::error::ApiError;
use crate::http::page::{Page, PageRequest};

pub struct NewWebhook {
    pub url: WebhookUrl,
    pub events: Vec<WebhookEvent>,
    /// The signing secret, drawn by the caller from a CSPRNG.
    pub secret: String,
}

impl Store {
    pub async fn create_webhook(
        &self,
        slug: &Slug,
        user_id: &str,
        new: NewWebhook,
    ) -> Result<WebhookItem, ApiError> {
        let id = uuid::Uuid::new_v4().to_string();
        let key = keys::webhook(slug, &id);
        let item = WebhookItem {
            pk: key.pk,
            sk: key.sk,
            kind: kind::WEBHOOK.into(),
            slug: slug.to_string(),
            id,
            url: new.url.to_string(),
            events: new.events,
            secret: new.secret,
            created_by: user_id.to_string(),
            created_at: now_rfc3339(),
        };
        self.create_counted(
            slug,
            user_id,
            Need::Owner,
            WEBHOOKS,
            to_item(&item)?,
            || ApiError::internal("webhook id collision"),
        )
        .await?;
        Ok(item)
    }

    pub async fn list_webhooks(
        &self,
        slug: &Slug,
        user_id: &str,
        page: &PageRequest,
    ) -> Result<Page<WebhookItem>, ApiError> {
        self.list_in_workspace(slug, user_id, Need::Owner, keys::WEBHOOK_PREFIX, page)
            .await
    }

    pub async fn delete_webhook(
        &self,
        slug: &Slug,
        user_id: &str,
        id: &str,
    ) -> Result<(), ApiError> {
        self.delete_counted(
            slug,
            user_id,
            Need::Owner,
            Share {
                counter: WEBHOOKS,
                key: keys::webhook(slug, id),
                amount: 1,
            },
            || ApiError::not_found("no such webhook in this workspace"),
        )
        .await
    }
}
