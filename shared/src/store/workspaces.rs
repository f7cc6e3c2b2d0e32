//! Workspaces: create within quota, read as a member, list mine, update as an owner, delete
//! as the creator.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Get, KeysAndAttributes, Put, ReturnValuesOnConditionCheckFailure,
    TransactGetItem, TransactWriteItem, Update,
};
use serde_json::{Map, Value};

use super::items::{MemberEmailItem, MemberItem, MembershipItem, UserItem, WorkspaceItem, kind};
use super::transact::backoff;
use super::{Item, Store, TxOutcome, from_item, keys, n, now_rfc3339, s, sdk_error, to_item};
use crate::domain::slug::SlugSource;
use crate::domain::workspace::WorkspaceName;
use crate::domain::{Plan, Resource, Role, Slug};
use crate::error::ApiError;
use crate::http::page::{Page, PageRequest};
use crate::identity::Caller;

/// How many times creation is tried when a slug collides or the user's item moved under it.
const CREATE_ATTEMPTS: u32 = 30;
/// Read-then-conditional-write loops (settings merge) give up after this many lost races.
const UPDATE_ATTEMPTS: u32 = 8;

pub struct NewWorkspace {
    pub name: WorkspaceName,
    pub settings: Map<String, Value>,
}

/// What an owner may change; `None` leaves a field as it is.
#[derive(Default)]
pub struct WorkspacePatch {
    pub name: Option<WorkspaceName>,
    /// A JSON merge patch applied to the stored settings.
    pub settings: Option<Map<String, Value>>,
}

/// A workspace as one of its members sees it.
#[derive(Clone, Debug)]
pub struct WorkspaceWithRole {
    pub workspace: WorkspaceItem,
    pub role: Role,
    pub is_creator: bool,
}

/// The marker that makes an address a member's (I2).
/// Both copies of a new membership (the workspace's member item and the user's own copy),
/// joined now. Joined-at is stamped to the microsecond: the member-removed consumer compares
/// it with assignment and invitation times.
pub fn membership_items(
    slug: &Slug,
    user_id: &str,
    email: Option<String>,
    role: Role,
    is_creator: bool,
) -> (MemberItem, MembershipItem) {
    let joined_at = super::now_rfc3339_micros();
    let member_key = keys::member(slug, user_id);
    let member = MemberItem {
        pk: member_key.pk,
        sk: member_key.sk,
        kind: kind::MEMBER.into(),
        slug: slug.to_string(),
        user_id: user_id.to_string(),
        email,
        role,
        joined_at: joined_at.clone(),
        is_creator,
    };
    let membership_key = keys::membership(user_id, slug);
    let membership = MembershipItem {
        pk: membership_key.pk,
        sk: membership_key.sk,
        kind: kind::MEMBERSHIP.into(),
        slug: slug.to_string(),
        user_id: user_id.to_string(),
        role,
        joined_at,
        is_creator,
    };
    (member, membership)
}

pub(crate) fn member_email_item(slug: &Slug, email: &str, user_id: &str) -> MemberEmailItem {
    let key = keys::member_email(slug, email);
    MemberEmailItem {
        pk: key.pk,
        sk: key.sk,
        kind: kind::MEMBER_EMAIL.into(),
        email: email.to_string(),
        user_id: user_id.to_string(),
    }
}

pub(crate) fn all_old() -> ReturnValuesOnConditionCheckFailure {
    ReturnValuesOnConditionCheckFailure::AllOld
}

pub(crate) fn built<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, ApiError> {
    result.map_err(ApiError::internal)
}

impl Store {
    /// W1–W3: creates the workspace, its owner membership (both sides) and counts it against
    /// the creator's limit, in one transaction conditioned on the user's item being exactly
    /// as read (plan, overrides, count) and on the count being below the limit.
    pub async fn create_workspace(
        &self,
        caller: &Caller,
        new: NewWorkspace,
        slugs: &dyn SlugSource,
    ) -> Result<WorkspaceWithRole, ApiError> {
        let settings = Value::Object(new.settings).to_string();
        for attempt in 0..CREATE_ATTEMPTS {
            let user = self.get_user(&caller.user_id).await?;
            let (limits, created, version) = match &user {
                Some(user) => (user.limits(), user.workspaces_created, Some(user.version)),
                None => (Plan::default().limits(), 0, None),
            };
            if created >= limits.workspaces {
                return Err(ApiError::QuotaExceeded {
                    resource: Resource::Workspaces,
                    limit: limits.workspaces,
                    used: created,
                });
            }
            let slug = slugs.next_slug();
            let now = now_rfc3339();
            let workspace = WorkspaceItem {
                pk: keys::workspace(&slug).pk,
                sk: keys::META.into(),
                kind: kind::WORKSPACE.into(),
                slug: slug.to_string(),
                name: new.name.as_str().to_string(),
                settings: settings.clone(),
                creator_id: caller.user_id.clone(),
                created_at: now.clone(),
                version: 1,
                deleted_at: None,
                members_used: 1,
                members_limit: limits.members,
                domains_used: 0,
                domains_limit: limits.domains,
                storage_used_bytes: 0,
                storage_limit_bytes: limits.storage_bytes,
                webhooks_used: 0,
                webhooks_limit: limits.webhooks,
            };
            let (member, membership) = membership_items(
                &slug,
                &caller.user_id,
                caller.email.as_ref().map(|e| e.to_string()),
                Role::Owner,
                true,
            );

            let mut count_creation = Update::builder()
                .table_name(&self.table)
                .set_key(Some(keys::user(&caller.user_id).to_map()))
                .update_expression(
                    "SET #kind = :kind, user_id = :uid, #plan = if_not_exists(#plan, :lite), \
                     workspaces_created = if_not_exists(workspaces_created, :zero) + :one, \
                     #version = if_not_exists(#version, :zero) + :one",
                )
                .expression_attribute_names("#kind", "kind")
                .expression_attribute_names("#plan", "plan")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":kind", s(kind::USER))
                .expression_attribute_values(":uid", s(&caller.user_id))
                .expression_attribute_values(":lite", s(Plan::Lite.as_str()))
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":one", n(1))
                .return_values_on_condition_check_failure(all_old());
            count_creation = match version {
                None => count_creation.condition_expression("attribute_not_exists(pk)"),
                Some(version) => count_creation
                    .condition_expression("#version = :version AND workspaces_created < :limit")
                    .expression_attribute_values(":version", n(version))
                    .expression_attribute_values(":limit", n(limits.workspaces)),
            };
            let mut actions = vec![
                TransactWriteItem::builder()
                    .update(built(count_creation.build())?)
                    .build(),
                TransactWriteItem::builder()
                    .put(built(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(to_item(&workspace)?))
                            .condition_expression("attribute_not_exists(pk)")
                            .build(),
                    )?)
                    .build(),
                TransactWriteItem::builder()
                    .put(built(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(to_item(&member)?))
                            .build(),
                    )?)
                    .build(),
                TransactWriteItem::builder()
                    .put(built(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(to_item(&membership)?))
                            .build(),
                    )?)
                    .build(),
            ];
            // The creator's address is a member's from the start (I2: inviting it is 409).
            if let Some(email) = &caller.email {
                let marker = member_email_item(&slug, email.as_str(), &caller.user_id);
                actions.push(
                    TransactWriteItem::builder()
                        .put(built(
                            Put::builder()
                                .table_name(&self.table)
                                .set_item(Some(to_item(&marker)?))
                                .build(),
                        )?)
                        .build(),
                );
            }
            match self.transact(actions).await? {
                TxOutcome::Committed => {
                    return Ok(WorkspaceWithRole {
                        workspace,
                        role: Role::Owner,
                        is_creator: true,
                    });
                }
                TxOutcome::Cancelled(reasons) => {
                    if reasons.first().is_some_and(|r| r.condition_failed()) {
                        // The user's item changed since it was read: a concurrent creation,
                        // deletion or plan change. Full means 429; anything else, read again.
                        if let Some(current) = reasons[0]
                            .item
                            .clone()
                            .map(from_item::<UserItem>)
                            .transpose()?
                        {
                            let limit = current.limits().workspaces;
                            if current.workspaces_created >= limit {
                                return Err(ApiError::QuotaExceeded {
                                    resource: Resource::Workspaces,
                                    limit,
                                    used: current.workspaces_created,
                                });
                            }
                        }
                    } else if reasons.get(1).is_some_and(|r| r.condition_failed()) {
                        tracing::info!(attempt, "slug collision; drawing another");
                    } else {
                        return Err(ApiError::internal(format!(
                            "create workspace cancelled unexpectedly: {reasons:?}"
                        )));
                    }
                    backoff(attempt.min(5)).await;
                }
            }
        }
        Err(ApiError::conflict(
            "concurrent_modification",
            "too many concurrent changes; retry the request",
        ))
    }

    /// W5: the workspace and the caller's role in it, in one strongly consistent round trip;
    /// 404 for a non-member or a deleted workspace.
    pub async fn workspace_for_member(
        &self,
        slug: &Slug,
        user_id: &str,
    ) -> Result<WorkspaceWithRole, ApiError> {
        Ok(self.workspace_and_item(slug, user_id, None).await?.0)
    }

    /// The caller's view of the workspace (404 for non-members and deleted workspaces) and,
    /// in the same strongly consistent round trip, one more item of it (`None`: not there).
    pub(crate) async fn workspace_and_item(
        &self,
        slug: &Slug,
        user_id: &str,
        other: Option<&keys::Key>,
    ) -> Result<(WorkspaceWithRole, Option<Item>), ApiError> {
        let get = |key: &keys::Key| -> Result<TransactGetItem, ApiError> {
            let get = Get::builder()
                .table_name(&self.table)
                .set_key(Some(key.to_map()))
                .build();
            Ok(TransactGetItem::builder().get(built(get)?).build())
        };
        let mut request = self
            .client
            .transact_get_items()
            .transact_items(get(&keys::member(slug, user_id))?)
            .transact_items(get(&keys::workspace(slug))?);
        if let Some(other) = other {
            request = request.transact_items(get(other)?);
        }
        let output = request
            .send()
            .await
            .map_err(|e| sdk_error("TransactGetItems", e))?;
        let mut responses = output
            .responses
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.item);
        let (member, workspace, other) = (
            responses.next().flatten(),
            responses.next().flatten(),
            responses.next().flatten(),
        );
        let (Some(member), Some(workspace)) = (member, workspace) else {
            return Err(ApiError::workspace_not_found());
        };
        let member: MemberItem = from_item(member)?;
        let workspace: WorkspaceItem = from_item(workspace)?;
        if !workspace.is_live() {
            return Err(ApiError::workspace_not_found());
        }
        let view = WorkspaceWithRole {
            workspace,
            role: member.role,
            is_creator: member.is_creator,
        };
        Ok((view, other))
    }

    /// W4: every workspace the user belongs to, from the user's own partition (strongly
    /// consistent query), completed with the workspaces' items (strongly consistent batch get).
    pub async fn list_workspaces(
        &self,
        user_id: &str,
        page: &PageRequest,
    ) -> Result<Page<WorkspaceWithRole>, ApiError> {
        let Page {
            items: memberships,
            next_cursor,
        } = self
            .query_page::<MembershipItem>(
                &keys::user_partition(user_id),
                keys::MEMBERSHIP_PREFIX,
                page,
            )
            .await?;

        let slugs: Vec<Slug> = memberships
            .iter()
            .filter_map(|m| Slug::parse(&m.slug))
            .collect();
        let mut workspaces = self.batch_get_workspaces(&slugs).await?;
        let items = memberships
            .into_iter()
            .filter_map(|membership| {
                let workspace = workspaces.remove(&membership.slug)?;
                workspace.is_live().then_some(WorkspaceWithRole {
                    workspace,
                    role: membership.role,
                    is_creator: membership.is_creator,
                })
            })
            .collect();
        Ok(Page { items, next_cursor })
    }

    async fn batch_get_workspaces(
        &self,
        slugs: &[Slug],
    ) -> Result<HashMap<String, WorkspaceItem>, ApiError> {
        let mut found = HashMap::new();
        if slugs.is_empty() {
            return Ok(found);
        }
        let mut pending: Vec<Item> = slugs
            .iter()
            .map(|slug| keys::workspace(slug).to_map())
            .collect();
        let mut attempt = 0;
        while !pending.is_empty() {
            let request = built(
                KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .build(),
            )?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| sdk_error("BatchGetItem", e))?;
            for item in output
                .responses
                .unwrap_or_default()
                .remove(&self.table)
                .unwrap_or_default()
            {
                let workspace: WorkspaceItem = from_item(item)?;
                found.insert(workspace.slug.clone(), workspace);
            }
            pending = output
                .unprocessed_keys
                .unwrap_or_default()
                .remove(&self.table)
                .map(|unprocessed| unprocessed.keys)
                .unwrap_or_default();
            if !pending.is_empty() {
                backoff(attempt).await;
                attempt += 1;
            }
        }
        Ok(found)
    }

    /// R2: owners change the name and merge settings. The write is conditioned on the
    /// caller still being an owner and on the workspace being unchanged since it was read.
    pub async fn update_workspace(
        &self,
        slug: &Slug,
        caller: &Caller,
        patch: WorkspacePatch,
        max_settings_bytes: usize,
    ) -> Result<WorkspaceWithRole, ApiError> {
        for attempt in 0..UPDATE_ATTEMPTS {
            let mut current = self.workspace_for_member(slug, &caller.user_id).await?;
            if current.role != Role::Owner {
                return Err(ApiError::forbidden(
                    "owner_only",
                    "only owners can change the workspace",
                ));
            }
            if patch.name.is_none() && patch.settings.is_none() {
                return Ok(current);
            }
            let workspace = &mut current.workspace;
            if let Some(name) = &patch.name {
                workspace.name = name.as_str().to_string();
            }
            if let Some(settings_patch) = &patch.settings {
                let mut settings = match workspace.settings_value() {
                    Value::Object(map) => map,
                    _ => Map::new(),
                };
                crate::domain::workspace::merge_settings(&mut settings, settings_patch);
                let text = Value::Object(settings).to_string();
                if text.len() > max_settings_bytes {
                    return Err(ApiError::bad_request(
                        "settings_too_large",
                        format!(
                            "settings would take {} bytes; the limit is {max_settings_bytes}",
                            text.len()
                        ),
                    ));
                }
                workspace.settings = text;
            }
            let read_version = workspace.version;
            workspace.version += 1;

            let write = Update::builder()
                .table_name(&self.table)
                .set_key(Some(keys::workspace(slug).to_map()))
                .update_expression("SET #name = :name, settings = :settings, #version = :next")
                .condition_expression("#version = :read AND attribute_not_exists(deleted_at)")
                .expression_attribute_names("#version", "version")
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":name", s(&workspace.name))
                .expression_attribute_values(":settings", s(&workspace.settings))
                .expression_attribute_values(":next", n(workspace.version))
                .expression_attribute_values(":read", n(read_version))
                .build();
            let actions = vec![
                self.owner_check(slug, &caller.user_id)?,
                TransactWriteItem::builder().update(built(write)?).build(),
            ];
            match self.transact(actions).await? {
                TxOutcome::Committed => return Ok(current),
                // Demoted, removed, deleted or edited concurrently: read again and decide anew.
                TxOutcome::Cancelled(_) => backoff(attempt.min(3)).await,
            }
        }
        Err(ApiError::conflict(
            "concurrent_modification",
            "too many concurrent changes; retry the request",
        ))
    }

    /// Only the creator deletes. The workspace item becomes a tombstone (its slug is never
    /// reused), the creator's slot is freed, and everyone loses access at once because every
    /// workspace read and write checks the tombstone. The `workspace-deleted` stream
    /// consumer then removes the rest of the workspace's items.
    pub async fn delete_workspace(&self, slug: &Slug, caller: &Caller) -> Result<(), ApiError> {
        let now = now_rfc3339();
        let is_member = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(keys::member(slug, &caller.user_id).to_map()))
            .condition_expression("attribute_exists(pk)")
            .build();
        let tombstone = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::workspace(slug).to_map()))
            .update_expression("SET deleted_at = :now, #version = #version + :one")
            .expression_attribute_names("#version", "version")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(deleted_at) AND creator_id = :uid",
            )
            .expression_attribute_values(":now", s(&now))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":uid", s(&caller.user_id))
            .return_values_on_condition_check_failure(all_old())
            .build();
        let free_slot = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::user(&caller.user_id).to_map()))
            .update_expression(
                "SET workspaces_created = workspaces_created - :one, #version = #version + :one",
            )
            .expression_attribute_names("#version", "version")
            .condition_expression("workspaces_created >= :one")
            .expression_attribute_values(":one", n(1))
            .build();
        let drop_membership = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(keys::membership(&caller.user_id, slug).to_map()))
            .build();
        let actions = vec![
            TransactWriteItem::builder()
                .condition_check(built(is_member)?)
                .build(),
            TransactWriteItem::builder()
                .update(built(tombstone)?)
                .build(),
            TransactWriteItem::builder()
                .update(built(free_slot)?)
                .build(),
            TransactWriteItem::builder()
                .delete(built(drop_membership)?)
                .build(),
        ];
        match self.transact(actions).await? {
            TxOutcome::Committed => Ok(()),
            TxOutcome::Cancelled(reasons) => {
                if reasons[0].condition_failed() {
                    return Err(ApiError::workspace_not_found());
                }
                if reasons[1].condition_failed() {
                    let workspace = reasons[1]
                        .item
                        .clone()
                        .map(from_item::<WorkspaceItem>)
                        .transpose()?;
                    return match workspace {
                        Some(workspace) if workspace.is_live() => Err(ApiError::forbidden(
                            "creator_only",
                            "only the creator of a workspace can delete it",
                        )),
                        _ => Err(ApiError::workspace_not_found()),
                    };
                }
                Err(ApiError::internal(format!(
                    "delete workspace cancelled unexpectedly: {reasons:?}"
                )))
            }
        }
    }
}
