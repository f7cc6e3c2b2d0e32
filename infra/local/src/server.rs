//! The local HTTP server: API Gateway's routing and JWT authorizer in front of the route
//! table's handlers, exactly as the Lambda functions run them.

use std::sync::Arc;

use axum::body::{Body as AxumBody, to_bytes};
use axum::extract::{Request as AxumRequest, State};
use axum::response::Response as AxumResponse;
use gopimi_workspaces::App;
use gopimi_workspaces::cognito::{INVITATION_TOKEN_KEY, pre_sign_up};
use gopimi_workspaces::domain::Email;
use gopimi_workspaces::error::ApiError;
use gopimi_workspaces::http::Reply;
use gopimi_workspaces::http::call::parse_json_object;
use gopimi_workspaces::http::reply::problem_response;
use gopimi_workspaces::routes::{Resolution, Router, dispatch, unmatched_response};
use http::{HeaderValue, Method, header};
use lambda_http::{Body, Response};
use serde_json::json;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::authorizer;
use crate::gateway::{self, IncomingRequest};

/// API Gateway's own payload limit; the handlers enforce the API's 64 KiB themselves.
const GATEWAY_MAX_BODY: usize = 10 * 1024 * 1024;

pub struct LocalGateway {
    pub app: App,
    pub router: Router,
    pub jwt_secret: String,
}

/// The local API. Browsers on any localhost origin may call it (a front end on its own dev
/// port), as the HTTP API's CORS configuration allows `AllowedOrigins` in AWS.
pub fn http_router(gateway: Arc<LocalGateway>) -> axum::Router {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| {
            is_local_origin(origin)
        }))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600));
    axum::Router::new()
        .fallback(handle)
        .with_state(gateway)
        .layer(cors)
}

fn is_local_origin(origin: &HeaderValue) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let host = origin
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let host = host.split(':').next().unwrap_or_default();
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

async fn handle(State(gateway): State<Arc<LocalGateway>>, request: AxumRequest) -> AxumResponse {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, GATEWAY_MAX_BODY).await else {
        return into_axum(problem_response(&ApiError::PayloadTooLarge {
            limit: GATEWAY_MAX_BODY,
        }));
    };
    let method = parts.method.as_str();
    let path = parts.uri.path();
    if path == LOCAL_SIGN_UP_PATH {
        return into_axum(local_sign_up(&gateway, method, &body).await);
    }
    let response = match gateway.router.resolve(method, path) {
        Resolution::Found(route, path_parameters) => {
            // Routes without the authorizer never see claims, token or not (as in AWS).
            let authorization = parts
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            let claims = route
                .access
                .requires_sign_in()
                .then(|| authorizer::verify(&gateway.jwt_secret, authorization))
                .flatten();
            let incoming = IncomingRequest {
                method,
                path,
                raw_query: parts.uri.query().unwrap_or(""),
                headers: parts
                    .headers
                    .iter()
                    .filter_map(|(name, value)| {
                        Some((name.to_string(), value.to_str().ok()?.to_string()))
                    })
                    .collect(),
                body: &body,
            };
            let event = gateway::api_gateway_event(
                &incoming,
                route.path,
                &path_parameters,
                claims.as_ref(),
            );
            match gateway::lambda_request(event) {
                Ok(request) => dispatch(&gateway.app, route, request).await,
                Err(error) => problem_response(&ApiError::internal(format!(
                    "building the API Gateway event: {error}"
                ))),
            }
        }
        unmatched => unmatched_response(&unmatched),
    };
    into_axum(response)
}

/// The local stand-in for Cognito's sign-up (local server only, never in AWS).
pub const LOCAL_SIGN_UP_PATH: &str = "/local/sign-up";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalSignUp {
    email: String,
    #[serde(default)]
    invitation_token: Option<String>,
}

/// `POST /local/sign-up` `{email, invitation_token?}`: runs the very pre-sign-up code the
/// Cognito trigger runs (I9) and answers a token for the new user, with the resulting
/// `email_verified`. The user id is the one `make token` gives the address, so signing up
/// again is signing in again.
async fn local_sign_up(gateway: &LocalGateway, method: &str, body: &[u8]) -> Response<Body> {
    if method != "POST" {
        return problem_response(&ApiError::MethodNotAllowed);
    }
    let request: LocalSignUp = match parse_json_object(body) {
        Ok(request) => request,
        Err(error) => return problem_response(&error),
    };
    let Some(email) = Email::parse(&request.email) else {
        return problem_response(&ApiError::bad_request(
            "invalid_email",
            "email is not a valid address",
        ));
    };
    // The same id `make token` gives this address: one email, one local user.
    let user_id = authorizer::local_user_id(email.as_str());
    let mut metadata = serde_json::Map::new();
    if let Some(token) = &request.invitation_token {
        metadata.insert(INVITATION_TOKEN_KEY.into(), json!(token));
    }
    let event = json!({
        "version": "1",
        "triggerSource": "PreSignUp_SignUp",
        "region": "local",
        "userPoolId": "local",
        "userName": user_id,
        "callerContext": {"awsSdkVersion": "local", "clientId": "local"},
        "request": {"userAttributes": {"email": email.as_str()}, "clientMetadata": metadata},
        "response": {"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false},
    });
    let event = match serde_json::from_value(event) {
        Ok(event) => event,
        Err(error) => return problem_response(&ApiError::internal(error)),
    };
    let verified = match pre_sign_up(&gateway.app, event).await {
        Ok(event) => event.response.auto_verify_email,
        Err(error) => return problem_response(&error),
    };
    let token = authorizer::mint(
        &gateway.jwt_secret,
        &authorizer::TokenRequest {
            sub: &user_id,
            email: email.as_str(),
            email_verified: verified,
            groups: &[],
        },
    );
    let reply = Reply {
        status: 201,
        body: Some(json!({"token": token, "email_verified": verified, "user_id": user_id})),
    };
    reply.into_response()
}

pub fn into_axum(response: Response<Body>) -> AxumResponse {
    let (parts, body) = response.into_parts();
    let body = match body {
        Body::Text(text) => AxumBody::from(text),
        Body::Binary(bytes) => AxumBody::from(bytes),
        _ => AxumBody::empty(),
    };
    AxumResponse::from_parts(parts, body)
}
