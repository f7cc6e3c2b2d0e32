//! The dependencies of every handler, built once per process.

use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};

use crate::config::Config;
use crate::domain::slug::{RandomSlugs, SlugSource};
use crate::mailer::Mailer;
use crate::observability::CountDynamoDbCalls;
use crate::store::Store;

/// What a handler needs: configuration, the store, the mailer and the slug source.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub mailer: Mailer,
    pub slugs: Arc<dyn SlugSource>,
}

impl App {
    /// Cold start: configuration from the environment, SDK clients from the default chain.
    pub async fn from_env() -> Result<Self, crate::config::ConfigError> {
        let config = Config::from_env()?;
        let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Ok(Self::from_sdk_config(config, &sdk))
    }

    /// Builds the SDK clients, honouring the local endpoint overrides.
    pub fn from_sdk_config(config: Config, sdk: &SdkConfig) -> Self {
        let mut dynamodb =
            aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(CountDynamoDbCalls);
        if let Some(endpoint) = &config.dynamodb_endpoint {
            dynamodb = dynamodb.endpoint_url(endpoint);
        }
        let mut ses = aws_sdk_sesv2::config::Builder::from(sdk);
        if let Some(endpoint) = &config.ses_endpoint {
            ses = ses.endpoint_url(endpoint);
        }
        Self::with_clients(
            config,
            aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            aws_sdk_sesv2::Client::from_conf(ses.build()),
        )
    }

    /// Assembles an app from ready clients (tests hand in mocked ones).
    pub fn with_clients(
        config: Config,
        dynamodb: aws_sdk_dynamodb::Client,
        ses: aws_sdk_sesv2::Client,
    ) -> Self {
        let config = Arc::new(config);
        App {
            store: Store::new(dynamodb, config.table_name.clone()),
            mailer: Mailer::new(ses, config.mail_from.clone()),
            config,
            slugs: Arc::new(RandomSlugs),
        }
    }

    /// Replaces the slug source (tests inject collisions).
    pub fn with_slugs(mut self, slugs: Arc<dyn SlugSource>) -> Self {
        self.slugs = slugs;
        self
    }
}
