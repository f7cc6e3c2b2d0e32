//! The items of the table as Rust types (converted with `serde_dynamo`); stream images decode
//! into the same types. `kind` names the entity so stream filters can select it.

use serde::{Deserialize, Serialize};

use crate::domain::{
    EmailStatus, InvitationStatus, LimitOverrides, Limits, Plan, Role, TicketStatus, WebhookEvent,
};

/// Counter and limit attribute names, used in condition and update expressions.
pub mod attr {
    pub const MEMBERS_USED: &str = "members_used";
    pub const MEMBERS_LIMIT: &str = "members_limit";
    pub const DOMAINS_USED: &str = "domains_used";
    pub const DOMAINS_LIMIT: &str = "domains_limit";
    pub const STORAGE_USED: &str = "storage_used_bytes";
    pub const STORAGE_LIMIT: &str = "storage_limit_bytes";
    pub const WEBHOOKS_USED: &str = "webhooks_used";
    pub const WEBHOOKS_LIMIT: &str = "webhooks_limit";
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UserItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub user_id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub plan: Plan,
    // Operator overrides, one attribute each (`None`: as the plan says). Not a nested map:
    // DynamoDB Local's stream renders an empty map as `{}`, which no SDK can parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_workspaces: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_members: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_domains: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_storage_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_webhooks: Option<u64>,
    /// Workspaces this user created and has not deleted (W3).
    #[serde(default)]
    pub workspaces_created: u64,
    /// Proven by accepting an invitation sent to that address (I6).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub email_verified: bool,
    /// Bumped by every change to plan, overrides or created workspaces; writes that depend
    /// on the limits they read are conditioned on it.
    #[serde(default)]
    pub version: u64,
}

impl UserItem {
    pub fn overrides(&self) -> LimitOverrides {
        LimitOverrides {
            workspaces: self.override_workspaces,
            members: self.override_members,
            domains: self.override_domains,
            storage_bytes: self.override_storage_bytes,
            webhooks: self.override_webhooks,
        }
    }

    pub fn limits(&self) -> Limits {
        Limits::effective(self.plan, &self.overrides())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WorkspaceItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub slug: String,
    #[serde(default)]
    pub name: String,
    /// The settings object as JSON text: any JSON the client sends survives unchanged
    /// (DynamoDB maps limit nesting and number precision).
    #[serde(default)]
    pub settings: String,
    pub creator_id: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub version: u64,
    /// Set when the creator deletes the workspace; the slug stays reserved for good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// Members plus pending invitations: every held seat.
    #[serde(default)]
    pub members_used: u64,
    #[serde(default)]
    pub members_limit: u64,
    #[serde(default)]
    pub domains_used: u64,
    #[serde(default)]
    pub domains_limit: u64,
    #[serde(default)]
    pub storage_used_bytes: u64,
    #[serde(default)]
    pub storage_limit_bytes: u64,
    #[serde(default)]
    pub webhooks_used: u64,
    #[serde(default)]
    pub webhooks_limit: u64,
}

impl WorkspaceItem {
    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none()
    }

    pub fn settings_value(&self) -> serde_json::Value {
        serde_json::from_str(&self.settings)
            .unwrap_or_else(|_| serde_json::Value::Object(Default::default()))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub slug: String,
    pub user_id: String,
    #[serde(default)]
    pub email: Option<String>,
    pub role: Role,
    pub joined_at: String,
    /// The billing owner (R3): always an owner, cannot be removed, demoted or leave.
    #[serde(default)]
    pub is_creator: bool,
}

/// The user-side copy of a membership, so "my workspaces" is one strongly consistent query.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MembershipItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub slug: String,
    pub user_id: String,
    pub role: Role,
    pub joined_at: String,
    #[serde(default)]
    pub is_creator: bool,
}

/// Marks an address as a member's (I2): written and deleted with the membership.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberEmailItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub email: String,
    pub user_id: String,
}

/// An invitation. While `pending` it holds a seat (`members_used` of the workspace) and its
/// address is marked by an [`InviteeItem`]; every status change away from pending releases
/// both in the same transaction (acceptance hands the seat to the new member).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InvitationItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub slug: String,
    pub id: String,
    /// Lower-cased (I1).
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    /// The inviting owner's user id, email and the workspace's name at invitation time
    /// (the preview and the emails show them).
    pub invited_by: String,
    #[serde(default)]
    pub inviter_email: Option<String>,
    #[serde(default)]
    pub workspace_name: String,
    /// Hex SHA-256 of the current token; a resend replaces it (the old link is then 410).
    pub token_hash: String,
    pub created_at: String,
    /// When the inviter sent it, to the microsecond (fixed width, compares as text with a
    /// removal's time: M3 cancels only what a removed member sent before the removal).
    #[serde(default)]
    pub sent_at: String,
    /// RFC 3339 and epoch seconds of the same instant: the API shows the first, conditions
    /// compare the second.
    pub expires_at: String,
    pub expires_at_epoch: i64,
    pub email_status: EmailStatus,
    /// Epoch seconds of each email sent within the last 24 h (I8). Never empty.
    #[serde(default)]
    pub sends: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// DynamoDB TTL, for clean-up only: set well after the invitation stops mattering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_at: Option<i64>,
}

/// Marks an address as invited while its invitation is pending (I2).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InviteeItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub email: String,
    pub invitation_id: String,
}

/// An audit entry in the workspace's partition.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub event: String,
    pub at: String,
    /// Who did it and to whom/what.
    pub actor_id: String,
    pub subject: String,
    pub detail: String,
    /// Set once the notification email for this entry went out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified_at: Option<String>,
}

/// A custom domain of a workspace; its sort key holds the domain, so it is unique there.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DomainItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub slug: String,
    pub domain: String,
    pub created_by: String,
    pub created_at: String,
}

/// A webhook. `secret` signs deliveries; it leaves the service only in the create answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WebhookItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub slug: String,
    pub id: String,
    pub url: String,
    /// Never empty (no subscription means every event).
    pub events: Vec<WebhookEvent>,
    pub secret: String,
    pub created_by: String,
    pub created_at: String,
}

/// A file record; `size_bytes` is its share of the workspace's storage.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub slug: String,
    pub id: String,
    pub name: String,
    pub size_bytes: u64,
    pub content_type: String,
    pub uploaded_by: String,
    pub created_at: String,
}

/// A ticket (X1). `assigned_at` goes with `assignee_id`: the `member-removed` consumer only
/// clears assignments made before the removal (the user may have rejoined since).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TicketItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub slug: String,
    pub id: String,
    pub subject: String,
    pub status: TicketStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// Bumped by every update through the API; updates are conditioned on it.
    #[serde(default)]
    pub version: u64,
}

/// Written in the same transaction that removes a member; its INSERT on the stream triggers
/// the `member-removed` consumer, and it carries what the consumer needs. Expires by TTL.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberRemovalItem {
    pub pk: String,
    pub sk: String,
    pub kind: String,
    pub slug: String,
    pub user_id: String,
    pub role: Role,
    /// Who removed them (the user themselves when they left).
    pub removed_by: String,
    /// RFC 3339 with microseconds, comparable as text with `assigned_at`.
    pub removed_at: String,
    /// Epoch seconds; DynamoDB's TTL deletes the record after this.
    pub expire_at: i64,
}

pub mod kind {
    pub const USER: &str = "user";
    pub const WORKSPACE: &str = "workspace";
    pub const MEMBER: &str = "member";
    pub const MEMBERSHIP: &str = "membership";
    pub const MEMBER_EMAIL: &str = "member_email";
    pub const INVITATION: &str = "invitation";
    pub const INVITEE: &str = "invitee";
    pub const AUDIT: &str = "audit";
    pub const DOMAIN: &str = "domain";
    pub const WEBHOOK: &str = "webhook";
    pub const FILE: &str = "file";
    pub const TICKET: &str = "ticket";
    pub const MEMBER_REMOVAL: &str = "member_removal";
}
