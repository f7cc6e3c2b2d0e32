//! Webhooks: where events are delivered (HTTPS only) and which events.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use url::{Host, Url};

pub const URL_MAX_LEN: usize = 2048;

/// The events a webhook can subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WebhookEvent {
    #[serde(rename = "member.joined")]
    MemberJoined,
    #[serde(rename = "member.removed")]
    MemberRemoved,
    #[serde(rename = "invitation.created")]
    InvitationCreated,
    #[serde(rename = "invitation.accepted")]
    InvitationAccepted,
    #[serde(rename = "invitation.declined")]
    InvitationDeclined,
    #[serde(rename = "invitation.cancelled")]
    InvitationCancelled,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 6] = [
        WebhookEvent::MemberJoined,
        WebhookEvent::MemberRemoved,
        WebhookEvent::InvitationCreated,
        WebhookEvent::InvitationAccepted,
        WebhookEvent::InvitationDeclined,
        WebhookEvent::InvitationCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::MemberJoined => "member.joined",
            WebhookEvent::MemberRemoved => "member.removed",
            WebhookEvent::InvitationCreated => "invitation.created",
            WebhookEvent::InvitationAccepted => "invitation.accepted",
            WebhookEvent::InvitationDeclined => "invitation.declined",
            WebhookEvent::InvitationCancelled => "invitation.cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<WebhookEvent> {
        WebhookEvent::ALL.into_iter().find(|e| e.as_str() == raw)
    }

    /// A subscription list: every event when none is given, otherwise the named ones (at
    /// least one, each known), de-duplicated and in a stable order.
    pub fn parse_list(raw: Option<&[String]>) -> Result<Vec<WebhookEvent>, String> {
        let Some(raw) = raw else {
            return Ok(WebhookEvent::ALL.to_vec());
        };
        if raw.is_empty() {
            return Err("events must name at least one event (omit it for all)".into());
        }
        let mut events = raw
            .iter()
            .map(|name| {
                WebhookEvent::parse(name.trim()).ok_or_else(|| {
                    format!(
                        "unknown event {name:?}; known events: {}",
                        WebhookEvent::ALL.map(WebhookEvent::as_str).join(", ")
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        events.sort();
        events.dedup();
        Ok(events)
    }
}

/// An `https` URL with a public host: no credentials, no fragment, not `localhost` and not
/// a loopback, private, link-local or otherwise non-public IP literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<WebhookUrl, String> {
        let raw = raw.trim();
        if raw.len() > URL_MAX_LEN {
            return Err(format!("url must be at most {URL_MAX_LEN} characters"));
        }
        let url = Url::parse(raw).map_err(|e| format!("url is not a valid URL: {e}"))?;
        if url.scheme() != "https" {
            return Err("url must use https".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("url must not carry credentials".into());
        }
        if url.fragment().is_some() {
            return Err("url must not have a fragment".into());
        }
        if url.port() == Some(0) {
            return Err("url must not name port 0".into());
        }
        match url.host() {
            None => return Err("url must name a host".into()),
            Some(Host::Domain(domain)) => {
                let domain = domain.trim_end_matches('.');
                if domain == "localhost" || domain.ends_with(".localhost") || !domain.contains('.')
                {
                    return Err("url must name a public host".into());
                }
            }
            Some(Host::Ipv4(ip)) => {
                if !is_public(IpAddr::V4(ip)) {
                    return Err("url must not point at a private or local address".into());
                }
            }
            Some(Host::Ipv6(ip)) => {
                if !is_public(IpAddr::V6(ip)) {
                    return Err("url must not point at a private or local address".into());
                }
            }
        }
        Ok(WebhookUrl(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b); // 100.64.0.0/10, carrier-grade NAT
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || shared
        || a == 0
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    !(ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() || unique_local || link_local)
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_to_public_hosts_are_accepted() {
        assert_eq!(
            WebhookUrl::parse(" https://hooks.example.com/in?x=1 ")
                .unwrap()
                .as_str(),
            "https://hooks.example.com/in?x=1"
        );
        assert!(WebhookUrl::parse("https://hooks.example.com:8443/").is_ok());
        assert!(WebhookUrl::parse("https://93.184.216.34/hook").is_ok());
    }

    #[test]
    fn other_urls_are_refused() {
        for bad in [
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "hooks.example.com/in",
            "https://user:pass@hooks.example.com/",
            "https://user@hooks.example.com/",
            "https://localhost/hook",
            "https://api.localhost/hook",
            "https://intranet/hook",
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://172.16.0.1/hook",
            "https://192.168.1.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://hooks.example.com/#frag",
            "https://hooks.example.com:0/",
            "",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn events_default_to_all_and_must_be_known() {
        assert_eq!(WebhookEvent::parse_list(None).unwrap().len(), 6);
        let two = WebhookEvent::parse_list(Some(&[
            "member.removed".to_string(),
            "member.joined".to_string(),
            "member.joined".to_string(),
        ]))
        .unwrap();
        assert_eq!(
            two,
            vec![WebhookEvent::MemberJoined, WebhookEvent::MemberRemoved]
        );
        assert!(WebhookEvent::parse_list(Some(&[])).is_err());
        assert!(WebhookEvent::parse_list(Some(&["member.left".to_string()])).is_err());
    }
}
