//! Who is asking: the signed-in user behind a web session or an API token.
//!
//! `resolve_principal` runs on every request: it reads a bearer token (API) or the session
//! cookie (pages), loads the user fresh from the database — so disabling a user takes
//! effect at their next request — and enforces the absolute session lifetime. Handlers and
//! the access layer then read the `Principal` from the request extensions.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use linkwell_domain::identity::SecretHash;
use linkwell_domain::{OrganisationId, UserId};
use linkwell_store::{OrgScope, now_ms};
use tower_sessions::Session;

use crate::state::AppState;

pub const SESSION_USER: &str = "uid";
pub const SESSION_ORG: &str = "org";
pub const SESSION_SIGNED_IN_AT: &str = "signed_in_at";
pub const SESSION_SEEN_AT: &str = "seen_at";
pub const SESSION_CSRF: &str = "csrf";
/// The user's `credentials_changed_at` when this session signed in: a password change
/// since then ends the session.
pub const SESSION_CREDENTIALS: &str = "credentials";
/// A one-off message shown on the next page (e.g. "You have signed out").
pub const SESSION_FLASH: &str = "flash";

/// Sessions end 12 hours after sign-in whatever the activity.
pub const ABSOLUTE_SESSION_MS: i64 = 12 * 60 * 60 * 1000;
/// … and after 30 minutes without a request (tower-sessions' inactivity expiry).
pub const IDLE_SESSION_MINUTES: i64 = 30;

pub use linkwell_app::{AuthVia, Caller, Principal};

/// Sign `user` in on this session. A new session id at sign-in defeats session fixation;
/// the session's own form token is stored with the rest (one write, not two).
pub async fn start_session(
    session: &Session,
    user: &linkwell_store::users::User,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(SESSION_USER, user.id).await?;
    session.insert(SESSION_ORG, user.organisation_id).await?;
    session.insert(SESSION_SIGNED_IN_AT, now_ms()).await?;
    session.insert(SESSION_CREDENTIALS, user.credentials_changed_at).await?;
    session.insert(SESSION_CSRF, linkwell_domain::identity::Secret::generate("").expose()).await
}

/// The principal of this request, if anyone is signed in.
#[derive(Debug, Clone)]
pub struct MaybePrincipal(pub Option<Arc<Principal>>);

impl<S: Send + Sync> FromRequestParts<S> for MaybePrincipal {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybePrincipal(parts.extensions.get::<Arc<Principal>>().cloned()))
    }
}

/// Who is asking, as the use cases take it: the signed-in principal with this request's id
/// (their scope and audit actor). The access layer has already refused anonymous requests
/// to routes that take this, so a missing principal is a routing mistake (500, not 401).
#[derive(Debug, Clone)]
pub struct Signed(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let principal = parts.extensions.get::<Arc<Principal>>().cloned().ok_or(StatusCode::INTERNAL_SERVER_ERROR)?;
        Ok(Signed(Caller::new(principal, request_id(&parts.headers))))
    }
}

fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

pub async fn resolve_principal(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Static files and operations endpoints never depend on who is asking: skip the
    // session and user lookups for them.
    let path = req.uri().path();
    if path.starts_with("/assets/") || matches!(path, "/healthz" | "/readyz" | "/metrics") {
        return next.run(req).await;
    }
    let principal = match bearer(&req) {
        Some(token) => from_token(&state, token).await,
        None => match req.extensions().get::<Session>().cloned() {
            Some(session) => from_session(&state, &session).await,
            None => None,
        },
    };
    if let Some(p) = principal {
        req.extensions_mut().insert(Arc::new(p));
    }
    next.run(req).await
}

async fn from_token(state: &AppState, token: &str) -> Option<Principal> {
    let user = state.db.user_for_api_token(&SecretHash::of(token)).await.ok()?;
    let organisation = state.db.organisation(&OrgScope::new(user.organisation_id)).await.ok()?;
    Some(Principal { user, organisation, via: AuthVia::ApiToken })
}

async fn from_session(state: &AppState, session: &Session) -> Option<Principal> {
    let uid: UserId = session.get(SESSION_USER).await.ok()??;
    let org: OrganisationId = session.get(SESSION_ORG).await.ok()??;
    let signed_in_at: i64 = session.get(SESSION_SIGNED_IN_AT).await.ok()?.unwrap_or(0);
    let now = now_ms();
    if now - signed_in_at > ABSOLUTE_SESSION_MS {
        let _ = session.flush().await;
        return None;
    }
    let scope = OrgScope::new(org);
    let user = state.db.user(&scope, uid).await.ok()?;
    let credentials: i64 = session.get(SESSION_CREDENTIALS).await.ok().flatten().unwrap_or(0);
    if user.disabled || credentials != user.credentials_changed_at {
        let _ = session.flush().await;
        return None;
    }
    let organisation = state.db.organisation(&scope).await.ok()?;
    // Touch the session at most once a minute: that renews its inactivity expiry without
    // a database write on every request.
    let seen: i64 = session.get(SESSION_SEEN_AT).await.ok().flatten().unwrap_or(0);
    if now - seen > 60_000 {
        let _ = session.insert(SESSION_SEEN_AT, now).await;
    }
    Some(Principal { user, organisation, via: AuthVia::Session })
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(t) = session.get::<String>(SESSION_CSRF).await? {
        return Ok(t);
    }
    let t = linkwell_domain::identity::Secret::generate("").expose().to_owned();
    session.insert(SESSION_CSRF, &t).await?;
    Ok(t)
}

/// The request id set by the request-id layer, for audit entries and logs.
pub fn request_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).filter(|s| acceptable_request_id(s)).map(str::to_owned)
}

/// A request id a client may choose (a load balancer's or a GP system's trace id): a short
/// token of letters, digits, `-`, `_`, `.` and `:`. Anything else is replaced with one of
/// ours before it can reach a log line or an audit entry.
pub fn acceptable_request_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Drop a client's `x-request-id` that is not [`acceptable_request_id`], so the request-id
/// layer makes a fresh one.
pub async fn screen_request_id(mut req: Request, next: Next) -> Response {
    let bad = req
        .headers()
        .get_all("x-request-id")
        .iter()
        .enumerate()
        .any(|(i, v)| i > 0 || !v.to_str().is_ok_and(acceptable_request_id));
    if bad {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}
