//! Invitations end to end against DynamoDB Local and the local SES: I1–I11 and M3's store
//! function, with real concurrent requests for the races.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::join_all;
use gopimi_tests::{
    Api, User, app, app_with, config, config_with_invitation_ttl, emails_to, eventually, json,
    link_token, partition, raw_item, seed_member, user_with_email,
};
use gopimi_workspaces::domain::{Role, Slug};
use gopimi_workspaces::{App, Config};

fn new_address(tag: &str) -> String {
    format!(
        "{tag}-{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// The number of seats held (`members_used` of the workspace item).
async fn seats(app: &App, slug: &str) -> u64 {
    let meta = raw_item(app, &format!("WS#{slug}"), "META").await.unwrap();
    meta["members_used"].as_n().unwrap().parse().unwrap()
}

/// Lowers (or raises) the workspace's member limit, as a plan change does.
async fn set_member_limit(app: &App, slug: &str, limit: u64) {
    app.store
        .client()
        .update_item()
        .table_name(app.store.table())
        .key("pk", AttributeValue::S(format!("WS#{slug}")))
        .key("sk", AttributeValue::S("META".into()))
        .update_expression("SET members_limit = :limit")
        .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()))
        .send()
        .await
        .unwrap();
}

async fn sorted_partition(app: &App, slug: &str) -> Vec<String> {
    let mut items: Vec<String> = partition(app, &format!("WS#{slug}"))
        .await
        .into_iter()
        .map(|item| {
            let mut pairs: Vec<String> = item.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            pairs.sort();
            pairs.join(",")
        })
        .collect();
    items.sort();
    items
}

fn members_in(items: &[std::collections::HashMap<String, AttributeValue>]) -> usize {
    items
        .iter()
        .filter(|i| i["sk"].as_s().unwrap().starts_with("MEMBER#"))
        .count()
}

/// An owner with a fresh workspace.
async fn workspace(api: &Api) -> (User, String) {
    let owner = User::new();
    let slug = api.create_workspace(&owner, "Acme Support").await;
    (owner, slug)
}

/// Invites `email` and returns the invitation's id and the token from the email.
async fn invite(api: &Api, owner: &User, slug: &str, email: &str) -> (String, String) {
    let answer = api
        .post(
            owner,
            &format!("/workspaces/{slug}/invitations"),
            json!({ "email": email }),
        )
        .await;
    let id = answer.expect(201)["id"].as_str().unwrap().to_string();
    let mail = emails_to(&email.trim().to_lowercase()).await;
    let token = link_token(mail.last().expect("an invitation email"));
    (id, token)
}

#[tokio::test]
async fn i1_i4_an_invitation_is_stored_lower_cased_and_emailed_with_links() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("Invitee");
    let typed = format!("  {}  ", address.to_uppercase());
    let answer = api
        .post(
            &owner,
            &format!("/workspaces/{slug}/invitations"),
            json!({ "email": typed }),
        )
        .await;
    let body = answer.expect(201);
    assert_eq!(body["email"], address.to_lowercase());
    assert_eq!(body["role"], "member");
    assert_eq!(body["status"], "pending");
    assert_eq!(body["email_status"], "sent");
    assert_eq!(body["invited_by"], owner.id);
    assert_eq!(
        seats(&api.app, &slug).await,
        2,
        "the pending invitation holds a seat"
    );

    let mail = emails_to(&address.to_lowercase()).await;
    assert_eq!(mail.len(), 1);
    let email = &mail[0];
    assert!(email["subject"].as_str().unwrap().contains("Acme Support"));
    assert!(email["body"]["html"].as_str().unwrap().contains("<a href="));
    let token = link_token(email);
    let base = &config().app_base_url;
    for part in ["html", "text"] {
        let content = email["body"][part].as_str().unwrap();
        assert!(content.contains(&format!("{base}/invitations/{token}?action=accept")));
        assert!(content.contains(&format!("{base}/invitations/{token}?action=decline")));
    }
    // ≥128 bits of randomness, and only its SHA-256 is stored.
    assert!(
        token.len() * 6 >= (8 + 16 + 16) * 8,
        "token too short: {token}"
    );
    let stored = format!("{:?}", partition(&api.app, &format!("WS#{slug}")).await);
    assert!(!stored.contains(&token), "the token itself is never stored");
    let invitation = partition(&api.app, &format!("WS#{slug}"))
        .await
        .into_iter()
        .find(|i| i["sk"].as_s().unwrap().starts_with("INVITATION#"))
        .unwrap();
    assert_eq!(invitation["token_hash"].as_s().unwrap().len(), 64);
}

#[tokio::test]
async fn i4_names_in_the_email_are_html_escaped() {
    let api = Api::new().await;
    let owner = User::new();
    let slug = api
        .create_workspace(&owner, "<script>alert(1)</script>")
        .await;
    let address = new_address("escaped");
    invite(&api, &owner, &slug, &address).await;
    let email = &emails_to(&address).await[0];
    let html = email["body"]["html"].as_str().unwrap();
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        email["body"]["text"]
            .as_str()
            .unwrap()
            .contains("<script>alert(1)</script>")
    );
}

#[tokio::test]
async fn i3_thirty_concurrent_invitations_on_lite_get_exactly_one_seat() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let uri = format!("/workspaces/{slug}/invitations");
    let answers = join_all((0..30).map(|i| {
        let (api, owner, uri) = (api.clone(), owner.clone(), uri.clone());
        async move {
            api.post(
                &owner,
                &uri,
                json!({ "email": new_address(&format!("race{i}")) }),
            )
            .await
        }
    }))
    .await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(created, 1, "{answers:?}");
    for refused in answers.iter().filter(|a| a.status != 201) {
        let body = refused.expect_problem(429, "quota_exceeded");
        assert_eq!(body["resource"], "members");
        assert_eq!(body["limit"], 2);
        assert_eq!(body["used"], 2);
    }
    assert_eq!(seats(&api.app, &slug).await, 2);
    let invitations = partition(&api.app, &format!("WS#{slug}"))
        .await
        .into_iter()
        .filter(|i| i["sk"].as_s().unwrap().starts_with("INVITATION#"))
        .count();
    assert_eq!(invitations, 1);
}

#[tokio::test]
async fn i2_inviting_a_member_or_a_pending_address_is_409_and_sends_nothing() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    set_member_limit(&api.app, &slug, 5).await;
    let address = new_address("dup");
    invite(&api, &owner, &slug, &address).await;
    let before = sorted_partition(&api.app, &slug).await;
    let uri = format!("/workspaces/{slug}/invitations");

    let again = api
        .post(
            &owner,
            &uri,
            json!({ "email": format!(" {} ", address.to_uppercase()) }),
        )
        .await;
    assert_eq!(
        again.expect_problem(409, "already_invited")["email"],
        address
    );
    let member = api
        .post(&owner, &uri, json!({ "email": owner.email.to_uppercase() }))
        .await;
    assert_eq!(
        member.expect_problem(409, "already_member")["email"],
        owner.email
    );
    assert_eq!(sorted_partition(&api.app, &slug).await, before);
    assert_eq!(emails_to(&address).await.len(), 1, "no second email");
    assert!(emails_to(&owner.email).await.is_empty());
}

#[tokio::test]
async fn i2_a_duplicate_is_409_even_when_the_workspace_is_full() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("full");
    invite(&api, &owner, &slug, &address).await;
    let uri = format!("/workspaces/{slug}/invitations");
    api.post(&owner, &uri, json!({ "email": address }))
        .await
        .expect_problem(409, "already_invited");
    api.post(&owner, &uri, json!({ "email": owner.email }))
        .await
        .expect_problem(409, "already_member");
    api.post(&owner, &uri, json!({ "email": new_address("other") }))
        .await
        .expect_problem(429, "quota_exceeded");
}

#[tokio::test]
async fn i2_concurrent_invitations_of_one_address_make_one_invitation() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    set_member_limit(&api.app, &slug, 20).await;
    let address = new_address("same");
    let uri = format!("/workspaces/{slug}/invitations");
    let answers = join_all((0..10).map(|i| {
        let (api, owner, uri) = (api.clone(), owner.clone(), uri.clone());
        let email = if i % 2 == 0 {
            address.clone()
        } else {
            address.to_uppercase()
        };
        async move { api.post(&owner, &uri, json!({ "email": email })).await }
    }))
    .await;
    assert_eq!(answers.iter().filter(|a| a.status == 201).count(), 1);
    for refused in answers.iter().filter(|a| a.status != 201) {
        refused.expect_problem(409, "already_invited");
    }
    assert_eq!(seats(&api.app, &slug).await, 2);
    assert_eq!(emails_to(&address).await.len(), 1);
}

#[tokio::test]
async fn i2_past_invitations_never_block_a_new_one() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("again");
    // Cancelled, then declined, then invited once more: each time a fresh invitation.
    let (id, _) = invite(&api, &owner, &slug, &address).await;
    api.delete(&owner, &format!("/workspaces/{slug}/invitations/{id}"))
        .await
        .expect(204);
    let (_, token) = invite(&api, &owner, &slug, &address).await;
    api.send(None, "POST", &format!("/invitations/{token}/decline"), None)
        .await
        .expect(200);
    let (_, token) = invite(&api, &owner, &slug, &address).await;
    assert_eq!(seats(&api.app, &slug).await, 2);
    let list = api
        .get(&owner, &format!("/workspaces/{slug}/invitations"))
        .await;
    let statuses: Vec<&str> = list.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["cancelled", "declined", "pending"],
        "oldest first"
    );
    assert_eq!(
        api.send(None, "GET", &format!("/invitations/{token}"), None)
            .await
            .expect(200)["status"],
        "pending"
    );
}

#[tokio::test]
async fn i6_accepting_joins_the_workspace_and_verifies_the_email() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("joiner");
    let (_, token) = invite(&api, &owner, &slug, &address).await;
    let invitee = User {
        email_verified: false,
        ..user_with_email(&address.to_uppercase())
    };
    let accepted = api
        .post(&invitee, &format!("/invitations/{token}/accept"), json!({}))
        .await;
    let body = accepted.expect(200);
    assert_eq!(body["workspace"]["slug"], slug);
    assert_eq!(body["role"], "member");

    assert_eq!(
        api.get(&invitee, &format!("/workspaces/{slug}"))
            .await
            .expect(200)["role"],
        "member"
    );
    let mine = api.get(&invitee, "/workspaces").await;
    assert_eq!(mine.expect(200)["items"][0]["slug"], slug);
    let user = raw_item(&api.app, &format!("USER#{}", invitee.id), "PROFILE")
        .await
        .unwrap();
    assert_eq!(user["email_verified"], AttributeValue::Bool(true));
    assert_eq!(
        api.get(&invitee, "/me").await.expect(200)["email_verified"],
        true
    );
    assert_eq!(
        seats(&api.app, &slug).await,
        2,
        "the seat became the member's"
    );
    let items = partition(&api.app, &format!("WS#{slug}")).await;
    assert_eq!(members_in(&items), 2);
    assert!(
        !items
            .iter()
            .any(|i| i["sk"].as_s().unwrap().starts_with("INVITEE#")),
        "no pending marker is left"
    );
    // A member is now a member: inviting the address again is 409 already_member.
    api.post(
        &owner,
        &format!("/workspaces/{slug}/invitations"),
        json!({ "email": address }),
    )
    .await
    .expect_problem(409, "already_member");
    // The user can still create a workspace of their own (joined ones do not count).
    api.post(&invitee, "/workspaces", json!({"name": "Mine"}))
        .await
        .expect(201);
}

#[tokio::test]
async fn i6_another_address_gets_403_and_the_invitation_stays_pending() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let (_, token) = invite(&api, &owner, &slug, &new_address("meant")).await;
    let before = sorted_partition(&api.app, &slug).await;
    let stranger = User::new();
    api.post(
        &stranger,
        &format!("/invitations/{token}/accept"),
        json!({}),
    )
    .await
    .expect_problem(403, "email_mismatch");
    api.send(None, "POST", &format!("/invitations/{token}/accept"), None)
        .await
        .expect_problem(401, "unauthorized");
    assert_eq!(sorted_partition(&api.app, &slug).await, before);
    api.get(&stranger, &format!("/workspaces/{slug}"))
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn i6_ten_concurrent_accepts_by_the_invitee_make_one_membership() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("tenfold");
    let (_, token) = invite(&api, &owner, &slug, &address).await;
    let invitee = user_with_email(&address);
    let uri = format!("/invitations/{token}/accept");
    let answers = join_all((0..10).map(|_| {
        let (api, invitee, uri) = (api.clone(), invitee.clone(), uri.clone());
        async move { api.post(&invitee, &uri, json!({})).await }
    }))
    .await;
    for answer in &answers {
        assert_eq!(answer.expect(200)["workspace"]["slug"], slug);
    }
    let items = partition(&api.app, &format!("WS#{slug}")).await;
    assert_eq!(members_in(&items), 2);
    assert_eq!(seats(&api.app, &slug).await, 2);
    // And once more, later: still an idempotent 200.
    api.post(&invitee, &uri, json!({})).await.expect(200);
}

#[tokio::test]
async fn i6_two_users_with_the_same_email_claim_cannot_both_join() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("twin");
    let (_, token) = invite(&api, &owner, &slug, &address).await;
    let twins = [user_with_email(&address), user_with_email(&address)];
    let uri = format!("/invitations/{token}/accept");
    let answers = join_all(twins.iter().flat_map(|twin| {
        let (api, uri) = (api.clone(), uri.clone());
        (0..5).map(move |_| {
            let (api, uri, twin) = (api.clone(), uri.clone(), twin.clone());
            async move { (twin.id.clone(), api.post(&twin, &uri, json!({})).await) }
        })
    }))
    .await;
    let winners: std::collections::BTreeSet<String> = answers
        .iter()
        .filter(|(_, a)| a.status == 200)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for (id, answer) in &answers {
        if !winners.contains(id) {
            answer.expect_problem(410, "invitation_accepted");
        }
    }
    assert_eq!(
        members_in(&partition(&api.app, &format!("WS#{slug}")).await),
        2
    );
}

#[tokio::test]
async fn i6_expired_cancelled_or_declined_invitations_are_410() {
    let short = Api::with_app(app_with(config_with_invitation_ttl(2)).await);
    let (owner, slug) = workspace(&short).await;
    set_member_limit(&short.app, &slug, 5).await;
    let expiring = new_address("expiring");
    let (_, expired_token) = invite(&short, &owner, &slug, &expiring).await;
    let api = Api::new().await;
    let cancelled = new_address("cancelled");
    let (cancelled_id, cancelled_token) = invite(&api, &owner, &slug, &cancelled).await;
    api.delete(
        &owner,
        &format!("/workspaces/{slug}/invitations/{cancelled_id}"),
    )
    .await
    .expect(204);
    let declined = new_address("declined");
    let (_, declined_token) = invite(&api, &owner, &slug, &declined).await;
    api.send(
        None,
        "POST",
        &format!("/invitations/{declined_token}/decline"),
        None,
    )
    .await
    .expect(200);
    tokio::time::sleep(Duration::from_millis(2100)).await;

    for (address, token, kind) in [
        (&expiring, &expired_token, "invitation_expired"),
        (&cancelled, &cancelled_token, "invitation_cancelled"),
        (&declined, &declined_token, "invitation_declined"),
    ] {
        let invitee = user_with_email(address);
        api.post(&invitee, &format!("/invitations/{token}/accept"), json!({}))
            .await
            .expect_problem(410, kind);
        api.get(&invitee, &format!("/workspaces/{slug}"))
            .await
            .expect_problem(404, "not_found");
    }
    // The preview still tells what happened (I11).
    let preview = api
        .send(None, "GET", &format!("/invitations/{expired_token}"), None)
        .await;
    assert_eq!(preview.expect(200)["status"], "expired");
    assert_eq!(seats(&api.app, &slug).await, 1, "every seat is free again");
}

#[tokio::test]
async fn i3_an_expired_invitation_frees_its_seat_for_the_next_one() {
    // Long enough for the refused invitation below to run before the first one lapses on a
    // busy machine, short enough for a test.
    let short = Api::with_app(app_with(config_with_invitation_ttl(6)).await);
    let (owner, slug) = workspace(&short).await;
    let first = new_address("lapsing");
    invite(&short, &owner, &slug, &first).await;
    let uri = format!("/workspaces/{slug}/invitations");
    short
        .post(&owner, &uri, json!({ "email": new_address("waiting") }))
        .await
        .expect_problem(429, "quota_exceeded");
    tokio::time::sleep(Duration::from_millis(6100)).await;
    // Nothing flipped it yet; the invitation that needs the seat does.
    short
        .post(&owner, &uri, json!({ "email": new_address("next") }))
        .await
        .expect(201);
    assert_eq!(seats(&short.app, &slug).await, 2);
    // The same address can be invited again once its invitation lapsed.
    set_member_limit(&short.app, &slug, 5).await;
    short
        .post(&owner, &uri, json!({ "email": first }))
        .await
        .expect(201);
    let item = partition(&short.app, &format!("WS#{slug}"))
        .await
        .into_iter()
        .find(|i| {
            i.get("status")
                .and_then(|s| s.as_s().ok())
                .map(String::as_str)
                == Some("expired")
        })
        .expect("the lapsed invitation is stored as expired");
    assert!(item.contains_key("expire_at"), "and left to DynamoDB's TTL");
}

#[tokio::test]
async fn i6_a_plan_lowered_after_the_invitation_makes_accept_429_and_keeps_it_pending() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("lowered");
    let (_, token) = invite(&api, &owner, &slug, &address).await;
    set_member_limit(&api.app, &slug, 1).await;
    let before = sorted_partition(&api.app, &slug).await;
    let invitee = user_with_email(&address);
    let refused = api
        .post(&invitee, &format!("/invitations/{token}/accept"), json!({}))
        .await;
    let body = refused.expect_problem(429, "quota_exceeded");
    assert_eq!(body["resource"], "members");
    assert_eq!(body["limit"], 1);
    assert_eq!(sorted_partition(&api.app, &slug).await, before);
    assert!(
        raw_item(&api.app, &format!("USER#{}", invitee.id), "PROFILE")
            .await
            .is_none(),
        "nothing was verified either"
    );
    set_member_limit(&api.app, &slug, 2).await;
    api.post(&invitee, &format!("/invitations/{token}/accept"), json!({}))
        .await
        .expect(200);
}

#[tokio::test]
async fn i7_decline_frees_the_seat_at_once_and_the_dead_link_is_410() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("decliner");
    let (_, token) = invite(&api, &owner, &slug, &address).await;
    let declined = api
        .send(None, "POST", &format!("/invitations/{token}/decline"), None)
        .await;
    assert_eq!(declined.expect(200)["status"], "declined");
    assert_eq!(seats(&api.app, &slug).await, 1);
    api.send(None, "POST", &format!("/invitations/{token}/decline"), None)
        .await
        .expect_problem(410, "invitation_declined");
    api.post(
        &user_with_email(&address),
        &format!("/invitations/{token}/accept"),
        json!({}),
    )
    .await
    .expect_problem(410, "invitation_declined");
    // The seat is usable right away.
    invite(&api, &owner, &slug, &new_address("next")).await;
}

#[tokio::test]
async fn i7_owners_cancel_pending_invitations_and_the_seat_is_free_at_once() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    set_member_limit(&api.app, &slug, 5).await;
    let member = User::new();
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let address = new_address("cancelme");
    let (id, token) = invite(&api, &owner, &slug, &address).await;
    let uri = format!("/workspaces/{slug}/invitations/{id}");
    let before = sorted_partition(&api.app, &slug).await;
    api.delete(&member, &uri)
        .await
        .expect_problem(403, "owner_only");
    api.delete(&User::new(), &uri)
        .await
        .expect_problem(404, "not_found");
    api.delete(&owner, &format!("/workspaces/{slug}/invitations/not-an-id"))
        .await
        .expect_problem(404, "not_found");
    assert_eq!(sorted_partition(&api.app, &slug).await, before);

    api.delete(&owner, &uri).await.expect(204);
    assert_eq!(seats(&api.app, &slug).await, 2);
    api.delete(&owner, &uri)
        .await
        .expect_problem(409, "invitation_not_pending");
    api.send(None, "POST", &format!("/invitations/{token}/decline"), None)
        .await
        .expect_problem(410, "invitation_cancelled");
}

#[tokio::test]
async fn i8_resend_replaces_the_token_and_allows_five_sends_a_day() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("resent");
    let (id, first_token) = invite(&api, &owner, &slug, &address).await;
    let uri = format!("/workspaces/{slug}/invitations/{id}/resend");
    let mut tokens = vec![first_token];
    for send in 2..=5 {
        let body = api.post(&owner, &uri, json!({})).await;
        assert_eq!(body.expect(200)["email_status"], "sent");
        let mail = emails_to(&address).await;
        assert_eq!(mail.len(), send);
        tokens.push(link_token(mail.last().unwrap()));
    }
    let current = tokens.last().unwrap().clone();
    for old in &tokens[..tokens.len() - 1] {
        assert_ne!(old, &current);
        api.send(None, "GET", &format!("/invitations/{old}"), None)
            .await
            .expect_problem(410, "invitation_replaced");
        api.post(
            &user_with_email(&address),
            &format!("/invitations/{old}/accept"),
            json!({}),
        )
        .await
        .expect_problem(410, "invitation_replaced");
    }
    let before = sorted_partition(&api.app, &slug).await;
    let sixth = api.post(&owner, &uri, json!({})).await;
    sixth.expect_problem(429, "too_many_sends");
    let retry_after: u64 = sixth.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 24 * 60 * 60);
    assert_eq!(sorted_partition(&api.app, &slug).await, before);
    assert_eq!(emails_to(&address).await.len(), 5);
    assert_eq!(
        seats(&api.app, &slug).await,
        2,
        "resending takes no extra seat"
    );
    api.post(
        &user_with_email(&address),
        &format!("/invitations/{current}/accept"),
        json!({}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn i8_resending_an_expired_invitation_takes_a_seat_again() {
    // The seat-taker's invitation below must still be pending when the resend runs: a lifetime
    // that a busy machine cannot outrun between two requests.
    let short = Api::with_app(app_with(config_with_invitation_ttl(6)).await);
    let (owner, slug) = workspace(&short).await;
    let address = new_address("revived");
    let (id, _) = invite(&short, &owner, &slug, &address).await;
    tokio::time::sleep(Duration::from_millis(6100)).await;
    // The lapsed seat goes to someone else first.
    let (other_id, _) = invite(&short, &owner, &slug, &new_address("seat-taker")).await;
    let uri = format!("/workspaces/{slug}/invitations/{id}/resend");
    short
        .post(&owner, &uri, json!({}))
        .await
        .expect_problem(429, "quota_exceeded");
    short
        .delete(
            &owner,
            &format!("/workspaces/{slug}/invitations/{other_id}"),
        )
        .await
        .expect(204);
    let api = Api::new().await;
    let revived = api.post(&owner, &uri, json!({})).await;
    assert_eq!(revived.expect(200)["status"], "pending");
    assert_eq!(seats(&api.app, &slug).await, 2);
    let token = link_token(emails_to(&address).await.last().unwrap());
    api.post(
        &user_with_email(&address),
        &format!("/invitations/{token}/accept"),
        json!({}),
    )
    .await
    .expect(200);
}

/// An app whose SES is unreachable (the local SES "stopped").
async fn app_without_ses() -> App {
    app_with(Config {
        ses_endpoint: Some("http://127.0.0.1:9".into()),
        ..config()
    })
    .await
}

#[tokio::test]
async fn i10_when_ses_fails_the_invitation_stays_pending_and_resend_retries() {
    let broken = Api::with_app(app_without_ses().await);
    let (owner, slug) = workspace(&broken).await;
    let address = new_address("unsent");
    let answer = broken
        .post(
            &owner,
            &format!("/workspaces/{slug}/invitations"),
            json!({ "email": address }),
        )
        .await;
    let body = answer.expect(201);
    assert_eq!(body["email_status"], "failed");
    assert_eq!(body["status"], "pending");
    let id = body["id"].as_str().unwrap().to_string();
    assert!(emails_to(&address).await.is_empty());
    let api = Api::new().await;
    let listed = api
        .get(&owner, &format!("/workspaces/{slug}/invitations"))
        .await;
    assert_eq!(listed.expect(200)["items"][0]["email_status"], "failed");

    let resent = api
        .post(
            &owner,
            &format!("/workspaces/{slug}/invitations/{id}/resend"),
            json!({}),
        )
        .await;
    assert_eq!(resent.expect(200)["email_status"], "sent");
    assert_eq!(emails_to(&address).await.len(), 1);
}

#[tokio::test]
async fn i10_ses_throttling_keeps_the_invitation_with_email_status_failed() {
    use aws_sdk_sesv2::operation::send_email::SendEmailError;
    use aws_sdk_sesv2::types::error::TooManyRequestsException;
    use aws_smithy_mocks::{MockResponseInterceptor, mock};

    let throttled = mock!(aws_sdk_sesv2::Client::send_email).then_error(|| {
        SendEmailError::TooManyRequestsException(
            TooManyRequestsException::builder()
                .message("Maximum sending rate exceeded.")
                .build(),
        )
    });
    let ses = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::Config::builder()
            .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
            .region(aws_sdk_sesv2::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sesv2::config::Credentials::for_tests())
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(MockResponseInterceptor::new().with_rule(&throttled))
            .build(),
    );
    let real = app().await;
    let api = Api::with_app(App::with_clients(
        config(),
        real.store.client().clone(),
        ses,
    ));
    let (owner, slug) = workspace(&api).await;
    let answer = api
        .post(
            &owner,
            &format!("/workspaces/{slug}/invitations"),
            json!({ "email": new_address("throttled") }),
        )
        .await;
    assert_eq!(answer.expect(201)["email_status"], "failed");
    assert_eq!(throttled.num_calls(), 1);
    assert_eq!(seats(&api.app, &slug).await, 2, "kept, holding its seat");
}

#[tokio::test]
async fn i11_the_public_preview_shows_the_invitation_and_nothing_else() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("previewed");
    let (_, token) = invite(&api, &owner, &slug, &address).await;
    let preview = api
        .send(None, "GET", &format!("/invitations/{token}"), None)
        .await;
    let body = preview.expect(200);
    assert_eq!(
        body["workspace"],
        json!({"slug": slug, "name": "Acme Support"})
    );
    assert_eq!(body["invited_by"]["email"], owner.email);
    assert_eq!(body["email"], address);
    assert_eq!(body["role"], "member");
    assert_eq!(body["status"], "pending");
    assert!(body["expires_at"].is_string());
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "email",
            "expires_at",
            "invited_by",
            "role",
            "status",
            "workspace"
        ]
    );
    // Unknown and malformed tokens name nothing.
    // A character inside the random part (the last one may carry only padding bits).
    let mut forged: Vec<char> = token.chars().collect();
    let inner = forged.len() - 10;
    forged[inner] = if forged[inner] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    api.send(None, "GET", &format!("/invitations/{forged}"), None)
        .await
        .expect_problem(410, "invitation_replaced");
    api.send(None, "GET", "/invitations/not-a-token", None)
        .await
        .expect_problem(404, "not_found");
    let other_id = gopimi_workspaces::domain::InvitationToken::generate(
        &Slug::parse(&slug).unwrap(),
        uuid::Uuid::new_v4(),
    );
    api.send(
        None,
        "GET",
        &format!("/invitations/{}", other_id.expose()),
        None,
    )
    .await
    .expect_problem(404, "not_found");
}

#[tokio::test]
async fn r2_only_owners_invite_and_list_and_bad_input_is_400() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let member = User::new();
    seed_member(&api.app, &slug, &member, Role::Member).await;
    set_member_limit(&api.app, &slug, 5).await;
    let uri = format!("/workspaces/{slug}/invitations");
    let before = sorted_partition(&api.app, &slug).await;
    api.post(&member, &uri, json!({ "email": new_address("x") }))
        .await
        .expect_problem(403, "owner_only");
    api.get(&member, &uri)
        .await
        .expect_problem(403, "owner_only");
    api.post(&User::new(), &uri, json!({ "email": new_address("x") }))
        .await
        .expect_problem(404, "not_found");
    api.post(&owner, &uri, json!({ "email": "not an email" }))
        .await
        .expect_problem(400, "invalid_email");
    api.post(
        &owner,
        &uri,
        json!({ "email": new_address("x"), "role": "admin" }),
    )
    .await
    .expect_problem(400, "invalid_field");
    api.post(
        &owner,
        &uri,
        json!({ "email": new_address("x"), "extra": 1 }),
    )
    .await
    .expect_problem(400, "invalid_field");
    api.send(Some(&owner), "POST", &uri, None)
        .await
        .expect_problem(400, "missing_body");
    assert_eq!(sorted_partition(&api.app, &slug).await, before);
    // An owner may invite an owner.
    let answer = api
        .post(
            &owner,
            &uri,
            json!({ "email": new_address("co"), "role": "owner" }),
        )
        .await;
    assert_eq!(answer.expect(201)["role"], "owner");
}

#[tokio::test]
async fn list_invitations_is_paginated() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    set_member_limit(&api.app, &slug, 10).await;
    for i in 0..5 {
        invite(&api, &owner, &slug, &new_address(&format!("page{i}"))).await;
    }
    let uri = format!("/workspaces/{slug}/invitations");
    let first = api.get(&owner, &format!("{uri}?limit=3")).await;
    let first = first.expect(200);
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = api
        .get(&owner, &format!("{uri}?limit=3&cursor={cursor}"))
        .await;
    let second = second.expect(200);
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    assert!(second["next_cursor"].is_null());
}

#[tokio::test]
async fn m3_cancel_invitations_sent_by_frees_their_seats_and_is_idempotent() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    set_member_limit(&api.app, &slug, 10).await;
    let co_owner = User::new();
    seed_member(&api.app, &slug, &co_owner, Role::Owner).await;
    for i in 0..3 {
        invite(&api, &co_owner, &slug, &new_address(&format!("sent{i}"))).await;
    }
    let (_, kept_token) = invite(&api, &owner, &slug, &new_address("kept")).await;
    assert_eq!(seats(&api.app, &slug).await, 6);
    let slug_value = Slug::parse(&slug).unwrap();
    let cancelled = api
        .app
        .store
        .cancel_invitations_sent_by(
            &slug_value,
            &co_owner.id,
            &gopimi_workspaces::store::now_rfc3339_micros(),
        )
        .await
        .unwrap();
    assert_eq!(cancelled, 3);
    assert_eq!(seats(&api.app, &slug).await, 3);
    assert_eq!(
        api.app
            .store
            .cancel_invitations_sent_by(
                &slug_value,
                &co_owner.id,
                &gopimi_workspaces::store::now_rfc3339_micros()
            )
            .await
            .unwrap(),
        0
    );
    assert_eq!(seats(&api.app, &slug).await, 3);
    let kept = api
        .send(None, "GET", &format!("/invitations/{kept_token}"), None)
        .await;
    assert_eq!(kept.expect(200)["status"], "pending");
}

#[tokio::test]
async fn accepting_emails_the_inviter_and_writes_an_audit_entry() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("announced");
    let (id, token) = invite(&api, &owner, &slug, &address).await;
    api.post(
        &user_with_email(&address),
        &format!("/invitations/{token}/accept"),
        json!({}),
    )
    .await
    .expect(200);
    // Delivered by the stream pump to `invitation-accepted`, with the template's filter.
    let notice = eventually("the inviter's email", Duration::from_secs(10), || async {
        emails_to(&owner.email).await.into_iter().next()
    })
    .await;
    assert!(notice["subject"].as_str().unwrap().contains(&address));
    assert!(
        notice["body"]["html"]
            .as_str()
            .unwrap()
            .contains("Acme Support")
    );
    let audit = eventually("the audit entry", Duration::from_secs(10), || async {
        raw_item(
            &api.app,
            &format!("WS#{slug}"),
            &format!("AUDIT#invitation.accepted#{id}"),
        )
        .await
        .filter(|item| item.contains_key("notified_at"))
    })
    .await;
    assert_eq!(audit["event"].as_s().unwrap(), "invitation.accepted");
    // Nothing else that happens to the invitation notifies again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(emails_to(&owner.email).await.len(), 1);
}

fn read_event(name: &str) -> serde_json::Value {
    let path = gopimi_local::template::repo_root().join(format!("events/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Stores the pending invitation of `events/invitation-accepted.json` (its old image), valid
/// for another hour, with its address marker and seat: the invitation the sample events'
/// token names.
async fn store_sample_invitation(app: &App) {
    use gopimi_workspaces::store::items::{InviteeItem, kind};
    use gopimi_workspaces::store::{keys, to_item};
    let slug = Slug::parse("a1b2c3d4").unwrap();
    let marker = keys::invitee(&slug, "bo@example.com");
    let marker = InviteeItem {
        pk: marker.pk,
        sk: marker.sk,
        kind: kind::INVITEE.into(),
        email: "bo@example.com".into(),
        invitation_id: SAMPLE_INVITATION_ID.into(),
    };
    app.store
        .client()
        .put_item()
        .table_name(app.store.table())
        .set_item(Some(to_item(&marker).unwrap()))
        .send()
        .await
        .unwrap();
    app.store
        .client()
        .update_item()
        .table_name(app.store.table())
        .set_key(Some(keys::workspace(&slug).to_map()))
        .update_expression("SET members_used = members_used + :one, members_limit = :five")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .expression_attribute_values(":five", AttributeValue::N("5".into()))
        .send()
        .await
        .unwrap();
    let event = read_event("invitation-accepted");
    let mut image = event["Records"][0]["dynamodb"]["OldImage"].clone();
    let expires = chrono_now() + 3600;
    image["expires_at_epoch"] = json!({"N": expires.to_string()});
    let item: serde_dynamo::Item = serde_json::from_value(image).unwrap();
    let item: std::collections::HashMap<String, AttributeValue> = item.into();
    app.store
        .client()
        .put_item()
        .table_name(app.store.table())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// I9, with `events/pre-sign-up.json` (its token names the sample invitation, pending).
async fn i9_pre_sign_up_verifies_only_an_invited_address_with_its_token(app: &App) {
    use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup;
    use gopimi_workspaces::cognito::pre_sign_up;

    let event = read_event("pre-sign-up");
    let run = |event: serde_json::Value| {
        let app = app.clone();
        async move {
            let event: CognitoEventUserPoolsPreSignup = serde_json::from_value(event).unwrap();
            let response = pre_sign_up(&app, event).await.unwrap().response;
            assert_eq!(response.auto_confirm_user, response.auto_verify_email);
            response.auto_verify_email
        }
    };
    assert!(
        run(event.clone()).await,
        "the invited address with its token"
    );
    let mut shouting = event.clone();
    shouting["request"]["userAttributes"]["email"] = json!("  BO@Example.COM ");
    assert!(run(shouting).await, "any letter case");

    let mut other = event.clone();
    other["request"]["userAttributes"]["email"] = json!("mallory@example.com");
    assert!(!run(other).await, "a token for another address");
    let mut bare = event.clone();
    bare["request"]["clientMetadata"] = json!({});
    assert!(!run(bare).await, "no token");
    let mut garbage = event.clone();
    garbage["request"]["clientMetadata"]["invitation_token"] = json!("garbage");
    assert!(!run(garbage).await, "a malformed token");
    let mut no_metadata = event;
    no_metadata["request"]
        .as_object_mut()
        .unwrap()
        .remove("clientMetadata");
    assert!(!run(no_metadata).await, "no client metadata at all");
}

const SAMPLE_INVITATION_ID: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

/// Runs `events/{function}.json` through its route as Lambda would.
async fn invoke(app: &App, function: &str) -> gopimi_tests::Answer {
    let route = gopimi_workspaces::routes::by_function(function).unwrap();
    let request = gopimi_local::gateway::lambda_request(read_event(function)).unwrap();
    gopimi_tests::into_answer(gopimi_workspaces::routes::dispatch(app, route, request).await)
}

#[tokio::test]
async fn the_sample_events_drive_the_invitation_functions() {
    use gopimi_workspaces::domain::slug::ScriptedSlugs;
    use gopimi_workspaces::events::{consumer, handle_batch};

    // The events name workspace a1b2c3d4, their caller ada@example.com is its owner, and
    // their token names the sample invitation of bo@example.com.
    let app = app()
        .await
        .with_slugs(std::sync::Arc::new(ScriptedSlugs::new([Slug::parse(
            "a1b2c3d4",
        )
        .unwrap()])));
    assert_eq!(
        invoke(&app, "create-workspace").await.expect(201)["slug"],
        "a1b2c3d4"
    );
    let created = invoke(&app, "create-invitation").await;
    assert_eq!(created.expect(201)["email"], "cy@example.com");
    assert_eq!(
        invoke(&app, "list-invitations").await.expect(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    invoke(&app, "get-invitation")
        .await
        .expect_problem(404, "not_found");
    store_sample_invitation(&app).await;
    assert_eq!(
        invoke(&app, "get-invitation").await.expect(200)["status"],
        "pending"
    );
    i9_pre_sign_up_verifies_only_an_invited_address_with_its_token(&app).await;
    invoke(&app, "accept-invitation")
        .await
        .expect_problem(403, "email_mismatch");
    assert_eq!(
        invoke(&app, "resend-invitation").await.expect(200)["status"],
        "pending"
    );
    invoke(&app, "decline-invitation")
        .await
        .expect_problem(410, "invitation_replaced");
    invoke(&app, "cancel-invitation").await.expect(204);
    assert_eq!(seats(&app, "a1b2c3d4").await, 2, "ada and cy");

    // The stream record of an acceptance, delivered twice: one audit entry, one email.
    let before = emails_to("ada@example.com").await.len();
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(read_event("invitation-accepted")).unwrap();
    let handler = consumer("invitation-accepted").unwrap();
    for _ in 0..2 {
        let response = handle_batch(&app, handler, &event).await;
        assert!(response.batch_item_failures.is_empty());
    }
    let audit = raw_item(
        &app,
        "WS#a1b2c3d4",
        &format!("AUDIT#invitation.accepted#{SAMPLE_INVITATION_ID}"),
    )
    .await
    .expect("the audit entry");
    assert!(audit.contains_key("notified_at"));
    let mail = emails_to("ada@example.com").await;
    assert_eq!(mail.len(), before + 1, "the inviter is told once");
    assert!(
        mail.last().unwrap()["subject"]
            .as_str()
            .unwrap()
            .contains("bo@example.com joined Acme Support")
    );
}

#[tokio::test]
async fn invitation_accepted_consumer_reports_a_failed_record_for_retry() {
    use gopimi_workspaces::events::{consumer, handle_batch};

    // Without its SES the consumer cannot tell the inviter: the record is reported failed,
    // so Lambda retries it; the audit entry it wrote is kept and not duplicated.
    let broken = app_without_ses().await;
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(read_event("invitation-accepted")).unwrap();
    let mut event_json = serde_json::to_value(&event).unwrap();
    let slug = Api::with_app(broken.clone())
        .create_workspace(&User::new(), "Retry Desk")
        .await;
    for image in ["NewImage", "OldImage"] {
        event_json["Records"][0]["dynamodb"][image]["slug"] = json!({"S": slug});
        event_json["Records"][0]["dynamodb"][image]["pk"] = json!({"S": format!("WS#{slug}")});
    }
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(event_json).unwrap();
    let handler = consumer("invitation-accepted").unwrap();
    let response = handle_batch(&broken, handler, &event).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    let key = "AUDIT#invitation.accepted#0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    let audit = raw_item(&broken, &format!("WS#{slug}"), key).await.unwrap();
    assert!(!audit.contains_key("notified_at"));
    let working = app().await;
    let response = handle_batch(&working, handler, &event).await;
    assert!(response.batch_item_failures.is_empty());
    let audit = raw_item(&working, &format!("WS#{slug}"), key)
        .await
        .unwrap();
    assert!(audit.contains_key("notified_at"));
}

/// Sends one request to the local server (`make dev`'s HTTP front) without a socket.
async fn local_server(
    app: App,
    method: &str,
    uri: &str,
    bearer: Option<&str>,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    use tower::ServiceExt;
    let gateway = std::sync::Arc::new(gopimi_local::server::LocalGateway {
        app,
        router: gopimi_workspaces::routes::Router::new(),
        jwt_secret: "test-secret".into(),
    });
    let mut request = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json");
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request
        .body(if body.is_null() {
            axum::body::Body::empty()
        } else {
            axum::body::Body::from(body.to_string())
        })
        .unwrap();
    let response = gopimi_local::server::http_router(gateway)
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn i9_local_sign_up_runs_pre_sign_up_and_its_token_accepts_the_invitation() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("signup");
    let (_, token) = invite(&api, &owner, &slug, &address).await;

    // Without the token, or for another address with it: nothing is verified.
    let (status, plain) = local_server(
        api.app.clone(),
        "POST",
        "/local/sign-up",
        None,
        json!({ "email": new_address("plain") }),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(plain["email_verified"], false);
    let (_, other) = local_server(
        api.app.clone(),
        "POST",
        "/local/sign-up",
        None,
        json!({ "email": new_address("other"), "invitation_token": token }),
    )
    .await;
    assert_eq!(other["email_verified"], false);
    let (status, _) = local_server(
        api.app.clone(),
        "POST",
        "/local/sign-up",
        None,
        json!({ "email": "nope" }),
    )
    .await;
    assert_eq!(status, 400);

    // With the token for the invited address: verified, and the token it returns joins.
    let (status, signed_up) = local_server(
        api.app.clone(),
        "POST",
        "/local/sign-up",
        None,
        json!({ "email": address.to_uppercase(), "invitation_token": token }),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(signed_up["email_verified"], true);
    // The signed-up user is the user `make token` mints for that address.
    assert_eq!(
        signed_up["user_id"],
        gopimi_local::authorizer::local_user_id(&address)
    );
    let bearer = signed_up["token"].as_str().unwrap();
    let (status, accepted) = local_server(
        api.app.clone(),
        "POST",
        &format!("/invitations/{token}/accept"),
        Some(bearer),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{accepted}");
    let (status, joined) = local_server(
        api.app.clone(),
        "GET",
        &format!("/workspaces/{slug}"),
        Some(bearer),
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(joined["role"], "member");
}

#[tokio::test]
async fn i1_an_address_with_a_display_name_is_not_an_address() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let uri = format!("/workspaces/{slug}/invitations");
    for email in [
        format!("Me <{}>", owner.email),
        "Bob <bob@example.com>".to_string(),
        "\"bob\"@example.com".to_string(),
    ] {
        api.post(&owner, &uri, json!({ "email": email }))
            .await
            .expect_problem(400, "invalid_email");
    }
    assert_eq!(seats(&api.app, &slug).await, 1, "no seat was taken");
}

#[tokio::test]
async fn i11_the_links_of_a_deleted_workspace_name_nothing_at_once() {
    let api = Api::new().await;
    let (owner, slug) = workspace(&api).await;
    let address = new_address("orphan");
    let (_, token) = invite(&api, &owner, &slug, &address).await;
    api.delete(&owner, &format!("/workspaces/{slug}"))
        .await
        .expect(204);
    // Before the purge has run, the preview and both actions already find nothing.
    api.send(None, "GET", &format!("/invitations/{token}"), None)
        .await
        .expect_problem(404, "not_found");
    api.send(None, "POST", &format!("/invitations/{token}/decline"), None)
        .await
        .expect_problem(404, "not_found");
    api.post(
        &user_with_email(&address),
        &format!("/invitations/{token}/accept"),
        json!({}),
    )
    .await
    .expect_problem(404, "not_found");
}

#[tokio::test]
async fn q2_usage_stops_counting_an_invitation_once_it_has_lapsed() {
    let short = Api::with_app(app_with(config_with_invitation_ttl(2)).await);
    let (owner, slug) = workspace(&short).await;
    invite(&short, &owner, &slug, &new_address("lapsing")).await;
    let usage = format!("/workspaces/{slug}/usage");
    assert_eq!(
        short.get(&owner, &usage).await.expect(200)["members"]["used"],
        2
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // Nothing has flipped it yet, but usage agrees with the list, which shows it expired.
    assert_eq!(
        short.get(&owner, &usage).await.expect(200)["members"]["used"],
        1
    );
    let list = short
        .get(&owner, &format!("/workspaces/{slug}/invitations"))
        .await;
    assert_eq!(list.expect(200)["items"][0]["status"], "expired");
    assert_eq!(
        seats(&short.app, &slug).await,
        2,
        "the seat itself is freed lazily"
    );
}
