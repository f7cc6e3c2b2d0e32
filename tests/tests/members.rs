//! Members and roles against DynamoDB Local: R1–R3 for members, M1 for removal.

use std::sync::Arc;

use futures::future::join_all;
use gopimi_local::gateway::lambda_request;
use gopimi_local::template::repo_root;
use gopimi_tests::{Api, User, app, into_answer, json, partition, raw_item, seed_member};
use gopimi_workspaces::domain::slug::ScriptedSlugs;
use gopimi_workspaces::domain::{Role, Slug};
use gopimi_workspaces::routes::{by_function, dispatch};
use gopimi_workspaces::store::Item;
use serde_json::Value;

fn members_uri(slug: &str) -> String {
    format!("/workspaces/{slug}/members")
}

fn member_uri(slug: &str, user_id: &str) -> String {
    format!("/workspaces/{slug}/members/{user_id}")
}

async fn members_used(api: &Api, slug: &str) -> String {
    raw_item(&api.app, &format!("WS#{slug}"), "META")
        .await
        .expect("workspace item")["members_used"]
        .as_n()
        .unwrap()
        .clone()
}

/// Every item that says anything about the workspace: its partition and the members' copies.
async fn snapshot(api: &Api, slug: &str, users: &[&User]) -> Vec<Vec<Item>> {
    let mut all = vec![partition(&api.app, &format!("WS#{slug}")).await];
    for user in users {
        all.push(partition(&api.app, &format!("USER#{}", user.id)).await);
    }
    all
}

async fn listed_ids(api: &Api, caller: &User, slug: &str) -> Vec<String> {
    let answer = api.get(caller, &members_uri(slug)).await;
    answer.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn r1_members_see_the_member_list_with_email_role_and_joined_at_in_pages() {
    let api = Api::new().await;
    let owner = User::new();
    let slug = api.create_workspace(&owner, "Team").await;
    let members: Vec<User> = (0..4).map(|_| User::new()).collect();
    for member in &members {
        seed_member(&api.app, &slug, member, Role::Member).await;
    }
    let first = api.get(&members[0], &members_uri(&slug)).await;
    let first = first.expect(200);
    let entry = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user_id"] == owner.id.as_str())
        .expect("the owner is listed")
        .clone();
    assert_eq!(entry["email"], owner.email.as_str());
    assert_eq!(entry["role"], "owner");
    assert_eq!(entry["is_creator"], true);
    assert!(entry["joined_at"].as_str().unwrap().ends_with('Z'));

    let mut seen = Vec::new();
    let mut uri = format!("{}?limit=2", members_uri(&slug));
    loop {
        let page = api.get(&members[1], &uri).await;
        let page = page.expect(200);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|m| m["user_id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("{}?limit=2&cursor={cursor}", members_uri(&slug)),
            None => break,
        }
    }
    seen.sort();
    let mut expected: Vec<String> = members.iter().map(|m| m.id.clone()).collect();
    expected.push(owner.id.clone());
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn r2_owners_change_roles_on_both_copies_of_the_membership() {
    let api = Api::new().await;
    let creator = User::new();
    let member = User::new();
    let slug = api.create_workspace(&creator, "Team").await;
    seed_member(&api.app, &slug, &member, Role::Member).await;

    let promoted = api
        .patch(
            &creator,
            &member_uri(&slug, &member.id),
            json!({"role": "owner"}),
        )
        .await;
    let promoted = promoted.expect(200);
    assert_eq!(promoted["role"], "owner");
    assert_eq!(promoted["user_id"], member.id.as_str());
    // The user's own list agrees at once (the user-side copy changed in the same write).
    let mine = api.get(&member, "/workspaces").await;
    assert_eq!(mine.expect(200)["items"][0]["role"], "owner");
    assert_eq!(
        api.get(&member, &format!("/workspaces/{slug}"))
            .await
            .expect(200)["role"],
        "owner"
    );
    // As an owner they may now rename the workspace.
    api.patch(
        &member,
        &format!("/workspaces/{slug}"),
        json!({"name": "Renamed"}),
    )
    .await
    .expect(200);

    // Demoted again: owner-only actions are 403 once more.
    api.patch(
        &creator,
        &member_uri(&slug, &member.id),
        json!({"role": "member"}),
    )
    .await
    .expect(200);
    assert_eq!(
        api.get(&member, "/workspaces").await.expect(200)["items"][0]["role"],
        "member"
    );
    api.patch(
        &member,
        &format!("/workspaces/{slug}"),
        json!({"name": "Mine"}),
    )
    .await
    .expect_problem(403, "owner_only");
}

#[tokio::test]
async fn r2_bad_role_bodies_are_400_and_unknown_members_404() {
    let api = Api::new().await;
    let creator = User::new();
    let member = User::new();
    let slug = api.create_workspace(&creator, "Team").await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let before = snapshot(&api, &slug, &[&creator, &member]).await;
    let uri = member_uri(&slug, &member.id);
    for body in [
        json!({"role": "admin"}),
        json!({"role": "owner", "extra": 1}),
        json!({}),
        json!({"role": null}),
    ] {
        let answer = api.patch(&creator, &uri, body).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
    }
    api.send(Some(&creator), "PATCH", &uri, None)
        .await
        .expect_problem(400, "missing_body");
    api.patch(
        &creator,
        &member_uri(&slug, &User::new().id),
        json!({"role": "owner"}),
    )
    .await
    .expect_problem(404, "not_found");
    api.delete(&creator, &member_uri(&slug, &User::new().id))
        .await
        .expect_problem(404, "not_found");
    api.delete(&creator, &member_uri(&slug, "USER%23x"))
        .await
        .expect_problem(404, "not_found");
    assert_eq!(snapshot(&api, &slug, &[&creator, &member]).await, before);
}

#[tokio::test]
async fn r2_members_cannot_change_roles_or_remove_others_and_change_nothing() {
    let api = Api::new().await;
    let creator = User::new();
    let member = User::new();
    let other = User::new();
    let slug = api.create_workspace(&creator, "Team").await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    seed_member(&api.app, &slug, &other, Role::Member).await;
    let before = snapshot(&api, &slug, &[&creator, &member, &other]).await;
    for target in [&other.id, &member.id, &creator.id] {
        api.patch(
            &member,
            &member_uri(&slug, target),
            json!({"role": "owner"}),
        )
        .await
        .expect_problem(403, "owner_only");
    }
    api.patch(&member, &member_uri(&slug, "me"), json!({"role": "owner"}))
        .await
        .expect_problem(403, "owner_only");
    api.delete(&member, &member_uri(&slug, &other.id))
        .await
        .expect_problem(403, "owner_only");
    api.delete(&member, &member_uri(&slug, &creator.id))
        .await
        .expect_problem(403, "owner_only");
    assert_eq!(
        snapshot(&api, &slug, &[&creator, &member, &other]).await,
        before
    );
}

#[tokio::test]
async fn r3_the_creator_cannot_be_removed_demoted_or_leave_on_any_path() {
    let api = Api::new().await;
    let creator = User::new();
    let co_owner = User::new();
    let slug = api.create_workspace(&creator, "Team").await;
    seed_member(&api.app, &slug, &co_owner, Role::Owner).await;
    let before = snapshot(&api, &slug, &[&creator, &co_owner]).await;

    api.delete(&co_owner, &member_uri(&slug, &creator.id))
        .await
        .expect_problem(409, "creator_protected");
    api.delete(&creator, &member_uri(&slug, "me"))
        .await
        .expect_problem(409, "creator_protected");
    api.delete(&creator, &member_uri(&slug, &creator.id))
        .await
        .expect_problem(409, "creator_protected");
    api.patch(
        &co_owner,
        &member_uri(&slug, &creator.id),
        json!({"role": "member"}),
    )
    .await
    .expect_problem(409, "creator_protected");
    api.patch(
        &creator,
        &member_uri(&slug, "me"),
        json!({"role": "member"}),
    )
    .await
    .expect_problem(409, "creator_protected");
    assert_eq!(snapshot(&api, &slug, &[&creator, &co_owner]).await, before);

    // Confirming the creator as an owner is no change at all.
    let same = api
        .patch(
            &co_owner,
            &member_uri(&slug, &creator.id),
            json!({"role": "owner"}),
        )
        .await;
    assert_eq!(same.expect(200)["role"], "owner");
    assert_eq!(snapshot(&api, &slug, &[&creator, &co_owner]).await, before);
    assert_eq!(
        api.get(&creator, &format!("/workspaces/{slug}"))
            .await
            .expect(200)["role"],
        "owner"
    );
}

#[tokio::test]
async fn r3_other_owners_can_be_demoted_and_removed_and_may_leave() {
    let api = Api::new().await;
    let creator = User::new();
    let first = User::new();
    let second = User::new();
    let third = User::new();
    let slug = api.create_workspace(&creator, "Team").await;
    for owner in [&first, &second, &third] {
        seed_member(&api.app, &slug, owner, Role::Owner).await;
    }
    // An owner who is not the creator demotes another owner, and removes a third.
    let demoted = api
        .patch(
            &first,
            &member_uri(&slug, &second.id),
            json!({"role": "member"}),
        )
        .await;
    assert_eq!(demoted.expect(200)["role"], "member");
    api.delete(&first, &member_uri(&slug, &third.id))
        .await
        .expect(204);
    // An owner may demote themselves, and leave.
    api.patch(&first, &member_uri(&slug, "me"), json!({"role": "member"}))
        .await
        .expect(200);
    api.delete(&first, &member_uri(&slug, "me"))
        .await
        .expect(204);
    let left = listed_ids(&api, &creator, &slug).await;
    assert!(left.contains(&creator.id) && left.contains(&second.id));
    assert_eq!(left.len(), 2);
    assert_eq!(members_used(&api, &slug).await, "2");
}

#[tokio::test]
async fn m1_a_removed_member_is_404_at_once_its_seat_is_free_and_it_is_not_listed() {
    let api = Api::new().await;
    let owner = User::new();
    let member = User::new();
    let slug = api.create_workspace(&owner, "Team").await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    assert_eq!(members_used(&api, &slug).await, "2");
    api.get(&member, &format!("/workspaces/{slug}"))
        .await
        .expect(200);

    api.delete(&owner, &member_uri(&slug, &member.id))
        .await
        .expect(204);

    // The very next request of the removed user, on every kind of workspace route.
    api.get(&member, &format!("/workspaces/{slug}"))
        .await
        .expect_problem(404, "not_found");
    api.get(&member, &members_uri(&slug))
        .await
        .expect_problem(404, "not_found");
    api.post(
        &member,
        &format!("/workspaces/{slug}/tickets"),
        json!({"subject": "Still here?"}),
    )
    .await
    .expect_problem(404, "not_found");
    assert_eq!(
        api.get(&member, "/workspaces").await.expect(200)["items"],
        json!([])
    );
    assert_eq!(members_used(&api, &slug).await, "1");
    assert_eq!(
        listed_ids(&api, &owner, &slug).await,
        vec![owner.id.clone()]
    );
    assert!(
        raw_item(
            &api.app,
            &format!("USER#{}", member.id),
            &format!("WORKSPACE#{slug}")
        )
        .await
        .is_none()
    );
    // Removing them again is a 404 and frees nothing more.
    api.delete(&owner, &member_uri(&slug, &member.id))
        .await
        .expect_problem(404, "not_found");
    assert_eq!(members_used(&api, &slug).await, "1");
}

#[tokio::test]
async fn m1_a_member_leaves_with_me_or_its_own_id() {
    let api = Api::new().await;
    let owner = User::new();
    let by_me = User::new();
    let by_id = User::new();
    let slug = api.create_workspace(&owner, "Team").await;
    seed_member(&api.app, &slug, &by_me, Role::Member).await;
    seed_member(&api.app, &slug, &by_id, Role::Member).await;
    api.delete(&by_me, &member_uri(&slug, "me"))
        .await
        .expect(204);
    api.delete(&by_id, &member_uri(&slug, &by_id.id))
        .await
        .expect(204);
    for gone in [&by_me, &by_id] {
        api.get(gone, &format!("/workspaces/{slug}"))
            .await
            .expect_problem(404, "not_found");
    }
    assert_eq!(members_used(&api, &slug).await, "1");
    assert_eq!(
        listed_ids(&api, &owner, &slug).await,
        vec![owner.id.clone()]
    );
}

#[tokio::test]
async fn m1_ten_concurrent_removals_of_one_member_free_one_seat() {
    let api = Api::new().await;
    let owner = User::new();
    let co_owner = User::new();
    let member = User::new();
    let slug = api.create_workspace(&owner, "Team").await;
    seed_member(&api.app, &slug, &co_owner, Role::Owner).await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let answers = join_all((0..10).map(|i| {
        let api = api.clone();
        let caller = match i % 3 {
            0 => owner.clone(),
            1 => co_owner.clone(),
            _ => member.clone(),
        };
        let uri = member_uri(&slug, &member.id);
        async move { api.delete(&caller, &uri).await }
    }))
    .await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 204 || *s == 404),
        "{statuses:?}"
    );
    assert_eq!(members_used(&api, &slug).await, "2");
    let removals = partition(&api.app, &format!("WS#{slug}"))
        .await
        .into_iter()
        .filter(|item| item["kind"].as_s().unwrap() == "member_removal")
        .count();
    assert_eq!(removals, 1, "one removal, one record");
}

#[tokio::test]
async fn r3_racing_demotions_and_removals_keep_both_copies_in_agreement() {
    let api = Api::new().await;
    let creator = User::new();
    let a = User::new();
    let b = User::new();
    let slug = api.create_workspace(&creator, "Team").await;
    seed_member(&api.app, &slug, &a, Role::Owner).await;
    seed_member(&api.app, &slug, &b, Role::Owner).await;
    // a and b try to demote and remove each other (and the creator) all at once.
    let requests: Vec<(User, &str, String, Option<Value>)> = vec![
        (
            a.clone(),
            "PATCH",
            member_uri(&slug, &b.id),
            Some(json!({"role": "member"})),
        ),
        (
            b.clone(),
            "PATCH",
            member_uri(&slug, &a.id),
            Some(json!({"role": "member"})),
        ),
        (a.clone(), "DELETE", member_uri(&slug, &b.id), None),
        (b.clone(), "DELETE", member_uri(&slug, &a.id), None),
        (
            a.clone(),
            "PATCH",
            member_uri(&slug, &creator.id),
            Some(json!({"role": "member"})),
        ),
        (b.clone(), "DELETE", member_uri(&slug, &creator.id), None),
    ];
    let answers = join_all(requests.into_iter().map(|(user, method, uri, body)| {
        let api = api.clone();
        async move {
            let body = body.map(|b| b.to_string());
            api.send(
                Some(&user),
                method,
                &uri,
                body.as_deref().map(str::as_bytes),
            )
            .await
        }
    }))
    .await;
    for answer in &answers {
        assert!(
            [200, 204, 403, 404, 409].contains(&answer.status),
            "{}",
            answer.body
        );
    }
    // The creator is untouched, and each user's two copies agree.
    assert_eq!(
        api.get(&creator, &format!("/workspaces/{slug}"))
            .await
            .expect(200)["role"],
        "owner"
    );
    let mut remaining = 1;
    for user in [&a, &b] {
        let member = raw_item(
            &api.app,
            &format!("WS#{slug}"),
            &format!("MEMBER#{}", user.id),
        )
        .await;
        let membership = raw_item(
            &api.app,
            &format!("USER#{}", user.id),
            &format!("WORKSPACE#{slug}"),
        )
        .await;
        assert_eq!(member.is_some(), membership.is_some());
        if let (Some(member), Some(membership)) = (member, membership) {
            assert_eq!(member["role"], membership["role"]);
            remaining += 1;
        }
    }
    assert_eq!(members_used(&api, &slug).await, remaining.to_string());
}

/// The sample events in `events/` for these routes, run as Lambda would run them.
#[tokio::test]
async fn the_sample_events_drive_members_and_tickets() {
    let read = |function: &str| -> Value {
        let path = repo_root().join(format!("events/{function}.json"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let app = app().await.with_slugs(Arc::new(ScriptedSlugs::new([
        Slug::parse("a1b2c3d4").unwrap()
    ])));
    let invoke = |function: &'static str| {
        let app = app.clone();
        let event = read(function);
        async move {
            let route = by_function(function).unwrap();
            into_answer(dispatch(&app, route, lambda_request(event).unwrap()).await)
        }
    };
    invoke("create-workspace").await.expect(201);
    // The member the events name, and the ticket they name.
    let member = User {
        id: "9d3e5c7a-2b4f-4a6c-8e1d-3f5a7b9c0d2e".into(),
        ..User::new()
    };
    seed_member(&app, "a1b2c3d4", &member, Role::Member).await;
    let api = Api::with_app(app.clone());
    let listed = invoke("list-members").await;
    assert_eq!(listed.expect(200)["items"].as_array().unwrap().len(), 2);
    assert_eq!(invoke("update-member").await.expect(200)["role"], "owner");
    let created = invoke("create-ticket").await;
    assert_eq!(created.expect(201)["assignee_id"], member.id.as_str());
    let filtered = invoke("list-tickets").await;
    assert_eq!(filtered.expect(200)["items"].as_array().unwrap().len(), 1);
    invoke("get-ticket").await.expect_problem(404, "not_found");
    seed_ticket(&app, "a1b2c3d4", "0193a1b2c3d4e5f6a7b8c9d0", &member.id).await;
    assert_eq!(invoke("get-ticket").await.expect(200)["status"], "open");
    let updated = invoke("update-ticket").await;
    let updated = updated.expect(200);
    assert_eq!(updated["status"], "pending");
    assert_eq!(
        updated["assignee_id"],
        "4f8a2b6e-1c3d-4e5f-9a7b-2c1d0e9f8a7b"
    );
    invoke("remove-member").await.expect(204);
    api.get(&member, "/workspaces/a1b2c3d4")
        .await
        .expect_problem(404, "not_found");
}

/// A ticket with a fixed id, assigned to `assignee`, written directly.
async fn seed_ticket(app: &gopimi_workspaces::App, slug: &str, id: &str, assignee: &str) {
    use gopimi_workspaces::domain::TicketStatus;
    use gopimi_workspaces::store::items::{TicketItem, kind};
    use gopimi_workspaces::store::{now_rfc3339, now_rfc3339_micros, to_item};
    let now = now_rfc3339();
    let ticket = TicketItem {
        pk: format!("WS#{slug}"),
        sk: format!("TICKET#{id}"),
        kind: kind::TICKET.into(),
        slug: slug.into(),
        id: id.into(),
        subject: "Seeded".into(),
        status: TicketStatus::Open,
        assignee_id: Some(assignee.into()),
        assigned_at: Some(now_rfc3339_micros()),
        created_by: assignee.into(),
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    app.store
        .client()
        .put_item()
        .table_name(app.store.table())
        .set_item(Some(to_item(&ticket).unwrap()))
        .send()
        .await
        .unwrap();
}
