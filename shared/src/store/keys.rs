//! Every key of the single table, in one place.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | user profile, plan, overrides, creation counter | `USER#{user_id}` | `PROFILE` |
//! | a user's membership (lists "my workspaces", strongly consistent) | `USER#{user_id}` | `WORKSPACE#{slug}` |
//! | workspace: name, settings, counters and limits | `WS#{slug}` | `META` |
//! | member of a workspace | `WS#{slug}` | `MEMBER#{user_id}` |
//! | a member's email, so "already a member" is one conditional write (I2) | `WS#{slug}` | `MEMBER_EMAIL#{email}` |
//! | invitation (id: UUIDv7, so the list runs oldest first) | `WS#{slug}` | `INVITATION#{id}` |
//! | the address of a pending invitation, so "already invited" is one conditional write (I2) | `WS#{slug}` | `INVITEE#{email}` |
//! | audit entry of a workspace | `WS#{slug}` | `AUDIT#{event}#{subject}` |
//! | custom domain of a workspace (the key makes it unique there) | `WS#{slug}` | `DOMAIN#{domain}` |
//! | webhook | `WS#{slug}` | `WEBHOOK#{id}` |
//! | file record (counts against storage) | `WS#{slug}` | `FILE#{id}` |
//! | ticket | `WS#{slug}` | `TICKET#{id}` |
//! | record of a removal (triggers `member-removed`; expires) | `WS#{slug}` | `REMOVAL#{user_id}#{removed_at}` |

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::{Hostname, Slug, TicketId};

pub const PROFILE: &str = "PROFILE";
pub const META: &str = "META";
pub const MEMBERSHIP_PREFIX: &str = "WORKSPACE#";
pub const MEMBER_PREFIX: &str = "MEMBER#";
pub const MEMBER_EMAIL_PREFIX: &str = "MEMBER_EMAIL#";
pub const INVITATION_PREFIX: &str = "INVITATION#";
pub const INVITEE_PREFIX: &str = "INVITEE#";
pub const AUDIT_PREFIX: &str = "AUDIT#";
pub const DOMAIN_PREFIX: &str = "DOMAIN#";
pub const WEBHOOK_PREFIX: &str = "WEBHOOK#";
pub const FILE_PREFIX: &str = "FILE#";
pub const TICKET_PREFIX: &str = "TICKET#";
pub const REMOVAL_PREFIX: &str = "REMOVAL#";

/// A primary key: partition and sort key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn to_map(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_string(), AttributeValue::S(self.pk.clone())),
            ("sk".to_string(), AttributeValue::S(self.sk.clone())),
        ])
    }
}

pub fn user_partition(user_id: &str) -> String {
    format!("USER#{user_id}")
}

pub fn workspace_partition(slug: &Slug) -> String {
    format!("WS#{slug}")
}

pub fn user(user_id: &str) -> Key {
    Key {
        pk: user_partition(user_id),
        sk: PROFILE.into(),
    }
}

pub fn membership(user_id: &str, slug: &Slug) -> Key {
    Key {
        pk: user_partition(user_id),
        sk: format!("{MEMBERSHIP_PREFIX}{slug}"),
    }
}

pub fn workspace(slug: &Slug) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: META.into(),
    }
}

pub fn member(slug: &Slug, user_id: &str) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: format!("{MEMBER_PREFIX}{user_id}"),
    }
}

pub fn member_email(slug: &Slug, email: &str) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: format!("{MEMBER_EMAIL_PREFIX}{email}"),
    }
}

pub fn invitation(slug: &Slug, id: &str) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: format!("{INVITATION_PREFIX}{id}"),
    }
}

pub fn invitee(slug: &Slug, email: &str) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: format!("{INVITEE_PREFIX}{email}"),
    }
}

/// One audit entry per event and subject, so writing it twice is writing it once.
pub fn audit(slug: &Slug, event: &str, subject: &str) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: format!("{AUDIT_PREFIX}{event}#{subject}"),
    }
}

pub fn domain(slug: &Slug, domain: &Hostname) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: format!("{DOMAIN_PREFIX}{domain}"),
    }
}

pub fn webhook(slug: &Slug, id: &str) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: format!("{WEBHOOK_PREFIX}{id}"),
    }
}

pub fn file(slug: &Slug, id: &str) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: format!("{FILE_PREFIX}{id}"),
    }
}

pub fn ticket(slug: &Slug, id: &TicketId) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: format!("{TICKET_PREFIX}{id}"),
    }
}

pub fn removal(slug: &Slug, user_id: &str, removed_at: &str) -> Key {
    Key {
        pk: workspace_partition(slug),
        sk: format!("{REMOVAL_PREFIX}{user_id}#{removed_at}"),
    }
}
