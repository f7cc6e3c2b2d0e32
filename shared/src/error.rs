//! Domain errors, mapped to RFC 9457 problem+json in one place.

use serde_json::{Map, Value, json};

use crate::domain::Resource;

/// Every way a request can fail. Internal errors are logged and answered with a bare 500;
/// everything else is the client's to fix and says how.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed JSON, unknown fields, invalid values. `kind` is the problem `type`.
    #[error("{detail}")]
    BadRequest { kind: &'static str, detail: String },
    #[error("sign-in required")]
    Unauthorized,
    #[error("{detail}")]
    Forbidden { kind: &'static str, detail: String },
    /// 404: also what a non-member gets for anything in a workspace (existence is not revealed).
    #[error("{detail}")]
    NotFound { detail: String },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{detail}")]
    Conflict {
        kind: &'static str,
        detail: String,
        extra: Map<String, Value>,
    },
    /// 410: an invitation that can no longer be used.
    #[error("{detail}")]
    Gone {
        kind: &'static str,
        detail: String,
        extra: Map<String, Value>,
    },
    #[error("request body exceeds {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{} quota exceeded: {used} of {limit} used", resource.as_str())]
    QuotaExceeded {
        resource: Resource,
        limit: u64,
        used: u64,
    },
    #[error("{detail}")]
    RateLimited {
        kind: &'static str,
        detail: String,
        retry_after_seconds: u64,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(kind: &'static str, detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            kind,
            detail: detail.into(),
        }
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        ApiError::bad_request("validation_failed", detail)
    }

    pub fn forbidden(kind: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Forbidden {
            kind,
            detail: detail.into(),
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError::NotFound {
            detail: detail.into(),
        }
    }

    /// What a non-member sees for anything under `/workspaces/{slug}`.
    pub fn workspace_not_found() -> Self {
        ApiError::not_found("no such workspace")
    }

    pub fn conflict(kind: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            kind,
            detail: detail.into(),
            extra: Map::new(),
        }
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        ApiError::Internal(error.to_string())
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } => 400,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden { .. } => 403,
            ApiError::NotFound { .. } => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::Conflict { .. } => 409,
            ApiError::Gone { .. } => 410,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::QuotaExceeded { .. } | ApiError::RateLimited { .. } => 429,
            ApiError::Internal(_) => 500,
        }
    }

    /// The stable `type` slug of the problem body.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::BadRequest { kind, .. }
            | ApiError::Forbidden { kind, .. }
            | ApiError::Conflict { kind, .. }
            | ApiError::Gone { kind, .. }
            | ApiError::RateLimited { kind, .. } => kind,
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound { .. } => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::QuotaExceeded { .. } => "quota_exceeded",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self.status() {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            409 => "Conflict",
            410 => "Gone",
            413 => "Content Too Large",
            429 => "Too Many Requests",
            _ => "Internal Server Error",
        }
    }

    /// Seconds for a `Retry-After` header, where one applies.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited {
                retry_after_seconds,
                ..
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    /// The RFC 9457 body. Internal details never leave the process.
    pub fn problem(&self) -> Value {
        let detail = match self {
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".to_string(),
            other => other.to_string(),
        };
        let mut body = json!({
            "type": self.kind(),
            "title": self.title(),
            "status": self.status(),
            "detail": detail,
        });
        let fields = body.as_object_mut().expect("problem body is an object");
        match self {
            ApiError::QuotaExceeded {
                resource,
                limit,
                used,
            } => {
                fields.insert("resource".into(), json!(resource.as_str()));
                fields.insert("limit".into(), json!(limit));
                fields.insert("used".into(), json!(used));
            }
            ApiError::Conflict { extra, .. } | ApiError::Gone { extra, .. } => {
                fields.extend(extra.clone());
            }
            ApiError::RateLimited {
                retry_after_seconds,
                ..
            } => {
                fields.insert("retry_after_seconds".into(), json!(retry_after_seconds));
            }
            _ => {}
        }
        body
    }
}
