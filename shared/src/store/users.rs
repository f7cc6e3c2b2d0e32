//! Users: profile, plan, overrides and the count of workspaces they created.

use super::items::UserItem;
use super::{Store, from_item, keys, sdk_error};
use crate::error::ApiError;

impl Store {
    /// The user's item, read strongly consistent; `None` for a user never seen before (Lite).
    pub async fn get_user(&self, user_id: &str) -> Result<Option<UserItem>, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(keys::user(user_id).to_map()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        output.item.map(from_item).transpose()
    }
}
