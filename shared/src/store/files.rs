//! File records of a workspace (members, R1); their `size_bytes` count against storage.

use super::items::{FileItem, kind};
use super::quotas::{Need, STORAGE, Share};
use super::{Store, keys, now_rfc3339, to_item};
use crate::domain::Slug;
use crate::error::ApiError;
use crate::http::page::{Page, PageRequest};

pub struct NewFile {
    pub name: String,
    /// More than zero.
    pub size_bytes: u64,
    pub content_type: String,
}

fn no_such_file() -> ApiError {
    ApiError::not_found("no such file in this workspace")
}

impl Store {
    pub async fn create_file(
        &self,
        slug: &Slug,
        user_id: &str,
        new: NewFile,
    ) -> Result<FileItem, ApiError> {
        let id = uuid::Uuid::new_v4().to_string();
        let key = keys::file(slug, &id);
        let item = FileItem {
            pk: key.pk,
            sk: key.sk,
            kind: kind::FILE.into(),
            slug: slug.to_string(),
            id,
            name: new.name,
            size_bytes: new.size_bytes,
            content_type: new.content_type,
            uploaded_by: user_id.to_string(),
            created_at: now_rfc3339(),
        };
        self.create_sized(slug, user_id, STORAGE, item.size_bytes, to_item(&item)?)
            .await?;
        Ok(item)
    }

    pub async fn list_files(
        &self,
        slug: &Slug,
        user_id: &str,
        page: &PageRequest,
    ) -> Result<Page<FileItem>, ApiError> {
        self.list_in_workspace(slug, user_id, Need::Member, keys::FILE_PREFIX, page)
            .await
    }

    /// Q4: frees the file's own bytes. Its size is read first (with the caller's membership,
    /// in one round trip); the delete is conditioned on the item existing, so of two racing
    /// deletes one frees the bytes and the other is 404.
    pub async fn delete_file(&self, slug: &Slug, user_id: &str, id: &str) -> Result<(), ApiError> {
        let key = keys::file(slug, id);
        let file: FileItem = self
            .item_in_workspace(slug, user_id, Need::Member, key.clone())
            .await?
            .ok_or_else(no_such_file)?;
        self.delete_counted(
            slug,
            user_id,
            Need::Member,
            Share {
                counter: STORAGE,
                key,
                amount: file.size_bytes,
            },
            no_such_file,
        )
        .await
    }
}
