//! The quota machinery shared by every counted resource of a workspace (domains, webhooks,
//! files): a create is one transaction of [role check, counter increment conditioned on the
//! limit, put]; a delete is one transaction of [role check, delete conditioned on existence,
//! counter decrement conditioned on not going below zero]. So the counters on the workspace
//! item always equal what the lists show, however many requests race.

use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use serde::de::DeserializeOwned;

use super::items::{MemberItem, UserItem, WorkspaceItem, attr};
use super::transact::backoff;
use super::{CancelReason, Item, Store, TxOutcome, from_item, keys, n, s};
use crate::domain::{Plan, Resource, Role, Slug};
use crate::error::ApiError;
use crate::http::page::{Page, PageRequest};

/// Storage creates read the limit first (conditions cannot add); they retry when it moved.
const SIZED_ATTEMPTS: u32 = 8;

/// A counter and its limit on the workspace item.
#[derive(Clone, Copy, Debug)]
pub struct Counter {
    pub resource: Resource,
    pub used: &'static str,
    pub limit: &'static str,
}

pub const DOMAINS: Counter = Counter {
    resource: Resource::Domains,
    used: attr::DOMAINS_USED,
    limit: attr::DOMAINS_LIMIT,
};
pub const WEBHOOKS: Counter = Counter {
    resource: Resource::Webhooks,
    used: attr::WEBHOOKS_USED,
    limit: attr::WEBHOOKS_LIMIT,
};
pub const STORAGE: Counter = Counter {
    resource: Resource::StorageBytes,
    used: attr::STORAGE_USED,
    limit: attr::STORAGE_LIMIT,
};

impl Counter {
    fn read(&self, workspace: &WorkspaceItem) -> (u64, u64) {
        match self.resource {
            Resource::Domains => (workspace.domains_used, workspace.domains_limit),
            Resource::Webhooks => (workspace.webhooks_used, workspace.webhooks_limit),
            Resource::StorageBytes => (workspace.storage_used_bytes, workspace.storage_limit_bytes),
            Resource::Members => (workspace.members_used, workspace.members_limit),
            Resource::Workspaces => (0, 0),
        }
    }

    fn exceeded(&self, workspace: &WorkspaceItem) -> ApiError {
        let (used, limit) = self.read(workspace);
        ApiError::QuotaExceeded {
            resource: self.resource,
            limit,
            used,
        }
    }
}

/// An item's share of a counter: what deleting the item at `key` frees.
#[derive(Clone, Debug)]
pub struct Share {
    pub counter: Counter,
    pub key: keys::Key,
    pub amount: u64,
}

/// The role an action needs in the workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Member,
    Owner,
}

fn owner_only() -> ApiError {
    ApiError::forbidden("owner_only", "only owners of the workspace can do this")
}

/// What the usage endpoint answers: the creator's plan and the workspace's counters.
#[derive(Clone, Debug)]
pub struct Usage {
    pub plan: Plan,
    pub workspace: WorkspaceItem,
    /// Seats that `members_used` still holds for pending invitations past their expiry (freed
    /// by the next transaction that needs them; no longer in use).
    pub lapsed_seats: u64,
}

impl Usage {
    /// Members plus pending invitations that are still live: what the lists show.
    pub fn members_used(&self) -> u64 {
        self.workspace
            .members_used
            .saturating_sub(self.lapsed_seats)
    }
}

fn built<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, ApiError> {
    result.map_err(ApiError::internal)
}

fn decode<T: DeserializeOwned>(reason: &CancelReason) -> Result<Option<T>, ApiError> {
    reason.item.clone().map(from_item::<T>).transpose()
}

impl Store {
    /// The caller's membership as a transaction condition: the member item exists (and says
    /// owner, when owners are needed). On failure the item comes back to tell 404 from 403.
    fn role_check(
        &self,
        slug: &Slug,
        user_id: &str,
        need: Need,
    ) -> Result<TransactWriteItem, ApiError> {
        let mut check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(keys::member(slug, user_id).to_map()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        check = match need {
            Need::Member => check.condition_expression("attribute_exists(pk)"),
            Need::Owner => check
                .condition_expression("#role = :owner")
                .expression_attribute_names("#role", "role")
                .expression_attribute_values(":owner", s(Role::Owner.as_str())),
        };
        Ok(TransactWriteItem::builder()
            .condition_check(built(check.build())?)
            .build())
    }

    /// 404 for a non-member (existence is not revealed), 403 for a member who is not owner.
    fn explain_role(reason: &CancelReason) -> Result<ApiError, ApiError> {
        Ok(match decode::<MemberItem>(reason)? {
            None => ApiError::workspace_not_found(),
            Some(_) => owner_only(),
        })
    }

    /// The caller's role and the workspace, read consistently; 404/403 as `need` says.
    pub(crate) async fn workspace_as(
        &self,
        slug: &Slug,
        user_id: &str,
        need: Need,
    ) -> Result<WorkspaceItem, ApiError> {
        let view = self.workspace_for_member(slug, user_id).await?;
        if need == Need::Owner && view.role != Role::Owner {
            return Err(owner_only());
        }
        Ok(view.workspace)
    }

    /// One strongly consistent round trip: the caller's member item, the workspace item and
    /// the item at `key`. 404 for non-members and deleted workspaces; `None` when the item
    /// is not there.
    pub(crate) async fn item_in_workspace<T: DeserializeOwned>(
        &self,
        slug: &Slug,
        user_id: &str,
        need: Need,
        key: keys::Key,
    ) -> Result<Option<T>, ApiError> {
        let (view, item) = self.workspace_and_item(slug, user_id, Some(&key)).await?;
        if need == Need::Owner && view.role != Role::Owner {
            return Err(owner_only());
        }
        item.map(from_item).transpose()
    }

    /// Q1: puts `item` and counts it (+1) against `counter`, in one transaction with the role
    /// check. A full counter is 429 with the limit and usage as they were; a put whose key
    /// exists answers `duplicate`.
    pub(crate) async fn create_counted(
        &self,
        slug: &Slug,
        user_id: &str,
        need: Need,
        counter: Counter,
        item: Item,
        duplicate: impl FnOnce() -> ApiError,
    ) -> Result<(), ApiError> {
        let charge = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::workspace(slug).to_map()))
            .update_expression("SET #used = #used + :one")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(deleted_at) AND #used < #limit",
            )
            .expression_attribute_names("#used", counter.used)
            .expression_attribute_names("#limit", counter.limit)
            .expression_attribute_values(":one", n(1))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build();
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build();
        let actions = vec![
            self.role_check(slug, user_id, need)?,
            TransactWriteItem::builder().update(built(charge)?).build(),
            TransactWriteItem::builder().put(built(put)?).build(),
        ];
        match self.transact(actions).await? {
            TxOutcome::Committed => Ok(()),
            TxOutcome::Cancelled(reasons) => {
                if reasons[0].condition_failed() {
                    return Err(Self::explain_role(&reasons[0])?);
                }
                let workspace = if reasons[1].condition_failed() {
                    match decode::<WorkspaceItem>(&reasons[1])? {
                        Some(workspace) if workspace.is_live() => Some(workspace),
                        _ => return Err(ApiError::workspace_not_found()),
                    }
                } else {
                    None
                };
                // A duplicate is a 409 even when the workspace is full.
                if reasons[2].condition_failed() {
                    return Err(duplicate());
                }
                match workspace {
                    Some(workspace) => Err(counter.exceeded(&workspace)),
                    None => Err(ApiError::internal(format!(
                        "counted create cancelled unexpectedly: {reasons:?}"
                    ))),
                }
            }
        }
    }

    /// Q1/Q4 for "+N" (storage bytes). Conditions cannot add, so the limit and usage are read
    /// first and the increment is conditioned on `used <= limit - N` with the limit as read;
    /// when the limit moved meanwhile (an operator's change), it is read again.
    pub(crate) async fn create_sized(
        &self,
        slug: &Slug,
        user_id: &str,
        counter: Counter,
        amount: u64,
        item: Item,
    ) -> Result<(), ApiError> {
        for attempt in 0..SIZED_ATTEMPTS {
            let workspace = self.workspace_as(slug, user_id, Need::Member).await?;
            let (used, limit) = counter.read(&workspace);
            let Some(max_before) = limit.checked_sub(amount).filter(|max| used <= *max) else {
                return Err(counter.exceeded(&workspace));
            };
            let charge = Update::builder()
                .table_name(&self.table)
                .set_key(Some(keys::workspace(slug).to_map()))
                .update_expression("SET #used = #used + :amount")
                .condition_expression(
                    "attribute_exists(pk) AND attribute_not_exists(deleted_at) \
                     AND #used <= :max_before AND #limit = :limit_read",
                )
                .expression_attribute_names("#used", counter.used)
                .expression_attribute_names("#limit", counter.limit)
                .expression_attribute_values(":amount", n(amount))
                .expression_attribute_values(":max_before", n(max_before))
                .expression_attribute_values(":limit_read", n(limit))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .build();
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item.clone()))
                .condition_expression("attribute_not_exists(pk)")
                .build();
            let actions = vec![
                self.role_check(slug, user_id, Need::Member)?,
                TransactWriteItem::builder().update(built(charge)?).build(),
                TransactWriteItem::builder().put(built(put)?).build(),
            ];
            match self.transact(actions).await? {
                TxOutcome::Committed => return Ok(()),
                TxOutcome::Cancelled(reasons) => {
                    if reasons[0].condition_failed() {
                        return Err(Self::explain_role(&reasons[0])?);
                    }
                    if !reasons[1].condition_failed() {
                        return Err(ApiError::internal(format!(
                            "sized create cancelled unexpectedly: {reasons:?}"
                        )));
                    }
                    let current = match decode::<WorkspaceItem>(&reasons[1])? {
                        Some(current) if current.is_live() => current,
                        _ => return Err(ApiError::workspace_not_found()),
                    };
                    let (_, current_limit) = counter.read(&current);
                    if current_limit == limit {
                        // Same limit, so the usage grew past what fits: full.
                        return Err(counter.exceeded(&current));
                    }
                    tracing::debug!(attempt, "limit changed while creating; reading again");
                    backoff(attempt.min(3)).await;
                }
            }
        }
        Err(ApiError::conflict(
            "concurrent_modification",
            "the workspace's limits changed repeatedly; retry the request",
        ))
    }

    /// Q4: deletes the item at `key` and frees its `amount` in one transaction with the role
    /// check. An item already gone is 404 and no counter moves; a counter never goes below 0.
    pub(crate) async fn delete_counted(
        &self,
        slug: &Slug,
        user_id: &str,
        need: Need,
        share: Share,
        not_found: impl FnOnce() -> ApiError,
    ) -> Result<(), ApiError> {
        let Share {
            counter,
            key,
            amount,
        } = share;
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_map()))
            .condition_expression("attribute_exists(pk)")
            .build();
        let free = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::workspace(slug).to_map()))
            .update_expression("SET #used = #used - :amount")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(deleted_at) AND #used >= :amount",
            )
            .expression_attribute_names("#used", counter.used)
            .expression_attribute_values(":amount", n(amount))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build();
        let actions = vec![
            self.role_check(slug, user_id, need)?,
            TransactWriteItem::builder().delete(built(delete)?).build(),
            TransactWriteItem::builder().update(built(free)?).build(),
        ];
        match self.transact(actions).await? {
            TxOutcome::Committed => Ok(()),
            TxOutcome::Cancelled(reasons) => {
                if reasons[0].condition_failed() {
                    return Err(Self::explain_role(&reasons[0])?);
                }
                if reasons[2].condition_failed() {
                    match decode::<WorkspaceItem>(&reasons[2])? {
                        Some(workspace) if workspace.is_live() => {
                            if !reasons[1].condition_failed() {
                                // The item exists but its share is not on the counter: a bug
                                // elsewhere; refuse rather than let the counter go negative.
                                return Err(ApiError::internal(format!(
                                    "{:?} counter below the item's share: {reasons:?}",
                                    counter.resource
                                )));
                            }
                        }
                        _ => return Err(ApiError::workspace_not_found()),
                    }
                }
                if reasons[1].condition_failed() {
                    return Err(not_found());
                }
                Err(ApiError::internal(format!(
                    "counted delete cancelled unexpectedly: {reasons:?}"
                )))
            }
        }
    }

    /// One page of the workspace's items under `prefix`, after checking the caller's role
    /// (two strongly consistent round trips: the role apart from the paginated query).
    pub(crate) async fn list_in_workspace<T: DeserializeOwned>(
        &self,
        slug: &Slug,
        user_id: &str,
        need: Need,
        prefix: &str,
        page: &PageRequest,
    ) -> Result<Page<T>, ApiError> {
        self.workspace_as(slug, user_id, need).await?;
        self.query_page(&keys::workspace_partition(slug), prefix, page)
            .await
    }

    /// Q2: the workspace's counters and limits, and its creator's plan (owners only).
    pub async fn usage(&self, slug: &Slug, user_id: &str) -> Result<Usage, ApiError> {
        let workspace = self.workspace_as(slug, user_id, Need::Owner).await?;
        // After the workspace item, never before: a seat freed in between is then counted once
        // too many for a moment, never subtracted twice.
        let (creator, lapsed_seats) = tokio::try_join!(
            self.get_user(&workspace.creator_id),
            self.count_lapsed_invitations(slug)
        )?;
        let plan = creator.map(|user: UserItem| user.plan).unwrap_or_default();
        Ok(Usage {
            plan,
            workspace,
            lapsed_seats: lapsed_seats as u64,
        })
    }
}
