//! M2 against DynamoDB Local: the `member-removed` stream consumer unassigns a removed
//! member's tickets, all of them, only theirs, changing nothing else, safely twice or after
//! a crash, reporting partial batch failures.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_smithy_runtime_api::box_error::BoxError;
use futures::StreamExt;
use gopimi_local::local_sdk_config;
use gopimi_local::template::repo_root;
use gopimi_tests::{Api, User, config, eventually, insert_record, json, partition, seed_member};
use gopimi_workspaces::App;
use gopimi_workspaces::domain::{Role, TicketId, TicketStatus};
use gopimi_workspaces::events::{consumer, handle_batch};
use gopimi_workspaces::store::items::{MemberRemovalItem, TicketItem, kind};
use gopimi_workspaces::store::{Item, now_rfc3339, now_rfc3339_micros, to_item};

type Tickets = HashMap<String, Item>;

/// Writes `count` tickets straight into the table (BatchWriteItem), cycling through the
/// three statuses, assigned to `assignee` now.
async fn seed_tickets(app: &App, slug: &str, count: usize, assignee: Option<&str>) -> Vec<String> {
    let now = now_rfc3339();
    let statuses = [
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::Closed,
    ];
    let tickets: Vec<TicketItem> = (0..count)
        .map(|i| {
            let id = TicketId::generate().to_string();
            TicketItem {
                pk: format!("WS#{slug}"),
                sk: format!("TICKET#{id}"),
                kind: kind::TICKET.into(),
                slug: slug.into(),
                id,
                subject: format!("Seeded ticket {i}"),
                status: statuses[i % 3],
                assignee_id: assignee.map(str::to_string),
                assigned_at: assignee.map(|_| now_rfc3339_micros()),
                created_by: "seed".into(),
                created_at: now.clone(),
                updated_at: now.clone(),
                version: 1,
            }
        })
        .collect();
    let ids = tickets.iter().map(|t| t.id.clone()).collect();
    let chunks: Vec<Vec<WriteRequest>> = tickets
        .chunks(25)
        .map(|chunk| {
            chunk
                .iter()
                .map(|t| {
                    WriteRequest::builder()
                        .put_request(
                            PutRequest::builder()
                                .set_item(Some(to_item(t).unwrap()))
                                .build()
                                .unwrap(),
                        )
                        .build()
                })
                .collect()
        })
        .collect();
    futures::stream::iter(chunks)
        .map(|mut requests| async move {
            while !requests.is_empty() {
                let output = app
                    .store
                    .client()
                    .batch_write_item()
                    .request_items(app.store.table(), requests)
                    .send()
                    .await
                    .expect("BatchWriteItem");
                requests = output
                    .unprocessed_items
                    .unwrap_or_default()
                    .remove(app.store.table())
                    .unwrap_or_default();
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    ids
}

/// The workspace's tickets by sort key, straight from the table.
async fn tickets(app: &App, slug: &str) -> Tickets {
    partition(app, &format!("WS#{slug}"))
        .await
        .into_iter()
        .filter(|item| item["kind"].as_s().unwrap() == "ticket")
        .map(|item| (item["sk"].as_s().unwrap().clone(), item))
        .collect()
}

fn assignee(item: &Item) -> Option<&str> {
    item.get("assignee_id")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// Every ticket is as before, except that those assigned to `removed` lost exactly their
/// `assignee_id` and `assigned_at`.
fn assert_only_unassigned(before: &Tickets, after: &Tickets, removed: &str) {
    assert_eq!(before.len(), after.len(), "no ticket deleted or added");
    for (sk, old) in before {
        let new = &after[sk];
        if assignee(old) == Some(removed) {
            let mut expected = old.clone();
            expected.remove("assignee_id");
            expected.remove("assigned_at");
            assert_eq!(new, &expected, "{sk}: only the assignment is gone");
        } else {
            assert_eq!(new, old, "{sk}: untouched");
        }
    }
}

fn removal(slug: &str, user_id: &str) -> MemberRemovalItem {
    let removed_at = now_rfc3339_micros();
    MemberRemovalItem {
        pk: format!("WS#{slug}"),
        sk: format!("REMOVAL#{user_id}#{removed_at}"),
        kind: kind::MEMBER_REMOVAL.into(),
        slug: slug.into(),
        user_id: user_id.into(),
        role: Role::Member,
        removed_by: "owner".into(),
        removed_at,
        expire_at: 1_900_000_000,
    }
}

fn event(records: Vec<aws_lambda_events::event::dynamodb::EventRecord>) -> DynamoDbEvent {
    let mut event = DynamoDbEvent::default();
    event.records = records;
    event
}

fn failures(response: &aws_lambda_events::event::streams::DynamoDbEventResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .filter_map(|f| f.item_identifier.clone())
        .collect()
}

async fn wait_until_unassigned(api: &Api, owner: &User, slug: &str, removed: &User) {
    let uri = format!("/workspaces/{slug}/tickets?assignee={}", removed.id);
    eventually(
        "the removed member's tickets to be unassigned",
        Duration::from_secs(180),
        || {
            let api = api.clone();
            let owner = owner.clone();
            let uri = uri.clone();
            async move {
                let page = api.get(&owner, &uri).await;
                let page = page.expect(200);
                (page["items"] == json!([]) && page["next_cursor"].is_null()).then_some(())
            }
        },
    )
    .await;
}

#[tokio::test]
async fn m2_removing_a_member_unassigns_open_pending_and_closed_tickets_and_nothing_else() {
    let api = Api::new().await;
    let owner = User::new();
    let leaving = User::new();
    let staying = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    seed_member(&api.app, &slug, &leaving, Role::Member).await;
    seed_member(&api.app, &slug, &staying, Role::Member).await;
    let uri = format!("/workspaces/{slug}/tickets");
    for (i, status) in ["open", "pending", "closed", "open"].iter().enumerate() {
        for who in [&leaving, &staying] {
            api.post(
                &owner,
                &uri,
                json!({"subject": format!("{status} {i}"), "status": status, "assignee_id": who.id}),
            )
            .await
            .expect(201);
        }
    }
    api.post(&owner, &uri, json!({"subject": "Nobody's"}))
        .await
        .expect(201);
    let before = tickets(&api.app, &slug).await;

    api.delete(
        &owner,
        &format!("/workspaces/{slug}/members/{}", leaving.id),
    )
    .await
    .expect(204);
    wait_until_unassigned(&api, &owner, &slug, &leaving).await;

    let after = tickets(&api.app, &slug).await;
    assert_only_unassigned(&before, &after, &leaving.id);
    let closed = api
        .get(&owner, &format!("{uri}?status=closed&unassigned=true"))
        .await;
    assert_eq!(
        closed.expect(200)["items"].as_array().unwrap().len(),
        1,
        "a closed ticket stays closed"
    );
}

#[tokio::test]
async fn m2_the_consumer_pages_through_2500_tickets() {
    let api = Api::new().await;
    let owner = User::new();
    let leaving = User::new();
    let staying = User::new();
    let slug = api.create_workspace(&owner, "Busy desk").await;
    seed_member(&api.app, &slug, &leaving, Role::Member).await;
    seed_member(&api.app, &slug, &staying, Role::Member).await;
    seed_tickets(&api.app, &slug, 2_500, Some(&leaving.id)).await;
    seed_tickets(&api.app, &slug, 60, Some(&staying.id)).await;
    seed_tickets(&api.app, &slug, 40, None).await;
    let before = tickets(&api.app, &slug).await;
    assert_eq!(before.len(), 2_600);

    api.delete(
        &owner,
        &format!("/workspaces/{slug}/members/{}", leaving.id),
    )
    .await
    .expect(204);
    wait_until_unassigned(&api, &owner, &slug, &leaving).await;

    let after = tickets(&api.app, &slug).await;
    assert_only_unassigned(&before, &after, &leaving.id);
    assert_eq!(
        after.values().filter(|t| assignee(t).is_none()).count(),
        2_540
    );
}

/// Lets the first `allowed` DynamoDB calls through and fails every later one: a function
/// that crashes half-way.
#[derive(Debug)]
struct CrashAfter {
    calls: Arc<AtomicUsize>,
    allowed: usize,
}

impl Intercept for CrashAfter {
    fn name(&self) -> &'static str {
        "CrashAfter"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) >= self.allowed {
            return Err("simulated crash".into());
        }
        Ok(())
    }
}

async fn crashing_app(allowed: usize) -> App {
    let config = config();
    let sdk = local_sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .endpoint_url(config.dynamodb_endpoint.clone().unwrap())
        .interceptor(CrashAfter {
            calls: Arc::new(AtomicUsize::new(0)),
            allowed,
        })
        .build();
    App::with_clients(
        config,
        aws_sdk_dynamodb::Client::from_conf(dynamodb),
        aws_sdk_sesv2::Client::new(&sdk),
    )
}

#[tokio::test]
async fn m2_a_record_delivered_twice_or_retried_after_a_crash_half_way_finishes_the_job() {
    let api = Api::new().await;
    let owner = User::new();
    let member = User::new();
    let other = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    seed_member(&api.app, &slug, &other, Role::Member).await;
    // The consumer is driven directly with a removal record that was never written, so the
    // stream pump has nothing to deliver and the member keeps their seat.
    seed_tickets(&api.app, &slug, 300, Some(&member.id)).await;
    seed_tickets(&api.app, &slug, 20, Some(&other.id)).await;
    let before = tickets(&api.app, &slug).await;
    let record = insert_record(&removal(&slug, &member.id), "100");
    let member_removed = consumer("member-removed").unwrap();

    // Crashes after the first page's query and 50 updates.
    let crashing = crashing_app(51).await;
    let response = handle_batch(&crashing, member_removed, &event(vec![record.clone()])).await;
    assert_eq!(failures(&response), vec!["100".to_string()]);
    let half = tickets(&api.app, &slug).await;
    let still = half
        .values()
        .filter(|t| assignee(t) == Some(&member.id))
        .count();
    assert!(
        still > 0 && still < 300,
        "{still} left: it crashed half-way"
    );

    // Lambda retries the record: the job is finished, and nothing else changed.
    let response = handle_batch(&api.app, member_removed, &event(vec![record.clone()])).await;
    assert!(failures(&response).is_empty());
    let done = tickets(&api.app, &slug).await;
    assert_only_unassigned(&before, &done, &member.id);
    // And the same record once more changes nothing.
    let response = handle_batch(&api.app, member_removed, &event(vec![record])).await;
    assert!(failures(&response).is_empty());
    assert_eq!(tickets(&api.app, &slug).await, done);
}

#[tokio::test]
async fn m2_assignments_made_after_the_removal_are_kept() {
    let api = Api::new().await;
    let owner = User::new();
    let member = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    seed_tickets(&api.app, &slug, 5, Some(&member.id)).await;
    let removed = removal(&slug, &member.id);
    // They rejoined and were given a ticket before the consumer got to the old removal.
    tokio::time::sleep(Duration::from_millis(5)).await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    let fresh = api
        .post(
            &owner,
            &format!("/workspaces/{slug}/tickets"),
            json!({"subject": "After rejoining", "assignee_id": member.id}),
        )
        .await;
    let fresh_id = fresh.expect(201)["id"].as_str().unwrap().to_string();
    let response = handle_batch(
        &api.app,
        consumer("member-removed").unwrap(),
        &event(vec![insert_record(&removed, "200")]),
    )
    .await;
    assert!(failures(&response).is_empty());
    let mine = api
        .get(&member, &format!("/workspaces/{slug}/tickets?assignee=me"))
        .await;
    let mine = mine.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], fresh_id.as_str());
}

#[tokio::test]
async fn m2_partial_batch_failures_name_the_failed_record_and_every_later_one() {
    let api = Api::new().await;
    let owner = User::new();
    let first = User::new();
    let third = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    seed_tickets(&api.app, &slug, 3, Some(&first.id)).await;
    seed_tickets(&api.app, &slug, 3, Some(&third.id)).await;
    let mut broken = removal(&slug, &first.id);
    broken.slug = "NOT A SLUG".into();
    let batch = event(vec![
        insert_record(&removal(&slug, &first.id), "301"),
        insert_record(&broken, "302"),
        insert_record(&removal(&slug, &third.id), "303"),
    ]);
    let response = handle_batch(&api.app, consumer("member-removed").unwrap(), &batch).await;
    assert_eq!(
        failures(&response),
        vec!["302".to_string(), "303".to_string()]
    );
    let now = tickets(&api.app, &slug).await;
    assert_eq!(
        now.values()
            .filter(|t| assignee(t) == Some(&first.id))
            .count(),
        0
    );
    assert_eq!(
        now.values()
            .filter(|t| assignee(t) == Some(&third.id))
            .count(),
        3,
        "kept for the retry, in order"
    );
}

#[tokio::test]
async fn m2_a_removal_in_a_deleted_and_purged_workspace_is_harmless() {
    let api = Api::new().await;
    let owner = User::new();
    let member = User::new();
    let slug = api.create_workspace(&owner, "Doomed").await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    seed_tickets(&api.app, &slug, 10, Some(&member.id)).await;
    let record = insert_record(&removal(&slug, &member.id), "400");
    api.delete(&owner, &format!("/workspaces/{slug}"))
        .await
        .expect(204);
    let app = api.app.clone();
    let pk = format!("WS#{slug}");
    eventually(
        "the workspace to be purged",
        Duration::from_secs(30),
        || {
            let app = app.clone();
            let pk = pk.clone();
            async move { (partition(&app, &pk).await.len() == 1).then_some(()) }
        },
    )
    .await;
    let response = handle_batch(
        &api.app,
        consumer("member-removed").unwrap(),
        &event(vec![record]),
    )
    .await;
    assert!(failures(&response).is_empty());
    assert_eq!(
        partition(&api.app, &pk).await.len(),
        1,
        "no ticket brought back"
    );
}

#[tokio::test]
async fn m2_the_sample_stream_event_is_a_removal_the_consumer_handles() {
    let path = repo_root().join("events/member-removed.json");
    let sample: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let event: DynamoDbEvent = serde_json::from_value(sample).unwrap();
    let image = &event.records[0].change.new_image;
    let removal: MemberRemovalItem = serde_dynamo::from_item(image.clone()).unwrap();
    let api = Api::new().await;
    // Its workspace, with tickets of the removed user and of someone else.
    let app = api.app.clone();
    seed_tickets(&app, &removal.slug, 4, Some(&removal.user_id)).await;
    seed_tickets(&app, &removal.slug, 2, Some("someone-else")).await;
    // Assignments made before the recorded removal time.
    for (sk, item) in tickets(&app, &removal.slug).await {
        app.store
            .client()
            .update_item()
            .table_name(app.store.table())
            .key("pk", item["pk"].clone())
            .key("sk", AttributeValue::S(sk))
            .update_expression("SET assigned_at = :t")
            .expression_attribute_values(
                ":t",
                AttributeValue::S("2026-12-03T10:00:00.000000Z".into()),
            )
            .send()
            .await
            .unwrap();
    }
    let before = tickets(&app, &removal.slug).await;
    let response = handle_batch(&app, consumer("member-removed").unwrap(), &event).await;
    assert!(failures(&response).is_empty());
    assert_only_unassigned(
        &before,
        &tickets(&app, &removal.slug).await,
        &removal.user_id,
    );
}

#[tokio::test]
async fn r1_a_sparse_filter_reads_on_across_many_short_pages() {
    let api = Api::new().await;
    let owner = User::new();
    let member = User::new();
    let slug = api.create_workspace(&owner, "Desk").await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    // Two matches after 300 others, two more after another 300, then 100 others.
    let mut expected = Vec::new();
    for _ in 0..2 {
        seed_tickets(&api.app, &slug, 300, None).await;
        tokio::time::sleep(Duration::from_millis(2)).await;
        for _ in 0..2 {
            expected.extend(seed_tickets(&api.app, &slug, 1, Some(&member.id)).await);
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    seed_tickets(&api.app, &slug, 100, None).await;
    for limit in [1, 3, 100] {
        let mut seen = Vec::new();
        let base = format!("/workspaces/{slug}/tickets?assignee=me&limit={limit}");
        let mut uri = base.clone();
        loop {
            let page = api.get(&member, &uri).await;
            let page = page.expect(200);
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t["id"].as_str().unwrap().to_string()),
            );
            match page["next_cursor"].as_str() {
                Some(cursor) => uri = format!("{base}&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, expected, "limit {limit}");
    }
}
