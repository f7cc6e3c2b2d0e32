//! What each Lambda binary runs: configuration and clients at cold start, then one route or
//! one stream consumer.

use std::convert::Infallible;

use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use lambda_http::{LambdaEvent, service_fn};

use crate::App;
use crate::events;
use crate::observability::init_logging;
use crate::routes::{self, dispatch};

pub use lambda_http::Error;

async fn cold_start() -> Result<&'static App, Error> {
    init_logging();
    let app = App::from_env().await?;
    // One App for the life of the process, shared by every invocation.
    Ok(Box::leak(Box::new(app)))
}

/// Serves the route whose function name is `function` behind API Gateway.
pub async fn serve_route(function: &str) -> Result<(), Error> {
    let route = routes::by_function(function)
        .ok_or_else(|| format!("no route for function {function:?}"))?;
    let app = cold_start().await?;
    lambda_http::run(service_fn(move |request| async move {
        Ok::<_, Infallible>(dispatch(app, route, request).await)
    }))
    .await
}

/// Serves the DynamoDB Stream consumer named `function`.
pub async fn serve_stream_consumer(function: &str) -> Result<(), Error> {
    let consumer =
        events::consumer(function).ok_or_else(|| format!("no stream consumer {function:?}"))?;
    let app = cold_start().await?;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<DynamoDbEvent>| async move {
            Ok::<_, Infallible>(events::handle_batch(app, consumer, &event.payload).await)
        },
    ))
    .await
}

/// Serves the Cognito trigger named `function`.
pub async fn serve_cognito_trigger(function: &str) -> Result<(), Error> {
    if !crate::cognito::COGNITO_TRIGGERS.contains(&function) {
        return Err(format!("no Cognito trigger {function:?}").into());
    }
    let app = cold_start().await?;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<
            aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup,
        >| async move {
            crate::cognito::pre_sign_up(app, event.payload)
                .await
                .map_err(Error::from)
        },
    ))
    .await
}
