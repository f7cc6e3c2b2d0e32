//! Plans, quotas, usage and operator overrides against DynamoDB Local: Q1–Q4, W3 overrides,
//! and the domains, webhooks and files they govern.

use std::collections::HashSet;

use futures::future::join_all;
use gopimi_tests::{Answer, Api, User, json, partition, raw_item, seed_member};
use gopimi_workspaces::domain::Role;
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::Value;

const MIB: u64 = 1024 * 1024;

async fn set_plan(api: &Api, user: &User, plan: &str) -> Value {
    api.put(
        &User::operator(),
        &format!("/admin/users/{}/plan", user.id),
        json!({ "plan": plan }),
    )
    .await
    .expect(200)
    .clone()
}

async fn set_limits(api: &Api, user: &User, body: Value) -> Value {
    api.put(
        &User::operator(),
        &format!("/admin/users/{}/limits", user.id),
        body,
    )
    .await
    .expect(200)
    .clone()
}

/// A new owner on `plan` and a workspace they created.
async fn workspace_on(api: &Api, plan: &str) -> (User, String) {
    let owner = User::new();
    set_plan(api, &owner, plan).await;
    let slug = api.create_workspace(&owner, "Desk").await;
    (owner, slug)
}

async fn usage(api: &Api, owner: &User, slug: &str) -> Value {
    api.get(owner, &format!("/workspaces/{slug}/usage"))
        .await
        .expect(200)
        .clone()
}

/// Every item of a list endpoint, following `next_cursor`.
async fn list_all(api: &Api, user: &User, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let uri = match &cursor {
            Some(cursor) => format!("{path}?limit=7&cursor={cursor}"),
            None => format!("{path}?limit=7"),
        };
        let page = api.get(user, &uri).await.expect(200).clone();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return items,
        }
    }
}

fn statuses(answers: &[Answer]) -> Vec<u16> {
    answers.iter().map(|a| a.status).collect()
}

/// Exactly one 201; every other answer a 429 naming the resource, its limit and usage.
#[track_caller]
fn exactly_one_created(answers: &[Answer], resource: &str, limit: u64, used: u64) {
    assert_eq!(
        answers.iter().filter(|a| a.status == 201).count(),
        1,
        "{:?}",
        statuses(answers)
    );
    for refused in answers.iter().filter(|a| a.status != 201) {
        let problem = refused.expect_problem(429, "quota_exceeded");
        assert_eq!(problem["resource"], resource, "{problem}");
        assert_eq!(problem["limit"], limit, "{problem}");
        assert_eq!(problem["used"], used, "{problem}");
    }
}

// ---- Q1: every create checked atomically against its limit -------------------------------

#[tokio::test]
async fn q1_25_concurrent_domain_creates_at_one_below_the_limit_give_exactly_one_201() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "pro").await;
    let path = format!("/workspaces/{slug}/domains");
    api.post(&owner, &path, json!({"domain": "first.acme.example"}))
        .await
        .expect(201);
    let answers = join_all((0..25).map(|i| {
        let (api, owner, path) = (api.clone(), owner.clone(), path.clone());
        async move {
            api.post(
                &owner,
                &path,
                json!({"domain": format!("d{i}.acme.example")}),
            )
            .await
        }
    }))
    .await;
    exactly_one_created(&answers, "domains", 2, 2);
    assert_eq!(list_all(&api, &owner, &path).await.len(), 2);
    assert_eq!(
        usage(&api, &owner, &slug).await["domains"],
        json!({"used": 2, "limit": 2})
    );
}

#[tokio::test]
async fn q1_25_concurrent_webhook_creates_at_one_below_the_limit_give_exactly_one_201() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "pro").await;
    let path = format!("/workspaces/{slug}/webhooks");
    for i in 0..4 {
        api.post(
            &owner,
            &path,
            json!({"url": format!("https://hooks.acme.example/{i}")}),
        )
        .await
        .expect(201);
    }
    let answers = join_all((0..25).map(|i| {
        let (api, owner, path) = (api.clone(), owner.clone(), path.clone());
        async move {
            api.post(
                &owner,
                &path,
                json!({"url": format!("https://race.acme.example/{i}")}),
            )
            .await
        }
    }))
    .await;
    exactly_one_created(&answers, "webhooks", 5, 5);
    assert_eq!(list_all(&api, &owner, &path).await.len(), 5);
    assert_eq!(
        usage(&api, &owner, &slug).await["webhooks"],
        json!({"used": 5, "limit": 5})
    );
}

#[tokio::test]
async fn q1_25_concurrent_file_creates_at_one_below_the_storage_limit_give_exactly_one_201() {
    let api = Api::new().await;
    let owner = User::new();
    set_limits(&api, &owner, json!({"storage_bytes": 1000})).await;
    let slug = api.create_workspace(&owner, "Desk").await;
    let path = format!("/workspaces/{slug}/files");
    api.post(&owner, &path, json!({"name": "big.bin", "size_bytes": 900}))
        .await
        .expect(201);
    let answers = join_all((0..25).map(|i| {
        let (api, owner, path) = (api.clone(), owner.clone(), path.clone());
        async move {
            api.post(
                &owner,
                &path,
                json!({"name": format!("f{i}"), "size_bytes": 100}),
            )
            .await
        }
    }))
    .await;
    exactly_one_created(&answers, "storage_bytes", 1000, 1000);
    let files = list_all(&api, &owner, &path).await;
    assert_eq!(files.len(), 2);
    assert_eq!(
        usage(&api, &owner, &slug).await["storage_bytes"],
        json!({"used": 1000, "limit": 1000})
    );
}

#[tokio::test]
async fn q1_lite_webhooks_are_zero_so_the_first_webhook_is_429_and_changes_nothing() {
    let api = Api::new().await;
    let owner = User::new();
    let slug = api.create_workspace(&owner, "Lite desk").await;
    let before = partition(&api.app, &format!("WS#{slug}")).await;
    let problem = api
        .post(
            &owner,
            &format!("/workspaces/{slug}/webhooks"),
            json!({"url": "https://hooks.acme.example/in"}),
        )
        .await;
    let problem = problem.expect_problem(429, "quota_exceeded");
    assert_eq!(problem["resource"], "webhooks");
    assert_eq!(problem["limit"], 0);
    assert_eq!(problem["used"], 0);
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);
}

#[tokio::test]
async fn q1_a_file_one_byte_over_the_storage_limit_is_429_and_exactly_at_the_limit_is_201() {
    let api = Api::new().await;
    let owner = User::new();
    let slug = api.create_workspace(&owner, "Lite desk").await;
    let path = format!("/workspaces/{slug}/files");
    let limit = 500 * MIB;
    let before = partition(&api.app, &format!("WS#{slug}")).await;
    let over = api
        .post(
            &owner,
            &path,
            json!({"name": "huge", "size_bytes": limit + 1}),
        )
        .await;
    let problem = over.expect_problem(429, "quota_exceeded");
    assert_eq!(problem["resource"], "storage_bytes");
    assert_eq!(problem["limit"], limit);
    assert_eq!(problem["used"], 0);
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);

    api.post(&owner, &path, json!({"name": "a", "size_bytes": 300 * MIB}))
        .await
        .expect(201);
    let over = api
        .post(
            &owner,
            &path,
            json!({"name": "b", "size_bytes": 200 * MIB + 1}),
        )
        .await;
    assert_eq!(
        over.expect_problem(429, "quota_exceeded")["used"],
        300 * MIB
    );
    api.post(&owner, &path, json!({"name": "b", "size_bytes": 200 * MIB}))
        .await
        .expect(201);
    let full = api
        .post(&owner, &path, json!({"name": "c", "size_bytes": 1}))
        .await;
    assert_eq!(full.expect_problem(429, "quota_exceeded")["used"], limit);
    assert_eq!(
        usage(&api, &owner, &slug).await["storage_bytes"],
        json!({"used": limit, "limit": limit})
    );
}

#[tokio::test]
async fn q1_a_duplicate_domain_is_409_even_when_full_and_concurrent_duplicates_make_one() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "business").await;
    let path = format!("/workspaces/{slug}/domains");
    let answers = join_all((0..10).map(|i| {
        let (api, owner, path) = (api.clone(), owner.clone(), path.clone());
        // Spelled differently, the same domain.
        let spelled = if i % 2 == 0 {
            " Help.Acme.Example "
        } else {
            "help.acme.example."
        };
        async move { api.post(&owner, &path, json!({ "domain": spelled })).await }
    }))
    .await;
    assert_eq!(
        answers.iter().filter(|a| a.status == 201).count(),
        1,
        "{:?}",
        statuses(&answers)
    );
    for refused in answers.iter().filter(|a| a.status != 201) {
        assert_eq!(
            refused.expect_problem(409, "domain_exists")["domain"],
            "help.acme.example"
        );
    }
    let created = answers.iter().find(|a| a.status == 201).unwrap();
    assert_eq!(created.body["domain"], "help.acme.example");
    for domain in ["two.acme.example", "three.acme.example"] {
        api.post(&owner, &path, json!({ "domain": domain }))
            .await
            .expect(201);
    }
    // Full (3 of 3), and still a duplicate is named as such.
    api.post(&owner, &path, json!({"domain": "HELP.acme.example"}))
        .await
        .expect_problem(409, "domain_exists");
    api.post(&owner, &path, json!({"domain": "four.acme.example"}))
        .await
        .expect_problem(429, "quota_exceeded");
    assert_eq!(
        usage(&api, &owner, &slug).await["domains"],
        json!({"used": 3, "limit": 3})
    );
}

#[tokio::test]
async fn domains_must_be_hostnames_and_bad_ones_change_nothing() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "business").await;
    let path = format!("/workspaces/{slug}/domains");
    let before = partition(&api.app, &format!("WS#{slug}")).await;
    for bad in [
        json!({"domain": ""}),
        json!({"domain": "localhost"}),
        json!({"domain": "https://acme.example"}),
        json!({"domain": "acme.example:8080"}),
        json!({"domain": "*.acme.example"}),
        json!({"domain": "10.0.0.1"}),
        json!({"domain": "-bad.acme.example"}),
        json!({"domain": format!("{}.example", "a".repeat(64))}),
    ] {
        api.post(&owner, &path, bad)
            .await
            .expect_problem(400, "validation_failed");
    }
    api.post(&owner, &path, json!({"domain": 42}))
        .await
        .expect_problem(400, "invalid_field");
    api.post(
        &owner,
        &path,
        json!({"domain": "ok.example", "primary": true}),
    )
    .await
    .expect_problem(400, "invalid_field");
    api.send(Some(&owner), "POST", &path, None)
        .await
        .expect_problem(400, "missing_body");
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);
    let created = api
        .post(&owner, &path, json!({"domain": "  Support.ACME.example "}))
        .await;
    assert_eq!(created.expect(201)["domain"], "support.acme.example");
    let listed = list_all(&api, &owner, &path).await;
    assert_eq!(listed[0]["domain"], "support.acme.example");
}

// ---- Webhooks --------------------------------------------------------------------------

#[tokio::test]
async fn webhooks_need_public_https_urls_and_known_events() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "pro").await;
    let path = format!("/workspaces/{slug}/webhooks");
    let before = partition(&api.app, &format!("WS#{slug}")).await;
    for bad in [
        json!({"url": "http://hooks.acme.example/in"}),
        json!({"url": "https://user:pw@hooks.acme.example/in"}),
        json!({"url": "https://localhost/in"}),
        json!({"url": "https://127.0.0.1/in"}),
        json!({"url": "https://10.0.0.8/in"}),
        json!({"url": "https://169.254.169.254/latest"}),
        json!({"url": "https://[::1]/in"}),
        json!({"url": "not a url"}),
        json!({"url": "https://hooks.acme.example/in", "events": []}),
        json!({"url": "https://hooks.acme.example/in", "events": ["ticket.created"]}),
    ] {
        api.post(&owner, &path, bad)
            .await
            .expect_problem(400, "validation_failed");
    }
    api.post(
        &owner,
        &path,
        json!({"url": "https://hooks.acme.example/in", "secret": "mine"}),
    )
    .await
    .expect_problem(400, "invalid_field");
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);

    let all = api
        .post(
            &owner,
            &path,
            json!({"url": "https://hooks.acme.example/all"}),
        )
        .await;
    assert_eq!(all.expect(201)["events"].as_array().unwrap().len(), 6);
    let some = api
        .post(
            &owner,
            &path,
            json!({"url": "https://hooks.acme.example/some", "events": ["member.removed", "member.joined"]}),
        )
        .await;
    assert_eq!(
        some.expect(201)["events"],
        json!(["member.joined", "member.removed"])
    );
}

#[tokio::test]
async fn webhook_secrets_are_random_and_shown_only_in_the_201() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "pro").await;
    let path = format!("/workspaces/{slug}/webhooks");
    let mut secrets = HashSet::new();
    for i in 0..3 {
        let created = api
            .post(
                &owner,
                &path,
                json!({"url": format!("https://hooks.acme.example/{i}")}),
            )
            .await;
        let secret = created.expect(201)["secret"].as_str().unwrap().to_string();
        assert!(secret.starts_with("whsec_"), "{secret}");
        assert_eq!(secret.len(), "whsec_".len() + 43, "32 bytes, base64url");
        assert!(secrets.insert(secret));
    }
    let listed = api.get(&owner, &path).await;
    let text = listed.expect(200).to_string();
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 3);
    for item in listed.body["items"].as_array().unwrap() {
        assert!(item.get("secret").is_none(), "{item}");
    }
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()));
    }
}

// ---- Roles: domains, webhooks and usage are owners'; files are members' (R1, R2, W5) ----

#[tokio::test]
async fn r2_members_get_403_and_strangers_404_on_domains_webhooks_and_usage() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "pro").await;
    let member = User::new();
    let stranger = User::new();
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let base = format!("/workspaces/{slug}");
    api.post(
        &owner,
        &format!("{base}/domains"),
        json!({"domain": "acme.example"}),
    )
    .await
    .expect(201);
    let hook = api
        .post(
            &owner,
            &format!("{base}/webhooks"),
            json!({"url": "https://h.acme.example/"}),
        )
        .await;
    let hook_id = hook.expect(201)["id"].as_str().unwrap().to_string();
    let before = partition(&api.app, &format!("WS#{slug}")).await;

    for (user, status, kind) in [(&member, 403, "owner_only"), (&stranger, 404, "not_found")] {
        api.get(user, &format!("{base}/usage"))
            .await
            .expect_problem(status, kind);
        api.get(user, &format!("{base}/domains"))
            .await
            .expect_problem(status, kind);
        api.get(user, &format!("{base}/webhooks"))
            .await
            .expect_problem(status, kind);
        api.post(
            user,
            &format!("{base}/domains"),
            json!({"domain": "x.example"}),
        )
        .await
        .expect_problem(status, kind);
        api.delete(user, &format!("{base}/domains/acme.example"))
            .await
            .expect_problem(status, kind);
        api.post(
            user,
            &format!("{base}/webhooks"),
            json!({"url": "https://x.example/"}),
        )
        .await
        .expect_problem(status, kind);
        api.delete(user, &format!("{base}/webhooks/{hook_id}"))
            .await
            .expect_problem(status, kind);
    }
    // A stranger cannot tell a missing item from a missing workspace.
    let missing = api
        .delete(&stranger, &format!("{base}/domains/nothing.example"))
        .await;
    assert_eq!(
        missing.expect_problem(404, "not_found")["detail"],
        "no such workspace"
    );
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);
}

#[tokio::test]
async fn r1_members_add_list_and_delete_files_and_strangers_get_404() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "pro").await;
    let member = User::new();
    let stranger = User::new();
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let path = format!("/workspaces/{slug}/files");
    let created = api
        .post(
            &member,
            &path,
            json!({"name": " notes.txt ", "size_bytes": 1234, "content_type": "text/plain"}),
        )
        .await;
    let file = created.expect(201).clone();
    assert_eq!(file["name"], "notes.txt");
    assert_eq!(file["uploaded_by"], member.id.as_str());
    let id = file["id"].as_str().unwrap();
    assert_eq!(list_all(&api, &owner, &path).await, vec![file.clone()]);
    assert_eq!(list_all(&api, &member, &path).await, vec![file.clone()]);

    let before = partition(&api.app, &format!("WS#{slug}")).await;
    api.get(&stranger, &path)
        .await
        .expect_problem(404, "not_found");
    api.post(&stranger, &path, json!({"name": "x", "size_bytes": 1}))
        .await
        .expect_problem(404, "not_found");
    api.delete(&stranger, &format!("{path}/{id}"))
        .await
        .expect_problem(404, "not_found");
    for bad in [
        json!({"name": "x", "size_bytes": 0}),
        json!({"name": "  ", "size_bytes": 1}),
        json!({"name": "x", "size_bytes": 1, "content_type": "nonsense"}),
    ] {
        api.post(&member, &path, bad)
            .await
            .expect_problem(400, "validation_failed");
    }
    for bad in [
        json!({"name": "x", "size_bytes": -1}),
        json!({"name": "x", "size_bytes": 1.5}),
        json!({"name": "x", "size_bytes": "1"}),
        json!({"name": "x"}),
        json!({"name": "x", "size_bytes": 1, "owner": "me"}),
    ] {
        api.post(&member, &path, bad)
            .await
            .expect_problem(400, "invalid_field");
    }
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);

    api.delete(&member, &format!("{path}/{id}"))
        .await
        .expect(204);
    assert_eq!(usage(&api, &owner, &slug).await["storage_bytes"]["used"], 0);
}

// ---- Q2: usage -------------------------------------------------------------------------

#[tokio::test]
async fn q2_usage_shows_the_creators_plan_and_every_counter_with_its_limit() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "business").await;
    let co_owner = User::new();
    seed_member(&api.app, &slug, &co_owner, Role::Owner).await;
    let base = format!("/workspaces/{slug}");
    api.post(
        &owner,
        &format!("{base}/domains"),
        json!({"domain": "acme.example"}),
    )
    .await
    .expect(201);
    api.post(
        &co_owner,
        &format!("{base}/webhooks"),
        json!({"url": "https://h.acme.example/"}),
    )
    .await
    .expect(201);
    api.post(
        &co_owner,
        &format!("{base}/files"),
        json!({"name": "a", "size_bytes": 77}),
    )
    .await
    .expect(201);
    // The co-owner sees the creator's plan, not their own (Lite).
    assert_eq!(
        usage(&api, &co_owner, &slug).await,
        json!({
            "plan": "business",
            "members": {"used": 2, "limit": 20},
            "domains": {"used": 1, "limit": 3},
            "storage_bytes": {"used": 77, "limit": 2048 * MIB},
            "webhooks": {"used": 1, "limit": 10},
        })
    );
}

// ---- Q3: plan changes and overrides ----------------------------------------------------

#[tokio::test]
async fn q3_a_plan_change_applies_at_once_to_every_workspace_the_user_created() {
    let api = Api::new().await;
    let (ada, first) = workspace_on(&api, "business").await;
    let second = api.create_workspace(&ada, "Second").await;
    // A workspace Ada only joined follows its own creator's plan.
    let (bob, joined) = workspace_on(&api, "pro").await;
    seed_member(&api.app, &joined, &ada, Role::Owner).await;

    let changed = set_plan(&api, &ada, "lite").await;
    assert_eq!(changed["plan"], "lite");
    assert_eq!(changed["workspaces_updated"], 2);
    assert_eq!(changed["limits"]["webhooks"], 0);
    for slug in [&first, &second] {
        let usage = usage(&api, &ada, slug).await;
        assert_eq!(usage["plan"], "lite");
        assert_eq!(usage["domains"]["limit"], 1);
        assert_eq!(usage["members"]["limit"], 2);
        assert_eq!(usage["storage_bytes"]["limit"], 500 * MIB);
        assert_eq!(usage["webhooks"]["limit"], 0);
        api.post(
            &ada,
            &format!("/workspaces/{slug}/webhooks"),
            json!({"url": "https://h.acme.example/"}),
        )
        .await
        .expect_problem(429, "quota_exceeded");
    }
    let theirs = usage(&api, &bob, &joined).await;
    assert_eq!(theirs["plan"], "pro");
    assert_eq!(theirs["webhooks"]["limit"], 5);
    api.post(
        &ada,
        &format!("/workspaces/{joined}/webhooks"),
        json!({"url": "https://h.acme.example/"}),
    )
    .await
    .expect(201);

    // An upgrade lets the very next creation through.
    set_plan(&api, &ada, "pro").await;
    api.post(
        &ada,
        &format!("/workspaces/{first}/webhooks"),
        json!({"url": "https://h.acme.example/"}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn q3_downgrading_below_usage_deletes_nothing_and_creations_get_429_until_below() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "business").await;
    let domains = format!("/workspaces/{slug}/domains");
    for domain in ["a.acme.example", "b.acme.example", "c.acme.example"] {
        api.post(&owner, &domains, json!({ "domain": domain }))
            .await
            .expect(201);
    }
    set_plan(&api, &owner, "lite").await;
    assert_eq!(list_all(&api, &owner, &domains).await.len(), 3);
    assert_eq!(
        usage(&api, &owner, &slug).await["domains"],
        json!({"used": 3, "limit": 1})
    );
    let refused = api
        .post(&owner, &domains, json!({"domain": "d.acme.example"}))
        .await;
    let problem = refused.expect_problem(429, "quota_exceeded");
    assert_eq!(
        (problem["used"].as_u64(), problem["limit"].as_u64()),
        (Some(3), Some(1))
    );

    api.delete(&owner, &format!("{domains}/a.acme.example"))
        .await
        .expect(204);
    api.delete(&owner, &format!("{domains}/b.acme.example"))
        .await
        .expect(204);
    // 1 of 1: still full.
    api.post(&owner, &domains, json!({"domain": "d.acme.example"}))
        .await
        .expect_problem(429, "quota_exceeded");
    api.delete(&owner, &format!("{domains}/c.acme.example"))
        .await
        .expect(204);
    api.post(&owner, &domains, json!({"domain": "d.acme.example"}))
        .await
        .expect(201);

    // The same for storage, which is counted in bytes.
    let files = format!("/workspaces/{slug}/files");
    set_limits(&api, &owner, json!({"storage_bytes": 100})).await;
    api.post(&owner, &files, json!({"name": "a", "size_bytes": 100}))
        .await
        .expect(201);
    set_limits(&api, &owner, json!({"storage_bytes": 50})).await;
    let refused = api
        .post(&owner, &files, json!({"name": "b", "size_bytes": 1}))
        .await;
    assert_eq!(refused.expect_problem(429, "quota_exceeded")["used"], 100);
    set_limits(&api, &owner, json!({"storage_bytes": 101})).await;
    api.post(&owner, &files, json!({"name": "b", "size_bytes": 1}))
        .await
        .expect(201);
}

#[tokio::test]
async fn q3_overrides_replace_the_plans_limits_and_null_clears_them() {
    let api = Api::new().await;
    let owner = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    let hooks = format!("/workspaces/{slug}/webhooks");
    api.post(&owner, &hooks, json!({"url": "https://h.acme.example/"}))
        .await
        .expect_problem(429, "quota_exceeded");

    let answer = set_limits(&api, &owner, json!({"webhooks": 1, "members": 7})).await;
    assert_eq!(answer["plan"], "lite");
    assert_eq!(answer["overrides"], json!({"webhooks": 1, "members": 7}));
    assert_eq!(answer["limits"]["webhooks"], 1);
    assert_eq!(answer["limits"]["domains"], 1);
    api.post(&owner, &hooks, json!({"url": "https://h.acme.example/"}))
        .await
        .expect(201);
    api.post(&owner, &hooks, json!({"url": "https://h.acme.example/2"}))
        .await
        .expect_problem(429, "quota_exceeded");

    // Absent fields are left alone; a plan change keeps the overrides.
    let answer = set_limits(&api, &owner, json!({"domains": 0})).await;
    assert_eq!(
        answer["overrides"],
        json!({"webhooks": 1, "members": 7, "domains": 0})
    );
    let answer = set_plan(&api, &owner, "business").await;
    assert_eq!(answer["limits"]["webhooks"], 1);
    assert_eq!(answer["limits"]["storage_bytes"], 2048 * MIB);
    assert_eq!(usage(&api, &owner, &slug).await["members"]["limit"], 7);

    // null clears: the plan's value applies again.
    let answer = set_limits(
        &api,
        &owner,
        json!({"webhooks": null, "members": null, "domains": null}),
    )
    .await;
    assert_eq!(answer["overrides"], json!({}));
    assert_eq!(
        answer["limits"],
        json!({"workspaces": 3, "members": 20, "domains": 3, "storage_bytes": 2048 * MIB, "webhooks": 10})
    );
    let usage = usage(&api, &owner, &slug).await;
    assert_eq!(usage["webhooks"], json!({"used": 1, "limit": 10}));
    assert_eq!(usage["members"]["limit"], 20);
    let user = raw_item(&api.app, &format!("USER#{}", owner.id), "PROFILE")
        .await
        .unwrap();
    assert!(!user.keys().any(|k| k.starts_with("override_")), "{user:?}");
}

#[tokio::test]
async fn w3_the_workspace_creation_limit_follows_plan_changes_and_overrides() {
    let api = Api::new().await;
    let ada = User::new();
    api.create_workspace(&ada, "One").await;
    api.post(&ada, "/workspaces", json!({"name": "Two"}))
        .await
        .expect_problem(429, "quota_exceeded");
    set_limits(&api, &ada, json!({"workspaces": 2})).await;
    api.create_workspace(&ada, "Two").await;
    let refused = api
        .post(&ada, "/workspaces", json!({"name": "Three"}))
        .await;
    let problem = refused.expect_problem(429, "quota_exceeded");
    assert_eq!(
        (problem["used"].as_u64(), problem["limit"].as_u64()),
        (Some(2), Some(2))
    );
    // Clearing the override falls back to the plan; an upgrade lets the next one through.
    let answer = set_limits(&api, &ada, json!({"workspaces": null})).await;
    assert_eq!(answer["workspaces"], json!({"created": 2, "limit": 1}));
    api.post(&ada, "/workspaces", json!({"name": "Three"}))
        .await
        .expect_problem(429, "quota_exceeded");
    set_plan(&api, &ada, "business").await;
    api.create_workspace(&ada, "Three").await;
    assert_eq!(
        api.get(&ada, "/me").await.expect(200)["workspaces"],
        json!({"created": 3, "limit": 3})
    );
    // A new workspace gets the limits in force when it is created.
    let fourth_limit = set_limits(&api, &ada, json!({"workspaces": 4, "domains": 9})).await;
    assert_eq!(fourth_limit["workspaces_updated"], 3);
    let slug = api.create_workspace(&ada, "Four").await;
    assert_eq!(usage(&api, &ada, &slug).await["domains"]["limit"], 9);
}

#[tokio::test]
async fn q3_a_plan_change_racing_workspace_creations_leaves_no_workspace_with_stale_limits() {
    let api = Api::new().await;
    let ada = User::new();
    set_limits(&api, &ada, json!({"workspaces": 6})).await;
    let creates = (0..6).map(|i| {
        let (api, ada) = (api.clone(), ada.clone());
        async move {
            api.post(&ada, "/workspaces", json!({"name": format!("W{i}")}))
                .await
                .status
        }
    });
    let changes = (0..6u64).map(|i| {
        let (api, ada) = (api.clone(), ada.clone());
        async move {
            api.put(
                &User::operator(),
                &format!("/admin/users/{}/limits", ada.id),
                json!({"domains": 10 + i}),
            )
            .await
            .status
        }
    });
    let (created, changed) = futures::join!(join_all(creates), join_all(changes));
    assert!(created.iter().all(|s| *s == 201), "{created:?}");
    assert!(changed.iter().all(|s| *s == 200), "{changed:?}");
    // Whatever order they committed in, every workspace has the user's final limits.
    let me = api.get(&ada, "/me").await.expect(200).clone();
    let final_domains = me["limits"]["domains"].as_u64().unwrap();
    let list = api.get(&ada, "/workspaces").await.expect(200).clone();
    let slugs: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs.len(), 6);
    for slug in slugs {
        assert_eq!(
            usage(&api, &ada, slug).await["domains"]["limit"],
            final_domains,
            "{slug}"
        );
    }
}

#[tokio::test]
async fn q3_only_operators_change_plans_and_limits_and_bad_input_changes_nothing() {
    let api = Api::new().await;
    let target = User::new();
    let plan_path = format!("/admin/users/{}/plan", target.id);
    let limits_path = format!("/admin/users/{}/limits", target.id);
    let mut lookalike = User::new();
    lookalike.groups = vec!["administrators".into(), "support".into()];
    for user in [&target, &User::new(), &lookalike] {
        api.put(user, &plan_path, json!({"plan": "business"}))
            .await
            .expect_problem(403, "operator_only");
        api.put(user, &limits_path, json!({"webhooks": 100}))
            .await
            .expect_problem(403, "operator_only");
    }
    api.send(None, "PUT", &plan_path, Some(br#"{"plan":"pro"}"#))
        .await
        .expect_problem(401, "unauthorized");
    let operator = User::operator();
    for bad in [
        json!({"plan": "platinum"}),
        json!({"plan": "Pro"}),
        json!({}),
        json!({"plan": "pro", "x": 1}),
    ] {
        api.put(&operator, &plan_path, bad)
            .await
            .expect_problem(400, "invalid_field");
    }
    for bad in [
        json!({"webhooks": -1}),
        json!({"webhooks": 1.5}),
        json!({"webhooks": "3"}),
        json!({"seats": 3}),
        json!({"plan": "pro"}),
    ] {
        api.put(&operator, &limits_path, bad)
            .await
            .expect_problem(400, "invalid_field");
    }
    api.put(&operator, &limits_path, json!({"workspaces": 100}))
        .await
        .expect_problem(400, "validation_failed");
    api.send(Some(&operator), "PUT", &limits_path, None)
        .await
        .expect_problem(400, "missing_body");
    let long = format!("/admin/users/{}/plan", "u".repeat(129));
    api.put(&operator, &long, json!({"plan": "pro"}))
        .await
        .expect_problem(400, "invalid_user_id");
    // `me` is an alias for the caller elsewhere; here it would name a user called "me".
    api.put(&operator, "/admin/users/me/plan", json!({"plan": "pro"}))
        .await
        .expect_problem(400, "invalid_user_id");
    assert!(raw_item(&api.app, "USER#me", "PROFILE").await.is_none());
    assert!(
        raw_item(&api.app, &format!("USER#{}", target.id), "PROFILE")
            .await
            .is_none()
    );

    // A user never seen before is created on the plan; `/me` shows it.
    let answer = set_plan(&api, &target, "pro").await;
    assert_eq!(answer["workspaces"], json!({"created": 0, "limit": 2}));
    assert_eq!(answer["workspaces_updated"], 0);
    let me = api.get(&target, "/me").await.expect(200).clone();
    assert_eq!(me["plan"], "pro");
    assert_eq!(me["workspaces"], json!({"created": 0, "limit": 2}));
}

// ---- Q4: deletes free their share; counters never drift -------------------------------

#[tokio::test]
async fn q4_deleting_a_domain_webhook_or_file_frees_its_share_at_once() {
    let api = Api::new().await;
    let owner = User::new();
    set_limits(&api, &owner, json!({"webhooks": 1, "storage_bytes": 10})).await;
    let slug = api.create_workspace(&owner, "Desk").await;
    let base = format!("/workspaces/{slug}");

    api.post(
        &owner,
        &format!("{base}/domains"),
        json!({"domain": "acme.example"}),
    )
    .await
    .expect(201);
    api.post(
        &owner,
        &format!("{base}/domains"),
        json!({"domain": "other.example"}),
    )
    .await
    .expect_problem(429, "quota_exceeded");
    api.delete(&owner, &format!("{base}/domains/ACME.example"))
        .await
        .expect(204);
    api.post(
        &owner,
        &format!("{base}/domains"),
        json!({"domain": "other.example"}),
    )
    .await
    .expect(201);

    let hook = api
        .post(
            &owner,
            &format!("{base}/webhooks"),
            json!({"url": "https://h.acme.example/"}),
        )
        .await;
    let hook_id = hook.expect(201)["id"].as_str().unwrap().to_string();
    api.post(
        &owner,
        &format!("{base}/webhooks"),
        json!({"url": "https://h.acme.example/2"}),
    )
    .await
    .expect_problem(429, "quota_exceeded");
    api.delete(&owner, &format!("{base}/webhooks/{hook_id}"))
        .await
        .expect(204);
    api.post(
        &owner,
        &format!("{base}/webhooks"),
        json!({"url": "https://h.acme.example/2"}),
    )
    .await
    .expect(201);

    let file = api
        .post(
            &owner,
            &format!("{base}/files"),
            json!({"name": "a", "size_bytes": 7}),
        )
        .await;
    let file_id = file.expect(201)["id"].as_str().unwrap().to_string();
    api.post(
        &owner,
        &format!("{base}/files"),
        json!({"name": "b", "size_bytes": 4}),
    )
    .await
    .expect_problem(429, "quota_exceeded");
    api.delete(&owner, &format!("{base}/files/{file_id}"))
        .await
        .expect(204);
    assert_eq!(usage(&api, &owner, &slug).await["storage_bytes"]["used"], 0);
    api.post(
        &owner,
        &format!("{base}/files"),
        json!({"name": "b", "size_bytes": 10}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn q4_a_delete_of_something_already_gone_is_404_and_changes_no_counter() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "pro").await;
    let base = format!("/workspaces/{slug}");
    let keep = api
        .post(
            &owner,
            &format!("{base}/files"),
            json!({"name": "keep", "size_bytes": 5}),
        )
        .await;
    keep.expect(201);
    let file = api
        .post(
            &owner,
            &format!("{base}/files"),
            json!({"name": "doomed", "size_bytes": 1000}),
        )
        .await;
    let file_id = file.expect(201)["id"].as_str().unwrap().to_string();
    let hook = api
        .post(
            &owner,
            &format!("{base}/webhooks"),
            json!({"url": "https://h.acme.example/"}),
        )
        .await;
    let hook_id = hook.expect(201)["id"].as_str().unwrap().to_string();
    api.post(
        &owner,
        &format!("{base}/domains"),
        json!({"domain": "acme.example"}),
    )
    .await
    .expect(201);

    // Ten concurrent deletes of each: one 204, nine 404, each share freed once.
    let targets = [
        format!("{base}/files/{file_id}"),
        format!("{base}/webhooks/{hook_id}"),
        format!("{base}/domains/acme.example"),
    ];
    for target in &targets {
        let answers = join_all((0..10).map(|_| {
            let (api, owner, target) = (api.clone(), owner.clone(), target.clone());
            async move { api.delete(&owner, &target).await }
        }))
        .await;
        assert_eq!(
            answers.iter().filter(|a| a.status == 204).count(),
            1,
            "{:?}",
            statuses(&answers)
        );
        for gone in answers.iter().filter(|a| a.status != 204) {
            gone.expect_problem(404, "not_found");
        }
    }
    let after = usage(&api, &owner, &slug).await;
    assert_eq!(after["storage_bytes"]["used"], 5);
    assert_eq!(after["webhooks"]["used"], 0);
    assert_eq!(after["domains"]["used"], 0);

    let before = partition(&api.app, &format!("WS#{slug}")).await;
    for target in targets.iter().cloned().chain([
        format!("{base}/files/not-a-uuid"),
        format!("{base}/files/{}", uuid::Uuid::new_v4()),
        format!("{base}/webhooks/{}", file_id.to_uppercase()),
        format!("{base}/domains/not_a_domain"),
    ]) {
        api.delete(&owner, &target)
            .await
            .expect_problem(404, "not_found");
    }
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);
}

#[derive(Clone, Copy, Debug)]
enum Op {
    CreateDomain,
    DeleteDomain,
    CreateWebhook,
    DeleteWebhook,
    CreateFile,
    DeleteFile,
}

#[tokio::test]
async fn q4_usage_equals_the_lists_after_a_randomized_concurrent_workload() {
    let api = Api::new().await;
    let (owner, slug) = workspace_on(&api, "business").await;
    let co_owner = User::new();
    seed_member(&api.app, &slug, &co_owner, Role::Owner).await;
    // Small storage so the storage limit is hit too.
    set_limits(&api, &owner, json!({"storage_bytes": 5000})).await;
    let base = format!("/workspaces/{slug}");
    let domains = [
        "a.example",
        "b.example",
        "c.example",
        "d.example",
        "e.example",
    ];
    let ops = [
        Op::CreateDomain,
        Op::DeleteDomain,
        Op::CreateWebhook,
        Op::DeleteWebhook,
        Op::CreateFile,
        Op::DeleteFile,
    ];
    let mut seen = HashSet::new();
    for _round in 0..5 {
        let webhook_ids: Vec<String> = list_all(&api, &owner, &format!("{base}/webhooks"))
            .await
            .iter()
            .map(|w| w["id"].as_str().unwrap().to_string())
            .collect();
        let file_ids: Vec<String> = list_all(&api, &owner, &format!("{base}/files"))
            .await
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect();
        let requests: Vec<_> = {
            let mut rng = rand::rng();
            (0..40)
                .map(|_| {
                    let op = *ops.choose(&mut rng).unwrap();
                    let user = if rng.random_bool(0.5) {
                        owner.clone()
                    } else {
                        co_owner.clone()
                    };
                    let domain = domains.choose(&mut rng).unwrap().to_string();
                    let hook = webhook_ids
                        .choose(&mut rng)
                        .cloned()
                        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                    let file = file_ids
                        .choose(&mut rng)
                        .cloned()
                        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                    let size = rng.random_range(1..=1500u64);
                    (op, user, domain, hook, file, size)
                })
                .collect()
        };
        let answers = join_all(
            requests
                .into_iter()
                .map(|(op, user, domain, hook, file, size)| {
                    let (api, base) = (api.clone(), base.clone());
                    async move {
                        let answer = match op {
                            Op::CreateDomain => {
                                api.post(
                                    &user,
                                    &format!("{base}/domains"),
                                    json!({ "domain": domain }),
                                )
                                .await
                            }
                            Op::DeleteDomain => {
                                api.delete(&user, &format!("{base}/domains/{domain}")).await
                            }
                            Op::CreateWebhook => {
                                api.post(
                                    &user,
                                    &format!("{base}/webhooks"),
                                    json!({"url": "https://h.acme.example/"}),
                                )
                                .await
                            }
                            Op::DeleteWebhook => {
                                api.delete(&user, &format!("{base}/webhooks/{hook}")).await
                            }
                            Op::CreateFile => {
                                api.post(
                                    &user,
                                    &format!("{base}/files"),
                                    json!({"name": "f", "size_bytes": size}),
                                )
                                .await
                            }
                            Op::DeleteFile => {
                                api.delete(&user, &format!("{base}/files/{file}")).await
                            }
                        };
                        (op, answer)
                    }
                }),
        )
        .await;
        for (op, answer) in &answers {
            assert!(
                [201, 204, 404, 409, 429].contains(&answer.status),
                "{op:?}: {} {}",
                answer.status,
                answer.body
            );
            seen.insert(answer.status);
        }
        let usage = usage(&api, &owner, &slug).await;
        let listed_domains = list_all(&api, &owner, &format!("{base}/domains")).await;
        let listed_hooks = list_all(&api, &owner, &format!("{base}/webhooks")).await;
        let listed_files = list_all(&api, &owner, &format!("{base}/files")).await;
        let stored: u64 = listed_files
            .iter()
            .map(|f| f["size_bytes"].as_u64().unwrap())
            .sum();
        assert_eq!(usage["domains"]["used"], listed_domains.len(), "{usage}");
        assert_eq!(usage["webhooks"]["used"], listed_hooks.len(), "{usage}");
        assert_eq!(usage["storage_bytes"]["used"], stored, "{usage}");
        assert!(
            listed_domains.len() <= 3 && listed_hooks.len() <= 10 && stored <= 5000,
            "{usage}"
        );
    }
    // The workload really exercised creates, deletes, refusals and misses.
    for status in [201, 204, 404, 429] {
        assert!(seen.contains(&status), "no {status} in {seen:?}");
    }
}
