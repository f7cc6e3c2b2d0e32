//! Where member removal meets invitations: M3 (the removed person's pending invitations are
//! cancelled) and M4 (a removed user can be invited again and rejoin).

use std::time::Duration;

use gopimi_tests::{
    Api, User, emails_to, eventually, json, link_token, seed_member, user_with_email,
};
use gopimi_workspaces::domain::Role;

fn address(tag: &str) -> String {
    format!(
        "{tag}-{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

/// A Business-plan owner (20 seats) with a fresh workspace.
async fn business_workspace(api: &Api) -> (User, String) {
    let owner = User::new();
    api.put(
        &User::operator(),
        &format!("/admin/users/{}/plan", owner.id),
        json!({"plan": "business"}),
    )
    .await
    .expect(200);
    let slug = api.create_workspace(&owner, "Acme Support").await;
    (owner, slug)
}

async fn invite(api: &Api, from: &User, slug: &str, email: &str) -> String {
    invite_as(api, from, slug, email, "member").await
}

/// Invites `email` as `role` and returns the token from the email.
async fn invite_as(api: &Api, from: &User, slug: &str, email: &str, role: &str) -> String {
    api.post(
        from,
        &format!("/workspaces/{slug}/invitations"),
        json!({"email": email, "role": role}),
    )
    .await
    .expect(201);
    link_token(emails_to(email).await.last().expect("an invitation email"))
}

async fn seats_used(api: &Api, owner: &User, slug: &str) -> u64 {
    api.get(owner, &format!("/workspaces/{slug}/usage"))
        .await
        .expect(200)["members"]["used"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn m3_removing_a_member_cancels_the_invitations_they_sent() {
    let api = Api::new().await;
    let (owner, slug) = business_workspace(&api).await;
    let co_owner = User::new();
    seed_member(&api.app, &slug, &co_owner, Role::Owner).await;
    let theirs = [
        invite(&api, &co_owner, &slug, &address("theirs-a")).await,
        invite(&api, &co_owner, &slug, &address("theirs-b")).await,
    ];
    let mine = invite(&api, &owner, &slug, &address("mine")).await;
    assert_eq!(seats_used(&api, &owner, &slug).await, 5);

    api.delete(
        &owner,
        &format!("/workspaces/{slug}/members/{}", co_owner.id),
    )
    .await
    .expect(204);
    // The removal frees the co-owner's own seat at once; the consumer then cancels their invitations.
    let api_check = api.clone();
    let (owner_check, slug_check) = (owner.clone(), slug.clone());
    eventually(
        "the removed owner's invitations to be cancelled",
        Duration::from_secs(20),
        || {
            let (api, owner, slug) = (api_check.clone(), owner_check.clone(), slug_check.clone());
            async move { (seats_used(&api, &owner, &slug).await == 2).then_some(()) }
        },
    )
    .await;
    for token in &theirs {
        let preview = api
            .send(None, "GET", &format!("/invitations/{token}"), None)
            .await;
        assert_eq!(preview.expect(200)["status"], "cancelled");
        api.send(None, "POST", &format!("/invitations/{token}/decline"), None)
            .await
            .expect_problem(410, "invitation_cancelled");
    }
    let kept = api
        .send(None, "GET", &format!("/invitations/{mine}"), None)
        .await;
    assert_eq!(kept.expect(200)["status"], "pending");
}

#[tokio::test]
async fn m4_a_removed_member_can_be_invited_again_and_rejoin() {
    let api = Api::new().await;
    let (owner, slug) = business_workspace(&api).await;
    let email = address("bob");
    let bob = user_with_email(&email);

    let token = invite(&api, &owner, &slug, &email).await;
    api.post(&bob, &format!("/invitations/{token}/accept"), json!({}))
        .await
        .expect(200);
    assert_eq!(
        api.get(&bob, &format!("/workspaces/{slug}"))
            .await
            .expect(200)["role"],
        "member"
    );
    api.post(
        &owner,
        &format!("/workspaces/{slug}/invitations"),
        json!({"email": email}),
    )
    .await
    .expect_problem(409, "already_member");

    api.delete(&owner, &format!("/workspaces/{slug}/members/{}", bob.id))
        .await
        .expect(204);
    api.get(&bob, &format!("/workspaces/{slug}"))
        .await
        .expect_problem(404, "not_found");

    let again = invite(&api, &owner, &slug, &email).await;
    assert_ne!(again, token);
    api.post(&bob, &format!("/invitations/{again}/accept"), json!({}))
        .await
        .expect(200);
    assert_eq!(
        api.get(&bob, &format!("/workspaces/{slug}"))
            .await
            .expect(200)["role"],
        "member"
    );
    let members = api
        .get(&owner, &format!("/workspaces/{slug}/members"))
        .await;
    let members = members.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(
        members
            .iter()
            .filter(|m| m["user_id"] == bob.id.as_str())
            .count(),
        1
    );
    assert_eq!(seats_used(&api, &owner, &slug).await, 2);
}

#[tokio::test]
async fn m3_invitations_sent_after_rejoining_are_kept() {
    let api = Api::new().await;
    let (owner, slug) = business_workspace(&api).await;
    let email = address("ana");
    let ana = user_with_email(&email);
    let token = invite_as(&api, &owner, &slug, &email, "owner").await;
    api.post(&ana, &format!("/invitations/{token}/accept"), json!({}))
        .await
        .expect(200);
    let before = invite(&api, &ana, &slug, &address("before")).await;

    // Removed, invited back and rejoined at once, then she invites someone: all before the
    // member-removed function has run.
    api.delete(&owner, &format!("/workspaces/{slug}/members/{}", ana.id))
        .await
        .expect(204);
    let again = invite_as(&api, &owner, &slug, &email, "owner").await;
    api.post(&ana, &format!("/invitations/{again}/accept"), json!({}))
        .await
        .expect(200);
    let after = invite(&api, &ana, &slug, &address("after")).await;

    let check = api.clone();
    let before_token = before.clone();
    eventually(
        "the pre-removal invitation to be cancelled",
        Duration::from_secs(20),
        || {
            let (api, token) = (check.clone(), before_token.clone());
            async move {
                let preview = api
                    .send(None, "GET", &format!("/invitations/{token}"), None)
                    .await;
                (preview.body["status"] == "cancelled").then_some(())
            }
        },
    )
    .await;
    let kept = api
        .send(None, "GET", &format!("/invitations/{after}"), None)
        .await;
    assert_eq!(kept.expect(200)["status"], "pending");
}

#[tokio::test]
async fn m3_invitations_racing_the_senders_removal_are_cancelled_too() {
    let api = Api::new().await;
    let (owner, slug) = business_workspace(&api).await;
    let sender = User::new();
    seed_member(&api.app, &slug, &sender, Role::Owner).await;
    let uri = format!("/workspaces/{slug}/invitations");
    let invites = (0..6).map(|i| {
        let (api, sender, uri) = (api.clone(), sender.clone(), uri.clone());
        async move {
            let email = address(&format!("race{i}"));
            let answer = api
                .post(&sender, &uri, json!({"email": email, "role": "owner"}))
                .await;
            (answer.status, email)
        }
    });
    let removal_uri = format!("/workspaces/{slug}/members/{}", sender.id);
    let removal = api.delete(&owner, &removal_uri);
    let (sent, removed) = futures::join!(futures::future::join_all(invites), removal);
    removed.expect(204);
    let committed: Vec<String> = sent
        .into_iter()
        .filter(|(status, _)| *status == 201)
        .map(|(_, email)| email)
        .collect();

    // Whatever got in before the removal is cancelled once the consumer has run: only the
    // owner's seat is left, and no link of theirs can be accepted.
    let (check, owner_check, slug_check) = (api.clone(), owner.clone(), slug.clone());
    eventually(
        "every invitation of the removed sender to be cancelled",
        Duration::from_secs(30),
        || {
            let (api, owner, slug) = (check.clone(), owner_check.clone(), slug_check.clone());
            async move { (seats_used(&api, &owner, &slug).await == 1).then_some(()) }
        },
    )
    .await;
    for email in committed {
        let token = link_token(emails_to(&email).await.last().expect("an invitation email"));
        api.post(
            &user_with_email(&email),
            &format!("/invitations/{token}/accept"),
            json!({}),
        )
        .await
        .expect_problem(410, "invitation_cancelled");
    }
}

#[tokio::test]
async fn m2_tickets_assigned_while_the_assignee_is_removed_end_up_unassigned() {
    let api = Api::new().await;
    let (owner, slug) = business_workspace(&api).await;
    let member = User::new();
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let tickets_uri = format!("/workspaces/{slug}/tickets");
    let mut ids = Vec::new();
    for i in 0..6 {
        let ticket = api
            .post(
                &owner,
                &tickets_uri,
                json!({"subject": format!("Ticket {i}")}),
            )
            .await;
        ids.push(ticket.expect(201)["id"].as_str().unwrap().to_string());
    }
    let assignments = ids.iter().map(|id| {
        let (api, owner, uri) = (api.clone(), owner.clone(), format!("{tickets_uri}/{id}"));
        let assignee = member.id.clone();
        async move {
            api.patch(&owner, &uri, json!({"assignee_id": assignee}))
                .await
                .status
        }
    });
    let removal_uri = format!("/workspaces/{slug}/members/{}", member.id);
    let removal = api.delete(&owner, &removal_uri);
    let (_, removed) = futures::join!(futures::future::join_all(assignments), removal);
    removed.expect(204);

    let (check, owner_check) = (api.clone(), owner.clone());
    let assigned_uri = format!("{tickets_uri}?assignee={}", member.id);
    eventually(
        "no ticket left assigned to the removed member",
        Duration::from_secs(30),
        || {
            let (api, owner, uri) = (check.clone(), owner_check.clone(), assigned_uri.clone());
            async move {
                let page = api.get(&owner, &uri).await;
                (page.expect(200)["items"].as_array().unwrap().is_empty()).then_some(())
            }
        },
    )
    .await;
    let unassigned = api
        .get(&owner, &format!("{tickets_uri}?unassigned=true"))
        .await;
    assert_eq!(unassigned.expect(200)["items"].as_array().unwrap().len(), 6);
}

/// The removal's time is stamped before its transaction commits, and so are the requests
/// racing it: an invitation or assignment that committed just before the removal may carry a
/// later time. Simulated exactly: the membership is gone, and the removal record handed to
/// the consumer carries a time earlier than both.
#[tokio::test]
async fn m2_m3_what_committed_before_the_removal_goes_whatever_its_time_stamp() {
    use gopimi_workspaces::domain::Slug;
    use gopimi_workspaces::store::items::{MemberRemovalItem, kind};
    use gopimi_workspaces::store::keys;

    let api = Api::new().await;
    let (owner, slug) = business_workspace(&api).await;
    let sender = User::new();
    seed_member(&api.app, &slug, &sender, Role::Owner).await;
    let invited = address("stamped-late");
    let token = invite(&api, &sender, &slug, &invited).await;
    let ticket = api
        .post(
            &owner,
            &format!("/workspaces/{slug}/tickets"),
            json!({"subject": "Racing", "assignee_id": sender.id}),
        )
        .await;
    let ticket_id = ticket.expect(201)["id"].as_str().unwrap().to_string();

    // The removal committed: both copies of the membership are gone (no removal record is
    // written to the table, so only this test delivers it).
    let slug_value = Slug::parse(&slug).unwrap();
    for key in [
        keys::member(&slug_value, &sender.id),
        keys::membership(&sender.id, &slug_value),
    ] {
        api.app
            .store
            .client()
            .delete_item()
            .table_name(api.app.store.table())
            .set_key(Some(key.to_map()))
            .send()
            .await
            .unwrap();
    }
    let removed_at = "2000-01-01T00:00:00.000000Z".to_string();
    let record_key = keys::removal(&slug_value, &sender.id, &removed_at);
    let removal = MemberRemovalItem {
        pk: record_key.pk,
        sk: record_key.sk,
        kind: kind::MEMBER_REMOVAL.into(),
        slug: slug.clone(),
        user_id: sender.id.clone(),
        role: Role::Owner,
        removed_by: owner.id.clone(),
        removed_at,
        expire_at: 0,
    };
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(json!({ "Records": [gopimi_tests::insert_record(&removal, "1")] }))
            .unwrap();
    let consumer = gopimi_workspaces::events::consumer("member-removed").unwrap();
    let response = gopimi_workspaces::events::handle_batch(&api.app, consumer, &event).await;
    assert!(response.batch_item_failures.is_empty());

    let preview = api
        .send(None, "GET", &format!("/invitations/{token}"), None)
        .await;
    assert_eq!(preview.expect(200)["status"], "cancelled");
    let ticket = api
        .get(&owner, &format!("/workspaces/{slug}/tickets/{ticket_id}"))
        .await;
    assert!(ticket.expect(200)["assignee_id"].is_null());
}
