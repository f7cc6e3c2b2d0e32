//! Invitations (I1–I11): each state change is one transaction that moves the seat
//! (`members_used` of the workspace) and the address marker (`INVITEE#{email}`) with it.
//!
//! - invite: owner check, "not a member" and "not already invited" (conditional writes on
//!   email-keyed markers, so concurrent invitations of one address cannot both pass), and the
//!   seat (`members_used < members_limit`) in one transaction.
//! - accept: the pending invitation with this token's hash becomes accepted, its marker goes,
//!   the member items (both sides and the email marker) appear, the seat is re-checked
//!   (`members_used <= members_limit`: the invitation's seat becomes the member's) and the
//!   user's email is marked verified, in one transaction.
//! - decline, cancel, expire: the status changes, the marker goes and the seat is freed.
//!
//! An invitation past its expiry that is still stored as pending keeps its seat until a
//! transaction that needs the seat (or its address) flips it to `expired`: lazily, but never
//! later than the next invitation that needs it. DynamoDB's TTL (`expire_at`) is set only
//! once an invitation has left `pending`, so TTL deletion can never leak a seat.

use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Get, Put, TransactGetItem, TransactWriteItem, Update,
};

use super::items::{InvitationItem, InviteeItem, WorkspaceItem, kind};
use super::transact::backoff;
use super::workspaces::{all_old, built, member_email_item, membership_items};
use super::{Item, Store, TxOutcome, from_item, keys, n, s, sdk_error, to_item};
use crate::domain::invitation::{recent_sends, send_retry_after};
use crate::domain::{
    Email, EmailStatus, InvitationStatus, InvitationToken, Plan, Resource, Role, Slug,
};
use crate::error::ApiError;
use crate::http::page::{Page, PageRequest};
use crate::identity::Caller;

/// How often a write that lost a race (or freed a lapsed seat first) is tried again.
const ATTEMPTS: u32 = 8;
/// Terminal invitations stay listable this long before DynamoDB's TTL removes them.
const KEEP_AFTER_DONE_SECONDS: i64 = 30 * 24 * 60 * 60;

pub struct NewInvitation {
    pub email: Email,
    pub role: Role,
}

/// A stored invitation with the token of its current link (only ever in memory).
pub struct IssuedInvitation {
    pub invitation: InvitationItem,
    pub token: InvitationToken,
}

/// What accepting an invitation gives.
pub struct Accepted {
    pub invitation: InvitationItem,
    /// False when this caller had already accepted it (an idempotent repeat).
    pub newly: bool,
}

/// The status as the API shows it: a pending invitation past its expiry is expired, whether
/// or not a transaction has flipped it yet.
pub fn effective_status(invitation: &InvitationItem, now: i64) -> InvitationStatus {
    if invitation.status == InvitationStatus::Pending && invitation.expires_at_epoch <= now {
        InvitationStatus::Expired
    } else {
        invitation.status
    }
}

fn epoch_now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn rfc3339(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn gone(status: InvitationStatus) -> ApiError {
    let (kind, detail) = match status {
        InvitationStatus::Accepted => (
            "invitation_accepted",
            "this invitation was already accepted",
        ),
        InvitationStatus::Declined => ("invitation_declined", "this invitation was declined"),
        InvitationStatus::Cancelled => ("invitation_cancelled", "this invitation was cancelled"),
        InvitationStatus::Expired | InvitationStatus::Pending => {
            ("invitation_expired", "this invitation has expired")
        }
    };
    ApiError::Gone {
        kind,
        detail: detail.into(),
        extra: serde_json::Map::from_iter([(
            "invitation_status".to_string(),
            serde_json::json!(status),
        )]),
    }
}

fn replaced() -> ApiError {
    ApiError::Gone {
        kind: "invitation_replaced",
        detail: "this link was replaced by a newer invitation email".into(),
        extra: Default::default(),
    }
}

fn unknown_invitation() -> ApiError {
    ApiError::not_found("no such invitation")
}

fn already_member(email: &str) -> ApiError {
    ApiError::Conflict {
        kind: "already_member",
        detail: format!("{email} is already a member of this workspace"),
        extra: serde_json::Map::from_iter([("email".to_string(), serde_json::json!(email))]),
    }
}

fn already_invited(email: &str, invitation_id: &str) -> ApiError {
    ApiError::Conflict {
        kind: "already_invited",
        detail: format!("{email} already has a pending invitation to this workspace"),
        extra: serde_json::Map::from_iter([
            ("email".to_string(), serde_json::json!(email)),
            (
                "invitation_id".to_string(),
                serde_json::json!(invitation_id),
            ),
        ]),
    }
}

fn not_pending(status: InvitationStatus) -> ApiError {
    ApiError::Conflict {
        kind: "invitation_not_pending",
        detail: format!("the invitation is {}", status.as_str()),
        extra: serde_json::Map::from_iter([(
            "invitation_status".to_string(),
            serde_json::json!(status),
        )]),
    }
}

fn members_full(workspace: Option<WorkspaceItem>) -> ApiError {
    match workspace {
        Some(workspace) if workspace.is_live() => ApiError::QuotaExceeded {
            resource: Resource::Members,
            limit: workspace.members_limit,
            used: workspace.members_used,
        },
        _ => ApiError::workspace_not_found(),
    }
}

fn too_busy() -> ApiError {
    ApiError::conflict(
        "concurrent_modification",
        "too many concurrent changes; retry the request",
    )
}

fn old<T: serde::de::DeserializeOwned>(item: &Option<Item>) -> Result<Option<T>, ApiError> {
    item.clone().map(from_item).transpose()
}

impl Store {
    fn tx_put(&self, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, ApiError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .return_values_on_condition_check_failure(all_old());
        if let Some(condition) = condition {
            put = put.condition_expression(condition);
        }
        Ok(TransactWriteItem::builder()
            .put(built(put.build())?)
            .build())
    }

    /// The address is not a member's.
    fn not_member_check(&self, slug: &Slug, email: &str) -> Result<TransactWriteItem, ApiError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(keys::member_email(slug, email).to_map()))
            .condition_expression("attribute_not_exists(pk)")
            .build();
        Ok(TransactWriteItem::builder()
            .condition_check(built(check)?)
            .build())
    }

    fn invitee_put(
        &self,
        slug: &Slug,
        email: &str,
        id: &str,
    ) -> Result<TransactWriteItem, ApiError> {
        let key = keys::invitee(slug, email);
        let marker = InviteeItem {
            pk: key.pk,
            sk: key.sk,
            kind: kind::INVITEE.into(),
            email: email.to_string(),
            invitation_id: id.to_string(),
        };
        self.tx_put(to_item(&marker)?, Some("attribute_not_exists(pk)"))
    }

    fn invitee_delete(
        &self,
        slug: &Slug,
        email: &str,
        id: &str,
    ) -> Result<TransactWriteItem, ApiError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(keys::invitee(slug, email).to_map()))
            .condition_expression("invitation_id = :id")
            .expression_attribute_values(":id", s(id))
            .build();
        Ok(TransactWriteItem::builder().delete(built(delete)?).build())
    }

    /// Takes a seat: `members_used < members_limit` on a live workspace.
    fn take_seat(&self, slug: &Slug) -> Result<TransactWriteItem, ApiError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::workspace(slug).to_map()))
            .update_expression("SET members_used = members_used + :one")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(deleted_at) \
                 AND members_used < members_limit",
            )
            .expression_attribute_values(":one", n(1))
            .return_values_on_condition_check_failure(all_old())
            .build();
        Ok(TransactWriteItem::builder().update(built(update)?).build())
    }

    fn free_seat(&self, slug: &Slug) -> Result<TransactWriteItem, ApiError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::workspace(slug).to_map()))
            .update_expression("SET members_used = members_used - :one")
            .condition_expression("attribute_exists(pk) AND members_used >= :one")
            .expression_attribute_values(":one", n(1))
            .build();
        Ok(TransactWriteItem::builder().update(built(update)?).build())
    }

    /// A pending invitation leaves `pending` (with the token it had, when `token_hash` is
    /// given): status, timestamps and the clean-up TTL.
    fn leave_pending(
        &self,
        slug: &Slug,
        invitation: &InvitationItem,
        to: InvitationStatus,
        extra_condition: &str,
        now: i64,
    ) -> UpdateBuilder {
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::invitation(slug, &invitation.id).to_map()))
            .update_expression("SET #status = :to, updated_at = :at, expire_at = :ttl")
            .condition_expression(format!("#status = :pending{extra_condition}"))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":to", s(to.as_str()))
            .expression_attribute_values(":pending", s(InvitationStatus::Pending.as_str()))
            .expression_attribute_values(":at", s(rfc3339(now)))
            .expression_attribute_values(":ttl", n(now + KEEP_AFTER_DONE_SECONDS))
            .return_values_on_condition_check_failure(all_old())
    }

    /// One invitation, strongly consistent.
    pub async fn get_invitation(
        &self,
        slug: &Slug,
        id: &str,
    ) -> Result<Option<InvitationItem>, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(keys::invitation(slug, id).to_map()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        output.item.map(from_item).transpose()
    }

    /// I4, I11: the invitation a token names, in one strongly consistent read (the invitation
    /// and its workspace together). 404 for a malformed or unknown token, or a deleted
    /// workspace; 410 for a token a resend replaced.
    pub async fn invitation_by_token(&self, raw: &str) -> Result<InvitationItem, ApiError> {
        let token = InvitationToken::parse(raw).ok_or_else(unknown_invitation)?;
        let get = |key: keys::Key| -> Result<TransactGetItem, ApiError> {
            let get = Get::builder()
                .table_name(&self.table)
                .set_key(Some(key.to_map()))
                .build();
            Ok(TransactGetItem::builder().get(built(get)?).build())
        };
        let output = self
            .client
            .transact_get_items()
            .transact_items(get(keys::invitation(token.slug(), &token.invitation_id()))?)
            .transact_items(get(keys::workspace(token.slug()))?)
            .send()
            .await
            .map_err(|e| sdk_error("TransactGetItems", e))?;
        let mut responses = output
            .responses
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.item);
        let (invitation, workspace) = (responses.next().flatten(), responses.next().flatten());
        let workspace_live = match workspace {
            Some(item) => from_item::<WorkspaceItem>(item)?.is_live(),
            None => false,
        };
        let invitation: InvitationItem = from_item(
            invitation
                .filter(|_| workspace_live)
                .ok_or_else(unknown_invitation)?,
        )?;
        if !token.matches(&invitation.token_hash) {
            return Err(replaced());
        }
        Ok(invitation)
    }

    /// I1–I3: stores a pending invitation holding a seat. The caller sends the email.
    pub async fn create_invitation(
        &self,
        slug: &Slug,
        caller: &Caller,
        new: NewInvitation,
        ttl_seconds: i64,
    ) -> Result<IssuedInvitation, ApiError> {
        let email = new.email.as_str();
        for attempt in 0..ATTEMPTS {
            let workspace = self.workspace_for_member(slug, &caller.user_id).await?;
            if workspace.role != Role::Owner {
                return Err(ApiError::forbidden(
                    "owner_only",
                    "only owners can invite people",
                ));
            }
            let now = epoch_now();
            let id = uuid::Uuid::now_v7();
            let token = InvitationToken::generate(slug, id);
            let key = keys::invitation(slug, &id.to_string());
            let invitation = InvitationItem {
                pk: key.pk,
                sk: key.sk,
                kind: kind::INVITATION.into(),
                slug: slug.to_string(),
                id: id.to_string(),
                email: email.to_string(),
                role: new.role,
                status: InvitationStatus::Pending,
                invited_by: caller.user_id.clone(),
                inviter_email: caller.email.as_ref().map(|e| e.to_string()),
                workspace_name: workspace.workspace.name.clone(),
                token_hash: token.hash(),
                created_at: rfc3339(now),
                sent_at: super::now_rfc3339_micros(),
                expires_at: rfc3339(now + ttl_seconds),
                expires_at_epoch: now + ttl_seconds,
                email_status: EmailStatus::Sending,
                sends: vec![now],
                accepted_by: None,
                updated_at: None,
                expire_at: None,
            };
            let actions = vec![
                self.owner_check(slug, &caller.user_id)?,
                self.not_member_check(slug, email)?,
                self.invitee_put(slug, email, &invitation.id)?,
                self.take_seat(slug)?,
                self.tx_put(to_item(&invitation)?, Some("attribute_not_exists(pk)"))?,
            ];
            let reasons = match self.transact(actions).await? {
                TxOutcome::Committed => return Ok(IssuedInvitation { invitation, token }),
                TxOutcome::Cancelled(reasons) => reasons,
            };
            let failed = |i: usize| reasons.get(i).is_some_and(|r| r.condition_failed());
            if failed(0) {
                // Demoted or removed since the read: decide again from the current state.
                backoff(attempt.min(3)).await;
                continue;
            }
            // Duplicates first (I2): a duplicate is a 409 even when the workspace is full.
            if let Some(conflict) = self.duplicate(slug, email).await? {
                match conflict {
                    Duplicate::Member => return Err(already_member(email)),
                    Duplicate::Invited(holder) => {
                        if self.expire_if_lapsed(slug, &holder).await? {
                            continue;
                        }
                        return Err(already_invited(email, &holder));
                    }
                }
            }
            if failed(3) {
                if self.expire_lapsed_invitations(slug).await? > 0 {
                    continue;
                }
                return Err(members_full(old(&reasons[3].item)?));
            }
            if failed(1) || failed(2) || failed(4) {
                // A marker that was there a moment ago is gone again: try anew.
                backoff(attempt.min(3)).await;
                continue;
            }
            return Err(ApiError::internal(format!(
                "create invitation cancelled unexpectedly: {reasons:?}"
            )));
        }
        Err(too_busy())
    }

    /// Reads both email markers of an address, to explain a refused invitation.
    async fn duplicate(&self, slug: &Slug, email: &str) -> Result<Option<Duplicate>, ApiError> {
        let read = |key: keys::Key| {
            self.client
                .get_item()
                .table_name(&self.table)
                .set_key(Some(key.to_map()))
                .consistent_read(true)
                .send()
        };
        let (member, invitee) = futures::try_join!(
            read(keys::member_email(slug, email)),
            read(keys::invitee(slug, email))
        )
        .map_err(|e| sdk_error("GetItem", e))?;
        if member.item.is_some() {
            return Ok(Some(Duplicate::Member));
        }
        match invitee.item.map(from_item::<InviteeItem>).transpose()? {
            Some(marker) => Ok(Some(Duplicate::Invited(marker.invitation_id))),
            None => Ok(None),
        }
    }

    /// Flips one pending invitation past its expiry to `expired`, freeing its seat and its
    /// address. Whether it did.
    pub async fn expire_if_lapsed(&self, slug: &Slug, id: &str) -> Result<bool, ApiError> {
        let Some(invitation) = self.get_invitation(slug, id).await? else {
            return Ok(false);
        };
        let now = epoch_now();
        if effective_status(&invitation, now) != InvitationStatus::Expired
            || invitation.status != InvitationStatus::Pending
        {
            return Ok(false);
        }
        let flip = self
            .leave_pending(
                slug,
                &invitation,
                InvitationStatus::Expired,
                " AND expires_at_epoch <= :now",
                now,
            )
            .expression_attribute_values(":now", n(now))
            .build();
        let actions = vec![
            TransactWriteItem::builder().update(built(flip)?).build(),
            self.invitee_delete(slug, &invitation.email, id)?,
            self.free_seat(slug)?,
        ];
        Ok(matches!(
            self.transact(actions).await?,
            TxOutcome::Committed
        ))
    }

    /// How many pending invitations of the workspace are past their expiry (each still holds
    /// a seat until a transaction expires it).
    pub(crate) async fn count_lapsed_invitations(&self, slug: &Slug) -> Result<usize, ApiError> {
        let now = epoch_now();
        let lapsed = self
            .pending_invitations(slug, "expires_at_epoch <= :now", |q| {
                q.expression_attribute_values(":now", n(now))
            })
            .await?;
        Ok(lapsed.len())
    }

    /// Expires every lapsed pending invitation of the workspace; how many it expired.
    pub async fn expire_lapsed_invitations(&self, slug: &Slug) -> Result<usize, ApiError> {
        let now = epoch_now();
        let lapsed = self
            .pending_invitations(slug, "expires_at_epoch <= :now", |q| {
                q.expression_attribute_values(":now", n(now))
            })
            .await?;
        let mut expired = 0;
        for invitation in lapsed {
            if self.expire_if_lapsed(slug, &invitation.id).await? {
                expired += 1;
            }
        }
        Ok(expired)
    }

    /// Every pending invitation of a workspace matching `filter` (all pages).
    async fn pending_invitations(
        &self,
        slug: &Slug,
        filter: &str,
        values: impl Fn(
            aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<InvitationItem>, ApiError> {
        let mut found = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .filter_expression(format!("#status = :pending AND {filter}"))
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":pk", s(keys::workspace_partition(slug)))
                .expression_attribute_values(":prefix", s(keys::INVITATION_PREFIX))
                .expression_attribute_values(":pending", s(InvitationStatus::Pending.as_str()))
                .set_exclusive_start_key(start.take())
                .consistent_read(true);
            let output = values(query)
                .send()
                .await
                .map_err(|e| sdk_error("Query", e))?;
            for item in output.items.unwrap_or_default() {
                found.push(from_item(item)?);
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(found),
            }
        }
    }

    /// Records whether the email for the invitation's current token went out. A newer
    /// resend (another token) wins: its outcome is the one that counts.
    pub async fn set_email_status(
        &self,
        invitation: &InvitationItem,
        status: EmailStatus,
    ) -> Result<(), ApiError> {
        let Some(slug) = Slug::parse(&invitation.slug) else {
            return Err(ApiError::internal("invitation without a valid slug"));
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::invitation(&slug, &invitation.id).to_map()))
            .update_expression("SET email_status = :status")
            .condition_expression("token_hash = :hash")
            .expression_attribute_values(":status", s(status.as_str()))
            .expression_attribute_values(":hash", s(&invitation.token_hash))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(error) => Err(sdk_error("UpdateItem", error)),
        }
    }

    /// Owners list the workspace's invitations, oldest first (ids are UUIDv7).
    pub async fn list_invitations(
        &self,
        slug: &Slug,
        caller: &Caller,
        page: &PageRequest,
    ) -> Result<Page<InvitationItem>, ApiError> {
        let workspace = self.workspace_for_member(slug, &caller.user_id).await?;
        if workspace.role != Role::Owner {
            return Err(ApiError::forbidden(
                "owner_only",
                "only owners can see invitations",
            ));
        }
        self.query_page(
            &keys::workspace_partition(slug),
            keys::INVITATION_PREFIX,
            page,
        )
        .await
    }

    /// I7: an owner cancels a pending invitation; its seat is free at once.
    pub async fn cancel_invitation(
        &self,
        slug: &Slug,
        caller: &Caller,
        id: &str,
    ) -> Result<(), ApiError> {
        for attempt in 0..ATTEMPTS {
            let workspace = self.workspace_for_member(slug, &caller.user_id).await?;
            if workspace.role != Role::Owner {
                return Err(ApiError::forbidden(
                    "owner_only",
                    "only owners can cancel invitations",
                ));
            }
            let invitation = self
                .get_invitation(slug, id)
                .await?
                .ok_or_else(unknown_invitation)?;
            if invitation.status != InvitationStatus::Pending {
                return Err(not_pending(invitation.status));
            }
            let mut actions = vec![self.owner_check(slug, &caller.user_id)?];
            actions.extend(self.cancel_actions(slug, &invitation)?);
            match self.transact(actions).await? {
                TxOutcome::Committed => return Ok(()),
                // Demoted, or the invitation changed under us: decide again.
                TxOutcome::Cancelled(_) => backoff(attempt.min(3)).await,
            }
        }
        Err(too_busy())
    }

    fn cancel_actions(
        &self,
        slug: &Slug,
        invitation: &InvitationItem,
    ) -> Result<Vec<TransactWriteItem>, ApiError> {
        let now = epoch_now();
        let flip = self
            .leave_pending(slug, invitation, InvitationStatus::Cancelled, "", now)
            .build();
        Ok(vec![
            TransactWriteItem::builder().update(built(flip)?).build(),
            self.invitee_delete(slug, &invitation.email, &invitation.id)?,
            self.free_seat(slug)?,
        ])
    }

    /// M3: cancels every pending invitation `inviter_id` sent in the workspace up to
    /// `sent_until` (RFC 3339 with microseconds; invitations sent after a rejoin stay), each
    /// freeing its seat. Safe to run again; returns how many this run cancelled.
    pub async fn cancel_invitations_sent_by(
        &self,
        slug: &Slug,
        inviter_id: &str,
        sent_until: &str,
    ) -> Result<usize, ApiError> {
        let sent = self
            .pending_invitations(slug, "invited_by = :inviter AND sent_at <= :until", |q| {
                q.expression_attribute_values(":inviter", s(inviter_id))
                    .expression_attribute_values(":until", s(sent_until))
            })
            .await?;
        let mut cancelled = 0;
        for invitation in sent {
            match self
                .transact(self.cancel_actions(slug, &invitation)?)
                .await?
            {
                TxOutcome::Committed => cancelled += 1,
                // Accepted, declined or cancelled meanwhile: nothing left to do for it.
                TxOutcome::Cancelled(_) => {}
            }
        }
        Ok(cancelled)
    }

    /// I7: the holder of the token declines; the seat is free at once.
    pub async fn decline_invitation(&self, raw_token: &str) -> Result<InvitationItem, ApiError> {
        let invitation = self.invitation_by_token(raw_token).await?;
        let slug = Slug::parse(&invitation.slug).ok_or_else(unknown_invitation)?;
        let now = epoch_now();
        match effective_status(&invitation, now) {
            InvitationStatus::Pending => {}
            other => {
                if other == InvitationStatus::Expired {
                    self.expire_if_lapsed(&slug, &invitation.id).await?;
                }
                return Err(gone(other));
            }
        }
        let flip = self
            .leave_pending(
                &slug,
                &invitation,
                InvitationStatus::Declined,
                " AND token_hash = :hash AND expires_at_epoch > :now",
                now,
            )
            .expression_attribute_values(":hash", s(&invitation.token_hash))
            .expression_attribute_values(":now", n(now))
            .build();
        let actions = vec![
            TransactWriteItem::builder().update(built(flip)?).build(),
            self.invitee_delete(&slug, &invitation.email, &invitation.id)?,
            self.free_seat(&slug)?,
        ];
        match self.transact(actions).await? {
            TxOutcome::Committed => Ok(InvitationItem {
                status: InvitationStatus::Declined,
                ..invitation
            }),
            TxOutcome::Cancelled(reasons) => {
                match reasons.first().map(|r| old::<InvitationItem>(&r.item)) {
                    Some(Ok(Some(current))) if current.token_hash != invitation.token_hash => {
                        Err(replaced())
                    }
                    Some(Ok(Some(current))) => Err(gone(effective_status(&current, now))),
                    _ => Err(unknown_invitation()),
                }
            }
        }
    }

    /// I6: the signed-in invitee joins. Idempotent for the same user; the email must match.
    pub async fn accept_invitation(
        &self,
        raw_token: &str,
        caller: &Caller,
    ) -> Result<Accepted, ApiError> {
        let invitation = self.invitation_by_token(raw_token).await?;
        let slug = Slug::parse(&invitation.slug).ok_or_else(unknown_invitation)?;
        let now = epoch_now();
        if let Some(done) = self.settled(&slug, &invitation, caller, now).await? {
            return done;
        }
        let email_matches = caller
            .email
            .as_ref()
            .is_some_and(|e| e.as_str() == invitation.email);
        if !email_matches {
            return Err(ApiError::forbidden(
                "email_mismatch",
                "this invitation was sent to another email address",
            ));
        }
        let (member, membership) = membership_items(
            &slug,
            &caller.user_id,
            Some(invitation.email.clone()),
            invitation.role,
            false,
        );
        let flip = self
            .leave_pending(
                &slug,
                &invitation,
                InvitationStatus::Accepted,
                " AND token_hash = :hash AND expires_at_epoch > :now",
                now,
            )
            .update_expression(
                "SET #status = :to, updated_at = :at, expire_at = :ttl, accepted_by = :uid",
            )
            .expression_attribute_values(":hash", s(&invitation.token_hash))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":uid", s(&caller.user_id))
            .build();
        // The invitation's seat becomes the member's: no increment, but a plan lowered
        // meanwhile must not be exceeded (I6).
        let seat = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(keys::workspace(&slug).to_map()))
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(deleted_at) \
                 AND members_used <= members_limit",
            )
            .return_values_on_condition_check_failure(all_old())
            .build();
        // Following the emailed link proves the mailbox. The user item may not exist yet:
        // create it the way workspace creation expects to find it.
        let verify = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::user(&caller.user_id).to_map()))
            .update_expression(
                "SET #kind = :kind, user_id = :uid, email = :email, email_verified = :true, \
                 #plan = if_not_exists(#plan, :lite), \
                 workspaces_created = if_not_exists(workspaces_created, :zero), \
                 #version = if_not_exists(#version, :zero)",
            )
            .expression_attribute_names("#kind", "kind")
            .expression_attribute_names("#plan", "plan")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":kind", s(kind::USER))
            .expression_attribute_values(":uid", s(&caller.user_id))
            .expression_attribute_values(":email", s(&invitation.email))
            .expression_attribute_values(
                ":true",
                aws_sdk_dynamodb::types::AttributeValue::Bool(true),
            )
            .expression_attribute_values(":lite", s(Plan::Lite.as_str()))
            .expression_attribute_values(":zero", n(0))
            .build();
        let actions = vec![
            TransactWriteItem::builder().update(built(flip)?).build(),
            self.invitee_delete(&slug, &invitation.email, &invitation.id)?,
            TransactWriteItem::builder()
                .condition_check(built(seat)?)
                .build(),
            self.tx_put(to_item(&member)?, Some("attribute_not_exists(pk)"))?,
            self.tx_put(to_item(&membership)?, None)?,
            self.tx_put(
                to_item(&member_email_item(
                    &slug,
                    &invitation.email,
                    &caller.user_id,
                ))?,
                Some("attribute_not_exists(pk)"),
            )?,
            TransactWriteItem::builder().update(built(verify)?).build(),
        ];
        let reasons = match self.transact(actions).await? {
            TxOutcome::Committed => {
                return Ok(Accepted {
                    invitation: InvitationItem {
                        status: InvitationStatus::Accepted,
                        accepted_by: Some(caller.user_id.clone()),
                        ..invitation
                    },
                    newly: true,
                });
            }
            TxOutcome::Cancelled(reasons) => reasons,
        };
        let failed = |i: usize| reasons.get(i).is_some_and(|r| r.condition_failed());
        if failed(0) {
            // Someone got there first: this very caller (idempotent), another, or a resend.
            let current: Option<InvitationItem> = old(&reasons[0].item)?;
            let Some(current) = current else {
                return Err(unknown_invitation());
            };
            if current.token_hash != invitation.token_hash {
                return Err(replaced());
            }
            if let Some(done) = self.settled(&slug, &current, caller, now).await? {
                return done;
            }
            return Err(too_busy());
        }
        if failed(2) {
            return Err(members_full(old(&reasons[2].item)?));
        }
        if failed(3) || failed(5) {
            return Err(already_member(&invitation.email));
        }
        Err(ApiError::internal(format!(
            "accept invitation cancelled unexpectedly: {reasons:?}"
        )))
    }

    /// The answer for an invitation that is no longer pending (or is past its expiry);
    /// `None` while it is still pending.
    async fn settled(
        &self,
        slug: &Slug,
        invitation: &InvitationItem,
        caller: &Caller,
        now: i64,
    ) -> Result<Option<Result<Accepted, ApiError>>, ApiError> {
        Ok(match effective_status(invitation, now) {
            InvitationStatus::Pending => None,
            InvitationStatus::Accepted
                if invitation.accepted_by.as_deref() == Some(caller.user_id.as_str()) =>
            {
                Some(Ok(Accepted {
                    invitation: invitation.clone(),
                    newly: false,
                }))
            }
            InvitationStatus::Expired => {
                self.expire_if_lapsed(slug, &invitation.id).await?;
                Some(Err(gone(InvitationStatus::Expired)))
            }
            other => Some(Err(gone(other))),
        })
    }

    /// I8: a new token and expiry for a pending or expired invitation, at most 5 sends per
    /// 24 h. An expired one takes its seat and its address again. The caller sends the email.
    pub async fn reissue_invitation(
        &self,
        slug: &Slug,
        caller: &Caller,
        id: &str,
        ttl_seconds: i64,
    ) -> Result<IssuedInvitation, ApiError> {
        for attempt in 0..ATTEMPTS {
            let workspace = self.workspace_for_member(slug, &caller.user_id).await?;
            if workspace.role != Role::Owner {
                return Err(ApiError::forbidden(
                    "owner_only",
                    "only owners can resend invitations",
                ));
            }
            let invitation = self
                .get_invitation(slug, id)
                .await?
                .ok_or_else(unknown_invitation)?;
            if !matches!(
                invitation.status,
                InvitationStatus::Pending | InvitationStatus::Expired
            ) {
                return Err(not_pending(invitation.status));
            }
            let now = epoch_now();
            if let Some(retry_after_seconds) = send_retry_after(&invitation.sends, now) {
                return Err(ApiError::RateLimited {
                    kind: "too_many_sends",
                    detail: format!(
                        "an invitation can be sent at most {} times in 24 hours",
                        crate::domain::invitation::MAX_SENDS_PER_WINDOW
                    ),
                    retry_after_seconds,
                });
            }
            let uuid = uuid::Uuid::parse_str(&invitation.id).map_err(ApiError::internal)?;
            let token = InvitationToken::generate(slug, uuid);
            let mut sends = recent_sends(&invitation.sends, now);
            sends.push(now);
            let reissued = InvitationItem {
                status: InvitationStatus::Pending,
                token_hash: token.hash(),
                expires_at: rfc3339(now + ttl_seconds),
                expires_at_epoch: now + ttl_seconds,
                email_status: EmailStatus::Sending,
                sends: sends.clone(),
                updated_at: Some(rfc3339(now)),
                expire_at: None,
                ..invitation.clone()
            };
            let write = Update::builder()
                .table_name(&self.table)
                .set_key(Some(keys::invitation(slug, id).to_map()))
                .update_expression(
                    "SET #status = :pending, token_hash = :hash, expires_at = :expires, \
                     expires_at_epoch = :expires_epoch, email_status = :sending, sends = :sends, \
                     updated_at = :at REMOVE expire_at",
                )
                .condition_expression("token_hash = :old_hash AND #status = :was")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":pending", s(InvitationStatus::Pending.as_str()))
                .expression_attribute_values(":hash", s(&reissued.token_hash))
                .expression_attribute_values(":expires", s(&reissued.expires_at))
                .expression_attribute_values(":expires_epoch", n(reissued.expires_at_epoch))
                .expression_attribute_values(":sending", s(EmailStatus::Sending.as_str()))
                .expression_attribute_values(
                    ":sends",
                    aws_sdk_dynamodb::types::AttributeValue::L(sends.iter().map(n).collect()),
                )
                .expression_attribute_values(":at", s(rfc3339(now)))
                .expression_attribute_values(":old_hash", s(&invitation.token_hash))
                .expression_attribute_values(":was", s(invitation.status.as_str()))
                .build();
            let mut actions = vec![
                self.owner_check(slug, &caller.user_id)?,
                TransactWriteItem::builder().update(built(write)?).build(),
            ];
            let revives = invitation.status == InvitationStatus::Expired;
            if revives {
                actions.push(self.not_member_check(slug, &invitation.email)?);
                actions.push(self.invitee_put(slug, &invitation.email, id)?);
                actions.push(self.take_seat(slug)?);
            }
            let reasons = match self.transact(actions).await? {
                TxOutcome::Committed => {
                    return Ok(IssuedInvitation {
                        invitation: reissued,
                        token,
                    });
                }
                TxOutcome::Cancelled(reasons) => reasons,
            };
            let failed = |i: usize| reasons.get(i).is_some_and(|r| r.condition_failed());
            if failed(0) || failed(1) {
                backoff(attempt.min(3)).await;
                continue;
            }
            if let Some(conflict) = self.duplicate(slug, &invitation.email).await? {
                match conflict {
                    Duplicate::Member => return Err(already_member(&invitation.email)),
                    Duplicate::Invited(holder) if holder != id => {
                        if self.expire_if_lapsed(slug, &holder).await? {
                            continue;
                        }
                        return Err(already_invited(&invitation.email, &holder));
                    }
                    Duplicate::Invited(_) => {}
                }
            }
            if failed(4) {
                if self.expire_lapsed_invitations(slug).await? > 0 {
                    continue;
                }
                return Err(members_full(old(&reasons[4].item)?));
            }
            backoff(attempt.min(3)).await;
        }
        Err(too_busy())
    }
}

enum Duplicate {
    Member,
    /// The id of the invitation holding the address.
    Invited(String),
}
