//! The audit trail of a workspace: one item per event and subject, written once.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};

use super::items::AuditItem;
use super::workspaces::built;
use super::{Store, TxOutcome, from_item, keys, now_rfc3339, s, sdk_error, to_item};
use crate::domain::Slug;
use crate::error::ApiError;

impl Store {
    /// Writes the entry unless it exists, in a live workspace only. Returns the stored entry
    /// (the earlier one on a repeat, so callers can see what was already done), or `None`
    /// when the workspace is gone.
    pub async fn record_audit(
        &self,
        slug: &Slug,
        entry: AuditItem,
    ) -> Result<Option<AuditItem>, ApiError> {
        let live = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(keys::workspace(slug).to_map()))
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(deleted_at)")
            .build();
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&entry)?))
            .condition_expression("attribute_not_exists(pk)")
            .build();
        let actions = vec![
            TransactWriteItem::builder()
                .condition_check(built(live)?)
                .build(),
            TransactWriteItem::builder().put(built(put)?).build(),
        ];
        match self.transact(actions).await? {
            TxOutcome::Committed => Ok(Some(entry)),
            TxOutcome::Cancelled(reasons) if reasons[0].condition_failed() => Ok(None),
            TxOutcome::Cancelled(_) => {
                let output = self
                    .client
                    .get_item()
                    .table_name(&self.table)
                    .key("pk", s(&entry.pk))
                    .key("sk", s(&entry.sk))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(|e| sdk_error("GetItem", e))?;
                output.item.map(from_item).transpose()
            }
        }
    }

    /// Notes that the entry's notification went out.
    pub async fn mark_audit_notified(&self, entry: &AuditItem) -> Result<(), ApiError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&entry.pk))
            .key("sk", s(&entry.sk))
            .update_expression("SET notified_at = :at")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":at", s(now_rfc3339()))
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem", e))?;
        Ok(())
    }
}
