//! Removing a deleted workspace's items, in pages, idempotently.

use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};

use super::items::MemberItem;
use super::transact::backoff;
use super::{Item, Store, from_item, keys, s, sdk_error};
use crate::domain::Slug;
use crate::error::ApiError;

/// BatchWriteItem takes at most 25 requests.
const BATCH_WRITE_MAX: usize = 25;

impl Store {
    /// Deletes every item in the workspace's partition except its tombstone, and every
    /// member's user-side membership; then drops the tombstone's name and settings.
    /// Returns how many items were deleted.
    pub async fn purge_workspace(&self, slug: &Slug) -> Result<usize, ApiError> {
        let partition = keys::workspace_partition(slug);
        let mut removed = 0;
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(&partition))
                .set_exclusive_start_key(start.take())
                .consistent_read(true)
                .limit(100)
                .send()
                .await
                .map_err(|e| sdk_error("Query", e))?;
            let mut doomed = Vec::new();
            for item in output.items.unwrap_or_default() {
                let sk = item
                    .get("sk")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                if sk == keys::META {
                    continue;
                }
                if sk.starts_with(keys::MEMBER_PREFIX) {
                    let member: MemberItem = from_item(item.clone())?;
                    doomed.push(keys::membership(&member.user_id, slug).to_map());
                }
                doomed.push(
                    keys::Key {
                        pk: partition.clone(),
                        sk,
                    }
                    .to_map(),
                );
            }
            removed += doomed.len();
            self.delete_all(doomed).await?;
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::workspace(slug).to_map()))
            .update_expression("REMOVE #name, settings")
            .condition_expression("attribute_exists(deleted_at)")
            .expression_attribute_names("#name", "name")
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem", e))?;
        Ok(removed)
    }

    /// Deletes keys in batches of 25, retrying what DynamoDB leaves unprocessed.
    pub(crate) async fn delete_all(&self, keys: Vec<Item>) -> Result<(), ApiError> {
        for chunk in keys.chunks(BATCH_WRITE_MAX) {
            let mut requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|key| {
                    let delete = DeleteRequest::builder()
                        .set_key(Some(key.clone()))
                        .build()
                        .map_err(ApiError::internal)?;
                    Ok(WriteRequest::builder().delete_request(delete).build())
                })
                .collect::<Result<_, ApiError>>()?;
            let mut attempt = 0;
            while !requests.is_empty() {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(|e| sdk_error("BatchWriteItem", e))?;
                requests = output
                    .unprocessed_items
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default();
                if !requests.is_empty() {
                    backoff(attempt).await;
                    attempt += 1;
                }
            }
        }
        Ok(())
    }
}
