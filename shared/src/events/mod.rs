//! DynamoDB Stream consumers. Each is its own Lambda function; `template.yaml` holds the
//! FilterCriteria that decide which records reach it (the local stream pump applies the same).
//! Every consumer is idempotent: a record may arrive twice, or after a crash half-way.

pub mod invitation_accepted;
pub mod member_removed;
pub mod workspace_deleted;

use aws_lambda_events::event::dynamodb::{Event as DynamoDbEvent, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use crate::App;
use crate::error::ApiError;

pub type ConsumerFuture<'a> = BoxFuture<'a, Result<(), ApiError>>;
pub type RecordHandler = for<'a> fn(&'a App, &'a EventRecord) -> ConsumerFuture<'a>;

/// One stream-triggered function.
pub struct StreamConsumer {
    /// The Lambda function (and binary) name.
    pub function: &'static str,
    pub summary: &'static str,
    pub handle_record: RecordHandler,
}

pub static STREAM_CONSUMERS: &[StreamConsumer] = &[
    StreamConsumer {
        function: "workspace-deleted",
        summary: "Removes a deleted workspace's members, memberships and contents",
        handle_record: |app, record| Box::pin(workspace_deleted::handle(app, record)),
    },
    StreamConsumer {
        function: "invitation-accepted",
        summary: "Audits an accepted invitation and emails the inviter that the person joined",
        handle_record: |app, record| Box::pin(invitation_accepted::handle(app, record)),
    },
    StreamConsumer {
        function: "member-removed",
        summary: "Unassigns a removed member's tickets in that workspace",
        handle_record: |app, record| Box::pin(member_removed::handle(app, record)),
    },
];

pub fn consumer(function: &str) -> Option<&'static StreamConsumer> {
    STREAM_CONSUMERS.iter().find(|c| c.function == function)
}

/// Handles a batch in order. On the first failure, that record and every later one are
/// reported (`ReportBatchItemFailures`), so Lambda retries from there and order is kept.
pub async fn handle_batch(
    app: &App,
    consumer: &StreamConsumer,
    event: &DynamoDbEvent,
) -> DynamoDbEventResponse {
    let mut failed: Vec<String> = Vec::new();
    for record in &event.records {
        if !failed.is_empty() {
            failed.push(sequence_number(record));
            continue;
        }
        if let Err(error) = (consumer.handle_record)(app, record).await {
            tracing::error!(function = consumer.function, event_id = %record.event_id, %error, "stream record failed");
            failed.push(sequence_number(record));
        }
    }
    let response = serde_json::json!({
        "batchItemFailures": failed.iter().map(|id| serde_json::json!({"itemIdentifier": id})).collect::<Vec<_>>()
    });
    serde_json::from_value(response).expect("batch response shape is fixed")
}

fn sequence_number(record: &EventRecord) -> String {
    record
        .change
        .sequence_number
        .clone()
        .unwrap_or_else(|| record.event_id.clone())
}

/// Decodes a stream image into the item type the store writes (`None` if absent).
pub fn image<T: DeserializeOwned>(image: &serde_dynamo::Item) -> Result<Option<T>, ApiError> {
    if image.is_empty() {
        return Ok(None);
    }
    serde_dynamo::from_item(image.clone())
        .map(Some)
        .map_err(ApiError::internal)
}
