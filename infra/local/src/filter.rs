//! Lambda event filtering for DynamoDB Stream records, the part of the pattern language the
//! template uses: exact values, `exists`, `anything-but` and `prefix`, nested objects.

use serde_json::Value;

/// Whether a record (as Lambda sees it, JSON) matches a FilterCriteria pattern.
pub fn matches(pattern: &Value, record: &Value) -> bool {
    let Some(fields) = pattern.as_object() else {
        return false;
    };
    fields.iter().all(|(key, expected)| {
        let actual = record.get(key);
        match expected {
            Value::Array(alternatives) => {
                alternatives.iter().any(|rule| leaf_matches(rule, actual))
            }
            Value::Object(_) => matches(expected, actual.unwrap_or(&Value::Null)),
            _ => false,
        }
    })
}

fn leaf_matches(rule: &Value, actual: Option<&Value>) -> bool {
    match rule {
        Value::Object(operator) => {
            if let Some(exists) = operator.get("exists").and_then(Value::as_bool) {
                return actual.is_some() == exists;
            }
            if let Some(excluded) = operator.get("anything-but") {
                let excluded: Vec<&Value> = match excluded {
                    Value::Array(values) => values.iter().collect(),
                    single => vec![single],
                };
                return actual.is_some_and(|value| !excluded.contains(&value));
            }
            if let Some(prefix) = operator.get("prefix").and_then(Value::as_str) {
                return actual
                    .and_then(Value::as_str)
                    .is_some_and(|value| value.starts_with(prefix));
            }
            false
        }
        exact => actual == Some(exact),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_nested_and_exists_rules() {
        let pattern = json!({"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"status": {"S": ["accepted"]}},
            "OldImage": {"status": {"S": [{"anything-but": ["accepted"]}]}, "gone": {"S": [{"exists": false}]}}}});
        let record = json!({"eventName": "MODIFY", "dynamodb": {
            "NewImage": {"status": {"S": "accepted"}}, "OldImage": {"status": {"S": "pending"}}}});
        assert!(matches(&pattern, &record));
        let again = json!({"eventName": "MODIFY", "dynamodb": {
            "NewImage": {"status": {"S": "accepted"}}, "OldImage": {"status": {"S": "accepted"}}}});
        assert!(!matches(&pattern, &again));
        let insert =
            json!({"eventName": "INSERT", "dynamodb": {"NewImage": {"status": {"S": "accepted"}}}});
        assert!(!matches(&pattern, &insert));
    }
}
