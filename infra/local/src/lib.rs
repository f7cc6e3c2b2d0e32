//! The local stack: everything that stands in for AWS on a laptop, around the very same
//! handlers the Lambda functions run.
//!
//! - [`template`] reads `template.yaml`, the one source of truth for the table, the routes'
//!   functions and the stream filters.
//! - [`table`] creates the table in DynamoDB Local from that definition.
//! - [`authorizer`] stands in for API Gateway's JWT authorizer (HS256, a local secret).
//! - [`gateway`] turns an HTTP request into the API Gateway HTTP API (v2) event Lambda gets.
//! - [`stream_pump`] delivers DynamoDB Local's stream to the consumers, through [`filter`].
//! - [`server`] is the local HTTP server that puts these together.

pub mod authorizer;
pub mod filter;
pub mod gateway;
pub mod server;
pub mod stream_pump;
pub mod table;
pub mod template;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

/// SDK configuration for the local services: a fixed region and dummy static credentials
/// (DynamoDB Local and the local SES accept any signed request), no AWS account involved.
pub async fn local_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "local",
            "local",
            None,
            None,
            "gopimi-local",
        ))
        .load()
        .await
}

/// A DynamoDB Streams client for DynamoDB Local.
pub fn streams_client(sdk: &SdkConfig, endpoint: &str) -> aws_sdk_dynamodbstreams::Client {
    let config = aws_sdk_dynamodbstreams::config::Builder::from(sdk)
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodbstreams::Client::from_conf(config)
}
