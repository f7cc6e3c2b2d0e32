//! One request, already authenticated and parsed into what handlers need.

use std::collections::HashMap;

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

use crate::domain::Slug;
use crate::error::ApiError;
use crate::identity::Caller;

/// Bodies above this are refused with 413 before any parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What a handler receives: the caller (if signed in), path and query parameters, the body.
#[derive(Debug)]
pub struct Call {
    caller: Option<Caller>,
    path: HashMap<String, String>,
    query: QueryMap,
    body: Vec<u8>,
}

impl Call {
    /// Reads identity only from the authorizer's claims in the request context, never
    /// from anything else the client sends.
    pub fn from_request(request: Request) -> Result<Call, ApiError> {
        let caller = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(context)) => context
                .authorizer
                .as_ref()
                .and_then(|authorizer| authorizer.jwt.as_ref())
                .and_then(|jwt| Caller::from_claims(&jwt.claims)),
            _ => None,
        };
        let path = request
            .path_parameters()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let query = request.query_string_parameters();
        let body = match request.into_body() {
            Body::Empty => Vec::new(),
            Body::Text(text) => text.into_bytes(),
            Body::Binary(bytes) => bytes,
            _ => Vec::new(),
        };
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        Ok(Call {
            caller,
            path,
            query,
            body,
        })
    }

    /// The signed-in caller, or 401.
    pub fn caller(&self) -> Result<&Caller, ApiError> {
        self.caller.as_ref().ok_or(ApiError::Unauthorized)
    }

    pub fn is_signed_in(&self) -> bool {
        self.caller.is_some()
    }

    /// A path parameter the route template guarantees.
    pub fn path(&self, name: &str) -> Result<&str, ApiError> {
        self.path
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::internal(format!("route has no path parameter {name:?}")))
    }

    /// The `{slug}` of the path. A malformed slug names no workspace: 404, like any other.
    pub fn slug(&self) -> Result<Slug, ApiError> {
        Slug::parse(self.path("slug")?).ok_or_else(ApiError::workspace_not_found)
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.first(name)
    }

    /// Parses the JSON body into a typed request (`deny_unknown_fields` on the type). Every
    /// request body of the API is a JSON object: serde would otherwise read an array into a
    /// struct by position.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        parse_json_object(&self.body)
    }

    /// For endpoints that take no body: anything but nothing (or `{}`) is a 400.
    pub fn no_body(&self) -> Result<(), ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        match serde_json::from_slice::<serde_json::Value>(&self.body) {
            Ok(serde_json::Value::Object(map)) if map.is_empty() => Ok(()),
            _ => Err(ApiError::bad_request(
                "unexpected_body",
                "this endpoint takes no request body",
            )),
        }
    }
}

/// A JSON object body as `T`: 400 `missing_body`, `malformed_json` (not JSON) or
/// `invalid_field` (not an object, or not the fields `T` takes).
pub fn parse_json_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "missing_body",
            "a JSON body is required",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::bad_request("malformed_json", format!("request body: {error}"))
    })?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "invalid_field",
            "request body must be a JSON object",
        ));
    }
    serde_json::from_value(value)
        .map_err(|error| ApiError::bad_request("invalid_field", format!("request body: {error}")))
}
