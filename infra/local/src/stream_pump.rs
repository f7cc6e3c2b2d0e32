//! Delivers DynamoDB Local's stream to the stream consumers, as Lambda's event source
//! mapping does in AWS: records in the Lambda event shape, the template's FilterCriteria,
//! batches per consumer, partial batch failures retried, then given up (logged).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use gopimi_workspaces::App;
use gopimi_workspaces::events::{self, StreamConsumer};
use serde_json::{Value, json};

use crate::filter;
use crate::template::Template;

/// Where to start reading shards that exist when the pump starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartAt {
    /// Only what happens from now on (the dev server, whose table outlives restarts).
    Latest,
    /// Everything the stream still holds (tests, on a fresh table).
    TrimHorizon,
}

const DELIVERY_ATTEMPTS: u32 = 5;

struct Subscriber {
    consumer: &'static StreamConsumer,
    patterns: Vec<Value>,
}

/// The consumers of `template.yaml`, each with its filters; every one must exist in the code.
fn subscribers(template: &Template) -> Result<Vec<Subscriber>> {
    template
        .stream_functions()?
        .into_iter()
        .map(|function| {
            let consumer = events::consumer(&function.binary).ok_or_else(|| {
                anyhow!(
                    "template names stream consumer {} that the code lacks",
                    function.binary
                )
            })?;
            let patterns = function
                .filter_patterns
                .iter()
                .map(|p| {
                    serde_json::from_str(p)
                        .with_context(|| format!("{}: filter pattern", function.logical_id))
                })
                .collect::<Result<_>>()?;
            Ok(Subscriber { consumer, patterns })
        })
        .collect()
}

/// Runs forever, delivering the table's stream to the consumers. A failed poll (DynamoDB
/// Local restarting, say) is logged and the pump starts over from where it was.
pub async fn run(app: App, streams: aws_sdk_dynamodbstreams::Client, start: StartAt) -> Result<()> {
    let subscribers = subscribers(&Template::load_default()?)?;
    let mut iterators: HashMap<String, Option<String>> = HashMap::new();
    let mut start = start;
    loop {
        if let Err(error) = pump(&app, &streams, &subscribers, &mut iterators, start).await {
            tracing::warn!(error = %format!("{error:#}"), "stream pump: polling failed; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // Shards found after a failure are new: read them from their start.
        start = StartAt::TrimHorizon;
    }
}

async fn pump(
    app: &App,
    streams: &aws_sdk_dynamodbstreams::Client,
    subscribers: &[Subscriber],
    iterators: &mut HashMap<String, Option<String>>,
    start: StartAt,
) -> Result<()> {
    let table = app.config.table_name.clone();
    let described = app
        .store
        .client()
        .describe_table()
        .table_name(&table)
        .send()
        .await?;
    let stream_arn = described
        .table()
        .and_then(|t| t.latest_stream_arn())
        .ok_or_else(|| anyhow!("table {table} has no stream"))?
        .to_string();
    let mut first_round = true;
    loop {
        let described = streams
            .describe_stream()
            .stream_arn(&stream_arn)
            .send()
            .await?;
        let shards = described
            .stream_description()
            .map(|d| d.shards().to_vec())
            .unwrap_or_default();
        for shard in shards {
            let Some(shard_id) = shard.shard_id() else {
                continue;
            };
            if iterators.contains_key(shard_id) {
                continue;
            }
            let position = if first_round && start == StartAt::Latest {
                ShardIteratorType::Latest
            } else {
                ShardIteratorType::TrimHorizon
            };
            let iterator = streams
                .get_shard_iterator()
                .stream_arn(&stream_arn)
                .shard_id(shard_id)
                .shard_iterator_type(position)
                .send()
                .await?
                .shard_iterator;
            iterators.insert(shard_id.to_string(), iterator);
        }
        first_round = false;

        let mut delivered_any = false;
        for iterator in iterators.values_mut() {
            let Some(current) = iterator.clone() else {
                continue;
            };
            let output = streams
                .get_records()
                .shard_iterator(current)
                .limit(1000)
                .send()
                .await?;
            *iterator = output.next_shard_iterator;
            if output.records.as_ref().is_some_and(|r| !r.is_empty()) {
                delivered_any = true;
                let records: Vec<Value> = output
                    .records
                    .unwrap_or_default()
                    .iter()
                    .map(|r| lambda_record(r, &stream_arn))
                    .collect();
                deliver(app, subscribers, &records).await;
            }
        }
        if !delivered_any {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn deliver(app: &App, subscribers: &[Subscriber], records: &[Value]) {
    for subscriber in subscribers {
        let mut batch: Vec<Value> = records
            .iter()
            .filter(|record| {
                subscriber.patterns.is_empty()
                    || subscriber
                        .patterns
                        .iter()
                        .any(|p| filter::matches(p, record))
            })
            .cloned()
            .collect();
        for attempt in 1..=DELIVERY_ATTEMPTS {
            if batch.is_empty() {
                break;
            }
            let event: DynamoDbEvent = match serde_json::from_value(json!({ "Records": batch })) {
                Ok(event) => event,
                Err(error) => {
                    tracing::error!(%error, "stream record does not decode as a Lambda DynamoDB event");
                    break;
                }
            };
            let response = events::handle_batch(app, subscriber.consumer, &event).await;
            let failed: Vec<String> = response
                .batch_item_failures
                .iter()
                .filter_map(|f| f.item_identifier.clone())
                .collect();
            batch.retain(|record| {
                record["dynamodb"]["SequenceNumber"]
                    .as_str()
                    .is_some_and(|seq| failed.iter().any(|f| f == seq))
            });
            if !batch.is_empty() {
                tracing::warn!(
                    function = subscriber.consumer.function,
                    attempt,
                    failed = batch.len(),
                    "retrying stream records"
                );
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
        }
        if !batch.is_empty() {
            tracing::error!(
                function = subscriber.consumer.function,
                dropped = batch.len(),
                "stream records given up"
            );
        }
    }
}

/// A stream record in the shape Lambda delivers it.
pub fn lambda_record(record: &Record, stream_arn: &str) -> Value {
    let image =
        |map: Option<&HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>>| -> Value {
            map.map(|m| {
                serde_json::to_value(serde_dynamo::Item::from(m.clone())).unwrap_or(Value::Null)
            })
            .unwrap_or(Value::Null)
        };
    let change = record.dynamodb();
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": change.and_then(|c| c.approximate_creation_date_time()).map(|t| t.secs()).unwrap_or(0),
        "Keys": image(change.and_then(|c| c.keys.as_ref())),
        "SequenceNumber": change.and_then(|c| c.sequence_number()).unwrap_or_default(),
        "SizeBytes": change.and_then(|c| c.size_bytes()).unwrap_or(0),
        "StreamViewType": change.and_then(|c| c.stream_view_type()).map(|v| v.as_str()).unwrap_or("NEW_AND_OLD_IMAGES"),
    });
    let new_image = image(change.and_then(|c| c.new_image.as_ref()));
    if !new_image.is_null() {
        dynamodb["NewImage"] = new_image;
    }
    let old_image = image(change.and_then(|c| c.old_image.as_ref()));
    if !old_image.is_null() {
        dynamodb["OldImage"] = old_image;
    }
    json!({
        "eventID": record.event_id().unwrap_or_default(),
        "eventName": record.event_name().map(|n| n.as_str()).unwrap_or_default(),
        "eventVersion": record.event_version().unwrap_or("1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.aws_region().unwrap_or("us-east-1"),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    })
}
