//! The local server: API Gateway's JWT authorizer stand-in and routing, end to end over HTTP
//! semantics (axum), into the same handlers.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use gopimi_local::authorizer::{TokenRequest, mint};
use gopimi_local::server::{LocalGateway, http_router};
use gopimi_tests::app;
use gopimi_workspaces::routes::Router;
use http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "test-secret";

async fn gateway() -> axum::Router {
    http_router(Arc::new(LocalGateway {
        app: app().await,
        router: Router::new(),
        jwt_secret: SECRET.into(),
    }))
}

async fn send(
    router: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, String, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = body
        .map(|b| Body::from(b.to_string()))
        .unwrap_or_else(Body::empty);
    let response = router
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, content_type, json)
}

fn token_for(email: &str, sub: &str) -> String {
    mint(
        SECRET,
        &TokenRequest {
            sub,
            email,
            email_verified: true,
            groups: &[],
        },
    )
}

#[tokio::test]
async fn a_signed_token_reaches_the_handlers_as_api_gateway_claims() {
    let router = gateway().await;
    let sub = uuid::Uuid::new_v4().to_string();
    let token = token_for("Ada@Example.com", &sub);
    let (status, _, me) = send(&router, "GET", "/me", Some(&token), None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], sub.as_str());
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(me["email_verified"], true);

    let (status, _, created) = send(
        &router,
        "POST",
        "/workspaces",
        Some(&token),
        Some(json!({"name": "Over HTTP"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let (status, _, list) = send(&router, "GET", "/workspaces?limit=10", Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["slug"], created["slug"]);
}

#[tokio::test]
async fn missing_forged_or_foreign_tokens_are_401() {
    let router = gateway().await;
    let (status, content_type, body) = send(&router, "GET", "/me", None, None).await;
    assert_eq!(
        (status, content_type.as_str()),
        (401, "application/problem+json")
    );
    assert_eq!(body["type"], "unauthorized");
    let foreign = mint(
        "another-secret",
        &TokenRequest {
            sub: "u1",
            email: "a@example.com",
            email_verified: true,
            groups: &[],
        },
    );
    assert_eq!(
        send(&router, "GET", "/me", Some(&foreign), None).await.0,
        401
    );
    assert_eq!(
        send(&router, "GET", "/me", Some("not.a.jwt"), None).await.0,
        401
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_are_problems() {
    let router = gateway().await;
    let token = token_for("a@example.com", &uuid::Uuid::new_v4().to_string());
    let (status, content_type, body) = send(&router, "GET", "/nowhere", Some(&token), None).await;
    assert_eq!(
        (status, content_type.as_str(), body["type"].as_str()),
        (404, "application/problem+json", Some("not_found"))
    );
    let (status, _, body) = send(&router, "DELETE", "/me", Some(&token), None).await;
    assert_eq!(
        (status, body["type"].as_str()),
        (405, Some("method_not_allowed"))
    );
}

#[tokio::test]
async fn browsers_on_localhost_may_call_the_local_api() {
    let router = gateway().await;
    let preflight = Request::builder()
        .method("OPTIONS")
        .uri("/workspaces")
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(preflight).await.unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    let elsewhere = Request::builder()
        .method("OPTIONS")
        .uri("/workspaces")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(elsewhere).await.unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
