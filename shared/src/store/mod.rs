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
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub use files::NewFile;
pub use invitations::{Accepted, IssuedInvitation, NewInvitation, effective_status};
pub use members::MemberPage;
pub use plans::{MAX_WORKSPACES_OVERRIDE, OverrideChange, PlanChange, PlanState};
pub use quotas::Usage;
pub use tickets::{NewTicket, TicketFilter, TicketPatch};
pub use transact::{CancelReason, TxOutcome};
pub use webhooks::NewWebhook;
pub use workspaces::{NewWorkspace, WorkspacePatch, WorkspaceWithRole};

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

/// Turns any SDK error into a logged 500; the caller's problem never carries it.
pub(crate) fn sdk_error<E: std::error::Error + 'static>(operation: &str, error: E) -> ApiError {
    let detail = aws_smithy_types::error::display::DisplayErrorContext(&error).to_string();
    tracing::error!(operation, error = %detail, "DynamoDB call failed");
    ApiError::internal(format!("{operation}: {detail}"))
}
