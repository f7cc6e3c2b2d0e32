//! Workspaces end to end against DynamoDB Local: W1–W5, R2 and Q1 for creation.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use gopimi_tests::{Api, User, app, eventually, json, partition, raw_item, seed_member};
use gopimi_workspaces::domain::Role;
use gopimi_workspaces::domain::Slug;
use gopimi_workspaces::domain::slug::ScriptedSlugs;

#[tokio::test]
async fn w1_any_signed_in_user_creates_a_workspace_and_owns_it() {
    let api = Api::new().await;
    let ada = User::new();
    let answer = api
        .post(
            &ada,
            "/workspaces",
            json!({"name": "  Acme Support  ", "settings": {"tz": "UTC"}}),
        )
        .await;
    let body = answer.expect(201);
    assert_eq!(body["name"], "Acme Support");
    assert_eq!(body["role"], "owner");
    assert_eq!(body["is_creator"], true);
    assert_eq!(body["settings"], json!({"tz": "UTC"}));
    let slug = body["slug"].as_str().unwrap();

    let fetched = api.get(&ada, &format!("/workspaces/{slug}")).await;
    assert_eq!(fetched.expect(200)["role"], "owner");
    let members = partition(&api.app, &format!("WS#{slug}")).await;
    assert!(
        members
            .iter()
            .any(|item| item["sk"].as_s().unwrap() == &format!("MEMBER#{}", ada.id))
    );
}

#[tokio::test]
async fn w1_names_must_have_1_to_80_characters_after_trimming() {
    let api = Api::new().await;
    let ada = User::new();
    api.post(&ada, "/workspaces", json!({"name": "   "}))
        .await
        .expect_problem(400, "validation_failed");
    api.post(&ada, "/workspaces", json!({"name": "x".repeat(81)}))
        .await
        .expect_problem(400, "validation_failed");
    api.post(&ada, "/workspaces", json!({"name": 42}))
        .await
        .expect_problem(400, "invalid_field");
    // Refusals changed nothing: the user still has a free slot.
    let body = api
        .post(&ada, "/workspaces", json!({"name": "é".repeat(80)}))
        .await;
    assert_eq!(
        body.expect(201)["name"].as_str().unwrap().chars().count(),
        80
    );
}

#[tokio::test]
async fn w2_slugs_are_eight_lowercase_alphanumerics_and_unique() {
    let api = Api::new().await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..5 {
        let slug = api.create_workspace(&User::new(), "Desk").await;
        assert!(Slug::parse(&slug).is_some(), "{slug}");
        assert!(seen.insert(slug));
    }
}

#[tokio::test]
async fn w2_a_slug_collision_is_retried_with_a_new_slug() {
    let first = Api::new().await;
    let taken = first.create_workspace(&User::new(), "First").await;
    let scripted = Arc::new(ScriptedSlugs::new([
        Slug::parse(&taken).unwrap(),
        Slug::parse(&taken).unwrap(),
    ]));
    let api = Api::with_app(app().await.with_slugs(scripted));
    let owner = User::new();
    let answer = api
        .post(&owner, "/workspaces", json!({"name": "Second"}))
        .await;
    let slug = answer.expect(201)["slug"].as_str().unwrap().to_string();
    assert_ne!(slug, taken);
    // The first workspace is untouched by the collision.
    let original = raw_item(&api.app, &format!("WS#{taken}"), "META")
        .await
        .unwrap();
    assert_eq!(original["name"].as_s().unwrap(), "First");
    // And the new owner used exactly one slot.
    assert_eq!(
        api.get(&owner, "/me").await.expect(200)["workspaces"]["created"],
        1
    );
}

#[tokio::test]
async fn w2_the_slug_never_changes() {
    let api = Api::new().await;
    let ada = User::new();
    let slug = api.create_workspace(&ada, "Acme").await;
    let answer = api
        .patch(
            &ada,
            &format!("/workspaces/{slug}"),
            json!({"slug": "zzzzzzzz", "name": "Renamed"}),
        )
        .await;
    answer.expect_problem(400, "slug_immutable");
    let still = api.get(&ada, &format!("/workspaces/{slug}")).await;
    assert_eq!(still.expect(200)["name"], "Acme");
    api.get(&ada, "/workspaces/zzzzzzzz")
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn w3_a_lite_user_creates_one_workspace_and_gets_429_for_the_second() {
    let api = Api::new().await;
    let ada = User::new();
    api.create_workspace(&ada, "One").await;
    let answer = api.post(&ada, "/workspaces", json!({"name": "Two"})).await;
    let problem = answer.expect_problem(429, "quota_exceeded");
    assert_eq!(problem["resource"], "workspaces");
    assert_eq!(problem["limit"], 1);
    assert_eq!(problem["used"], 1);
    let me = api.get(&ada, "/me").await;
    let me = me.expect(200);
    assert_eq!(me["plan"], "lite");
    assert_eq!(me["workspaces"], json!({"created": 1, "limit": 1}));
}

#[tokio::test]
async fn w3_workspaces_joined_as_a_member_do_not_count() {
    let api = Api::new().await;
    let owner = User::new();
    let joiner = User::new();
    let slug = api.create_workspace(&owner, "Theirs").await;
    seed_member(&api.app, &slug, &joiner, Role::Member).await;
    assert_eq!(
        api.get(&joiner, "/me").await.expect(200)["workspaces"]["created"],
        0
    );
    api.create_workspace(&joiner, "Mine").await;
}

#[tokio::test]
async fn w3_deleting_a_created_workspace_frees_the_slot() {
    let api = Api::new().await;
    let ada = User::new();
    let slug = api.create_workspace(&ada, "One").await;
    api.post(&ada, "/workspaces", json!({"name": "Two"}))
        .await
        .expect_problem(429, "quota_exceeded");
    api.delete(&ada, &format!("/workspaces/{slug}"))
        .await
        .expect(204);
    assert_eq!(
        api.get(&ada, "/me").await.expect(200)["workspaces"]["created"],
        0
    );
    api.create_workspace(&ada, "Two").await;
}

#[tokio::test]
async fn q1_twenty_concurrent_creates_by_a_lite_user_give_one_201_and_nineteen_429() {
    let api = Api::new().await;
    let ada = User::new();
    let answers = join_all((0..20).map(|i| {
        let api = api.clone();
        let ada = ada.clone();
        async move {
            api.post(&ada, "/workspaces", json!({"name": format!("Race {i}")}))
                .await
        }
    }))
    .await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for refused in answers.iter().filter(|a| a.status != 201) {
        let problem = refused.expect_problem(429, "quota_exceeded");
        assert_eq!(problem["resource"], "workspaces");
        assert_eq!(problem["limit"], 1);
        assert_eq!(problem["used"], 1);
    }
    // Exactly one workspace exists for the user, both in the counter and in the list.
    assert_eq!(
        api.get(&ada, "/me").await.expect(200)["workspaces"]["created"],
        1
    );
    let memberships = partition(&api.app, &format!("USER#{}", ada.id)).await;
    assert_eq!(
        memberships
            .iter()
            .filter(|i| i["kind"].as_s().unwrap() == "membership")
            .count(),
        1
    );
}

#[tokio::test]
async fn w4_a_new_workspace_is_listed_with_the_role_on_the_very_next_request() {
    let api = Api::new().await;
    let owner = User::new();
    let other_owner = User::new();
    let mine = api.create_workspace(&owner, "Mine").await;
    let theirs = api.create_workspace(&other_owner, "Theirs").await;
    seed_member(&api.app, &theirs, &owner, Role::Member).await;

    let list = api.get(&owner, "/workspaces").await;
    let list = list.expect(200);
    let items = list["items"].as_array().unwrap();
    let role_of = |slug: &str| {
        items
            .iter()
            .find(|w| w["slug"] == slug)
            .map(|w| w["role"].clone())
    };
    assert_eq!(role_of(&mine), Some(json!("owner")));
    assert_eq!(role_of(&theirs), Some(json!("member")));
    assert_eq!(items.len(), 2);
    assert!(list["next_cursor"].is_null());
}

#[tokio::test]
async fn w4_the_list_pages_with_a_cursor() {
    let api = Api::new().await;
    let user = User::new();
    for name in ["A", "B", "C"] {
        let slug = api.create_workspace(&User::new(), name).await;
        seed_member(&api.app, &slug, &user, Role::Member).await;
    }
    let mut seen = Vec::new();
    let mut uri = "/workspaces?limit=2".to_string();
    loop {
        let page = api.get(&user, &uri).await;
        let page = page.expect(200);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["slug"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/workspaces?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3);
    api.get(&user, "/workspaces?limit=0")
        .await
        .expect_problem(400, "invalid_limit");
    api.get(&user, "/workspaces?limit=abc")
        .await
        .expect_problem(400, "invalid_limit");
    api.get(&user, "/workspaces?cursor=bm90LWEtY3Vyc29y")
        .await
        .expect_problem(400, "invalid_cursor");
}

#[tokio::test]
async fn w5_a_non_member_gets_404_on_every_workspace_route_and_changes_nothing() {
    let api = Api::new().await;
    let owner = User::new();
    let stranger = User::new();
    let slug = api.create_workspace(&owner, "Private").await;
    let before = partition(&api.app, &format!("WS#{slug}")).await;
    let path = format!("/workspaces/{slug}");
    api.get(&stranger, &path)
        .await
        .expect_problem(404, "not_found");
    api.patch(&stranger, &path, json!({"name": "Mine now"}))
        .await
        .expect_problem(404, "not_found");
    api.delete(&stranger, &path)
        .await
        .expect_problem(404, "not_found");
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);
    let list = api.get(&stranger, "/workspaces").await;
    assert_eq!(list.expect(200)["items"], json!([]));
}

#[tokio::test]
async fn r2_a_member_gets_403_on_owner_only_routes_and_changes_nothing() {
    let api = Api::new().await;
    let owner = User::new();
    let member = User::new();
    let slug = api.create_workspace(&owner, "Team").await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let path = format!("/workspaces/{slug}");
    let before = partition(&api.app, &format!("WS#{slug}")).await;
    assert_eq!(api.get(&member, &path).await.expect(200)["role"], "member");
    api.patch(&member, &path, json!({"name": "Hijacked"}))
        .await
        .expect_problem(403, "owner_only");
    api.delete(&member, &path)
        .await
        .expect_problem(403, "creator_only");
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);
}

#[tokio::test]
async fn r2_owners_rename_and_merge_settings() {
    let api = Api::new().await;
    let owner = User::new();
    let co_owner = User::new();
    let slug = api.create_workspace(&owner, "Team").await;
    seed_member(&api.app, &slug, &co_owner, Role::Owner).await;
    let path = format!("/workspaces/{slug}");
    api.patch(
        &owner,
        &path,
        json!({"settings": {"tz": "UTC", "sla": {"first_reply_minutes": 60}}}),
    )
    .await
    .expect(200);
    let answer = api
        .patch(
            &co_owner,
            &path,
            json!({"name": " Team B ", "settings": {"tz": null, "sla": {"resolve_hours": 24}}}),
        )
        .await;
    let body = answer.expect(200);
    assert_eq!(body["name"], "Team B");
    assert_eq!(
        body["settings"],
        json!({"sla": {"first_reply_minutes": 60, "resolve_hours": 24}})
    );
    assert_eq!(
        api.get(&owner, &path).await.expect(200)["settings"],
        body["settings"]
    );
    api.patch(&owner, &path, json!({"name": ""}))
        .await
        .expect_problem(400, "validation_failed");
    api.patch(&owner, &path, json!({"settings": "dark"}))
        .await
        .expect_problem(400, "invalid_field");
}

#[tokio::test]
async fn only_the_creator_deletes_and_members_lose_access_at_once() {
    let api = Api::new().await;
    let creator = User::new();
    let co_owner = User::new();
    let member = User::new();
    let slug = api.create_workspace(&creator, "Doomed").await;
    seed_member(&api.app, &slug, &co_owner, Role::Owner).await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let path = format!("/workspaces/{slug}");
    api.delete(&co_owner, &path)
        .await
        .expect_problem(403, "creator_only");
    api.delete(&creator, &path).await.expect(204);

    for user in [&creator, &co_owner, &member] {
        api.get(user, &path).await.expect_problem(404, "not_found");
        let list = api.get(user, "/workspaces").await;
        assert!(
            list.expect(200)["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|w| w["slug"] != slug.as_str())
        );
    }
    api.delete(&creator, &path)
        .await
        .expect_problem(404, "not_found");

    // The workspace-deleted consumer purges the members and their memberships; the slug
    // stays reserved by its tombstone.
    let app = api.app.clone();
    let pk = format!("WS#{slug}");
    eventually(
        "the deleted workspace to be purged",
        Duration::from_secs(20),
        || {
            let app = app.clone();
            let pk = pk.clone();
            async move {
                let items = partition(&app, &pk).await;
                (items.len() == 1).then_some(())
            }
        },
    )
    .await;
    let tombstone = raw_item(&api.app, &pk, "META").await.expect("tombstone");
    assert!(tombstone.contains_key("deleted_at"));
    assert!(!tombstone.contains_key("name"));
    assert!(
        raw_item(
            &api.app,
            &format!("USER#{}", member.id),
            &format!("WORKSPACE#{slug}")
        )
        .await
        .is_none()
    );
}

#[tokio::test]
async fn me_reports_identity_plan_and_allowance() {
    let api = Api::new().await;
    let ada = User::new();
    let me = api.get(&ada, "/me").await;
    let me = me.expect(200);
    assert_eq!(me["id"], ada.id.as_str());
    assert_eq!(me["email"], ada.email.as_str());
    assert_eq!(me["plan"], "lite");
    assert_eq!(me["workspaces"], json!({"created": 0, "limit": 1}));
}
