//! The integration-test harness: a table of its own in DynamoDB Local per test binary, the
//! stream pump delivering that table's stream to the consumers, and requests built as API
//! Gateway builds them, run through the same dispatch as the Lambda functions.
//!
//! `make test` starts DynamoDB Local and the local SES and exports `DYNAMODB_ENDPOINT` and
//! `SES_ENDPOINT`; nothing here fakes a store.

use std::collections::HashMap;
use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use gopimi_local::gateway::{self, IncomingRequest};
use gopimi_local::stream_pump::{self, StartAt};
use gopimi_local::template::Template;
use gopimi_local::{local_sdk_config, streams_client, table};
use gopimi_workspaces::config::DEFAULT_INVITATION_TTL_SECONDS;
use gopimi_workspaces::routes::{Resolution, Router, dispatch, unmatched_response};
use gopimi_workspaces::{App, Config};
use serde_json::Value;

pub use serde_json::json;

struct Stack {
    dynamodb_endpoint: String,
    ses_endpoint: String,
    table: String,
}

static STACK: OnceLock<Stack> = OnceLock::new();

fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with `make test`, which starts DynamoDB Local and the local SES")
    })
}

/// The table of this test binary, created once; the stream pump runs on a runtime of its
/// own for the life of the process (each `#[tokio::test]` has its own short-lived runtime).
fn stack() -> &'static Stack {
    STACK.get_or_init(|| {
        // Warnings and errors of the code under test show up with a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .try_init();
        let stack = Stack {
            dynamodb_endpoint: required_env("DYNAMODB_ENDPOINT"),
            ses_endpoint: required_env("SES_ENDPOINT"),
            table: format!(
                "gopimi-test-{}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
        };
        let config = config_for(&stack);
        let (ready, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime for the stream pump");
            runtime.block_on(async move {
                let sdk = local_sdk_config().await;
                let app = App::from_sdk_config(config.clone(), &sdk);
                let template = Template::load_default().expect("template.yaml");
                let created =
                    table::ensure_table(app.store.client(), &config.table_name, &template).await;
                ready
                    .send(created.map(|_| ()).map_err(|e| format!("{e:#}")))
                    .expect("test thread waits");
                let streams =
                    streams_client(&sdk, config.dynamodb_endpoint.as_deref().expect("endpoint"));
                if let Err(error) = stream_pump::run(app, streams, StartAt::TrimHorizon).await {
                    eprintln!("stream pump stopped: {error:#}");
                }
            });
        });
        wait.recv()
            .expect("table setup finished")
            .expect("creating the test table in DynamoDB Local");
        stack
    })
}

fn config_for(stack: &Stack) -> Config {
    Config {
        table_name: stack.table.clone(),
        mail_from: "GoPimi <no-reply@gopimi.test>".into(),
        app_base_url: "https://app.gopimi.test".into(),
        invitation_ttl_seconds: DEFAULT_INVITATION_TTL_SECONDS,
        dynamodb_endpoint: Some(stack.dynamodb_endpoint.clone()),
        ses_endpoint: Some(stack.ses_endpoint.clone()),
    }
}

/// The configuration the tests run with (this binary's table, the local endpoints).
pub fn config() -> Config {
    config_for(stack())
}

/// An app wired to DynamoDB Local and the local SES, with clients of the calling runtime.
pub async fn app() -> App {
    app_with(config()).await
}

pub async fn app_with(config: Config) -> App {
    App::from_sdk_config(config, &local_sdk_config().await)
}

/// A signed-in user, as the JWT authorizer would describe them.
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    pub groups: Vec<String>,
}

impl User {
    /// A new user with a unique id and email.
    pub fn new() -> User {
        let id = uuid::Uuid::new_v4().to_string();
        User {
            email: format!("user-{}@example.com", &id[..8]),
            id,
            email_verified: true,
            groups: Vec::new(),
        }
    }

    pub fn operator() -> User {
        User {
            groups: vec!["admins".into()],
            ..User::new()
        }
    }

    /// The claims as an HTTP API hands them over: strings only.
    pub fn claims(&self) -> HashMap<String, String> {
        let mut claims = HashMap::from([
            ("sub".to_string(), self.id.clone()),
            ("email".to_string(), self.email.clone()),
            (
                "email_verified".to_string(),
                self.email_verified.to_string(),
            ),
        ]);
        if !self.groups.is_empty() {
            claims.insert(
                "cognito:groups".into(),
                format!("[{}]", self.groups.join(" ")),
            );
        }
        claims
    }
}

impl Default for User {
    fn default() -> Self {
        User::new()
    }
}

/// An answer: status, headers and the parsed JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The problem `type` of an error answer.
    pub fn problem_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or("")
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        &self.body
    }

    /// Asserts a problem+json answer with this status and type.
    #[track_caller]
    pub fn expect_problem(&self, status: u16, kind: &str) -> &Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "{}",
            self.body
        );
        assert_eq!(self.problem_type(), kind, "{}", self.body);
        assert_eq!(self.body["status"], status);
        &self.body
    }
}

/// Sends requests the way API Gateway would deliver them to the functions.
#[derive(Clone)]
pub struct Api {
    pub app: App,
}

static ROUTER: OnceLock<Router> = OnceLock::new();

impl Api {
    pub async fn new() -> Api {
        Api { app: app().await }
    }

    pub fn with_app(app: App) -> Api {
        Api { app }
    }

    /// A request with a raw body (`None`: no body) from `caller` (`None`: no token).
    pub async fn send(
        &self,
        caller: Option<&User>,
        method: &str,
        uri: &str,
        body: Option<&[u8]>,
    ) -> Answer {
        let (path, raw_query) = uri.split_once('?').unwrap_or((uri, ""));
        let router = ROUTER.get_or_init(Router::new);
        let response = match router.resolve(method, path) {
            Resolution::Found(route, params) => {
                let mut headers = vec![("user-agent".to_string(), "gopimi-tests".to_string())];
                if body.is_some() {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                let incoming = IncomingRequest {
                    method,
                    path,
                    raw_query,
                    headers,
                    body: body.unwrap_or_default(),
                };
                // API Gateway hands claims only to routes behind the authorizer.
                let claims = caller
                    .filter(|_| route.access.requires_sign_in())
                    .map(User::claims);
                let event =
                    gateway::api_gateway_event(&incoming, route.path, &params, claims.as_ref());
                let request =
                    gateway::lambda_request(event).expect("a v2 event lambda_http accepts");
                dispatch(&self.app, route, request).await
            }
            unmatched => unmatched_response(&unmatched),
        };
        into_answer(response)
    }

    pub async fn get(&self, caller: &User, uri: &str) -> Answer {
        self.send(Some(caller), "GET", uri, None).await
    }

    pub async fn post(&self, caller: &User, uri: &str, body: Value) -> Answer {
        self.send(Some(caller), "POST", uri, Some(body.to_string().as_bytes()))
            .await
    }

    pub async fn patch(&self, caller: &User, uri: &str, body: Value) -> Answer {
        self.send(
            Some(caller),
            "PATCH",
            uri,
            Some(body.to_string().as_bytes()),
        )
        .await
    }

    pub async fn put(&self, caller: &User, uri: &str, body: Value) -> Answer {
        self.send(Some(caller), "PUT", uri, Some(body.to_string().as_bytes()))
            .await
    }

    pub async fn delete(&self, caller: &User, uri: &str) -> Answer {
        self.send(Some(caller), "DELETE", uri, None).await
    }

    /// Creates a workspace for `owner` and returns its slug.
    pub async fn create_workspace(&self, owner: &User, name: &str) -> String {
        let answer = self
            .post(owner, "/workspaces", json!({ "name": name }))
            .await;
        answer.expect(201)["slug"]
            .as_str()
            .expect("slug")
            .to_string()
    }
}

pub fn into_answer(response: lambda_http::Response<lambda_http::Body>) -> Answer {
    let (parts, body) = response.into_parts();
    let bytes: Vec<u8> = match body {
        lambda_http::Body::Text(text) => text.into_bytes(),
        lambda_http::Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    }
}

/// Polls `check` until it returns `Some`, for effects of stream consumers; panics after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads a raw item (tests look under the API to prove nothing else changed).
pub async fn raw_item(
    app: &App,
    pk: &str,
    sk: &str,
) -> Option<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    app.store
        .client()
        .get_item()
        .table_name(app.store.table())
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem against DynamoDB Local")
        .item
}

/// Every item of a partition, to compare a partition before and after a refused request.
pub async fn partition(
    app: &App,
    pk: &str,
) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let output = app
            .store
            .client()
            .query()
            .table_name(app.store.table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await
            .expect("Query against DynamoDB Local");
        items.extend(output.items.unwrap_or_default());
        match output.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => break,
        }
    }
    items
}

/// Puts `user` into the workspace as `role` by writing the membership items (and the marker of
/// their address) and taking a seat, the way an accepted invitation does: setup for tests
/// about what members may do.
pub async fn seed_member(
    app: &App,
    slug: &str,
    user: &User,
    role: gopimi_workspaces::domain::Role,
) {
    use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
    use gopimi_workspaces::domain::Slug;
    use gopimi_workspaces::store::items::kind;
    use gopimi_workspaces::store::{keys, membership_items, n, to_item};

    let slug = Slug::parse(slug).expect("slug");
    let (member, membership) =
        membership_items(&slug, &user.id, Some(user.email.clone()), role, false);
    let table = app.store.table();
    let put = |item| {
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(table)
                    .set_item(Some(item))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let seat = Update::builder()
        .table_name(table)
        .set_key(Some(keys::workspace(&slug).to_map()))
        .update_expression("SET members_used = members_used + :one")
        .expression_attribute_values(":one", n(1))
        .build()
        .unwrap();
    let marker = gopimi_workspaces::store::items::MemberEmailItem {
        pk: keys::member_email(&slug, &user.email.to_lowercase()).pk,
        sk: keys::member_email(&slug, &user.email.to_lowercase()).sk,
        kind: kind::MEMBER_EMAIL.into(),
        email: user.email.to_lowercase(),
        user_id: user.id.clone(),
    };
    app.store
        .client()
        .transact_write_items()
        .transact_items(put(to_item(&marker).unwrap()))
        .transact_items(put(to_item(&member).unwrap()))
        .transact_items(put(to_item(&membership).unwrap()))
        .transact_items(TransactWriteItem::builder().update(seat).build())
        .send()
        .await
        .expect("seeding a member");
}

/// Every email the local SES holds for `to`, oldest first. The store is shared by every
/// test binary: tests use unique recipient addresses.
pub async fn emails_to(to: &str) -> Vec<Value> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let endpoint = stack().ses_endpoint.clone();
    let authority = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut stream = tokio::net::TcpStream::connect(&authority)
        .await
        .expect("the local SES is reachable");
    stream
        .write_all(format!("GET /store HTTP/1.0\r\nHost: {authority}\r\n\r\n").as_bytes())
        .await
        .expect("asking the local SES for its store");
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .expect("reading the local SES store");
    let text = String::from_utf8_lossy(&raw);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let store: Value = serde_json::from_str(body).expect("the local SES store is JSON");
    store["emails"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|email| {
            email["destination"]["to"]
                .as_array()
                .is_some_and(|to_list| to_list.iter().any(|a| a.as_str() == Some(to)))
        })
        .collect()
}

/// The invitation token of an invitation email's link (`…/invitations/{token}?action=…`).
pub fn link_token(email: &Value) -> String {
    let text = email["body"]["text"].as_str().expect("a text part");
    let start = text.find("/invitations/").expect("an invitation link") + "/invitations/".len();
    text[start..]
        .split(|c: char| c == '?' || c.is_whitespace())
        .next()
        .expect("a token")
        .to_string()
}

/// The configuration of this test binary with another invitation lifetime.
pub fn config_with_invitation_ttl(seconds: i64) -> Config {
    Config {
        invitation_ttl_seconds: seconds,
        ..config()
    }
}

/// A user whose address is `email` (any letter case, as the identity provider has it).
pub fn user_with_email(email: &str) -> User {
    User {
        email: email.to_string(),
        ..User::new()
    }
}

/// A DynamoDB stream INSERT record of `item`, in the shape Lambda delivers it, to drive a
/// stream consumer directly (twice, after a crash, in a batch with other records).
pub fn insert_record<T: serde::Serialize>(
    item: &T,
    sequence_number: &str,
) -> aws_lambda_events::event::dynamodb::EventRecord {
    let image: serde_dynamo::Item = serde_dynamo::to_item(item).expect("an item");
    let image = serde_json::to_value(image).expect("stream image JSON");
    let keys = json!({"pk": image["pk"].clone(), "sk": image["sk"].clone()});
    serde_json::from_value(json!({
        "eventID": format!("test-{sequence_number}"),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1796292990,
            "Keys": keys,
            "NewImage": image,
            "SequenceNumber": sequence_number,
            "SizeBytes": 256,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/gopimi-test/stream/2026-12-01T00:00:00.000",
    }))
    .expect("a Lambda DynamoDB stream record")
}
