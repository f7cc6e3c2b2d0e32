//! Every key of the single table, in one place.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | user profile, plan, overrides, creation counter | `USER#{user_id}` | `PROFILE` |
//! | a user's membership (lists "my workspaces", strongly consistent) | `USER#{user_id}` | `WORKSPACE#{slug}` |
//! | workspace: name, settings, counters and limits | `WS#{slug}` | `META` |
//! | member of a workspace | `WS#{slug}` | `MEMBER#{user_id}` |
//! | ticket | `WS#{slug}` | `TICKET#{id}` |
//! | record of a removal (triggers `member-removed`; expires) | `WS#{slug}` | `REMOVAL#{user_id}#{removed_at}` |

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::{Slug, TicketId};

pub const PROFILE: &str = "PROFILE";
pub const META: &str = "META";
pub const MEMBERSHIP_PREFIX: &str = "WORKSPACE#";
pub const MEMBER_PREFIX: &str = "MEMBER#";
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
