//! Plans and the limits they give; per-user overrides from operators.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    #[default]
    Lite,
    Pro,
    Business,
}

impl Plan {
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Lite => "lite",
            Plan::Pro => "pro",
            Plan::Business => "business",
        }
    }

    /// The limits table of DESIGN.md.
    pub fn limits(self) -> Limits {
        const MIB: u64 = 1024 * 1024;
        match self {
            Plan::Lite => Limits {
                workspaces: 1,
                members: 2,
                domains: 1,
                storage_bytes: 500 * MIB,
                webhooks: 0,
            },
            Plan::Pro => Limits {
                workspaces: 2,
                members: 5,
                domains: 2,
                storage_bytes: 1024 * MIB,
                webhooks: 5,
            },
            Plan::Business => Limits {
                workspaces: 3,
                members: 20,
                domains: 3,
                storage_bytes: 2048 * MIB,
                webhooks: 10,
            },
        }
    }
}

/// Every limited resource, named as in problem bodies (`resource`) and in `usage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Workspaces,
    Members,
    Domains,
    StorageBytes,
    Webhooks,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Workspaces => "workspaces",
            Resource::Members => "members",
            Resource::Domains => "domains",
            Resource::StorageBytes => "storage_bytes",
            Resource::Webhooks => "webhooks",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub workspaces: u64,
    pub members: u64,
    pub domains: u64,
    pub storage_bytes: u64,
    pub webhooks: u64,
}

/// Operator overrides of a user's plan limits; `None` means "as the plan says".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspaces: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhooks: Option<u64>,
}

impl Limits {
    /// The limits a user actually has: the plan's, with each override taking precedence.
    pub fn effective(plan: Plan, overrides: &LimitOverrides) -> Limits {
        let base = plan.limits();
        Limits {
            workspaces: overrides.workspaces.unwrap_or(base.workspaces),
            members: overrides.members.unwrap_or(base.members),
            domains: overrides.domains.unwrap_or(base.domains),
            storage_bytes: overrides.storage_bytes.unwrap_or(base.storage_bytes),
            webhooks: overrides.webhooks.unwrap_or(base.webhooks),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w3_new_users_are_on_lite_with_one_workspace() {
        assert_eq!(Plan::default(), Plan::Lite);
        assert_eq!(Plan::Lite.limits().workspaces, 1);
        assert_eq!(Plan::Pro.limits().workspaces, 2);
        assert_eq!(Plan::Business.limits().workspaces, 3);
    }

    #[test]
    fn w3_overrides_take_precedence_over_the_plan() {
        let overrides = LimitOverrides {
            workspaces: Some(7),
            webhooks: Some(0),
            ..Default::default()
        };
        let limits = Limits::effective(Plan::Pro, &overrides);
        assert_eq!(limits.workspaces, 7);
        assert_eq!(limits.webhooks, 0);
        assert_eq!(limits.members, 5);
    }
}
