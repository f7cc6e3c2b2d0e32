//! What DynamoDB Local never does: cancel a transaction with `TransactionConflict` because a
//! concurrent one touched the same items. A quota-checked create retries it and never answers
//! 5xx; a conflict that persists is a 409 `concurrent_modification` the client can retry.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsOutput;
use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsError, TransactWriteItemsOutput,
};
use aws_sdk_dynamodb::types::error::TransactionCanceledException;
use aws_sdk_dynamodb::types::{CancellationReason, ItemResponse};
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use gopimi_tests::{Api, User, config, json};
use gopimi_workspaces::App;
use gopimi_workspaces::domain::{Role, Slug};
use gopimi_workspaces::store::items::{MemberItem, WorkspaceItem, kind};
use gopimi_workspaces::store::{keys, to_item};

const SLUG: &str = "q5c0nf1t";

/// The cancellation DynamoDB sends when another transaction held one of the items: the
/// workspace counter (second action) conflicted, the others did not fail.
fn conflict() -> TransactWriteItemsError {
    let reason = |code: &str| CancellationReason::builder().code(code).build();
    TransactWriteItemsError::TransactionCanceledException(
        TransactionCanceledException::builder()
            .message("Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, None]")
            .cancellation_reasons(reason("None"))
            .cancellation_reasons(reason("TransactionConflict"))
            .cancellation_reasons(reason("None"))
            .build(),
    )
}

fn mocked_api(rules: &[&Rule]) -> Api {
    let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
    for rule in rules {
        interceptor = interceptor.with_rule(rule);
    }
    let dynamodb = Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .http_client(create_mock_http_client())
            .interceptor(interceptor)
            .build(),
    );
    let ses = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::Config::builder()
            .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
            .region(aws_sdk_sesv2::config::Region::new("us-east-1"))
            .http_client(create_mock_http_client())
            .build(),
    );
    Api::with_app(App::with_clients(config(), dynamodb, ses))
}

/// The member item and the workspace item a storage create reads before it writes.
fn member_and_workspace(owner: &User) -> TransactGetItemsOutput {
    let slug = Slug::parse(SLUG).unwrap();
    let member_key = keys::member(&slug, &owner.id);
    let member = MemberItem {
        pk: member_key.pk,
        sk: member_key.sk,
        kind: kind::MEMBER.into(),
        slug: SLUG.into(),
        user_id: owner.id.clone(),
        email: Some(owner.email.clone()),
        role: Role::Owner,
        joined_at: "2026-12-03T10:00:00Z".into(),
        is_creator: true,
    };
    let workspace = WorkspaceItem {
        pk: keys::workspace(&slug).pk,
        sk: keys::META.into(),
        kind: kind::WORKSPACE.into(),
        slug: SLUG.into(),
        name: "Desk".into(),
        settings: "{}".into(),
        creator_id: owner.id.clone(),
        created_at: "2026-12-03T10:00:00Z".into(),
        version: 1,
        deleted_at: None,
        members_used: 1,
        members_limit: 2,
        domains_used: 0,
        domains_limit: 1,
        storage_used_bytes: 0,
        storage_limit_bytes: 1000,
        webhooks_used: 0,
        webhooks_limit: 0,
    };
    TransactGetItemsOutput::builder()
        .responses(
            ItemResponse::builder()
                .set_item(Some(to_item(&member).unwrap()))
                .build(),
        )
        .responses(
            ItemResponse::builder()
                .set_item(Some(to_item(&workspace).unwrap()))
                .build(),
        )
        .build()
}

#[tokio::test]
async fn q1_a_transaction_conflict_during_a_counted_create_is_retried_not_a_5xx() {
    let rule = mock!(Client::transact_write_items)
        .sequence()
        .error(conflict)
        .times(3)
        .output(|| TransactWriteItemsOutput::builder().build())
        .build();
    let api = mocked_api(&[&rule]);
    let owner = User::new();
    let created = api
        .post(
            &owner,
            &format!("/workspaces/{SLUG}/domains"),
            json!({"domain": "acme.example"}),
        )
        .await;
    assert_eq!(created.expect(201)["domain"], "acme.example");
    assert_eq!(rule.num_calls(), 4, "three conflicts, then the commit");
}

#[tokio::test]
async fn q1_a_transaction_conflict_during_a_storage_create_is_retried_not_a_5xx() {
    let owner = User::new();
    let read = {
        let owner = owner.clone();
        mock!(Client::transact_get_items).then_output(move || member_and_workspace(&owner))
    };
    let write = mock!(Client::transact_write_items)
        .sequence()
        .error(conflict)
        .times(2)
        .output(|| TransactWriteItemsOutput::builder().build())
        .build();
    let api = mocked_api(&[&read, &write]);
    let created = api
        .post(
            &owner,
            &format!("/workspaces/{SLUG}/files"),
            json!({"name": "a.txt", "size_bytes": 1000}),
        )
        .await;
    assert_eq!(created.expect(201)["size_bytes"], 1000);
    assert_eq!(write.num_calls(), 3);
}

#[tokio::test]
async fn q1_a_persistent_transaction_conflict_is_409_concurrent_modification() {
    let rule = mock!(Client::transact_write_items)
        .sequence()
        .error(conflict)
        .repeatedly()
        .build();
    let api = mocked_api(&[&rule]);
    let owner = User::new();
    let refused = api
        .post(
            &owner,
            &format!("/workspaces/{SLUG}/webhooks"),
            json!({"url": "https://hooks.acme.example/in"}),
        )
        .await;
    refused.expect_problem(409, "concurrent_modification");
    assert!(
        rule.num_calls() > 1,
        "the conflict was retried before giving up"
    );
}
