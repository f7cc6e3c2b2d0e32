//! Builds the API Gateway HTTP API (payload v2.0) event that Lambda hands a function, and
//! turns it into the `lambda_http::Request` the handlers read, through lambda_http's own
//! deserializer. The local server and the tests both go through here.

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use lambda_http::Request;
use lambda_http::request::LambdaRequest;
use serde_json::{Value, json};

/// An HTTP request as it reaches API Gateway.
pub struct IncomingRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub raw_query: &'a str,
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

/// The v2 event for a request matched to `route_path` with `path_parameters`; `claims` are
/// what the JWT authorizer verified (`None`: no authorizer on the route, or no token).
pub fn api_gateway_event(
    request: &IncomingRequest<'_>,
    route_path: &str,
    path_parameters: &HashMap<String, String>,
    claims: Option<&HashMap<String, String>>,
) -> Value {
    let route_key = format!("{} {}", request.method.to_uppercase(), route_path);
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &request.headers {
        // HTTP API lower-cases header names and joins repeated headers with commas.
        headers
            .entry(name.to_lowercase())
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(value);
            })
            .or_insert_with(|| value.clone());
    }
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in url_pairs(request.raw_query) {
        query
            .entry(name)
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&value);
            })
            .or_insert(value);
    }
    let (body, is_base64) = match std::str::from_utf8(request.body) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(request.body),
            true,
        ),
    };
    let now = chrono::Utc::now();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": request.method.to_uppercase(),
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").cloned().unwrap_or_default(),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": is_base64,
    });
    if !query.is_empty() {
        event["queryStringParameters"] = json!(query);
    }
    if !path_parameters.is_empty() {
        event["pathParameters"] = json!(path_parameters);
    }
    if !request.body.is_empty() {
        event["body"] = json!(body);
    }
    if let Some(claims) = claims {
        event["requestContext"]["authorizer"] = json!({"jwt": {"claims": claims, "scopes": null}});
    }
    event
}

/// What the Lambda runtime does with the event: lambda_http's own conversion.
pub fn lambda_request(event: Value) -> Result<Request, serde_json::Error> {
    let parsed: LambdaRequest = serde_json::from_value(event)?;
    Ok(Request::from(parsed))
}

/// `a=1&b=x%20y` → pairs, percent-decoded (`+` is a space, as browsers send forms).
fn url_pairs(raw: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
