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
