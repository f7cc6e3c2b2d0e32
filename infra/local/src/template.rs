//! Reading `template.yaml` (CloudFormation short-form tags such as `!Ref` are kept as tags).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use serde_yaml_ng::Value;

/// The parsed SAM template.
pub struct Template {
    root: Value,
}

/// An HTTP function of the template: its binary and its API event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpFunction {
    pub logical_id: String,
    pub binary: String,
    pub method: String,
    pub path: String,
    pub public: bool,
}

/// A stream-triggered function and its filter patterns (JSON texts).
#[derive(Clone, Debug)]
pub struct StreamFunction {
    pub logical_id: String,
    pub binary: String,
    pub filter_patterns: Vec<String>,
}

/// The repository root, found from this crate's location (tests and `cargo run`) or the
/// working directory.
pub fn repo_root() -> PathBuf {
    let from_crate = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if from_crate.join("template.yaml").exists() {
        return from_crate.canonicalize().unwrap_or(from_crate);
    }
    PathBuf::from(".")
}

impl Template {
    pub fn load_default() -> Result<Template> {
        Template::load(&repo_root().join("template.yaml"))
    }

    pub fn load(path: &Path) -> Result<Template> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let root = serde_yaml_ng::from_str(&text)
            .with_context(|| format!("parsing {}", path.display()))?;
        Ok(Template { root })
    }

    fn resources(&self) -> Result<&serde_yaml_ng::Mapping> {
        self.root
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| anyhow!("template has no Resources"))
    }

    /// The `Properties` of the `AWS::DynamoDB::Table` resource.
    pub fn table_properties(&self) -> Result<&Value> {
        self.resources()?
            .values()
            .find(|r| r.get("Type").and_then(Value::as_str) == Some("AWS::DynamoDB::Table"))
            .and_then(|r| r.get("Properties"))
            .ok_or_else(|| anyhow!("template has no AWS::DynamoDB::Table"))
    }

    fn functions(&self) -> Result<Vec<(String, &Value)>> {
        Ok(self
            .resources()?
            .iter()
            .filter(|(_, r)| {
                r.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::Function")
            })
            .map(|(id, r)| (id.as_str().unwrap_or_default().to_string(), r))
            .collect())
    }

    fn binary(resource: &Value) -> Option<String> {
        let metadata = resource.get("Metadata")?;
        if metadata.get("BuildMethod")?.as_str()? != "rust-cargolambda" {
            return None;
        }
        Some(
            metadata
                .get("BuildProperties")?
                .get("Binary")?
                .as_str()?
                .to_string(),
        )
    }

    fn events(resource: &Value) -> Vec<&Value> {
        resource
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(Value::as_mapping)
            .map(|events| events.values().collect())
            .unwrap_or_default()
    }

    /// Every function with an `HttpApi` event.
    pub fn http_functions(&self) -> Result<Vec<HttpFunction>> {
        let mut found = Vec::new();
        for (logical_id, resource) in self.functions()? {
            for event in Self::events(resource) {
                if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                    continue;
                }
                let properties = event
                    .get("Properties")
                    .ok_or_else(|| anyhow!("{logical_id}: HttpApi event without Properties"))?;
                let text = |key: &str| {
                    properties
                        .get(key)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                };
                let public = properties
                    .get("Auth")
                    .and_then(|a| a.get("Authorizer"))
                    .and_then(Value::as_str)
                    .is_some_and(|a| a == "NONE");
                found.push(HttpFunction {
                    binary: Self::binary(resource)
                        .ok_or_else(|| anyhow!("{logical_id}: no cargo-lambda Binary"))?,
                    method: text("Method").ok_or_else(|| anyhow!("{logical_id}: no Method"))?,
                    path: text("Path").ok_or_else(|| anyhow!("{logical_id}: no Path"))?,
                    public,
                    logical_id: logical_id.clone(),
                });
            }
        }
        Ok(found)
    }

    /// Every function with a `DynamoDB` stream event, with its filter patterns.
    pub fn stream_functions(&self) -> Result<Vec<StreamFunction>> {
        let mut found = Vec::new();
        for (logical_id, resource) in self.functions()? {
            for event in Self::events(resource) {
                if event.get("Type").and_then(Value::as_str) != Some("DynamoDB") {
                    continue;
                }
                let filter_patterns = event
                    .get("Properties")
                    .and_then(|p| p.get("FilterCriteria"))
                    .and_then(|f| f.get("Filters"))
                    .and_then(Value::as_sequence)
                    .map(|filters| {
                        filters
                            .iter()
                            .filter_map(|f| {
                                f.get("Pattern").and_then(Value::as_str).map(str::to_string)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                found.push(StreamFunction {
                    binary: Self::binary(resource)
                        .ok_or_else(|| anyhow!("{logical_id}: no cargo-lambda Binary"))?,
                    filter_patterns,
                    logical_id: logical_id.clone(),
                });
            }
        }
        Ok(found)
    }

    /// The binaries of functions a Cognito user pool may invoke: those named by an
    /// `AWS::Lambda::Permission` for `cognito-idp.amazonaws.com`.
    pub fn cognito_functions(&self) -> Result<Vec<String>> {
        let resources = self.resources()?;
        let mut found = Vec::new();
        for (id, resource) in resources {
            if resource.get("Type").and_then(Value::as_str) != Some("AWS::Lambda::Permission") {
                continue;
            }
            let properties = resource
                .get("Properties")
                .ok_or_else(|| anyhow!("{id:?}: permission without Properties"))?;
            if properties.get("Principal").and_then(Value::as_str)
                != Some("cognito-idp.amazonaws.com")
            {
                continue;
            }
            // `!GetAtt Fn.Arn` or `!Ref Fn`: a tagged scalar naming the function.
            let target = match properties.get("FunctionName") {
                Some(Value::Tagged(tagged)) => tagged.value.as_str().map(str::to_string),
                Some(other) => other.as_str().map(str::to_string),
                None => None,
            }
            .ok_or_else(|| anyhow!("{id:?}: permission without FunctionName"))?;
            let logical_id = target.trim_end_matches(".Arn");
            let function = resources
                .get(logical_id)
                .ok_or_else(|| anyhow!("{id:?}: no resource {logical_id}"))?;
            found.push(
                Self::binary(function)
                    .ok_or_else(|| anyhow!("{logical_id}: no cargo-lambda Binary"))?,
            );
        }
        Ok(found)
    }
}
