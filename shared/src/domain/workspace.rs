//! Workspace names and settings.

use serde_json::{Map, Value};

pub const NAME_MAX_CHARS: usize = 80;

/// A workspace name: 1–80 characters after trimming, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    pub fn parse(raw: &str) -> Result<WorkspaceName, String> {
        let name = raw.trim();
        let chars = name.chars().count();
        if chars == 0 {
            return Err("name must not be empty".into());
        }
        if chars > NAME_MAX_CHARS {
            return Err(format!(
                "name must be at most {NAME_MAX_CHARS} characters, got {chars}"
            ));
        }
        if name.chars().any(char::is_control) {
            return Err("name must not contain control characters".into());
        }
        Ok(WorkspaceName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Applies a JSON merge patch (RFC 7396) to a settings object: keys set to `null` are removed,
/// nested objects are merged, anything else replaces.
pub fn merge_settings(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(inner_patch) => {
                let entry = target
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                if let Value::Object(inner_target) = entry {
                    merge_settings(inner_target, inner_patch);
                }
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn w1_names_are_trimmed_and_bounded() {
        assert_eq!(WorkspaceName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert!(WorkspaceName::parse("   ").is_err());
        assert!(WorkspaceName::parse(&"é".repeat(80)).is_ok());
        assert!(WorkspaceName::parse(&"é".repeat(81)).is_err());
        assert!(WorkspaceName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn settings_merge_like_rfc_7396() {
        let mut target = json!({"a": 1, "b": {"c": 2, "d": 3}})
            .as_object()
            .unwrap()
            .clone();
        let patch = json!({"a": null, "b": {"c": 5}, "e": "x"})
            .as_object()
            .unwrap()
            .clone();
        merge_settings(&mut target, &patch);
        assert_eq!(
            Value::Object(target),
            json!({"b": {"c": 5, "d": 3}, "e": "x"})
        );
    }
}
