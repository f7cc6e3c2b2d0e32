//! Creates the table in DynamoDB Local exactly as `template.yaml` defines it.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus,
    TimeToLiveSpecification,
};
use serde_yaml_ng::Value;

use crate::template::Template;

fn text<'a>(value: &'a Value, key: &str) -> Result<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("table definition: missing {key}"))
}

fn key_schema(value: &Value) -> Result<Vec<KeySchemaElement>> {
    value
        .as_sequence()
        .ok_or_else(|| anyhow!("KeySchema is not a list"))?
        .iter()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(text(k, "AttributeName")?)
                .key_type(KeyType::from(text(k, "KeyType")?))
                .build()?)
        })
        .collect()
}

/// Creates `table_name` from the template's table (keys, GSIs, stream, TTL) unless it
/// exists, and waits until it is active. Returns whether it was created.
pub async fn ensure_table(client: &Client, table_name: &str, template: &Template) -> Result<bool> {
    if let Ok(existing) = client.describe_table().table_name(table_name).send().await
        && existing.table().is_some()
    {
        return Ok(false);
    }
    let properties = template.table_properties()?;
    let mut create = client
        .create_table()
        .table_name(table_name)
        .billing_mode(BillingMode::PayPerRequest);
    for definition in properties
        .get("AttributeDefinitions")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(definition, "AttributeName")?)
                .attribute_type(ScalarAttributeType::from(text(
                    definition,
                    "AttributeType",
                )?))
                .build()?,
        );
    }
    create = create.set_key_schema(Some(key_schema(
        properties
            .get("KeySchema")
            .ok_or_else(|| anyhow!("no KeySchema"))?,
    )?));
    for index in properties
        .get("GlobalSecondaryIndexes")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let projection = index
            .get("Projection")
            .ok_or_else(|| anyhow!("GSI without Projection"))?;
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(text(index, "IndexName")?)
                .set_key_schema(Some(key_schema(
                    index
                        .get("KeySchema")
                        .ok_or_else(|| anyhow!("GSI without KeySchema"))?,
                )?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(text(projection, "ProjectionType")?))
                        .build(),
                )
                .build()?,
        );
    }
    if let Some(stream) = properties.get("StreamSpecification") {
        create = create.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(text(stream, "StreamViewType")?))
                .build()?,
        );
    }
    create
        .send()
        .await
        .with_context(|| format!("creating table {table_name}"))?;

    for _ in 0..100 {
        let described = client
            .describe_table()
            .table_name(table_name)
            .send()
            .await?;
        if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if let Some(ttl) = properties.get("TimeToLiveSpecification") {
        client
            .update_time_to_live()
            .table_name(table_name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(text(ttl, "AttributeName")?)
                    .enabled(true)
                    .build()?,
            )
            .send()
            .await
            .context("enabling TTL")?;
    }
    Ok(true)
}
