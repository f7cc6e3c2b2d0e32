//! `/workspaces/{slug}/tickets[/{id}]`: minimal tickets (X1), worked by any member (R1).

use serde::{Deserialize, Deserializer, Serialize};

use crate::App;
use crate::domain::{TicketId, TicketStatus, TicketSubject};
use crate::error::ApiError;
use crate::http::{Call, PageRequest, Reply};
use crate::identity::valid_user_id;
use crate::store::items::TicketItem;
use crate::store::keys::TICKET_PREFIX;
use crate::store::{NewTicket, TicketFilter, TicketPatch};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTicket {
    subject: String,
    #[serde(default)]
    status: Option<TicketStatus>,
    #[serde(default)]
    assignee_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateTicket {
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    status: Option<TicketStatus>,
    /// Absent: unchanged; `null`: unassign; a user id: assign.
    #[serde(default, deserialize_with = "present")]
    assignee_id: Option<Option<String>>,
}

/// Tells a field that is present (even as `null`) from one that is absent.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The ticket shape of the API; `assignee_id` is `null` when unassigned.
#[derive(Serialize)]
pub struct TicketView {
    pub id: String,
    pub subject: String,
    pub status: TicketStatus,
    pub assignee_id: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&TicketItem> for TicketView {
    fn from(ticket: &TicketItem) -> Self {
        TicketView {
            id: ticket.id.clone(),
            subject: ticket.subject.clone(),
            status: ticket.status,
            assignee_id: ticket.assignee_id.clone(),
            created_by: ticket.created_by.clone(),
            created_at: ticket.created_at.clone(),
            updated_at: ticket.updated_at.clone(),
        }
    }
}

fn subject(raw: &str) -> Result<TicketSubject, ApiError> {
    TicketSubject::parse(raw).map_err(ApiError::invalid)
}

/// An assignee id as sent; `me` stands for the caller. Whether they are a member is the
/// store's condition.
fn assignee(call: &Call, raw: &str) -> Result<String, ApiError> {
    let raw = raw.trim();
    if raw == "me" {
        return Ok(call.caller()?.user_id.clone());
    }
    if !valid_user_id(raw) {
        return Err(ApiError::bad_request(
            "assignee_not_member",
            "the assignee must be a current member of the workspace",
        ));
    }
    Ok(raw.to_string())
}

fn ticket_id(call: &Call) -> Result<TicketId, ApiError> {
    TicketId::parse(call.path("id")?)
        .ok_or_else(|| ApiError::not_found("no such ticket in this workspace"))
}

/// `POST /workspaces/{slug}/tickets` (members).
pub async fn create(app: &App, call: Call) -> Result<Reply, ApiError> {
    let caller = call.caller()?;
    let slug = call.slug()?;
    let body: CreateTicket = call.json()?;
    let new = NewTicket {
        subject: subject(&body.subject)?,
        status: body.status.unwrap_or_default(),
        assignee_id: body
            .assignee_id
            .as_deref()
            .map(|raw| assignee(&call, raw))
            .transpose()?,
    };
    let ticket = app.store.create_ticket(&slug, caller, new).await?;
    Reply::created(TicketView::from(&ticket))
}

/// `GET /workspaces/{slug}/tickets` (members): `?assignee=ID|me`, `?unassigned=true`,
/// `?status=open|pending|closed`, paginated.
pub async fn list(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let page = PageRequest::from_call(&call, TICKET_PREFIX)?;
    let invalid = |detail: &str| ApiError::bad_request("invalid_filter", detail.to_string());
    let assignee_id = match call
        .query("assignee")
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        None => None,
        Some("me") => Some(caller.user_id.clone()),
        Some(raw) if valid_user_id(raw) => Some(raw.to_string()),
        Some(_) => return Err(invalid("assignee must be a user id or `me`")),
    };
    let unassigned = match call.query("unassigned").map(str::trim) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(invalid("unassigned must be `true` or `false`")),
    };
    if unassigned && assignee_id.is_some() {
        return Err(invalid("filter by assignee or by unassigned, not both"));
    }
    let status = call
        .query("status")
        .map(|raw| {
            TicketStatus::parse(raw)
                .ok_or_else(|| invalid("status must be open, pending or closed"))
        })
        .transpose()?;
    let filter = TicketFilter {
        assignee_id,
        unassigned,
        status,
    };
    let page = app
        .store
        .list_tickets(&slug, &caller.user_id, &filter, &page)
        .await?;
    Reply::ok(serde_json::json!({
        "items": page.items.iter().map(TicketView::from).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
    }))
}

/// `GET /workspaces/{slug}/tickets/{id}` (members).
pub async fn get(app: &App, call: Call) -> Result<Reply, ApiError> {
    call.no_body()?;
    let caller = call.caller()?;
    let slug = call.slug()?;
    let id = ticket_id(&call)?;
    let ticket = app.store.get_ticket(&slug, &caller.user_id, &id).await?;
    Reply::ok(TicketView::from(&ticket))
}

/// `PATCH /workspaces/{slug}/tickets/{id}` (members): subject, status, assignee or `null`.
pub async fn update(app: &App, call: Call) -> Result<Reply, ApiError> {
    let caller = call.caller()?;
    let slug = call.slug()?;
    let body: UpdateTicket = call.json()?;
    let id = ticket_id(&call)?;
    let patch = TicketPatch {
        subject: body.subject.as_deref().map(subject).transpose()?,
        status: body.status,
        assignee_id: match body.assignee_id {
            None => None,
            Some(None) => Some(None),
            Some(Some(raw)) => Some(Some(assignee(&call, &raw)?)),
        },
    };
    let ticket = app.store.update_ticket(&slug, caller, &id, patch).await?;
    Reply::ok(TicketView::from(&ticket))
}
