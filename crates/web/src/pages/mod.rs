//! Server-rendered pages, one module per capability.
//!
//! Every page handler takes a [`Page`], which knows who is signed in, the session's CSRF
//! token and the current path, and renders a template inside the shared layout;
//! `Page::caller` gives the use cases who is asking.

pub mod account;
pub mod audit;
pub mod caseload;
pub mod diary;
pub mod directory;
pub mod discharge;
pub mod groups;
pub mod home;
pub mod outcomes;
pub mod people;
pub mod plans;
pub mod practices;
pub mod prescriptions;
pub mod programmes;
pub mod public_directory;
pub mod questionnaires;
pub mod referrals;
pub mod reports;
pub mod self_referral;
pub mod sessions;
pub mod settings;
pub mod shared;
pub mod sign_in;
pub mod tools;
pub mod users;

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use linkwell_domain::ValidationErrors;
use linkwell_domain::authz::Action;
use linkwell_domain::identity::Role;
use linkwell_domain::validation::MAX_ROWS;
use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;
use tower_sessions::Session;

use crate::auth::{Caller, MaybePrincipal, Principal, SESSION_FLASH, csrf_token};
use crate::error::{ErrorPage, PageError};
use crate::state::AppState;

pub struct Page {
    pub principal: Option<Arc<Principal>>,
    pub session: Option<Session>,
    pub csrf: String,
    pub path: String,
    pub flash: Option<String>,
    /// The `x-request-id` of this request, recorded in audit entries.
    pub request_id: Option<String>,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let MaybePrincipal(principal) =
            MaybePrincipal::from_request_parts(parts, state).await.unwrap_or(MaybePrincipal(None));
        let session =
            parts.extensions.get::<Session>().cloned().ok_or_else(|| PageError::Internal("no session layer".into()))?;
        // A visitor who is not signed in has no session, and reading a page must not make
        // one (a database write per request): their forms carry the cookie's form token.
        let csrf = match &principal {
            Some(p) if p.via == crate::auth::AuthVia::Session => csrf_token(&session).await?,
            // A script with an API token reading a page has no session to keep a token in.
            Some(_) => String::new(),
            None => parts.extensions.get::<crate::security::FormToken>().map(|t| t.use_value()).unwrap_or_default(),
        };
        // Taking the flash changes the session only when there is one to take.
        let flash = match session.get::<String>(SESSION_FLASH).await? {
            Some(_) => session.remove::<String>(SESSION_FLASH).await?,
            None => None,
        };
        Ok(Page {
            principal,
            session: Some(session),
            csrf,
            path: parts.uri.path().to_owned(),
            flash,
            request_id: crate::auth::request_id(&parts.headers),
        })
    }
}

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    text: &'static str,
    current: bool,
}

#[derive(Serialize)]
struct Me {
    name: String,
    role: &'static str,
    role_label: &'static str,
    organisation: String,
    /// Whether the header offers "find a person".
    finds_people: bool,
}

fn navigation(p: &Principal, path: &str) -> Vec<NavItem> {
    let mut items = vec![("/", "Home", None)];
    if p.can(Action::WorkCases) {
        items.push(("/caseload", "Caseload", Some(Action::WorkCases)));
        items.push(("/diary", "Diary", Some(Action::WorkCases)));
    }
    items.push(("/waiting-list", "Waiting list", Some(Action::TriageReferrals)));
    items.push(("/referrals", "Referrals", Some(Action::ViewReferrals)));
    items.push(("/directory", "Directory", Some(Action::ViewDirectory)));
    items.push(("/groups", "Groups", Some(Action::RunGroups)));
    // The team reaches registers from its groups; a facilitator has nothing else to run.
    if !p.can(Action::RunGroups) {
        items.push(("/registers", "Registers", Some(Action::TakeRegisters)));
    }
    items.push(("/reports", "Reports", Some(Action::ViewReports)));
    items.push(("/practices", "Practices", Some(Action::ViewPractices)));
    items.push(("/admin/users", if p.user.role == Role::Admin { "Users" } else { "Team" }, Some(Action::ViewUsers)));
    items.push(("/admin/sites", "Sites and rooms", Some(Action::ManageSitesAndRooms)));
    items.push(("/admin/programmes", "Programmes", Some(Action::ManageProgrammes)));
    items.push(("/admin/settings", "Settings", Some(Action::ManageSettings)));
    items.push(("/admin/outbox", "Messages", Some(Action::ManageSettings)));
    items.push(("/admin/audit", "Audit trail", Some(Action::ViewAudit)));
    items
        .into_iter()
        .filter(|(_, _, a)| a.is_none_or(|a| p.can(a)))
        .map(|(href, text, _)| NavItem {
            href,
            text,
            current: if href == "/" { path == "/" } else { path.starts_with(href) },
        })
        .collect()
}

impl Page {
    /// Render `template` in the layout with `ctx` merged into the base context.
    pub fn render(&self, state: &AppState, template: &str, ctx: impl Serialize) -> Result<Html<String>, PageError> {
        let me = self.principal.as_ref().map(|p| Me {
            name: p.user.display_name.clone(),
            role: p.user.role.as_str(),
            role_label: p.user.role.label(),
            organisation: p.organisation.name.clone(),
            finds_people: p.can(Action::WorkCases),
        });
        let nav = self.principal.as_ref().map(|p| navigation(p, &self.path)).unwrap_or_default();
        let base = minijinja::context! {
            me => Serde(me),
            nav => Serde(nav),
            csrf_token => self.csrf.clone(),
            flash => self.flash.clone(),
            path => self.path.clone(),
        };
        let ctx = minijinja::context! { ..Value::from(Serde(ctx)), ..base };
        Ok(Html(state.templates.render(template, ctx)?))
    }

    /// Who is asking, as the use cases take it: the signed-in principal with this request's
    /// id. A page that needs it is behind sign-in, so its absence is a refusal.
    pub fn caller(&self) -> Result<Caller, PageError> {
        let principal = self.principal.clone().ok_or(PageError::Forbidden)?;
        Ok(Caller::new(principal, self.request_id.clone()))
    }

    /// The signed-in user (if any) as the actor of a change, with this request's id.
    pub fn actor(&self) -> linkwell_store::Actor {
        linkwell_store::Actor {
            user_id: self.principal.as_ref().map(|p| p.user_id()),
            request_id: self.request_id.clone(),
        }
    }

    pub async fn set_flash(&self, message: &str) -> Result<(), PageError> {
        if let Some(s) = &self.session {
            s.insert(SESSION_FLASH, message).await?;
        }
        Ok(())
    }

    /// A change succeeded: say so on the next page, and go there (post, redirect, get).
    pub async fn done(&self, message: &str, to: &str) -> Result<axum::response::Response, PageError> {
        self.set_flash(message).await?;
        Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(to)))
    }
}

/// An urlencoded form body; a malformed one is a 400 page, not axum's plain-text rejection.
pub struct FormData<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for FormData<T> {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state).await.map(|axum::Form(v)| FormData(v)).map_err(|e| {
            let (field, message) = crate::input::describe(&e.body_text(), "field");
            let message = match field {
                Some(_) => message,
                None if message.starts_with("must ") => format!("A field {message}"),
                None => message,
            };
            PageError::BadRequest(format!("The form could not be read: {message}."))
        })
    }
}

/// A form body as its name/value pairs, for forms with repeated fields (`needs=…&needs=…`)
/// and numbered rows (`goals[0].text`), which serde's urlencoded forms cannot express.
pub struct FormPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormPairs {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        FormData::<Vec<(String, String)>>::from_request(req, state).await.map(|FormData(v)| FormPairs(v))
    }
}

impl FormPairs {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// A checkbox: ticked when it carries one of the values our forms send for a tick
    /// (`true`, `on`). Any other value is not a tick: a form field is input like any other.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && matches!(v.as_str(), "true" | "on"))
    }

    /// The values as a map for re-rendering a form (repeated names keep their first value).
    pub fn values(&self) -> std::collections::BTreeMap<String, String> {
        let mut m = std::collections::BTreeMap::new();
        for (k, v) in &self.0 {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
        m
    }

    /// How many numbered rows `prefix[N].…` the form has: the highest N plus one, but never
    /// more than one past [`MAX_ROWS`]. The index is input: `goals[99999999999].text` must
    /// not size anything. One row too many is kept so the domain's parse names the field
    /// ("Enter no more than 50 goals") instead of rows being dropped silently.
    pub fn rows(&self, prefix: &str) -> usize {
        self.0
            .iter()
            .filter_map(|(k, _)| k.strip_prefix(prefix)?.strip_prefix('[')?.split(']').next()?.parse::<usize>().ok())
            .map(|n| n.saturating_add(1))
            .max()
            .unwrap_or(0)
            .min(MAX_ROWS + 1)
    }
}

/// An id from a path: a malformed one names no record, so it is "not found".
pub fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

impl From<linkwell_app::users::AdminError> for PageError {
    fn from(e: linkwell_app::users::AdminError) -> Self {
        use linkwell_app::users::AdminError;
        match e {
            AdminError::Invalid(e) => {
                PageError::BadRequest(e.errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "))
            }
            AdminError::OwnAccount(why) => PageError::BadRequest(why.into()),
            AdminError::Store(s) => PageError::from(s),
            AdminError::Hashing => PageError::Internal("hashing".into()),
        }
    }
}

impl From<linkwell_app::directory::search::SyncError> for PageError {
    fn from(e: linkwell_app::directory::search::SyncError) -> Self {
        match e {
            linkwell_app::directory::search::SyncError::Store(s) => PageError::from(s),
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<linkwell_app::identity::AccountError> for PageError {
    fn from(e: linkwell_app::identity::AccountError) -> Self {
        use linkwell_app::identity::AccountError;
        match e {
            AccountError::Busy => PageError::Unavailable,
            AccountError::Hashing => PageError::Internal("hashing".into()),
            AccountError::Locked => PageError::TooManyRequests(
                "There have been too many wrong passwords from this device. Wait 15 minutes, or ask an admin in your organisation for a password reset link.",
            ),
            AccountError::Invalid(e) => {
                PageError::BadRequest(e.errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "))
            }
            AccountError::LinkExpired => PageError::BadRequest(
                "This link has expired or has already been used. Ask an admin in your organisation for a new one."
                    .into(),
            ),
            AccountError::Store(s) => PageError::from(s),
        }
    }
}

impl From<linkwell_app::casework::CaseError> for PageError {
    fn from(e: linkwell_app::casework::CaseError) -> Self {
        match e {
            linkwell_app::casework::CaseError::NotFound => PageError::NotFound,
            // What a principal may not see answers exactly as if it did not exist.
            linkwell_app::casework::CaseError::NotYours => PageError::NotFound,
            linkwell_app::casework::CaseError::Invalid(e) => {
                PageError::BadRequest(e.errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "))
            }
            linkwell_app::casework::CaseError::Store(s) => PageError::from(s),
        }
    }
}

/// Re-render status for a form with errors.
pub fn form_status(errors: Option<&ValidationErrors>) -> axum::http::StatusCode {
    if errors.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK }
}

/// The record version a form was based on (a hidden field), for optimistic concurrency.
pub fn form_version(raw: &str) -> Result<linkwell_domain::Version, PageError> {
    raw.trim()
        .parse::<i64>()
        .map(linkwell_domain::Version)
        .map_err(|_| PageError::BadRequest("The form was missing the record version.".into()))
}

/// Errors for a re-rendered form: the list for the error summary and a map for inline messages.
pub fn form_errors(errors: &ValidationErrors) -> Value {
    let list: Vec<_> = errors
        .errors
        .iter()
        .map(|e| minijinja::context! { text => e.message.clone(), href => format!("#{}", e.field) })
        .collect();
    let by_field: std::collections::BTreeMap<String, String> =
        errors.errors.iter().map(|e| (e.field.clone(), e.message.clone())).collect();
    minijinja::context! { list => list, field => by_field }
}

/// Replace the marker left by `error_page` with the styled error page.
pub async fn render_error_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let principal = req.extensions().get::<Arc<Principal>>().cloned();
    let session = req.extensions().get::<Session>().cloned();
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let Some(marker) = res.extensions().get::<ErrorPage>().cloned() else {
        return res;
    };
    let status = res.status();
    let csrf = match (&session, &principal) {
        (Some(s), Some(_)) => csrf_token(s).await.unwrap_or_default(),
        _ => String::new(),
    };
    let page = Page { principal, session, csrf, path, flash: None, request_id: None };
    let ctx = minijinja::context! { title => marker.title, message => marker.message, status => status.as_u16() };
    match page.render(&state, "pages/error.html", ctx) {
        Ok(html) => (status, html).into_response(),
        Err(_) => (status, marker.title).into_response(),
    }
}

pub async fn not_found() -> PageError {
    PageError::NotFound
}
