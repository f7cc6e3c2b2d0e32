//! Minimal tickets against DynamoDB Local: X1 and R1 (members work tickets).

use std::collections::BTreeSet;

use futures::future::join_all;
use gopimi_tests::{Api, User, json, partition, seed_member};
use gopimi_workspaces::domain::Role;
use serde_json::Value;

fn tickets_uri(slug: &str) -> String {
    format!("/workspaces/{slug}/tickets")
}

async fn create(api: &Api, caller: &User, slug: &str, body: Value) -> Value {
    api.post(caller, &tickets_uri(slug), body)
        .await
        .expect(201)
        .clone()
}

/// Follows `next_cursor` to the end and returns every id, checking page sizes.
async fn all_ids(api: &Api, caller: &User, slug: &str, query: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let base = format!("{}?limit={limit}{query}", tickets_uri(slug));
    let mut uri = base.clone();
    for _ in 0..1000 {
        let page = api.get(caller, &uri).await;
        let page = page.expect(200);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        ids.extend(items.iter().map(|t| t["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("{base}&cursor={cursor}"),
            None => return ids,
        }
    }
    panic!("the list never ended");
}

#[tokio::test]
async fn x1_members_create_read_list_and_update_tickets() {
    let api = Api::new().await;
    let owner = User::new();
    let member = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    seed_member(&api.app, &slug, &member, Role::Member).await;

    let ticket = create(
        &api,
        &member,
        &slug,
        json!({"subject": "  Refund for order 1042 "}),
    )
    .await;
    assert_eq!(ticket["subject"], "Refund for order 1042");
    assert_eq!(ticket["status"], "open");
    assert_eq!(ticket["assignee_id"], Value::Null);
    assert_eq!(ticket["created_by"], member.id.as_str());
    let id = ticket["id"].as_str().unwrap();
    let uri = format!("{}/{id}", tickets_uri(&slug));
    assert_eq!(api.get(&owner, &uri).await.expect(200), &ticket);

    let assigned = api
        .patch(
            &member,
            &uri,
            json!({"assignee_id": owner.id, "status": "pending"}),
        )
        .await;
    let assigned = assigned.expect(200).clone();
    assert_eq!(assigned["assignee_id"], owner.id.as_str());
    assert_eq!(assigned["status"], "pending");
    assert_eq!(assigned["subject"], "Refund for order 1042");
    assert_eq!(api.get(&member, &uri).await.expect(200), &assigned);

    let renamed = api
        .patch(
            &owner,
            &uri,
            json!({"subject": "Refund sent", "status": "closed"}),
        )
        .await;
    let renamed = renamed.expect(200);
    assert_eq!(
        renamed["assignee_id"],
        owner.id.as_str(),
        "unchanged when absent"
    );
    assert_eq!(renamed["status"], "closed");
    let unassigned = api.patch(&member, &uri, json!({"assignee_id": null})).await;
    let unassigned = unassigned.expect(200);
    assert_eq!(unassigned["assignee_id"], Value::Null);
    assert_eq!(unassigned["subject"], "Refund sent");
    assert_eq!(unassigned["status"], "closed");
    let mine = api.patch(&member, &uri, json!({"assignee_id": "me"})).await;
    assert_eq!(mine.expect(200)["assignee_id"], member.id.as_str());

    let listed = api.get(&member, &tickets_uri(&slug)).await;
    let listed = listed.expect(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["next_cursor"], Value::Null);
}

#[tokio::test]
async fn x1_bad_ticket_input_is_400_and_writes_nothing() {
    let api = Api::new().await;
    let owner = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    let before = partition(&api.app, &format!("WS#{slug}")).await;
    for (body, kind) in [
        (json!({"subject": "   "}), "validation_failed"),
        (json!({"subject": "x".repeat(201)}), "validation_failed"),
        (json!({"subject": "A", "status": "solved"}), "invalid_field"),
        (json!({"subject": "A", "priority": "high"}), "invalid_field"),
        (json!({"status": "open"}), "invalid_field"),
        (
            json!({"subject": "A", "assignee_id": "USER#x"}),
            "assignee_not_member",
        ),
    ] {
        api.post(&owner, &tickets_uri(&slug), body)
            .await
            .expect_problem(400, kind);
    }
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);
    let ticket = create(&api, &owner, &slug, json!({"subject": "x".repeat(200)})).await;
    let uri = format!("{}/{}", tickets_uri(&slug), ticket["id"].as_str().unwrap());
    let before = partition(&api.app, &format!("WS#{slug}")).await;
    for body in [
        json!({"status": "done"}),
        json!({"subject": ""}),
        json!({"id": "0193a1b2c3d4e5f6a7b8c9d0"}),
    ] {
        let answer = api.patch(&owner, &uri, body).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
    }
    for query in [
        "?status=done",
        "?assignee=me&unassigned=true",
        "?unassigned=yes",
        "?assignee=a%23b",
    ] {
        api.get(&owner, &format!("{}{query}", tickets_uri(&slug)))
            .await
            .expect_problem(400, "invalid_filter");
    }
    api.get(&owner, &format!("{}/not-an-id", tickets_uri(&slug)))
        .await
        .expect_problem(404, "not_found");
    api.get(
        &owner,
        &format!("{}/0193a1b2c3d4e5f6a7b8c9d0", tickets_uri(&slug)),
    )
    .await
    .expect_problem(404, "not_found");
    api.patch(
        &owner,
        &format!("{}/0193a1b2c3d4e5f6a7b8c9d0", tickets_uri(&slug)),
        json!({"status": "closed"}),
    )
    .await
    .expect_problem(404, "not_found");
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);
}

#[tokio::test]
async fn x1_an_assignee_must_be_a_current_member() {
    let api = Api::new().await;
    let owner = User::new();
    let stranger = User::new();
    let leaver = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    let elsewhere = api.create_workspace(&stranger, "Elsewhere").await;
    seed_member(&api.app, &slug, &leaver, Role::Member).await;
    api.delete(&leaver, &format!("/workspaces/{slug}/members/me"))
        .await
        .expect(204);
    let before = partition(&api.app, &format!("WS#{slug}")).await;
    // A member of another workspace, a former member, a user nobody knows.
    for assignee in [&stranger.id, &leaver.id, &User::new().id] {
        api.post(
            &owner,
            &tickets_uri(&slug),
            json!({"subject": "A", "assignee_id": assignee}),
        )
        .await
        .expect_problem(400, "assignee_not_member");
    }
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);
    let ticket = create(&api, &owner, &slug, json!({"subject": "A"})).await;
    let uri = format!("{}/{}", tickets_uri(&slug), ticket["id"].as_str().unwrap());
    let before = partition(&api.app, &format!("WS#{slug}")).await;
    api.patch(&owner, &uri, json!({"assignee_id": stranger.id}))
        .await
        .expect_problem(400, "assignee_not_member");
    assert_eq!(partition(&api.app, &format!("WS#{slug}")).await, before);
    // The stranger's own workspace is no way in.
    api.get(&stranger, &uri)
        .await
        .expect_problem(404, "not_found");
    api.get(&owner, &format!("/workspaces/{elsewhere}"))
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn x1_assigning_races_with_removal_never_leaves_a_non_member_assigned_at_rest() {
    let api = Api::new().await;
    let owner = User::new();
    let member = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let creates = (0..12).map(|i| {
        let api = api.clone();
        let owner = owner.clone();
        let body = json!({"subject": format!("Race {i}"), "assignee_id": member.id});
        let uri = tickets_uri(&slug);
        async move { api.post(&owner, &uri, body).await.status }
    });
    let removal = {
        let api = api.clone();
        let owner = owner.clone();
        let uri = format!("/workspaces/{slug}/members/{}", member.id);
        async move { api.delete(&owner, &uri).await.status }
    };
    let (statuses, removed) = futures::join!(join_all(creates), removal);
    assert_eq!(removed, 204);
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 400),
        "{statuses:?}"
    );
    // Whatever was assigned before the removal is cleared by the member-removed consumer.
    let uri = format!("{}?assignee={}", tickets_uri(&slug), member.id);
    gopimi_tests::eventually(
        "the removed member's tickets to be unassigned",
        std::time::Duration::from_secs(20),
        || {
            let api = api.clone();
            let owner = owner.clone();
            let uri = uri.clone();
            async move {
                let page = api.get(&owner, &uri).await;
                (page.expect(200)["items"] == json!([])).then_some(())
            }
        },
    )
    .await;
    let created = statuses.iter().filter(|s| **s == 201).count();
    assert_eq!(
        all_ids(&api, &owner, &slug, "&unassigned=true", 100)
            .await
            .len(),
        created
    );
}

#[tokio::test]
async fn r1_lists_filter_by_assignee_status_or_unassigned_and_page_through_short_pages() {
    let api = Api::new().await;
    let owner = User::new();
    let member = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let mut by_member = BTreeSet::new();
    let mut unassigned = BTreeSet::new();
    let mut closed = BTreeSet::new();
    let mut all = BTreeSet::new();
    for i in 0..40 {
        // Matches are sparse and uneven: filtered pages come back short from DynamoDB.
        let (assignee, status) = match i % 8 {
            0 => (Some(member.id.clone()), "open"),
            3 => (Some(member.id.clone()), "closed"),
            5 => (None, "pending"),
            _ => (
                Some(owner.id.clone()),
                if i % 2 == 0 { "open" } else { "closed" },
            ),
        };
        let ticket = create(
            &api,
            &owner,
            &slug,
            json!({"subject": format!("T{i}"), "status": status, "assignee_id": assignee}),
        )
        .await;
        let id = ticket["id"].as_str().unwrap().to_string();
        all.insert(id.clone());
        if assignee.as_deref() == Some(member.id.as_str()) {
            by_member.insert(id.clone());
        }
        if assignee.is_none() {
            unassigned.insert(id.clone());
        }
        if status == "closed" {
            closed.insert(id.clone());
        }
    }
    let check = |ids: Vec<String>, expected: &BTreeSet<String>| {
        let set: BTreeSet<String> = ids.iter().cloned().collect();
        assert_eq!(set.len(), ids.len(), "no ticket twice");
        assert_eq!(&set, expected);
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(sorted, ids, "creation order");
    };
    for limit in [1, 3, 7, 100] {
        check(all_ids(&api, &member, &slug, "", limit).await, &all);
        check(
            all_ids(
                &api,
                &member,
                &slug,
                &format!("&assignee={}", member.id),
                limit,
            )
            .await,
            &by_member,
        );
        check(
            all_ids(&api, &member, &slug, "&assignee=me", limit).await,
            &by_member,
        );
        check(
            all_ids(&api, &owner, &slug, "&unassigned=true", limit).await,
            &unassigned,
        );
        check(
            all_ids(&api, &owner, &slug, "&status=closed", limit).await,
            &closed,
        );
    }
    let both: BTreeSet<String> = by_member.intersection(&closed).cloned().collect();
    check(
        all_ids(
            &api,
            &owner,
            &slug,
            &format!("&assignee={}&status=closed", member.id),
            2,
        )
        .await,
        &both,
    );
    // A page of exactly the matches left ends the list.
    let page = api
        .get(
            &owner,
            &format!("{}?limit=5&unassigned=true", tickets_uri(&slug)),
        )
        .await;
    let page = page.expect(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    assert_eq!(page["next_cursor"], Value::Null);
    api.get(
        &owner,
        &format!("{}?cursor=TUVNQkVSI3g", tickets_uri(&slug)),
    )
    .await
    .expect_problem(400, "invalid_cursor");
}

#[tokio::test]
async fn w5_a_ticket_id_from_another_workspace_is_404_and_changes_nothing() {
    let api = Api::new().await;
    let owner = User::new();
    let other_owner = User::new();
    let a = api.create_workspace(&owner, "A").await;
    let b = api.create_workspace(&other_owner, "B").await;
    seed_member(&api.app, &b, &owner, Role::Owner).await;
    let ticket = create(&api, &owner, &a, json!({"subject": "Only in A"})).await;
    let id = ticket["id"].as_str().unwrap();
    let before_a = partition(&api.app, &format!("WS#{a}")).await;
    let before_b = partition(&api.app, &format!("WS#{b}")).await;
    let under_b = format!("/workspaces/{b}/tickets/{id}");
    api.get(&owner, &under_b)
        .await
        .expect_problem(404, "not_found");
    api.patch(&owner, &under_b, json!({"status": "closed"}))
        .await
        .expect_problem(404, "not_found");
    api.patch(&owner, &under_b, json!({"assignee_id": "me"}))
        .await
        .expect_problem(404, "not_found");
    let listed = api.get(&owner, &tickets_uri(&b)).await;
    assert_eq!(listed.expect(200)["items"], json!([]));
    assert_eq!(partition(&api.app, &format!("WS#{a}")).await, before_a);
    assert_eq!(partition(&api.app, &format!("WS#{b}")).await, before_b);
}
