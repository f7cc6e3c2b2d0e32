//! Members of a workspace: list them, change a role, remove one (or leave). Every write
//! touches both copies of the membership together and is conditioned on the caller's role
//! and on the creator's protection (R3), so no race can leave a workspace without its owner.

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

use super::items::{MemberItem, MemberRemovalItem, kind};
use super::transact::backoff;
use super::workspaces::built;
use super::{
    Store, TxOutcome, WorkspaceWithRole, from_item, keys, n, now_rfc3339_micros, s, sdk_error,
    to_item,
};
use crate::domain::{Role, Slug};
use crate::error::ApiError;
use crate::http::page::{Page, PageRequest};
use crate::identity::Caller;

/// Reads that decide a write are retried this often when the write loses a race.
const WRITE_ATTEMPTS: u32 = 8;
/// How long a removal record stays (it only has to outlive the stream's 24 hours).
const REMOVAL_RECORD_TTL_SECONDS: i64 = 7 * 24 * 60 * 60;

pub type MemberPage = Page<MemberItem>;

fn creator_protected() -> ApiError {
    ApiError::conflict(
        "creator_protected",
        "the creator of a workspace is always an owner: they cannot be removed, demoted or leave",
    )
}

fn no_such_member() -> ApiError {
    ApiError::not_found("no such member in this workspace")
}

fn too_many_races() -> ApiError {
    ApiError::conflict(
        "concurrent_modification",
        "too many concurrent changes; retry the request",
    )
}

impl Store {
    /// The member item of `user_id`, read strongly consistent (`None`: not a member).
    pub async fn member(&self, slug: &Slug, user_id: &str) -> Result<Option<MemberItem>, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(keys::member(slug, user_id).to_map()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| super::sdk_error("GetItem", e))?;
        output.item.map(from_item).transpose()
    }

    /// The caller's membership and the target member (`None`: not a member), read together.
    async fn caller_and_target(
        &self,
        slug: &Slug,
        caller_id: &str,
        target_id: &str,
    ) -> Result<(WorkspaceWithRole, Option<MemberItem>), ApiError> {
        if target_id == caller_id {
            // One item cannot be read twice in a transaction.
            let me = self.workspace_for_member(slug, caller_id).await?;
            let item = self.get_member(slug, caller_id).await?;
            return Ok((me, item));
        }
        let (me, target) = self
            .workspace_and_item(slug, caller_id, Some(&keys::member(slug, target_id)))
            .await?;
        Ok((me, target.map(from_item).transpose()?))
    }

    async fn get_member(&self, slug: &Slug, user_id: &str) -> Result<Option<MemberItem>, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(keys::member(slug, user_id).to_map()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        output.item.map(from_item).transpose()
    }

    /// R1: the members of a workspace, for its members; the caller's membership is checked
    /// first, then the list is one strongly consistent query of the workspace's partition.
    pub async fn list_members(
        &self,
        slug: &Slug,
        caller_id: &str,
        page: &PageRequest,
    ) -> Result<MemberPage, ApiError> {
        self.workspace_for_member(slug, caller_id).await?;
        self.query_page(&keys::workspace_partition(slug), keys::MEMBER_PREFIX, page)
            .await
    }

    /// R2/R3: an owner changes a member's role. Both copies of the membership change in one
    /// transaction, conditioned on the caller still being an owner, the target's role being
    /// as read, the creator never being demoted, and the workspace being live.
    pub async fn change_role(
        &self,
        slug: &Slug,
        caller: &Caller,
        target_id: &str,
        role: Role,
    ) -> Result<MemberItem, ApiError> {
        let caller_id = caller.user_id.as_str();
        for attempt in 0..WRITE_ATTEMPTS {
            let (me, target) = self.caller_and_target(slug, caller_id, target_id).await?;
            if me.role != Role::Owner {
                return Err(ApiError::forbidden(
                    "owner_only",
                    "only owners can change roles",
                ));
            }
            let Some(mut target) = target else {
                return Err(no_such_member());
            };
            if target.is_creator && role != Role::Owner {
                return Err(creator_protected());
            }
            if target.role == role {
                return Ok(target);
            }

            let mut actions = Vec::new();
            if target_id != caller_id {
                actions.push(self.owner_check(slug, caller_id)?);
            }
            // The read role being current covers an owner demoting themselves: it is their
            // own item, still `owner`, that is checked.
            actions.push(
                TransactWriteItem::builder()
                    .update(built(
                        Update::builder()
                            .table_name(&self.table)
                            .set_key(Some(keys::member(slug, target_id).to_map()))
                            .update_expression("SET #role = :role")
                            .condition_expression(
                                "#role = :read AND (attribute_not_exists(is_creator) OR is_creator = :false)",
                            )
                            .expression_attribute_names("#role", "role")
                            .expression_attribute_values(":role", s(role.as_str()))
                            .expression_attribute_values(":read", s(target.role.as_str()))
                            .expression_attribute_values(":false", aws_sdk_dynamodb::types::AttributeValue::Bool(false))
                            .build(),
                    )?)
                    .build(),
            );
            actions.push(
                TransactWriteItem::builder()
                    .update(built(
                        Update::builder()
                            .table_name(&self.table)
                            .set_key(Some(keys::membership(target_id, slug).to_map()))
                            .update_expression("SET #role = :role")
                            .condition_expression("attribute_exists(pk)")
                            .expression_attribute_names("#role", "role")
                            .expression_attribute_values(":role", s(role.as_str()))
                            .build(),
                    )?)
                    .build(),
            );
            actions.push(
                TransactWriteItem::builder()
                    .condition_check(built(
                        ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(keys::workspace(slug).to_map()))
                            .condition_expression(
                                "attribute_exists(pk) AND attribute_not_exists(deleted_at)",
                            )
                            .build(),
                    )?)
                    .build(),
            );
            match self.transact(actions).await? {
                TxOutcome::Committed => {
                    target.role = role;
                    return Ok(target);
                }
                // Demoted, removed, changed or deleted meanwhile: read again and decide anew.
                TxOutcome::Cancelled(reasons) => {
                    tracing::info!(attempt, ?reasons, "role change lost a race; re-reading");
                    backoff(attempt.min(3)).await;
                }
            }
        }
        Err(too_many_races())
    }

    /// M1/R3: removes a member (an owner removing someone, or anyone leaving). One
    /// transaction deletes both copies of the membership, frees the seat and writes the
    /// removal record whose stream event lets `member-removed` clear the user's tickets.
    /// Conditions: the caller is still an owner (unless leaving), the target is a member and
    /// not the creator, the workspace is live.
    pub async fn remove_member(
        &self,
        slug: &Slug,
        caller: &Caller,
        target_id: &str,
    ) -> Result<(), ApiError> {
        let caller_id = caller.user_id.as_str();
        let leaving = target_id == caller_id;
        for attempt in 0..WRITE_ATTEMPTS {
            let (me, target) = self.caller_and_target(slug, caller_id, target_id).await?;
            if !leaving && me.role != Role::Owner {
                return Err(ApiError::forbidden(
                    "owner_only",
                    "only owners can remove other members",
                ));
            }
            let Some(target) = target else {
                return Err(no_such_member());
            };
            if target.is_creator {
                return Err(creator_protected());
            }

            let removed_at = now_rfc3339_micros();
            let removal_key = keys::removal(slug, target_id, &removed_at);
            let removal = MemberRemovalItem {
                pk: removal_key.pk,
                sk: removal_key.sk,
                kind: kind::MEMBER_REMOVAL.into(),
                slug: slug.to_string(),
                user_id: target_id.to_string(),
                role: target.role,
                removed_by: caller_id.to_string(),
                removed_at,
                expire_at: chrono::Utc::now().timestamp() + REMOVAL_RECORD_TTL_SECONDS,
            };

            let mut actions = Vec::new();
            if !leaving {
                actions.push(self.owner_check(slug, caller_id)?);
            }
            actions.push(
                TransactWriteItem::builder()
                    .delete(built(
                        Delete::builder()
                            .table_name(&self.table)
                            .set_key(Some(keys::member(slug, target_id).to_map()))
                            .condition_expression(
                                "attribute_exists(pk) AND (attribute_not_exists(is_creator) OR is_creator = :false)",
                            )
                            .expression_attribute_values(":false", aws_sdk_dynamodb::types::AttributeValue::Bool(false))
                            .build(),
                    )?)
                    .build(),
            );
            actions.push(
                TransactWriteItem::builder()
                    .delete(built(
                        Delete::builder()
                            .table_name(&self.table)
                            .set_key(Some(keys::membership(target_id, slug).to_map()))
                            .build(),
                    )?)
                    .build(),
            );
            // The address is no longer a member's: it may be invited again (M4).
            if let Some(email) = &target.email {
                actions.push(
                    TransactWriteItem::builder()
                        .delete(built(
                            Delete::builder()
                                .table_name(&self.table)
                                .set_key(Some(keys::member_email(slug, email).to_map()))
                                .build(),
                        )?)
                        .build(),
                );
            }
            actions.push(
                TransactWriteItem::builder()
                    .update(built(
                        Update::builder()
                            .table_name(&self.table)
                            .set_key(Some(keys::workspace(slug).to_map()))
                            .update_expression("SET members_used = members_used - :one")
                            .condition_expression(
                                "members_used >= :one AND attribute_not_exists(deleted_at)",
                            )
                            .expression_attribute_values(":one", n(1))
                            .build(),
                    )?)
                    .build(),
            );
            actions.push(
                TransactWriteItem::builder()
                    .put(built(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(to_item(&removal)?))
                            .condition_expression("attribute_not_exists(pk)")
                            .build(),
                    )?)
                    .build(),
            );
            match self.transact(actions).await? {
                TxOutcome::Committed => return Ok(()),
                // Removed, demoted or deleted meanwhile: read again and decide anew.
                TxOutcome::Cancelled(reasons) => {
                    tracing::info!(attempt, ?reasons, "removal lost a race; re-reading");
                    backoff(attempt.min(3)).await;
                }
            }
        }
        Err(too_many_races())
    }
}
