//! W5, R2 and sign-in, over the whole route table: every route, including routes added
//! later, is covered without new test code. Path parameters are filled with real values of
//! one workspace, and request bodies are built from the operation's schema in
//! `openapi.yaml` (its `examples` first), so each request would do something if allowed.

use gopimi_local::template::repo_root;
use gopimi_tests::{Api, User, json, partition, seed_member};
use gopimi_workspaces::domain::Role;
use gopimi_workspaces::routes::{Access, ROUTES, Route};
use gopimi_workspaces::store::Item;
use serde_json::{Map, Value};
use serde_yaml_ng::Value as Yaml;

/// One workspace with a creator, a second owner, two members and a ticket, plus a stranger.
struct Fixture {
    api: Api,
    slug: String,
    creator: User,
    owner: User,
    member: User,
    other_member: User,
    stranger: User,
    ticket_id: String,
}

async fn fixture() -> Fixture {
    let api = Api::new().await;
    let creator = User::new();
    let owner = User::new();
    let member = User::new();
    let other_member = User::new();
    let stranger = User::new();
    let slug = api.create_workspace(&creator, "Private desk").await;
    // The stranger has a workspace of their own: membership elsewhere opens nothing here.
    api.create_workspace(&stranger, "Elsewhere").await;
    seed_member(&api.app, &slug, &owner, Role::Owner).await;
    seed_member(&api.app, &slug, &member, Role::Member).await;
    seed_member(&api.app, &slug, &other_member, Role::Member).await;
    let ticket = api
        .post(
            &creator,
            &format!("/workspaces/{slug}/tickets"),
            json!({"subject": "Existing", "assignee_id": other_member.id}),
        )
        .await;
    let ticket_id = ticket.expect(201)["id"].as_str().unwrap().to_string();
    Fixture {
        api,
        slug,
        creator,
        owner,
        member,
        other_member,
        stranger,
        ticket_id,
    }
}

impl Fixture {
    /// The route's path with every `{param}` replaced by a value that names something real
    /// in the workspace where there is one (a member other than the caller, a ticket).
    fn path(&self, route: &Route) -> String {
        let mut path = String::new();
        for segment in route.path.split('/').skip(1) {
            path.push('/');
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                None => path.push_str(segment),
                Some("slug") => path.push_str(&self.slug),
                Some("user_id") => path.push_str(&self.other_member.id),
                Some("id") => path.push_str(&self.ticket_id),
                Some("domain") => path.push_str("support.example.com"),
                Some("token") => path.push_str("dGhpcy1pcy1hLXBsYXVzaWJsZS10b2tlbi12YWx1ZQ"),
                Some(_) => path.push_str("plausible"),
            }
        }
        path
    }

    /// Everything the workspace is made of, and each user's side of it.
    async fn state(&self) -> Vec<Vec<Item>> {
        let mut all = vec![partition(&self.api.app, &format!("WS#{}", self.slug)).await];
        for user in [
            &self.creator,
            &self.owner,
            &self.member,
            &self.other_member,
            &self.stranger,
        ] {
            all.push(partition(&self.api.app, &format!("USER#{}", user.id)).await);
        }
        all
    }

    async fn send(&self, caller: Option<&User>, route: &Route) -> gopimi_tests::Answer {
        let body = plausible_body(route).map(|b| b.to_string());
        self.api
            .send(
                caller,
                route.method,
                &self.path(route),
                body.as_deref().map(str::as_bytes),
            )
            .await
    }
}

fn openapi() -> Yaml {
    let text = std::fs::read_to_string(repo_root().join("openapi.yaml")).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

fn resolve<'a>(document: &'a Yaml, schema: &'a Yaml) -> &'a Yaml {
    match schema.get("$ref").and_then(Yaml::as_str) {
        Some(reference) => {
            let mut node = document;
            for part in reference.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            resolve(document, node)
        }
        None => schema,
    }
}

fn to_json(value: &Yaml) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A value the schema accepts: its first example, const or enum value, or one built from
/// its type, format and the property's name.
fn sample(document: &Yaml, schema: &Yaml, name: &str) -> Value {
    let schema = resolve(document, schema);
    if let Some(first) = schema
        .get("examples")
        .and_then(|e| e.as_sequence()?.first())
    {
        return to_json(first);
    }
    if let Some(example) = schema.get("example") {
        return to_json(example);
    }
    if let Some(constant) = schema.get("const") {
        return to_json(constant);
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.as_sequence()?.first()) {
        return to_json(first);
    }
    if let Some(parts) = schema.get("allOf").and_then(Yaml::as_sequence) {
        let mut merged = Map::new();
        for part in parts {
            if let Value::Object(fields) = sample(document, part, name) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    let kind = match schema.get("type") {
        Some(Yaml::Sequence(kinds)) => kinds
            .iter()
            .filter_map(Yaml::as_str)
            .find(|k| *k != "null")
            .unwrap_or("null")
            .to_string(),
        Some(kind) => kind.as_str().unwrap_or("object").to_string(),
        None if schema.get("properties").is_some() => "object".into(),
        None => "string".into(),
    };
    match kind.as_str() {
        "object" => {
            let fields = schema
                .get("properties")
                .and_then(Yaml::as_mapping)
                .map(|properties| {
                    properties
                        .iter()
                        .map(|(key, property)| {
                            let key = key.as_str().unwrap_or_default();
                            (key.to_string(), sample(document, property, key))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Value::Object(fields)
        }
        "array" => match schema.get("items") {
            Some(items) => json!([sample(document, items, name)]),
            None => json!([]),
        },
        "integer" | "number" => schema
            .get("minimum")
            .map(to_json)
            .filter(|m| m.as_f64().is_some_and(|m| m > 0.0))
            .unwrap_or(json!(1)),
        "boolean" => json!(true),
        "null" => Value::Null,
        _ => {
            let format = schema.get("format").and_then(Yaml::as_str).unwrap_or("");
            let name = name.to_lowercase();
            if format == "email" || name.contains("email") {
                json!("plausible.person@example.com")
            } else if format == "uri" || format == "url" || name.contains("url") {
                json!("https://hooks.example.com/gopimi")
            } else if name.contains("domain") {
                json!("support.example.com")
            } else {
                json!("Plausible value")
            }
        }
    }
}

/// The JSON body the route's operation takes, if it takes one.
fn plausible_body(route: &Route) -> Option<Value> {
    let document = openapi();
    let operation = &document["paths"][route.path][route.method.to_lowercase().as_str()];
    let schema = operation
        .get("requestBody")?
        .get("content")?
        .get("application/json")?
        .get("schema")?;
    Some(sample(&document, schema, ""))
}

fn workspace_routes() -> impl Iterator<Item = &'static Route> {
    ROUTES
        .iter()
        .filter(|r| r.path == "/workspaces/{slug}" || r.path.starts_with("/workspaces/{slug}/"))
}

#[tokio::test]
async fn w5_a_signed_in_stranger_gets_404_on_every_workspace_route_and_changes_nothing() {
    let fx = fixture().await;
    let before = fx.state().await;
    let mut covered = 0;
    for route in workspace_routes() {
        let answer = fx.send(Some(&fx.stranger), route).await;
        assert_eq!(
            (answer.status, answer.problem_type()),
            (404, "not_found"),
            "{} {}: {}",
            route.method,
            route.path,
            answer.body
        );
        assert_eq!(
            fx.state().await,
            before,
            "{} changed something",
            route.function
        );
        covered += 1;
    }
    assert!(covered >= 10, "the table has its workspace routes");
}

#[tokio::test]
async fn r2_a_member_gets_403_on_every_owner_only_route_and_changes_nothing() {
    let fx = fixture().await;
    let before = fx.state().await;
    let mut covered = 0;
    for route in workspace_routes().filter(|r| matches!(r.access, Access::Owner | Access::Creator))
    {
        let mut callers = vec![&fx.member];
        if route.access == Access::Creator {
            callers.push(&fx.owner);
        }
        for caller in callers {
            let answer = fx.send(Some(caller), route).await;
            assert_eq!(
                answer.status, 403,
                "{} {}: {}",
                route.method, route.path, answer.body
            );
            assert_eq!(
                answer.content_type(),
                "application/problem+json",
                "{}",
                route.function
            );
            assert_eq!(
                fx.state().await,
                before,
                "{} changed something",
                route.function
            );
        }
        covered += 1;
    }
    assert!(covered >= 4, "the table has its owner-only routes");
}

#[tokio::test]
async fn a_token_with_no_claims_gets_401_on_every_signed_in_route_and_changes_nothing() {
    let fx = fixture().await;
    let before = fx.state().await;
    for route in ROUTES.iter().filter(|r| r.access.requires_sign_in()) {
        let answer = fx.send(None, route).await;
        answer.expect_problem(401, "unauthorized");
    }
    assert_eq!(fx.state().await, before);
}

#[tokio::test]
async fn the_plausible_requests_are_allowed_for_whom_the_table_says() {
    // The same requests, sent by callers the table allows, are not refused for their
    // membership or role: the 404s and 403s above come from the rules, not from the requests.
    let fx = fixture().await;
    // Reads that need nothing but the workspace, and the routes whose parameters the
    // fixture fills with real values.
    let reads = workspace_routes().filter(|r| {
        r.method == "GET"
            && !r
                .path
                .trim_start_matches("/workspaces/{slug}")
                .contains('{')
    });
    for route in
        reads.chain(["get-ticket"].map(|f| gopimi_workspaces::routes::by_function(f).unwrap()))
    {
        let caller = match route.access {
            Access::Member => &fx.member,
            _ => &fx.creator,
        };
        let answer = fx.send(Some(caller), route).await;
        assert_eq!(
            answer.status, 200,
            "{} {}: {}",
            route.method, route.path, answer.body
        );
    }
    for function in [
        "update-member",
        "create-ticket",
        "update-ticket",
        "update-workspace",
    ] {
        let route = gopimi_workspaces::routes::by_function(function).unwrap();
        let answer = fx.send(Some(&fx.creator), route).await;
        assert!(
            answer.status == 200 || answer.status == 201,
            "{function}: {}",
            answer.body
        );
    }
    let route = gopimi_workspaces::routes::by_function("remove-member").unwrap();
    fx.send(Some(&fx.creator), route).await.expect(204);
}
