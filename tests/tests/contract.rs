//! The route table is the one list of endpoints: the Lambda binaries, `template.yaml`,
//! `openapi.yaml` and `events/` must all agree with it. And the sample events in `events/`
//! are real payloads that the handlers answer.

use std::collections::BTreeSet;
use std::sync::Arc;

use gopimi_local::gateway::lambda_request;
use gopimi_local::template::{Template, repo_root};
use gopimi_tests::{User, app, into_answer, json, partition, seed_member};
use gopimi_workspaces::cognito::COGNITO_TRIGGERS;
use gopimi_workspaces::domain::slug::ScriptedSlugs;
use gopimi_workspaces::domain::{Role, Slug};
use gopimi_workspaces::events::{STREAM_CONSUMERS, handle_batch};
use gopimi_workspaces::routes::{Access, ROUTES, by_function, dispatch};
use serde_json::Value;

fn route_set() -> BTreeSet<(String, String, String)> {
    ROUTES
        .iter()
        .map(|r| {
            (
                r.function.to_string(),
                r.method.to_string(),
                r.path.to_string(),
            )
        })
        .collect()
}

fn read_json(relative: &str) -> Value {
    let path = repo_root().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_route_and_consumer_has_its_own_lambda_binary() {
    let bins: BTreeSet<String> = std::fs::read_dir(repo_root().join("functions/src/bin"))
        .expect("functions/src/bin")
        .map(|entry| {
            entry
                .unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let expected: BTreeSet<String> = ROUTES
        .iter()
        .map(|r| r.function.to_string())
        .chain(STREAM_CONSUMERS.iter().map(|c| c.function.to_string()))
        .chain(COGNITO_TRIGGERS.iter().map(|t| t.to_string()))
        .collect();
    assert_eq!(bins, expected);
    for function in &expected {
        let source =
            std::fs::read_to_string(repo_root().join(format!("functions/src/bin/{function}.rs")))
                .unwrap();
        assert!(
            source.contains(&format!("(\"{function}\")")),
            "{function}.rs serves another function"
        );
    }
}

#[test]
fn template_has_one_function_per_route_with_the_same_method_path_and_auth() {
    let template = Template::load_default().unwrap();
    let functions = template.http_functions().unwrap();
    let in_template: BTreeSet<(String, String, String)> = functions
        .iter()
        .map(|f| (f.binary.clone(), f.method.clone(), f.path.clone()))
        .collect();
    assert_eq!(in_template, route_set());
    for function in &functions {
        let route = by_function(&function.binary).unwrap();
        assert_eq!(
            function.public,
            route.access == Access::Public,
            "{}: authorizer",
            function.binary
        );
    }
}

#[test]
fn template_stream_functions_are_the_stream_consumers() {
    let template = Template::load_default().unwrap();
    let in_template: BTreeSet<String> = template
        .stream_functions()
        .unwrap()
        .into_iter()
        .map(|f| f.binary)
        .collect();
    let consumers: BTreeSet<String> = STREAM_CONSUMERS
        .iter()
        .map(|c| c.function.to_string())
        .collect();
    assert_eq!(in_template, consumers);
    for function in template.stream_functions().unwrap() {
        assert!(
            !function.filter_patterns.is_empty(),
            "{} has no FilterCriteria",
            function.binary
        );
        for pattern in function.filter_patterns {
            serde_json::from_str::<Value>(&pattern).expect("filter pattern is JSON");
        }
    }
}

#[test]
fn template_cognito_functions_are_the_cognito_triggers() {
    let template = Template::load_default().unwrap();
    let in_template: BTreeSet<String> = template.cognito_functions().unwrap().into_iter().collect();
    let triggers: BTreeSet<String> = COGNITO_TRIGGERS.iter().map(|t| t.to_string()).collect();
    assert_eq!(in_template, triggers);
    // A Cognito-triggered function is not also behind the API or on the stream.
    let http: BTreeSet<String> = template
        .http_functions()
        .unwrap()
        .into_iter()
        .map(|f| f.binary)
        .collect();
    assert!(in_template.is_disjoint(&http));
}

#[test]
fn every_stream_consumer_and_cognito_trigger_has_a_real_event() {
    for consumer in STREAM_CONSUMERS {
        let event: aws_lambda_events::event::dynamodb::Event =
            serde_json::from_value(read_json(&format!("events/{}.json", consumer.function)))
                .unwrap_or_else(|e| panic!("{}: {e}", consumer.function));
        assert!(!event.records.is_empty(), "{}", consumer.function);
    }
    for trigger in COGNITO_TRIGGERS {
        let event: aws_lambda_events::event::cognito::CognitoEventUserPoolsPreSignup =
            serde_json::from_value(read_json(&format!("events/{trigger}.json")))
                .unwrap_or_else(|e| panic!("{trigger}: {e}"));
        assert!(event.request.user_attributes.contains_key("email"));
    }
}

#[test]
fn openapi_documents_every_route_under_its_function_name() {
    let text = std::fs::read_to_string(repo_root().join("openapi.yaml")).unwrap();
    let document: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_mapping().unwrap() {
        for (method, operation) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if method == "parameters" {
                continue;
            }
            let function = operation["operationId"]
                .as_str()
                .expect("operationId")
                .to_string();
            documented.insert((
                function.clone(),
                method.to_uppercase(),
                path.as_str().unwrap().to_string(),
            ));
            let public = operation
                .get("security")
                .and_then(|s| s.as_sequence())
                .is_some_and(|s| s.is_empty());
            assert_eq!(
                public,
                by_function(&function)
                    .map(|r| r.access == Access::Public)
                    .unwrap_or(false),
                "{function}"
            );
        }
    }
    assert_eq!(documented, route_set());
}

#[test]
fn every_route_has_a_real_api_gateway_event() {
    for route in ROUTES {
        let event = read_json(&format!("events/{}.json", route.function));
        assert_eq!(event["version"], "2.0", "{}", route.function);
        assert_eq!(
            event["routeKey"],
            format!("{} {}", route.method, route.path),
            "{}",
            route.function
        );
        assert_eq!(event["requestContext"]["http"]["method"], route.method);
        let has_claims = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"].is_string();
        assert_eq!(
            has_claims,
            route.access.requires_sign_in(),
            "{}: claims",
            route.function
        );
        lambda_request(event)
            .unwrap_or_else(|e| panic!("{}: lambda_http rejects the event: {e}", route.function));
    }
}

/// Runs `events/{function}.json` through its route as Lambda would.
async fn invoke(app: &gopimi_workspaces::App, function: &str) -> gopimi_tests::Answer {
    let route = by_function(function).unwrap();
    let request = lambda_request(read_json(&format!("events/{function}.json"))).unwrap();
    into_answer(dispatch(app, route, request).await)
}

#[tokio::test]
async fn the_sample_events_drive_the_workspace_lifecycle() {
    // The events name workspace a1b2c3d4 and the Cognito user of their claims.
    let app = app().await.with_slugs(Arc::new(ScriptedSlugs::new([
        Slug::parse("a1b2c3d4").unwrap()
    ])));
    assert_eq!(
        invoke(&app, "get-me").await.expect(200)["workspaces"],
        json!({"created": 0, "limit": 1})
    );
    let created = invoke(&app, "create-workspace").await;
    assert_eq!(created.expect(201)["slug"], "a1b2c3d4");
    assert_eq!(
        invoke(&app, "list-workspaces").await.expect(200)["items"][0]["slug"],
        "a1b2c3d4"
    );
    assert_eq!(
        invoke(&app, "get-workspace").await.expect(200)["name"],
        "Acme Support"
    );
    assert_eq!(
        invoke(&app, "update-workspace").await.expect(200)["name"],
        "Acme Customer Care"
    );

    // Plans and quotas: an operator puts the events' user on Business, then the owner uses
    // each counted resource through its sample event.
    let plan = invoke(&app, "set-user-plan").await;
    assert_eq!(plan.expect(200)["workspaces_updated"], 1);
    assert_eq!(
        invoke(&app, "get-usage").await.expect(200)["plan"],
        "business"
    );
    assert_eq!(
        invoke(&app, "create-domain").await.expect(201)["domain"],
        "help.acme.example"
    );
    assert_eq!(
        invoke(&app, "list-domains").await.expect(200)["items"][0]["domain"],
        "help.acme.example"
    );
    invoke(&app, "delete-domain").await.expect(204);
    assert!(invoke(&app, "create-webhook").await.expect(201)["secret"].is_string());
    assert_eq!(
        invoke(&app, "list-webhooks").await.expect(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The sample ids name no webhook or file of this workspace.
    invoke(&app, "delete-webhook")
        .await
        .expect_problem(404, "not_found");
    assert_eq!(
        invoke(&app, "create-file").await.expect(201)["size_bytes"],
        48213
    );
    assert_eq!(
        invoke(&app, "list-files").await.expect(200)["items"][0]["name"],
        "refund-policy.pdf"
    );
    invoke(&app, "delete-file")
        .await
        .expect_problem(404, "not_found");
    let limits = invoke(&app, "set-user-limits").await;
    assert_eq!(limits.expect(200)["limits"]["webhooks"], 12);
    let usage = invoke(&app, "get-usage").await;
    assert_eq!(
        usage.expect(200)["webhooks"],
        json!({"used": 1, "limit": 12})
    );
    assert_eq!(usage.body["storage_bytes"]["used"], 48213);
    let member = User::new();
    seed_member(&app, "a1b2c3d4", &member, Role::Member).await;
    invoke(&app, "delete-workspace").await.expect(204);

    // The stream record of that deletion, fed to its consumer, purges the workspace.
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(read_json("events/workspace-deleted.json")).unwrap();
    let consumer = gopimi_workspaces::events::consumer("workspace-deleted").unwrap();
    let response = handle_batch(&app, consumer, &event).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        partition(&app, "WS#a1b2c3d4").await.len(),
        1,
        "only the tombstone is left"
    );
    // Delivered twice, it is still fine.
    let again = handle_batch(&app, consumer, &event).await;
    assert!(again.batch_item_failures.is_empty());
}

#[test]
fn every_stream_consumer_has_a_real_stream_event_that_its_filter_selects() {
    let template = Template::load_default().unwrap();
    let functions = template.stream_functions().unwrap();
    for consumer in STREAM_CONSUMERS {
        let event = read_json(&format!("events/{}.json", consumer.function));
        let records = event["Records"]
            .as_array()
            .expect("a stream event has Records");
        assert!(!records.is_empty(), "{}", consumer.function);
        let function = functions
            .iter()
            .find(|f| f.binary == consumer.function)
            .unwrap();
        for record in records {
            assert_eq!(
                record["eventSource"], "aws:dynamodb",
                "{}",
                consumer.function
            );
            assert!(
                function.filter_patterns.iter().any(|pattern| {
                    gopimi_local::filter::matches(&serde_json::from_str(pattern).unwrap(), record)
                }),
                "{}: the template's FilterCriteria do not select its sample record",
                consumer.function
            );
            // And no other consumer's filter selects it by accident.
            for other in functions.iter().filter(|f| f.binary != consumer.function) {
                assert!(
                    !other.filter_patterns.iter().any(|pattern| {
                        gopimi_local::filter::matches(
                            &serde_json::from_str(pattern).unwrap(),
                            record,
                        )
                    }),
                    "{}'s sample also reaches {}",
                    consumer.function,
                    other.binary
                );
            }
        }
        serde_json::from_value::<aws_lambda_events::event::dynamodb::Event>(event)
            .unwrap_or_else(|e| panic!("{}: not a Lambda DynamoDB event: {e}", consumer.function));
    }
}
