//! `make dev` runs this: the table from template.yaml in DynamoDB Local, the stream pump,
//! and every route on one local HTTP server.

use std::sync::Arc;

use anyhow::{Context, Result};
use gopimi_local::authorizer::DEFAULT_LOCAL_JWT_SECRET;
use gopimi_local::server::{LocalGateway, http_router};
use gopimi_local::stream_pump::{self, StartAt};
use gopimi_local::template::Template;
use gopimi_local::{local_sdk_config, streams_client, table};
use gopimi_workspaces::observability::init_logging;
use gopimi_workspaces::routes::Router;
use gopimi_workspaces::{App, Config};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

#[tokio::main]
async fn main() -> Result<()> {
    init_logging();
    let port = env_or("API_PORT", "3000");
    let dynamodb_endpoint = format!("http://127.0.0.1:{}", env_or("DYNAMODB_PORT", "8000"));
    let ses_endpoint = format!("http://127.0.0.1:{}", env_or("SES_PORT", "8005"));
    // SAFETY of set_var: single-threaded start-up, before anything reads the environment.
    unsafe {
        std::env::set_var("TABLE_NAME", env_or("TABLE_NAME", "gopimi-workspaces"));
        std::env::set_var(
            "DYNAMODB_ENDPOINT",
            env_or("DYNAMODB_ENDPOINT", &dynamodb_endpoint),
        );
        std::env::set_var("SES_ENDPOINT", env_or("SES_ENDPOINT", &ses_endpoint));
        std::env::set_var(
            "APP_BASE_URL",
            env_or("APP_BASE_URL", &format!("http://localhost:{port}")),
        );
    }
    let config = Config::from_env()?;
    let sdk = local_sdk_config().await;
    let app = App::from_sdk_config(config.clone(), &sdk);

    let created = table::ensure_table(
        app.store.client(),
        &config.table_name,
        &Template::load_default()?,
    )
    .await
    .context("creating the table in DynamoDB Local (is it running?)")?;
    tracing::info!(table = %config.table_name, created, "table ready");

    let streams = streams_client(
        &sdk,
        config
            .dynamodb_endpoint
            .as_deref()
            .unwrap_or(&dynamodb_endpoint),
    );
    let pump_app = app.clone();
    tokio::spawn(async move {
        if let Err(error) = stream_pump::run(pump_app, streams, StartAt::Latest).await {
            tracing::error!(error = %format!("{error:#}"), "stream pump stopped");
        }
    });

    let gateway = Arc::new(LocalGateway {
        app,
        router: Router::new(),
        jwt_secret: env_or("LOCAL_JWT_SECRET", DEFAULT_LOCAL_JWT_SECRET),
    });
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .context("binding API_PORT")?;
    tracing::info!(url = %format!("http://localhost:{port}"), "local API listening");
    axum::serve(listener, http_router(gateway))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
