//! Response security headers, cross-site request refusal and CSRF tokens on forms.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::access::is_api;
use crate::auth::{AuthVia, Principal, SESSION_CSRF};
use crate::error::{ApiError, error_page};

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
    let cross_site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site" || v == "same-site");
    if cross_site {
        return refuse(api, "The request came from another site.");
    }
    if api {
        let via_token = req.extensions().get::<std::sync::Arc<Principal>>().map(|p| p.via) == Some(AuthVia::ApiToken);
        let has_bearer = req.headers().contains_key(header::AUTHORIZATION);
        if !via_token && !has_bearer && req.extensions().get::<std::sync::Arc<Principal>>().is_some() {
            return refuse(true, "Changes through the API need an API token, not a browser session.");
        }
        return next.run(req).await;
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return refuse(false, "Your session has expired.");
    };
    let expected: Option<String> = session.get(SESSION_CSRF).await.ok().flatten();
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
