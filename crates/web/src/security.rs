//! Response security headers, cross-site request refusal and CSRF tokens on forms.

use axum::body::{Body, to_bytes};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::access::is_api;
use crate::auth::{AuthVia, Principal, SESSION_CSRF};
use crate::error::{ApiError, error_page};
use crate::state::AppState;

/// Forms are small; anything bigger than this is refused before it is parsed.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuse state-changing requests that a browser says come from another site, and, for
/// pages, any form without this session's CSRF token. The API takes unsafe requests only
/// with a bearer token, which a browser never sends on its own.
pub async fn csrf(req: Request, next: Next) -> Response {
    if !unsafe_method(req.method()) {
        return next.run(req).await;
    }
    let api = is_api(req.uri());
    if from_another_site(&req) {
        return refuse(api, "The request came from another site.");
    }
    if api {
        // Only a valid bearer token makes an API change: a browser sends cookies on its
        // own, but never a token. Any other `Authorization` header with a session cookie
        // is still the browser session, and is refused.
        let via = req.extensions().get::<std::sync::Arc<Principal>>().map(|p| p.via);
        if via.is_some_and(|v| v != AuthVia::ApiToken) {
            return refuse(true, "Changes through the API need an API token, not a browser session.");
        }
        return next.run(req).await;
    }
    // Signed in: the token kept in the session. Anonymous (signing in, a self-referral, a
    // reset link): the form token cookie, so that no visitor's request writes a session.
    let signed_in = req.extensions().get::<std::sync::Arc<Principal>>().is_some_and(|p| p.via == AuthVia::Session);
    let expected: Option<String> = if signed_in {
        match req.extensions().get::<Session>() {
            Some(session) => session.get(SESSION_CSRF).await.ok().flatten(),
            None => None,
        }
    } else {
        req.extensions().get::<FormToken>().filter(|t| !t.fresh).map(|t| t.value.clone())
    };
    // A file upload's body is not buffered here: its form puts the token in its address.
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let sent = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v));
        return match (expected, sent) {
            (Some(e), Some(s)) if constant_time_eq(e.as_bytes(), s.as_bytes()) => next.run(req).await,
            _ => refuse(
                false,
                "The form had expired or was not sent from this service. Go back, refresh the page and try again.",
            ),
        };
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The form was too large",
                "Shorten what you entered and try again.",
            );
        }
    };
    let sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v));
    match (expected, sent) {
        (Some(e), Some(s)) if constant_time_eq(e.as_bytes(), s.as_bytes()) => {
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        _ => refuse(
            false,
            "The form had expired or was not sent from this service. Go back, refresh the page and try again.",
        ),
    }
}

/// Whether a browser says this request comes from another site. A browser that sends
/// `Sec-Fetch-Site` is believed: same-origin (or none, typed by the user) only. Its
/// `Origin` may then be `null`, because our `Referrer-Policy: no-referrer` hides it even
/// from our own forms. Without that header, an `Origin` must name this host (`null` is
/// refused: a sandboxed frame or a redirect from elsewhere). A request with neither
/// header (a script, an older browser) is left to the CSRF token.
fn from_another_site(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = req.uri().authority().map(|a| a.as_str()).or_else(|| headers.get(header::HOST)?.to_str().ok());
    let origin_host = origin.to_str().ok().and_then(|o| url::Url::parse(o).ok()).and_then(|u| {
        let host = u.host_str()?.to_owned();
        Some(match u.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        })
    });
    match (origin_host, host) {
        (Some(o), Some(h)) => !o.eq_ignore_ascii_case(h),
        _ => true,
    }
}

/// The cookie that carries an anonymous visitor's form token. The sign-in and
/// self-referral forms need a token bound to the browser before anyone has a session, and
/// a session would be a database write for every visitor: instead the token is a random
/// value in this cookie, echoed in the form (double submit). `SameSite=Strict` and
/// `HttpOnly`; the `Origin` check above refuses cross-site posts besides.
pub const FORM_COOKIE: &str = "linkwell_form";

/// This request's anonymous form token: the one in the visitor's cookie, or a new one
/// sent back in a cookie once a page has used it.
#[derive(Debug, Clone)]
pub struct FormToken {
    value: String,
    /// Made for this request: no form can have carried it yet.
    fresh: bool,
    used: Arc<AtomicBool>,
}

impl FormToken {
    /// The token, for a page to put in its forms (the cookie then goes with the page).
    pub fn use_value(&self) -> String {
        self.used.store(true, Ordering::Relaxed);
        self.value.clone()
    }
}

fn form_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == FORM_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub async fn form_token(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let (value, fresh) = match form_cookie(req.headers()) {
        Some(v) => (v, false),
        None => (linkwell_domain::identity::Secret::generate("").expose().to_owned(), true),
    };
    let token = FormToken { value, fresh, used: Arc::new(AtomicBool::new(false)) };
    req.extensions_mut().insert(token.clone());
    let mut res = next.run(req).await;
    if token.fresh && token.used.load(Ordering::Relaxed) {
        let cookie = tower_sessions::cookie::Cookie::build((FORM_COOKIE, token.value))
            .http_only(true)
            .same_site(tower_sessions::cookie::SameSite::Strict)
            .secure(state.config.secure_cookies)
            .path("/")
            .build();
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// A body over the limit is refused by the body-limit layer before anything reads it, in
/// plain text: answer it like every other refusal, with problem details for the API and
/// the published directory's feed, and a page for people.
pub async fn answer_too_large(req: Request, next: Next) -> Response {
    let machine = is_api(req.uri()) || req.uri().path().starts_with("/oruk/");
    let res = next.run(req).await;
    if res.status() != StatusCode::PAYLOAD_TOO_LARGE || res.extensions().get::<crate::error::ErrorPage>().is_some() {
        return res;
    }
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !plain {
        return res;
    }
    if machine {
        ApiError::TooLarge.into_response()
    } else {
        error_page(StatusCode::PAYLOAD_TOO_LARGE, "The form was too large", "Shorten what you entered and try again.")
    }
}

fn refuse(api: bool, why: &'static str) -> Response {
    if api {
        ApiError::Forbidden(why).into_response()
    } else {
        error_page(StatusCode::FORBIDDEN, "Your request could not be accepted", why)
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
