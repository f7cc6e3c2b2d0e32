//! Operators change a user's plan and overrides (Q3). The user item and the limits copied
//! onto every live workspace the user created change in one transaction, conditioned on the
//! user's `version` as read: a workspace created concurrently (which bumps that version) makes
//! the change read again, so no workspace ever keeps stale limits.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use super::items::{MembershipItem, UserItem, attr, kind};
use super::transact::backoff;
use super::{Item, Store, TxOutcome, from_item, keys, n, s, sdk_error};
use crate::domain::{LimitOverrides, Limits, Plan, Slug};
use crate::error::ApiError;

const CHANGE_ATTEMPTS: u32 = 30;

/// The largest workspace-creation override. One transaction updates every workspace a user
/// created (at most 100 actions, one of them the user item), so the count stays below that.
pub const MAX_WORKSPACES_OVERRIDE: u64 = 99;

/// One override: `None` leaves it as it is, `Some(None)` clears it, `Some(Some(n))` sets it.
pub type OverrideChange = Option<Option<u64>>;

/// What an operator changes; fields left `None` stay as they are.
#[derive(Clone, Debug, Default)]
pub struct PlanChange {
    pub plan: Option<Plan>,
    pub workspaces: OverrideChange,
    pub members: OverrideChange,
    pub domains: OverrideChange,
    pub storage_bytes: OverrideChange,
    pub webhooks: OverrideChange,
}

/// A user's plan, overrides and the limits they make, after a change.
#[derive(Clone, Debug)]
pub struct PlanState {
    pub user_id: String,
    pub plan: Plan,
    pub overrides: LimitOverrides,
    pub limits: Limits,
    pub workspaces_created: u64,
    /// Live workspaces the user created whose limits were set.
    pub workspaces_updated: usize,
}

fn apply(target: &mut Option<u64>, change: OverrideChange) {
    if let Some(value) = change {
        *target = value;
    }
}

fn built<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, ApiError> {
    result.map_err(ApiError::internal)
}

impl Store {
    /// Q3: sets the plan and/or overrides of `user_id` (creating the user, on Lite, if never
    /// seen) and the limits of every live workspace they created, in one transaction.
    pub async fn change_plan(
        &self,
        user_id: &str,
        change: &PlanChange,
    ) -> Result<PlanState, ApiError> {
        for attempt in 0..CHANGE_ATTEMPTS {
            let current = self.get_user(user_id).await?;
            let mut user = current.clone().unwrap_or_else(|| UserItem {
                pk: keys::user(user_id).pk,
                sk: keys::PROFILE.into(),
                kind: kind::USER.into(),
                user_id: user_id.to_string(),
                email: None,
                email_verified: false,
                plan: Plan::default(),
                override_workspaces: None,
                override_members: None,
                override_domains: None,
                override_storage_bytes: None,
                override_webhooks: None,
                workspaces_created: 0,
                version: 0,
            });
            if let Some(plan) = change.plan {
                user.plan = plan;
            }
            apply(&mut user.override_workspaces, change.workspaces);
            apply(&mut user.override_members, change.members);
            apply(&mut user.override_domains, change.domains);
            apply(&mut user.override_storage_bytes, change.storage_bytes);
            apply(&mut user.override_webhooks, change.webhooks);
            let limits = user.limits();
            let created = self.created_workspaces(user_id).await?;

            let mut actions = vec![self.user_update(&user, current.as_ref())?];
            for slug in &created {
                actions.push(self.workspace_limits_update(slug, user_id, &limits)?);
            }
            match self.transact(actions).await? {
                TxOutcome::Committed => {
                    return Ok(PlanState {
                        user_id: user_id.to_string(),
                        plan: user.plan,
                        overrides: user.overrides(),
                        limits,
                        workspaces_created: user.workspaces_created,
                        workspaces_updated: created.len(),
                    });
                }
                // The user's version moved (a workspace created or deleted, another change)
                // or a workspace went away: read everything again.
                TxOutcome::Cancelled(reasons) => {
                    tracing::debug!(attempt, ?reasons, "plan change lost a race; retrying");
                    backoff(attempt.min(5)).await;
                }
            }
        }
        Err(ApiError::conflict(
            "concurrent_modification",
            "the user changed repeatedly meanwhile; retry the request",
        ))
    }

    /// The user item's update: conditioned on the version as read (or on not existing).
    fn user_update(
        &self,
        user: &UserItem,
        current: Option<&UserItem>,
    ) -> Result<TransactWriteItem, ApiError> {
        let overrides = [
            ("override_workspaces", user.override_workspaces),
            ("override_members", user.override_members),
            ("override_domains", user.override_domains),
            ("override_storage_bytes", user.override_storage_bytes),
            ("override_webhooks", user.override_webhooks),
        ];
        let mut set = vec![
            "#kind = :kind".to_string(),
            "user_id = :uid".to_string(),
            "#plan = :plan".to_string(),
            "workspaces_created = if_not_exists(workspaces_created, :zero)".to_string(),
            "#version = if_not_exists(#version, :zero) + :one".to_string(),
        ];
        let mut remove = Vec::new();
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::user(&user.user_id).to_map()))
            .expression_attribute_names("#kind", "kind")
            .expression_attribute_names("#plan", "plan")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":kind", s(kind::USER))
            .expression_attribute_values(":uid", s(&user.user_id))
            .expression_attribute_values(":plan", s(user.plan.as_str()))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1));
        for (name, value) in overrides {
            match value {
                Some(value) => {
                    set.push(format!("{name} = :{name}"));
                    update = update.expression_attribute_values(format!(":{name}"), n(value));
                }
                None => remove.push(name),
            }
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        update = update.update_expression(expression);
        update = match current {
            None => update.condition_expression("attribute_not_exists(pk)"),
            Some(current) => update
                .condition_expression("#version = :read")
                .expression_attribute_values(":read", n(current.version)),
        };
        Ok(TransactWriteItem::builder()
            .update(built(update.build())?)
            .build())
    }

    fn workspace_limits_update(
        &self,
        slug: &Slug,
        creator_id: &str,
        limits: &Limits,
    ) -> Result<TransactWriteItem, ApiError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::workspace(slug).to_map()))
            .update_expression(format!(
                "SET {} = :members, {} = :domains, {} = :storage, {} = :webhooks",
                attr::MEMBERS_LIMIT,
                attr::DOMAINS_LIMIT,
                attr::STORAGE_LIMIT,
                attr::WEBHOOKS_LIMIT
            ))
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(deleted_at) AND creator_id = :uid",
            )
            .expression_attribute_values(":members", n(limits.members))
            .expression_attribute_values(":domains", n(limits.domains))
            .expression_attribute_values(":storage", n(limits.storage_bytes))
            .expression_attribute_values(":webhooks", n(limits.webhooks))
            .expression_attribute_values(":uid", s(creator_id))
            .build();
        Ok(TransactWriteItem::builder().update(built(update)?).build())
    }

    /// The live workspaces `user_id` created: their memberships marked `is_creator`, from the
    /// user's own partition, strongly consistent (deleting a workspace drops that membership).
    async fn created_workspaces(&self, user_id: &str) -> Result<Vec<Slug>, ApiError> {
        let mut slugs = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .filter_expression("is_creator = :yes")
                .expression_attribute_values(":pk", s(keys::user_partition(user_id)))
                .expression_attribute_values(":prefix", s(keys::MEMBERSHIP_PREFIX))
                .expression_attribute_values(
                    ":yes",
                    aws_sdk_dynamodb::types::AttributeValue::Bool(true),
                )
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| sdk_error("Query", e))?;
            for item in output.items.unwrap_or_default() {
                let membership: MembershipItem = from_item(item)?;
                if let Some(slug) = Slug::parse(&membership.slug) {
                    slugs.push(slug);
                }
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(slugs)
    }
}
