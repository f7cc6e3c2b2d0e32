//! The route table: every endpoint's method, path, who may call it, its handler and the
//! Lambda function (binary) that serves it. The Lambda binaries, the local server,
//! `template.yaml` and `openapi.yaml` all follow this table; a test checks that they agree.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use futures::future::BoxFuture;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use crate::App;
use crate::error::ApiError;
use crate::handlers::{
    admin, domains, files, invitations, me, members, tickets, usage, webhooks, workspaces,
};
use crate::http::reply::problem_response;
use crate::http::{Call, Reply};
use crate::observability::DYNAMODB_CALLS;

pub type HandlerFuture<'a> = BoxFuture<'a, Result<Reply, ApiError>>;
pub type Handler = for<'a> fn(&'a App, Call) -> HandlerFuture<'a>;

/// Who may call a route. Enforcement of membership and role lives in the store's
/// conditions; this is what the isolation tests, the template and the docs read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No sign-in (holders of an invitation token).
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Members of the workspace in the path.
    Member,
    /// Owners of the workspace in the path.
    Owner,
    /// The creator of the workspace in the path.
    Creator,
    /// Operators (`admins` in `cognito:groups`).
    Operator,
}

impl Access {
    /// Whether API Gateway's JWT authorizer guards the route.
    pub fn requires_sign_in(self) -> bool {
        self != Access::Public
    }
}

pub struct Route {
    /// The Lambda function and binary name (`functions/src/bin/{function}.rs`).
    pub function: &'static str,
    pub method: &'static str,
    /// API Gateway path template: `/workspaces/{slug}`.
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    pub handler: Handler,
}

macro_rules! route {
    ($function:literal, $method:literal, $path:literal, $access:ident, $handler:path, $summary:literal) => {
        Route {
            function: $function,
            method: $method,
            path: $path,
            access: Access::$access,
            summary: $summary,
            handler: |app, call| Box::pin($handler(app, call)),
        }
    };
}

pub static ROUTES: &[Route] = &[
    route!(
        "get-me",
        "GET",
        "/me",
        SignedIn,
        me::get,
        "The caller, their plan and workspace allowance"
    ),
    route!(
        "create-workspace",
        "POST",
        "/workspaces",
        SignedIn,
        workspaces::create,
        "Create a workspace; the caller becomes its owner"
    ),
    route!(
        "list-workspaces",
        "GET",
        "/workspaces",
        SignedIn,
        workspaces::list,
        "Every workspace the caller belongs to, with the caller's role"
    ),
    route!(
        "get-workspace",
        "GET",
        "/workspaces/{slug}",
        Member,
        workspaces::get,
        "One workspace"
    ),
    route!(
        "update-workspace",
        "PATCH",
        "/workspaces/{slug}",
        Owner,
        workspaces::update,
        "Rename or change settings"
    ),
    route!(
        "delete-workspace",
        "DELETE",
        "/workspaces/{slug}",
        Creator,
        workspaces::delete,
        "Delete the workspace and everything in it"
    ),
    route!(
        "get-usage",
        "GET",
        "/workspaces/{slug}/usage",
        Owner,
        usage::get,
        "The creator's plan and each resource's use and limit"
    ),
    route!(
        "create-domain",
        "POST",
        "/workspaces/{slug}/domains",
        Owner,
        domains::create,
        "Add a custom domain, within the plan's quota"
    ),
    route!(
        "list-domains",
        "GET",
        "/workspaces/{slug}/domains",
        Owner,
        domains::list,
        "The workspace's custom domains"
    ),
    route!(
        "delete-domain",
        "DELETE",
        "/workspaces/{slug}/domains/{domain}",
        Owner,
        domains::delete,
        "Remove a custom domain; frees its slot"
    ),
    route!(
        "create-webhook",
        "POST",
        "/workspaces/{slug}/webhooks",
        Owner,
        webhooks::create,
        "Add an HTTPS webhook; its signing secret is shown only here"
    ),
    route!(
        "list-webhooks",
        "GET",
        "/workspaces/{slug}/webhooks",
        Owner,
        webhooks::list,
        "The workspace's webhooks, without secrets"
    ),
    route!(
        "delete-webhook",
        "DELETE",
        "/workspaces/{slug}/webhooks/{id}",
        Owner,
        webhooks::delete,
        "Remove a webhook; frees its slot"
    ),
    route!(
        "create-file",
        "POST",
        "/workspaces/{slug}/files",
        Member,
        files::create,
        "Record a file; its size counts against storage"
    ),
    route!(
        "list-files",
        "GET",
        "/workspaces/{slug}/files",
        Member,
        files::list,
        "The workspace's file records"
    ),
    route!(
        "delete-file",
        "DELETE",
        "/workspaces/{slug}/files/{id}",
        Member,
        files::delete,
        "Delete a file record; frees its bytes"
    ),
    route!(
        "set-user-plan",
        "PUT",
        "/admin/users/{user_id}/plan",
        Operator,
        admin::set_plan,
        "Set a user's plan; applies to every workspace they created"
    ),
    route!(
        "set-user-limits",
        "PUT",
        "/admin/users/{user_id}/limits",
        Operator,
        admin::set_limits,
        "Override (or clear overrides of) a user's limits"
    ),
    route!(
        "create-invitation",
        "POST",
        "/workspaces/{slug}/invitations",
        Owner,
        invitations::create,
        "Invite an email address; it holds a seat while pending"
    ),
    route!(
        "list-invitations",
        "GET",
        "/workspaces/{slug}/invitations",
        Owner,
        invitations::list,
        "Pending and past invitations of the workspace"
    ),
    route!(
        "cancel-invitation",
        "DELETE",
        "/workspaces/{slug}/invitations/{id}",
        Owner,
        invitations::cancel,
        "Cancel a pending invitation; its seat is freed"
    ),
    route!(
        "resend-invitation",
        "POST",
        "/workspaces/{slug}/invitations/{id}/resend",
        Owner,
        invitations::resend,
        "New token, new expiry, new email (at most 5 sends per 24 h)"
    ),
    route!(
        "get-invitation",
        "GET",
        "/invitations/{token}",
        Public,
        invitations::get_preview,
        "Public preview of an invitation for the holder of its token"
    ),
    route!(
        "accept-invitation",
        "POST",
        "/invitations/{token}/accept",
        SignedIn,
        invitations::accept,
        "Join the workspace (the caller's email must be the invited one)"
    ),
    route!(
        "decline-invitation",
        "POST",
        "/invitations/{token}/decline",
        Public,
        invitations::decline,
        "Decline the invitation; its seat is freed"
    ),
    route!(
        "list-members",
        "GET",
        "/workspaces/{slug}/members",
        Member,
        members::list,
        "The members of the workspace: email, role, joined_at"
    ),
    route!(
        "update-member",
        "PATCH",
        "/workspaces/{slug}/members/{user_id}",
        Owner,
        members::update,
        "Change a member's role (never the creator's)"
    ),
    route!(
        "remove-member",
        "DELETE",
        "/workspaces/{slug}/members/{user_id}",
        Owner,
        members::remove,
        "Remove a member (owners), or leave (`me`); never the creator"
    ),
    route!(
        "create-ticket",
        "POST",
        "/workspaces/{slug}/tickets",
        Member,
        tickets::create,
        "Create a ticket, optionally assigned to a member"
    ),
    route!(
        "list-tickets",
        "GET",
        "/workspaces/{slug}/tickets",
        Member,
        tickets::list,
        "Tickets, filtered by assignee, unassigned or status"
    ),
    route!(
        "get-ticket",
        "GET",
        "/workspaces/{slug}/tickets/{id}",
        Member,
        tickets::get,
        "One ticket"
    ),
    route!(
        "update-ticket",
        "PATCH",
        "/workspaces/{slug}/tickets/{id}",
        Member,
        tickets::update,
        "Change a ticket's subject, status or assignee"
    ),
];

pub fn by_function(function: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|route| route.function == function)
}

/// What a method and path resolve to.
pub enum Resolution {
    Found(&'static Route, HashMap<String, String>),
    MethodNotAllowed,
    NotFound,
}

/// Matches concrete paths against the table's templates (as API Gateway does).
pub struct Router {
    paths: matchit::Router<Vec<&'static Route>>,
}

impl Router {
    pub fn new() -> Self {
        let mut grouped: Vec<(&'static str, Vec<&'static Route>)> = Vec::new();
        for route in ROUTES {
            match grouped.iter_mut().find(|(path, _)| *path == route.path) {
                Some((_, routes)) => routes.push(route),
                None => grouped.push((route.path, vec![route])),
            }
        }
        let mut paths = matchit::Router::new();
        for (path, routes) in grouped {
            paths
                .insert(path, routes)
                .expect("route paths in the table are valid and distinct");
        }
        Router { paths }
    }

    pub fn resolve(&self, method: &str, path: &str) -> Resolution {
        let Ok(matched) = self.paths.at(path) else {
            return Resolution::NotFound;
        };
        let Some(route) = matched
            .value
            .iter()
            .find(|r| r.method.eq_ignore_ascii_case(method))
        else {
            return Resolution::MethodNotAllowed;
        };
        let params = matched
            .params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Resolution::Found(route, params)
    }
}

impl Default for Router {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs one request through a route: authentication, the handler, problem+json for errors,
/// and one log line with route, status, latency and the number of DynamoDB calls.
pub async fn dispatch(app: &App, route: &Route, request: Request) -> Response<Body> {
    let started = Instant::now();
    let calls = Arc::new(AtomicU32::new(0));
    let request_id = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone(),
        _ => None,
    };
    let result = DYNAMODB_CALLS
        .scope(calls.clone(), async {
            let call = Call::from_request(request)?;
            if route.access.requires_sign_in() && !call.is_signed_in() {
                return Err(ApiError::Unauthorized);
            }
            (route.handler)(app, call).await
        })
        .await;
    let response = match result {
        Ok(reply) => reply.into_response(),
        Err(error) => {
            if let ApiError::Internal(detail) = &error {
                tracing::error!(route = route.function, %detail, "internal error");
            }
            problem_response(&error)
        }
    };
    tracing::info!(
        route = route.function,
        method = route.method,
        path = route.path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        dynamodb_calls = calls.load(Ordering::Relaxed),
        request_id = request_id.as_deref().unwrap_or(""),
        "request"
    );
    response
}

/// The answer for a path no route matches (the local server; API Gateway answers it in AWS).
pub fn unmatched_response(resolution: &Resolution) -> Response<Body> {
    let error = match resolution {
        Resolution::MethodNotAllowed => ApiError::MethodNotAllowed,
        _ => ApiError::not_found("no such route"),
    };
    problem_response(&error)
}
