//! Bad input gets a clear 4xx problem+json and changes nothing.

use gopimi_tests::{Api, User, json, partition};
use gopimi_workspaces::http::MAX_BODY_BYTES;

async fn user_partition(api: &Api, user: &User) -> usize {
    partition(&api.app, &format!("USER#{}", user.id))
        .await
        .len()
}

#[tokio::test]
async fn malformed_json_unknown_fields_wrong_types_and_missing_bodies_are_400() {
    let api = Api::new().await;
    let ada = User::new();
    let cases: [(&[u8], &str); 7] = [
        (b"{\"name\": ", "malformed_json"),
        (b"not json", "malformed_json"),
        (b"{\"name\": \"A\", \"owner\": \"me\"}", "invalid_field"),
        (b"{\"name\": [\"A\"]}", "invalid_field"),
        (b"[]", "invalid_field"),
        (b"{}", "invalid_field"),
        (b"", "missing_body"),
    ];
    for (body, kind) in cases {
        let answer = api
            .send(Some(&ada), "POST", "/workspaces", Some(body))
            .await;
        answer.expect_problem(400, kind);
        assert!(!answer.body["detail"].as_str().unwrap().is_empty());
    }
    let answer = api.send(Some(&ada), "POST", "/workspaces", None).await;
    answer.expect_problem(400, "missing_body");
    assert_eq!(user_partition(&api, &ada).await, 0, "nothing was written");
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let api = Api::new().await;
    let ada = User::new();
    let big = json!({"name": "Big", "settings": {"blob": "x".repeat(MAX_BODY_BYTES)}}).to_string();
    let answer = api
        .send(Some(&ada), "POST", "/workspaces", Some(big.as_bytes()))
        .await;
    answer.expect_problem(413, "payload_too_large");
    let slug = api.create_workspace(&ada, "Small").await;
    let answer = api
        .send(
            Some(&ada),
            "PATCH",
            &format!("/workspaces/{slug}"),
            Some(big.as_bytes()),
        )
        .await;
    answer.expect_problem(413, "payload_too_large");
}

#[tokio::test]
async fn settings_that_would_not_fit_are_400() {
    let api = Api::new().await;
    let ada = User::new();
    let big = json!({"name": "Big", "settings": {"blob": "x".repeat(20_000)}});
    api.post(&ada, "/workspaces", big)
        .await
        .expect_problem(400, "settings_too_large");
    assert_eq!(user_partition(&api, &ada).await, 0);
}

#[tokio::test]
async fn no_claims_is_401_on_every_signed_in_route() {
    let api = Api::new().await;
    for route in gopimi_workspaces::routes::ROUTES
        .iter()
        .filter(|r| r.access.requires_sign_in())
    {
        let path = route.path.replace("{slug}", "abcdefgh");
        let answer = api.send(None, route.method, &path, Some(b"{}")).await;
        answer.expect_problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let api = Api::new().await;
    let ada = User::new();
    api.get(&ada, "/nope")
        .await
        .expect_problem(404, "not_found");
    api.send(Some(&ada), "PUT", "/workspaces", Some(b"{}"))
        .await
        .expect_problem(405, "method_not_allowed");
}

#[tokio::test]
async fn a_malformed_slug_is_404_like_any_unknown_workspace() {
    let api = Api::new().await;
    let ada = User::new();
    for slug in ["ABCDEFGH", "short", "abcdefgh1", "abc%20efg"] {
        api.get(&ada, &format!("/workspaces/{slug}"))
            .await
            .expect_problem(404, "not_found");
    }
}

#[tokio::test]
async fn bodies_on_read_endpoints_are_refused() {
    let api = Api::new().await;
    let ada = User::new();
    api.send(Some(&ada), "GET", "/me", Some(b"{\"x\": 1}"))
        .await
        .expect_problem(400, "unexpected_body");
    api.send(Some(&ada), "GET", "/me", Some(b"{}"))
        .await
        .expect(200);
}

#[tokio::test]
async fn bodies_must_be_json_objects_not_arrays_or_scalars() {
    let api = Api::new().await;
    let ada = User::new();
    for body in [&b"[\"Array WS\"]"[..], b"\"Acme\"", b"42", b"null", b"true"] {
        let answer = api
            .send(Some(&ada), "POST", "/workspaces", Some(body))
            .await;
        answer.expect_problem(400, "invalid_field");
    }
    assert_eq!(user_partition(&api, &ada).await, 0, "nothing was written");
    let slug = api.create_workspace(&ada, "Objects only").await;
    let answer = api
        .send(
            Some(&ada),
            "PATCH",
            &format!("/workspaces/{slug}"),
            Some(b"[\"x\"]"),
        )
        .await;
    answer.expect_problem(400, "invalid_field");
    let answer = api
        .send(
            Some(&ada),
            "POST",
            &format!("/workspaces/{slug}/tickets"),
            Some(b"[\"subject\"]"),
        )
        .await;
    answer.expect_problem(400, "invalid_field");
}
