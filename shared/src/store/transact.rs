//! `TransactWriteItems` with the two things every caller needs: the per-action reasons of a
//! cancellation (with the failing item, `ALL_OLD`), and retries on `TransactionConflict`.

use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use rand::Rng;

use super::{Item, Store, sdk_error};
use crate::error::ApiError;

/// How often a transaction that lost to a concurrent one is tried again before the client
/// is told to retry (409 `concurrent_modification`).
const CONFLICT_ATTEMPTS: u32 = 8;

/// Why one action of a cancelled transaction failed (`None` code: it did not).
#[derive(Clone)]
pub struct CancelReason {
    pub code: Option<String>,
    /// The item as it was, for a failed condition.
    pub item: Option<Item>,
}

/// Reasons end up in logs and internal errors: show the code and which attributes came back,
/// never their values (emails, token hashes, webhook secrets).
impl std::fmt::Debug for CancelReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut attributes: Vec<&str> = self
            .item
            .iter()
            .flat_map(|item| item.keys().map(String::as_str))
            .collect();
        attributes.sort_unstable();
        f.debug_struct("CancelReason")
            .field("code", &self.code)
            .field("item_attributes", &attributes)
            .finish()
    }
}

impl CancelReason {
    pub fn condition_failed(&self) -> bool {
        self.code.as_deref() == Some("ConditionalCheckFailed")
    }
}

#[derive(Debug)]
pub enum TxOutcome {
    Committed,
    /// One reason per action, in request order.
    Cancelled(Vec<CancelReason>),
}

impl Store {
    /// Runs one transaction. Conditions that fail come back as `Cancelled` for the caller to
    /// explain; conflicts with concurrent transactions are retried with jittered backoff.
    pub(crate) async fn transact(
        &self,
        actions: Vec<TransactWriteItem>,
    ) -> Result<TxOutcome, ApiError> {
        for attempt in 0..CONFLICT_ATTEMPTS {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(actions.clone()))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(TxOutcome::Committed),
                Err(error) => match cancellation_reasons(&error) {
                    Some(reasons)
                        if reasons
                            .iter()
                            .any(|r| r.code.as_deref() == Some("TransactionConflict")) =>
                    {
                        tracing::debug!(attempt, "transaction conflict; retrying");
                        backoff(attempt).await;
                    }
                    Some(reasons) => return Ok(TxOutcome::Cancelled(reasons)),
                    None => return Err(sdk_error("TransactWriteItems", error)),
                },
            }
        }
        Err(ApiError::Conflict {
            kind: "concurrent_modification",
            detail: "too many concurrent changes to the same resource; retry the request".into(),
            extra: Default::default(),
        })
    }
}

fn cancellation_reasons(error: &SdkError<TransactWriteItemsError>) -> Option<Vec<CancelReason>> {
    let TransactWriteItemsError::TransactionCanceledException(cancelled) =
        error.as_service_error()?
    else {
        return None;
    };
    Some(
        cancelled
            .cancellation_reasons()
            .iter()
            .map(|reason| CancelReason {
                code: reason.code().filter(|c| *c != "None").map(str::to_string),
                item: reason.item().cloned(),
            })
            .collect(),
    )
}

pub(crate) async fn backoff(attempt: u32) {
    let base = 10u64 << attempt.min(6);
    let jitter = rand::rng().random_range(0..=base);
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    #[test]
    fn reasons_never_show_attribute_values() {
        let reason = CancelReason {
            code: Some("ConditionalCheckFailed".into()),
            item: Some(Item::from([(
                "email".to_string(),
                AttributeValue::S("ada@example.com".into()),
            )])),
        };
        let shown = format!("{reason:?}");
        assert!(
            shown.contains("ConditionalCheckFailed") && shown.contains("email"),
            "{shown}"
        );
        assert!(!shown.contains("ada@example.com"), "{shown}");
    }
}
