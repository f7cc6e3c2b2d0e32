//! GoPimi Workspaces: the domain logic behind every Lambda function, the local server and the tests.
//!
//! Reading order follows a request: [`routes`] (the route table) → [`http`] (parsing the
//! API Gateway request, problem+json) → [`handlers`] (one module per resource) → [`domain`]
//! (rules and valid values) → [`store`] (each domain intent as one DynamoDB write) and
//! [`mailer`] (SES v2). [`events`] holds the DynamoDB Stream consumers.

pub mod app;
pub mod cognito;
pub mod config;
pub mod domain;
pub mod emails;
pub mod error;
pub mod events;
pub mod handlers;
pub mod http;
pub mod identity;
pub mod lambda;
pub mod mailer;
pub mod observability;
pub mod routes;
pub mod store;

pub use app::App;
pub use config::Config;
pub use error::ApiError;
