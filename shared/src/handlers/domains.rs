//! `/workspaces/{slug}/domains` (owners): custom domains, within the plan's quota.

use serde::{Deserialize, Serialize};

use crate::App;
use crate::domain::Hostname;
use crate::error::ApiError;
use crate::http::{Call, PageRequest, Reply};
use crate::store::items::DomainItem;
use crate::store::keys::DOMAIN_PREFIX;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateDomain {
    domain: String,
}

#[derive(Serialize)]
pub struct DomainView {
    pub domain: String,
    pub created_by: String,
    pub created_at: String,
}

impl From<DomainItem> for DomainView {
    fn from(item: DomainItem) -> Self {
        DomainView {
            domain: item.domain,
            created_by: item.created_by,
            created_at: item.created_at,
        }
    }
}

/// `POST /workspaces/{slug}/domains` (Q1): 409 `domain_exists` for a duplicate.
pub async fn create(app: &App, call: Call) -> Result<Reply, ApiError> {
    let caller = call.caller()?;
    let slug = call.slug()?;
    let body: CreateDomain = call.json()?;
    let domain = Hostname::parse(&body.domain).map_err(ApiError::invalid)?;
    let item = app
        .store
        .create_domain(&slug, &caller.user_id, &domain)
        .await?;
    Reply::created(DomainView::from(item))
}

pub async fn list(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let page = PageRequest::from_call(&call, DOMAIN_PREFIX)?;
    let page = app
        .store
        .list_domains(&slug, &caller.user_id, &page)
        .await?;
    Reply::ok(serde_json::json!({
        "items": page.items.into_iter().map(DomainView::from).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
    }))
}

/// `DELETE /workspaces/{slug}/domains/{domain}` (Q4): frees the slot at once.
pub async fn delete(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    // A path that is no valid domain names none of this workspace's domains.
    let domain = Hostname::parse(call.path("domain")?)
        .map_err(|_| ApiError::not_found("no such domain in this workspace"))?;
    app.store
        .delete_domain(&slug, &caller.user_id, &domain)
        .await?;
    Reply::no_content()
}
