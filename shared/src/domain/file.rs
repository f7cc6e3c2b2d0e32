//! File records (attachments): their name and content type. The bytes live elsewhere; the
//! record's `size_bytes` is what storage quotas count.

pub const FILE_NAME_MAX_CHARS: usize = 255;
pub const CONTENT_TYPE_MAX_LEN: usize = 255;
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// 1–255 characters after trimming, no control characters.
pub fn parse_file_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > FILE_NAME_MAX_CHARS {
        return Err(format!(
            "name must have 1 to {FILE_NAME_MAX_CHARS} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("name must not contain control characters".into());
    }
    Ok(name.to_string())
}

/// A media type `type/subtype` with optional parameters, lower-cased type; printable ASCII.
pub fn parse_content_type(raw: Option<&str>) -> Result<String, String> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_CONTENT_TYPE.to_string());
    };
    let value = raw.trim();
    let invalid = || format!("content_type {value:?} is not a media type like text/plain");
    if value.is_empty() || value.len() > CONTENT_TYPE_MAX_LEN {
        return Err(invalid());
    }
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(invalid());
    }
    let essence = value.split(';').next().unwrap_or_default().trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, subtype)) if token(kind) && token(subtype) => Ok(value.to_string()),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_content_types() {
        assert_eq!(parse_file_name("  report.pdf ").unwrap(), "report.pdf");
        assert!(parse_file_name("  ").is_err());
        assert!(parse_file_name("a\nb").is_err());
        assert!(parse_file_name(&"x".repeat(256)).is_err());
        assert_eq!(parse_content_type(None).unwrap(), DEFAULT_CONTENT_TYPE);
        assert_eq!(
            parse_content_type(Some("text/plain; charset=utf-8")).unwrap(),
            "text/plain; charset=utf-8"
        );
        assert!(parse_content_type(Some("text")).is_err());
        assert!(parse_content_type(Some("/plain")).is_err());
        assert!(parse_content_type(Some("text/plain\u{7f}")).is_err());
    }
}
