//! One structured log line per request with route, status, latency and DynamoDB calls.

use std::io::Write;
use std::sync::{Arc, Mutex};

use gopimi_tests::{Api, User, json};
use serde_json::Value;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn request_lines(captured: &Captured) -> Vec<Value> {
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("every log line is JSON"))
        .filter(|line| line["message"] == "request")
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn each_request_logs_one_json_line_with_route_status_latency_and_dynamodb_calls() {
    let api = Api::new().await;
    let ada = User::new();
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let created = api
        .post(&ada, "/workspaces", json!({"name": "Logged"}))
        .await;
    let slug = created.expect(201)["slug"].as_str().unwrap().to_string();
    api.get(&ada, &format!("/workspaces/{slug}"))
        .await
        .expect(200);
    api.get(&ada, "/workspaces/zzzzzzzz").await.expect(404);

    let lines = request_lines(&captured);
    assert_eq!(lines.len(), 3, "{lines:?}");
    // Create: read the user, then one transaction.
    assert_eq!(lines[0]["route"], "create-workspace");
    assert_eq!(lines[0]["status"], 201);
    assert_eq!(lines[0]["dynamodb_calls"], 2);
    // A member read is a single TransactGetItems.
    assert_eq!(lines[1]["route"], "get-workspace");
    assert_eq!(lines[1]["path"], "/workspaces/{slug}");
    assert_eq!(lines[1]["dynamodb_calls"], 1);
    assert_eq!(lines[2]["status"], 404);
    for line in &lines {
        assert!(line["latency_ms"].as_f64().unwrap() > 0.0);
    }
    // The concrete path (and so any token in it) and the caller's email never reach the log.
    let all = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!all.contains(&format!("/workspaces/{slug}")));
    assert!(!all.contains(&ada.email));
}
