//! Tickets (X1): created, read, listed and updated by members. Each ticket lives in its
//! workspace's partition, so an id from another workspace names nothing here. An assignee
//! must be a current member: every assignment carries a condition on the assignee's MEMBER
//! item, so it cannot race with a removal.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};
use futures::StreamExt;

use super::items::{TicketItem, kind};
use super::transact::backoff;
use super::workspaces::built;
use super::{
    Item, Store, TxOutcome, from_item, keys, n, now_rfc3339, now_rfc3339_micros, s, sdk_error,
    to_item,
};
use crate::domain::{Slug, TicketId, TicketStatus, TicketSubject};
use crate::error::ApiError;
use crate::http::page::{Cursor, Page, PageRequest};
use crate::identity::Caller;

const WRITE_ATTEMPTS: u32 = 8;
/// Items a filtered list reads per query round.
const FILTERED_READ_BATCH: i32 = 250;
/// A filtered list stops after reading this many tickets and answers a short page with a
/// cursor, so one request stays quick however sparse the matches are.
const FILTERED_READ_BUDGET: usize = 5_000;
/// Tickets the `member-removed` consumer reads per page and updates at once.
const UNASSIGN_PAGE: i32 = 200;
const UNASSIGN_CONCURRENCY: usize = 16;

pub struct NewTicket {
    pub subject: TicketSubject,
    pub status: TicketStatus,
    pub assignee_id: Option<String>,
}

/// What a member may change; `None` leaves a field as it is. `assignee_id: Some(None)`
/// unassigns.
#[derive(Default)]
pub struct TicketPatch {
    pub subject: Option<TicketSubject>,
    pub status: Option<TicketStatus>,
    pub assignee_id: Option<Option<String>>,
}

impl TicketPatch {
    fn is_empty(&self) -> bool {
        self.subject.is_none() && self.status.is_none() && self.assignee_id.is_none()
    }
}

/// List filters; `assignee` and `unassigned` exclude each other (checked at the edge).
#[derive(Clone, Debug, Default)]
pub struct TicketFilter {
    pub assignee_id: Option<String>,
    pub unassigned: bool,
    pub status: Option<TicketStatus>,
}

impl TicketFilter {
    fn is_empty(&self) -> bool {
        self.assignee_id.is_none() && !self.unassigned && self.status.is_none()
    }
}

fn no_such_ticket() -> ApiError {
    ApiError::not_found("no such ticket in this workspace")
}

fn assignee_not_member() -> ApiError {
    ApiError::bad_request(
        "assignee_not_member",
        "the assignee must be a current member of the workspace",
    )
}

fn member_exists(store: &Store, slug: &Slug, user_id: &str) -> Result<TransactWriteItem, ApiError> {
    Ok(TransactWriteItem::builder()
        .condition_check(built(
            ConditionCheck::builder()
                .table_name(&store.table)
                .set_key(Some(keys::member(slug, user_id).to_map()))
                .condition_expression("attribute_exists(pk)")
                .build(),
        )?)
        .build())
}

fn workspace_live(store: &Store, slug: &Slug) -> Result<TransactWriteItem, ApiError> {
    Ok(TransactWriteItem::builder()
        .condition_check(built(
            ConditionCheck::builder()
                .table_name(&store.table)
                .set_key(Some(keys::workspace(slug).to_map()))
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(deleted_at)")
                .build(),
        )?)
        .build())
}

impl Store {
    /// The caller's membership and the workspace's liveness, then the assignee's membership
    /// (when it is someone else), as the first actions of a ticket write. Returns the actions
    /// and the index of the assignee check.
    fn ticket_guards(
        &self,
        slug: &Slug,
        caller_id: &str,
        assignee: Option<&str>,
    ) -> Result<(Vec<TransactWriteItem>, Option<usize>), ApiError> {
        let mut actions = vec![
            member_exists(self, slug, caller_id)?,
            workspace_live(self, slug)?,
        ];
        let mut assignee_check = None;
        if let Some(assignee) = assignee.filter(|a| *a != caller_id) {
            assignee_check = Some(actions.len());
            actions.push(member_exists(self, slug, assignee)?);
        }
        Ok((actions, assignee_check))
    }

    /// Explains a cancelled ticket write: a caller who is no longer a member (or a deleted
    /// workspace) is 404 before anything else; then a non-member assignee is 400. `None`:
    /// the ticket itself changed, try again.
    async fn explain_ticket_cancel(
        &self,
        slug: &Slug,
        caller_id: &str,
        reasons: &[super::CancelReason],
        assignee_check: Option<usize>,
    ) -> Result<Option<ApiError>, ApiError> {
        if reasons.iter().take(2).any(|r| r.condition_failed()) {
            return Ok(Some(ApiError::workspace_not_found()));
        }
        if let Some(index) = assignee_check
            && reasons.get(index).is_some_and(|r| r.condition_failed())
        {
            // Membership comes first whatever order the conditions were evaluated in.
            self.workspace_for_member(slug, caller_id).await?;
            return Ok(Some(assignee_not_member()));
        }
        Ok(None)
    }

    /// X1/R1: a member creates a ticket, optionally assigned to a current member.
    pub async fn create_ticket(
        &self,
        slug: &Slug,
        caller: &Caller,
        new: NewTicket,
    ) -> Result<TicketItem, ApiError> {
        let caller_id = caller.user_id.as_str();
        for attempt in 0..WRITE_ATTEMPTS {
            let id = TicketId::generate();
            let key = keys::ticket(slug, &id);
            let now = now_rfc3339();
            let ticket = TicketItem {
                pk: key.pk,
                sk: key.sk,
                kind: kind::TICKET.into(),
                slug: slug.to_string(),
                id: id.to_string(),
                subject: new.subject.as_str().to_string(),
                status: new.status,
                assigned_at: new.assignee_id.as_ref().map(|_| now_rfc3339_micros()),
                assignee_id: new.assignee_id.clone(),
                created_by: caller_id.to_string(),
                created_at: now.clone(),
                updated_at: now,
                version: 1,
            };
            let (mut actions, assignee_check) =
                self.ticket_guards(slug, caller_id, new.assignee_id.as_deref())?;
            actions.push(
                TransactWriteItem::builder()
                    .put(built(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(to_item(&ticket)?))
                            .condition_expression("attribute_not_exists(pk)")
                            .build(),
                    )?)
                    .build(),
            );
            match self.transact(actions).await? {
                TxOutcome::Committed => return Ok(ticket),
                TxOutcome::Cancelled(reasons) => {
                    if let Some(error) = self
                        .explain_ticket_cancel(slug, caller_id, &reasons, assignee_check)
                        .await?
                    {
                        return Err(error);
                    }
                    tracing::info!(attempt, "ticket id collision; drawing another");
                }
            }
        }
        Err(ApiError::internal(
            "no free ticket id after repeated attempts",
        ))
    }

    /// A ticket of the workspace, for its members: one strongly consistent round trip.
    pub async fn get_ticket(
        &self,
        slug: &Slug,
        caller_id: &str,
        id: &TicketId,
    ) -> Result<TicketItem, ApiError> {
        let (_, ticket) = self
            .workspace_and_item(slug, caller_id, Some(&keys::ticket(slug, id)))
            .await?;
        ticket
            .map(from_item)
            .transpose()?
            .ok_or_else(no_such_ticket)
    }

    /// X1/R1: a member changes the subject, the status or the assignee. The update is
    /// conditioned on the ticket being as read (so the answer is what was stored), on the
    /// caller still being a member and, when assigning, on the assignee being one.
    pub async fn update_ticket(
        &self,
        slug: &Slug,
        caller: &Caller,
        id: &TicketId,
        patch: TicketPatch,
    ) -> Result<TicketItem, ApiError> {
        let caller_id = caller.user_id.as_str();
        for attempt in 0..WRITE_ATTEMPTS {
            let mut ticket = self.get_ticket(slug, caller_id, id).await?;
            if patch.is_empty() {
                return Ok(ticket);
            }
            let read_version = ticket.version;
            let read_assignee = ticket.assignee_id.clone();
            let now = now_rfc3339();
            let mut sets = vec!["updated_at = :now", "#version = :next"];
            let mut removes = Vec::new();
            let mut update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(keys::ticket(slug, id).to_map()))
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":now", s(&now))
                .expression_attribute_values(":next", n(read_version + 1))
                .expression_attribute_values(":read", n(read_version));
            if let Some(subject) = &patch.subject {
                sets.push("subject = :subject");
                update = update.expression_attribute_values(":subject", s(subject.as_str()));
                ticket.subject = subject.as_str().to_string();
            }
            if let Some(status) = patch.status {
                sets.push("#status = :status");
                update = update
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":status", s(status.as_str()));
                ticket.status = status;
            }
            let mut assigning = None;
            match &patch.assignee_id {
                None => {}
                Some(None) => {
                    removes.push("assignee_id, assigned_at");
                    ticket.assignee_id = None;
                    ticket.assigned_at = None;
                }
                Some(Some(assignee)) => {
                    // Assigning again refreshes the stamp: the assignment is made now.
                    let assigned_at = now_rfc3339_micros();
                    sets.push("assignee_id = :assignee, assigned_at = :assigned_at");
                    update = update
                        .expression_attribute_values(":assignee", s(assignee))
                        .expression_attribute_values(":assigned_at", s(&assigned_at));
                    ticket.assignee_id = Some(assignee.clone());
                    ticket.assigned_at = Some(assigned_at);
                    assigning = Some(assignee.as_str());
                }
            }
            // The consumer of removals clears assignees without bumping the version, so the
            // assignee as read is part of the condition too.
            let condition = match &read_assignee {
                Some(read) => {
                    update = update.expression_attribute_values(":read_assignee", s(read));
                    "#version = :read AND assignee_id = :read_assignee"
                }
                None => "#version = :read AND attribute_not_exists(assignee_id)",
            };
            let mut expression = format!("SET {}", sets.join(", "));
            if !removes.is_empty() {
                expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
            }
            ticket.version = read_version + 1;
            ticket.updated_at = now;
            let update = update
                .update_expression(expression)
                .condition_expression(condition);

            let (mut actions, assignee_check) = self.ticket_guards(slug, caller_id, assigning)?;
            actions.push(
                TransactWriteItem::builder()
                    .update(built(update.build())?)
                    .build(),
            );
            match self.transact(actions).await? {
                TxOutcome::Committed => return Ok(ticket),
                TxOutcome::Cancelled(reasons) => {
                    if let Some(error) = self
                        .explain_ticket_cancel(slug, caller_id, &reasons, assignee_check)
                        .await?
                    {
                        return Err(error);
                    }
                    // The ticket changed since it was read: read again.
                    backoff(attempt.min(3)).await;
                }
            }
        }
        Err(ApiError::conflict(
            "concurrent_modification",
            "too many concurrent changes; retry the request",
        ))
    }

    /// R1: the tickets of a workspace, in creation order, optionally filtered. The caller's
    /// membership is checked first; the list is a strongly consistent query of the
    /// partition. A filter may skip many tickets, so reading goes on until the page is full,
    /// the tickets run out or the read budget is spent; the cursor is always the last ticket
    /// looked at, so the next page starts right after it.
    pub async fn list_tickets(
        &self,
        slug: &Slug,
        caller_id: &str,
        filter: &TicketFilter,
        page: &PageRequest,
    ) -> Result<Page<TicketItem>, ApiError> {
        self.workspace_for_member(slug, caller_id).await?;
        let partition = keys::workspace_partition(slug);
        let wanted = page.limit as usize;
        let mut items: Vec<TicketItem> = Vec::new();
        let mut start: Option<Item> = page.cursor.as_ref().map(|Cursor(sort_key)| {
            keys::Key {
                pk: partition.clone(),
                sk: sort_key.clone(),
            }
            .to_map()
        });
        let mut read = 0usize;
        loop {
            let batch = if filter.is_empty() {
                (wanted - items.len()) as i32
            } else {
                FILTERED_READ_BATCH
            };
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", s(&partition))
                .expression_attribute_values(":prefix", s(keys::TICKET_PREFIX))
                .set_exclusive_start_key(start.take())
                .consistent_read(true)
                .limit(batch);
            let mut conditions = Vec::new();
            if let Some(assignee) = &filter.assignee_id {
                conditions.push("assignee_id = :assignee");
                query = query.expression_attribute_values(":assignee", s(assignee));
            }
            if filter.unassigned {
                conditions.push("attribute_not_exists(assignee_id)");
            }
            if let Some(status) = filter.status {
                conditions.push("#status = :status");
                query = query
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":status", s(status.as_str()));
            }
            if !conditions.is_empty() {
                query = query.filter_expression(conditions.join(" AND "));
            }
            let output = query.send().await.map_err(|e| sdk_error("Query", e))?;
            read += output.scanned_count().max(0) as usize;
            for item in output.items.unwrap_or_default() {
                items.push(from_item(item)?);
            }
            let last_evaluated = output.last_evaluated_key.filter(|key| !key.is_empty());
            if items.len() >= wanted {
                // A full page: the next one starts after its last ticket, whatever the query
                // read beyond it. Only a query that ended exactly there has nothing more.
                let more = items.len() > wanted || last_evaluated.is_some();
                items.truncate(wanted);
                let next_cursor = items
                    .last()
                    .filter(|_| more)
                    .map(|last| Cursor::encode(&last.sk));
                return Ok(Page { items, next_cursor });
            }
            match last_evaluated {
                None => {
                    return Ok(Page {
                        items,
                        next_cursor: None,
                    });
                }
                Some(key) if read >= FILTERED_READ_BUDGET => {
                    let next_cursor = key
                        .get("sk")
                        .and_then(|sk| sk.as_s().ok())
                        .map(|sk| Cursor::encode(sk));
                    return Ok(Page { items, next_cursor });
                }
                Some(key) => start = Some(key),
            }
        }
    }

    /// M2 (the `member-removed` consumer): unassigns every ticket of the workspace that was
    /// assigned to `user_id` up to `until` (RFC 3339, microseconds), page by page. Each ticket
    /// is one conditional update that changes nothing but the assignment, so running this
    /// twice, or again after a crash half-way, is harmless; tickets assigned later (the user
    /// rejoined) and tickets deleted meanwhile are left alone. Returns how many it unassigned.
    pub async fn unassign_removed_member(
        &self,
        slug: &Slug,
        user_id: &str,
        removed_at: &str,
    ) -> Result<usize, ApiError> {
        let partition = keys::workspace_partition(slug);
        let mut start: Option<Item> = None;
        let mut cleared = 0;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .filter_expression("assignee_id = :uid AND assigned_at <= :removed_at")
                .projection_expression("sk")
                .expression_attribute_values(":pk", s(&partition))
                .expression_attribute_values(":prefix", s(keys::TICKET_PREFIX))
                .expression_attribute_values(":uid", s(user_id))
                .expression_attribute_values(":removed_at", s(removed_at))
                .set_exclusive_start_key(start.take())
                .consistent_read(true)
                .limit(UNASSIGN_PAGE)
                .send()
                .await
                .map_err(|e| sdk_error("Query", e))?;
            let sort_keys: Vec<String> = output
                .items
                .unwrap_or_default()
                .into_iter()
                .filter_map(|item| item.get("sk").and_then(|v| v.as_s().ok()).cloned())
                .collect();
            let results: Vec<Result<bool, ApiError>> = futures::stream::iter(sort_keys)
                .map(|sk| self.unassign_one(&partition, sk, user_id, removed_at))
                .buffer_unordered(UNASSIGN_CONCURRENCY)
                .collect()
                .await;
            for result in results {
                if result? {
                    cleared += 1;
                }
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(cleared),
            }
        }
    }

    /// `false` when the ticket no longer needs it (already cleared, reassigned, deleted).
    async fn unassign_one(
        &self,
        partition: &str,
        sk: String,
        user_id: &str,
        removed_at: &str,
    ) -> Result<bool, ApiError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(
                keys::Key {
                    pk: partition.to_string(),
                    sk,
                }
                .to_map(),
            ))
            .update_expression("REMOVE assignee_id, assigned_at")
            .condition_expression(
                "attribute_exists(pk) AND assignee_id = :uid AND assigned_at <= :removed_at",
            )
            .expression_attribute_values(":uid", s(user_id))
            .expression_attribute_values(":removed_at", s(removed_at))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(error) => Err(sdk_error("UpdateItem", error)),
        }
    }
}
