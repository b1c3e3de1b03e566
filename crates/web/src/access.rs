//! What each route requires, and the layer that enforces it.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use linkwell_domain::authz::Action;

use crate::auth::Principal;
use crate::error::{ApiError, PageError};

/// The access a route needs. Every route in `app::routes` names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Anyone, signed in or not (sign-in page, health checks, static assets, OpenAPI).
    Public,
    /// Anyone signed in.
    SignedIn,
    /// A signed-in user whose role allows the action.
    Allowed(Action),
}

pub fn is_api(uri: &Uri) -> bool {
    uri.path().starts_with("/api/")
}

/// Refuse the request unless the principal satisfies `access`. Anonymous page requests go
/// to the sign-in page (and come back afterwards); the API answers 401.
pub async fn enforce(access: Access, req: Request, next: Next) -> Response {
    if access == Access::Public {
        return next.run(req).await;
    }
    let principal = req.extensions().get::<Arc<Principal>>().cloned();
    let api = is_api(req.uri());
    let Some(p) = principal else {
        if api {
            return ApiError::Unauthorized.into_response();
        }
        let next_path = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let target = format!("/sign-in?next={}", urlencode(next_path));
        return Redirect::to(&target).into_response();
    };
    if let Access::Allowed(action) = access
        && !p.can(action)
    {
        return if api {
            ApiError::Forbidden("Your role does not allow this.").into_response()
        } else {
            PageError::Forbidden.into_response()
        };
    }
    next.run(req).await
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A `next` target after sign-in: only a path on this site, never another site. It must
/// parse as a path (and query), start with one `/` (`//host` and `/\host` are other
/// sites to a browser), and hold no control characters (`/\t/evil.example` is
/// `//evil.example` once a browser drops the tab) and no backslash anywhere.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else { return "/".to_owned() };
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/sign-")
        && !n.chars().any(|c| c.is_control() || c == '\\' || c.is_whitespace())
        && n.parse::<axum::http::uri::PathAndQuery>().is_ok_and(|p| p.as_str() == n);
    if local { n.to_owned() } else { "/".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_local_path_or_home() {
        for good in ["/", "/caseload", "/referrals?status=received", "/people/abc/edit"] {
            assert_eq!(safe_next(Some(good)), good);
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "https://evil.example",
            "evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\u{0}x",
            "/sign-in",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
