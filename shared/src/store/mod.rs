//! The DynamoDB adapter. Each domain intent ("create a workspace within quota") is one
//! `TransactWriteItems` or one conditional write whose conditions carry the rule; a
//! cancelled transaction is explained from `cancellation_reasons()` without a second read.

mod audit;
mod domains;
mod files;
mod invitations;
pub mod items;
pub mod keys;
mod members;
mod plans;
mod purge;
pub mod quotas;
mod tickets;
mod transact;
mod users;
mod webhooks;
mod workspaces;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::{Role, Slug};
use crate::error::ApiError;
use crate::http::page::{Cursor, Page, PageRequest};

pub use files::NewFile;
pub use invitations::{Accepted, IssuedInvitation, NewInvitation, effective_status};
pub use members::MemberPage;
pub use plans::{MAX_WORKSPACES_OVERRIDE, OverrideChange, PlanChange, PlanState};
pub use quotas::Usage;
pub use tickets::{NewTicket, TicketFilter, TicketPatch};
pub use transact::{CancelReason, TxOutcome};
pub use webhooks::NewWebhook;
pub use workspaces::{NewWorkspace, WorkspacePatch, WorkspaceWithRole, membership_items};

/// A DynamoDB item as the SDK sees it.
pub type Item = HashMap<String, AttributeValue>;

/// The single table.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    pub fn new(client: Client, table: String) -> Self {
        Store { client, table }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

pub fn to_item<T: Serialize>(value: &T) -> Result<Item, ApiError> {
    serde_dynamo::to_item(value).map_err(ApiError::internal)
}

pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, ApiError> {
    serde_dynamo::from_item(item).map_err(ApiError::internal)
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The current time as RFC 3339, UTC, seconds precision.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The current time as RFC 3339, UTC, with microseconds: fixed width, so two stamps compare
/// as text (assignments against removals).
pub fn now_rfc3339_micros() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Store {
    /// A transaction action that holds only while `user_id` is an owner of the workspace (the
    /// member item comes back on failure: missing means not a member, 404; else 403).
    pub(crate) fn owner_check(
        &self,
        slug: &Slug,
        user_id: &str,
    ) -> Result<TransactWriteItem, ApiError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(keys::member(slug, user_id).to_map()))
            .condition_expression("#role = :owner")
            .expression_attribute_names("#role", "role")
            .expression_attribute_values(":owner", s(Role::Owner.as_str()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// One page of the items of `partition` whose sort key starts with `prefix`, read strongly
    /// consistent, with the cursor of the next page (the sort key it stopped at).
    pub(crate) async fn query_page<T: DeserializeOwned>(
        &self,
        partition: &str,
        prefix: &str,
        page: &PageRequest,
    ) -> Result<Page<T>, ApiError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(partition))
            .expression_attribute_values(":prefix", s(prefix))
            .consistent_read(true)
            .limit(page.limit);
        if let Some(Cursor(sort_key)) = &page.cursor {
            let start = keys::Key {
                pk: partition.to_string(),
                sk: sort_key.clone(),
            };
            query = query.set_exclusive_start_key(Some(start.to_map()));
        }
        let output = query.send().await.map_err(|e| sdk_error("Query", e))?;
        let next_cursor = output
            .last_evaluated_key
            .as_ref()
            .and_then(|key| key.get("sk"))
            .and_then(|sk| sk.as_s().ok())
            .map(|sk| Cursor::encode(sk));
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }
}

/// Turns any SDK error into a logged 500; the caller's problem never carries it.
pub(crate) fn sdk_error<E: std::error::Error + 'static>(operation: &str, error: E) -> ApiError {
    let detail = aws_smithy_types::error::display::DisplayErrorContext(&error).to_string();
    tracing::error!(operation, error = %detail, "DynamoDB call failed");
    ApiError::internal(format!("{operation}: {detail}"))
}
