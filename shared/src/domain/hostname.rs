//! Custom domains of a workspace: DNS hostnames, trimmed and lower-cased.

use std::fmt;

pub const HOSTNAME_MAX_LEN: usize = 253;
pub const LABEL_MAX_LEN: usize = 63;

/// A fully qualified hostname such as `help.example.com`: at least two labels of 1–63
/// characters `[a-z0-9-]` that neither start nor end with `-`, 253 characters at most, and a
/// top-level label that is not all digits (so no IP address passes). No scheme, port, path or
/// wildcard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hostname(String);

impl Hostname {
    pub fn parse(raw: &str) -> Result<Hostname, String> {
        let host = raw.trim().to_ascii_lowercase();
        // One trailing dot is the DNS root; the stored form has none.
        let host = host.strip_suffix('.').unwrap_or(&host).to_string();
        if host.is_empty() {
            return Err("domain must not be empty".into());
        }
        if host.len() > HOSTNAME_MAX_LEN {
            return Err(format!(
                "domain must be at most {HOSTNAME_MAX_LEN} characters"
            ));
        }
        if host.contains("://") || host.contains('/') || host.contains(':') {
            return Err("domain is a bare hostname: no scheme, port or path".into());
        }
        if host.contains('*') {
            return Err("wildcard domains are not supported".into());
        }
        let labels: Vec<&str> = host.split('.').collect();
        if labels.len() < 2 {
            return Err("domain needs at least two labels, like example.com".into());
        }
        for label in &labels {
            if label.is_empty() || label.len() > LABEL_MAX_LEN {
                return Err(format!(
                    "every label of a domain has 1 to {LABEL_MAX_LEN} characters"
                ));
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err("a domain has only letters, digits, '-' and '.'".into());
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err("a label of a domain must not start or end with '-'".into());
            }
        }
        let tld = labels.last().copied().unwrap_or_default();
        if tld.bytes().all(|b| b.is_ascii_digit()) {
            return Err("domain must be a hostname, not an IP address".into());
        }
        Ok(Hostname(host))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_are_trimmed_and_lower_cased() {
        assert_eq!(
            Hostname::parse("  Help.Example.COM ").unwrap().as_str(),
            "help.example.com"
        );
        assert_eq!(
            Hostname::parse("example.com.").unwrap().as_str(),
            "example.com"
        );
        assert!(Hostname::parse("xn--bcher-kva.example").is_ok());
        assert!(Hostname::parse("a-b.c1.io").is_ok());
        assert!(Hostname::parse(&format!("{}.com", "a".repeat(63))).is_ok());
    }

    #[test]
    fn anything_but_a_hostname_is_refused() {
        let long_label = format!("{}.com", "a".repeat(64));
        let too_long = format!("{}.com", vec!["a".repeat(60); 5].join("."));
        for bad in [
            "",
            "   ",
            "localhost",
            "com",
            "https://example.com",
            "example.com:443",
            "example.com/path",
            "*.example.com",
            "-a.example.com",
            "a-.example.com",
            "a..example.com",
            ".example.com",
            "exa_mple.com",
            "exämple.com",
            "192.168.0.1",
            "10.0.0.1",
            "[::1]",
            "example.123",
            "a b.com",
            long_label.as_str(),
            too_long.as_str(),
        ] {
            assert!(Hostname::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
