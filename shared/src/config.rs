//! Configuration from the environment, read once at cold start.

use std::env;

/// Everything the service reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// The one DynamoDB table (`TABLE_NAME`).
    pub table_name: String,
    /// Sender of every email (`MAIL_FROM`), a verified SES identity in AWS.
    pub mail_from: String,
    /// Base URL of the product's pages; invitation links are `{APP_BASE_URL}/invitations/{token}`.
    pub app_base_url: String,
    /// How long an invitation stays acceptable (`INVITATION_TTL_SECONDS`, default 7 days).
    pub invitation_ttl_seconds: i64,
    /// Endpoint overrides for DynamoDB Local and the local SES; `None` in AWS.
    pub dynamodb_endpoint: Option<String>,
    pub ses_endpoint: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

pub const DEFAULT_INVITATION_TTL_SECONDS: i64 = 7 * 24 * 60 * 60;

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &str| env::var(name).ok().filter(|v| !v.trim().is_empty());
        let invitation_ttl_seconds = match var("INVITATION_TTL_SECONDS") {
            None => DEFAULT_INVITATION_TTL_SECONDS,
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| {
                    ConfigError(format!(
                        "INVITATION_TTL_SECONDS must be a positive integer, got {raw:?}"
                    ))
                })?,
        };
        Ok(Config {
            table_name: var("TABLE_NAME")
                .ok_or_else(|| ConfigError("TABLE_NAME is not set".into()))?,
            mail_from: var("MAIL_FROM").unwrap_or_else(|| "GoPimi <no-reply@gopimi.local>".into()),
            app_base_url: var("APP_BASE_URL")
                .unwrap_or_else(|| "http://localhost:3000".into())
                .trim_end_matches('/')
                .to_string(),
            invitation_ttl_seconds,
            dynamodb_endpoint: var("DYNAMODB_ENDPOINT"),
            ses_endpoint: var("SES_ENDPOINT"),
        })
    }
}
