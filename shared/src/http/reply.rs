//! Successful answers and problem+json, turned into HTTP responses.

use lambda_http::{Body, Response};
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;

/// A successful answer: a status and an optional JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
}

impl Reply {
    pub fn ok(body: impl Serialize) -> Result<Reply, ApiError> {
        Self::json(200, body)
    }

    pub fn created(body: impl Serialize) -> Result<Reply, ApiError> {
        Self::json(201, body)
    }

    pub fn no_content() -> Result<Reply, ApiError> {
        Ok(Reply {
            status: 204,
            body: None,
        })
    }

    fn json(status: u16, body: impl Serialize) -> Result<Reply, ApiError> {
        let body = serde_json::to_value(body).map_err(ApiError::internal)?;
        Ok(Reply {
            status,
            body: Some(body),
        })
    }

    pub fn into_response(self) -> Response<Body> {
        let builder = Response::builder().status(self.status);
        match self.body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::Text(body.to_string())),
            None => builder.body(Body::Empty),
        }
        .expect("a status code and static headers make a valid response")
    }
}

/// The problem+json response for an error.
pub fn problem_response(error: &ApiError) -> Response<Body> {
    let mut builder = Response::builder()
        .status(error.status())
        .header("content-type", "application/problem+json");
    if let Some(seconds) = error.retry_after_seconds() {
        builder = builder.header("retry-after", seconds.to_string());
    }
    builder
        .body(Body::Text(error.problem().to_string()))
        .expect("a status code and static headers make a valid response")
}
