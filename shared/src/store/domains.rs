//! Custom domains of a workspace (owners), counted against `domains_limit`.

use super::items::{DomainItem, kind};
use super::quotas::{DOMAINS, Need, Share};
use super::{Store, keys, now_rfc3339, to_item};
use crate::domain::{Hostname, Slug};
use crate::error::ApiError;
use crate::http::page::{Page, PageRequest};

impl Store {
    /// Adds a domain within quota; the same domain twice in a workspace is 409 `domain_exists`
    /// (the key is the domain, so the put's condition settles races).
    pub async fn create_domain(
        &self,
        slug: &Slug,
        user_id: &str,
        domain: &Hostname,
    ) -> Result<DomainItem, ApiError> {
        let key = keys::domain(slug, domain);
        let item = DomainItem {
            pk: key.pk,
            sk: key.sk,
            kind: kind::DOMAIN.into(),
            slug: slug.to_string(),
            domain: domain.to_string(),
            created_by: user_id.to_string(),
            created_at: now_rfc3339(),
        };
        self.create_counted(slug, user_id, Need::Owner, DOMAINS, to_item(&item)?, || {
            domain_exists(domain)
        })
        .await?;
        Ok(item)
    }

    pub async fn list_domains(
        &self,
        slug: &Slug,
        user_id: &str,
        page: &PageRequest,
    ) -> Result<Page<DomainItem>, ApiError> {
        self.list_in_workspace(slug, user_id, Need::Owner, keys::DOMAIN_PREFIX, page)
            .await
    }

    pub async fn delete_domain(
        &self,
        slug: &Slug,
        user_id: &str,
        domain: &Hostname,
    ) -> Result<(), ApiError> {
        self.delete_counted(
            slug,
            user_id,
            Need::Owner,
            Share {
                counter: DOMAINS,
                key: keys::domain(slug, domain),
                amount: 1,
            },
            || ApiError::not_found(format!("no domain {domain} in this workspace")),
        )
        .await
    }
}

fn domain_exists(domain: &Hostname) -> ApiError {
    let mut error = ApiError::conflict(
        "domain_exists",
        format!("{domain} is already a domain of this workspace"),
    );
    if let ApiError::Conflict { extra, .. } = &mut error {
        extra.insert("domain".into(), domain.as_str().into());
    }
    error
}
