//! Signing in and out, and the public information pages.

use crate::input::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use linkwell_domain::ValidationErrors;
use linkwell_domain::audit::{AuditAction, AuditEvent};
use linkwell_domain::identity::{EmailAddress, PasswordHash, hash_password, verify_password};
use linkwell_store::users::FailedSignIn;
use linkwell_store::{OrgScope, StoreError, now_ms};
use serde::Deserialize;

use super::{FormData, Page, form_errors};
use crate::access::safe_next;
use crate::auth::{SESSION_CSRF, SESSION_ORG, SESSION_SIGNED_IN_AT, SESSION_USER};
use crate::error::PageError;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    /// `done` after a password was set from a reset link: said here, not kept in a
    /// session, because the person is not signed in and has none.
    reset: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

const WRONG: &str = "Enter a correct email address and password";
const LOCKED: &str = "This account is locked for 15 minutes after too many failed sign-ins. Try again later, or ask an admin for a password reset link.";

/// Compared against when no account matches, so an unknown email costs as much time as a
/// known one and response times do not reveal who has an account.
static DUMMY_HASH: std::sync::LazyLock<PasswordHash> =
    std::sync::LazyLock::new(|| hash_password("no account has this password").unwrap_or(PasswordHash(String::new())));

pub async fn form(
    State(state): State<AppState>,
    mut page: Page,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    if page.principal.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    if q.reset.as_deref() == Some("done") {
        page.flash = Some("Your password has been set. Sign in with it now.".into());
    }
    Ok(page.render(&state, "pages/sign_in.html", minijinja::context! { next => q.next })?.into_response())
}

fn again(
    state: &AppState,
    page: &Page,
    next: Option<String>,
    email: &str,
    errors: ValidationErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let html = page.render(
        state,
        "pages/sign_in.html",
        minijinja::context! { next => next, email => email, errors => form_errors(&errors) },
    )?;
    Ok((status, html).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<NextQuery>,
    FormData(form): FormData<SignInForm>,
) -> Result<Response, PageError> {
    let mut errors = ValidationErrors::new();
    let email = errors.check("email", EmailAddress::parse(&form.email));
    if form.password.is_empty() {
        errors.add("password", "Enter your password");
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return again(&state, &page, q.next, &form.email, errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let wrong = || ValidationErrors::single("email", WRONG);
    let locked = || ValidationErrors::single("email", LOCKED);

    let found = match state.db.user_for_sign_in(&email).await {
        Ok(found) => Some(found),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let Some((user, hash)) = found else {
        let password = form.password.clone();
        let _ = tokio::task::spawn_blocking(move || verify_password(&password, &DUMMY_HASH)).await;
        return again(&state, &page, q.next, &form.email, wrong(), StatusCode::UNAUTHORIZED);
    };
    let scope = OrgScope::new(user.organisation_id);
    let request_id = page.request_id.clone();
    let audit = |action: AuditAction, detail: Option<&str>| AuditEvent {
        actor_user_id: Some(user.id.to_string()),
        action,
        entity_type: "user".into(),
        entity_id: Some(user.id.to_string()),
        request_id: request_id.clone(),
        detail: detail.map(str::to_owned),
    };
    if user.disabled {
        state.db.audit(&scope, &audit(AuditAction::SignInFailed, Some("reason=disabled"))).await?;
        return again(&state, &page, q.next, &form.email, wrong(), StatusCode::UNAUTHORIZED);
    }
    if user.is_locked(now_ms()) {
        state.db.audit(&scope, &audit(AuditAction::SignInFailed, Some("reason=locked"))).await?;
        return again(&state, &page, q.next, &form.email, locked(), StatusCode::TOO_MANY_REQUESTS);
    }
    let password = form.password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?;
    if !ok {
        state.db.audit(&scope, &audit(AuditAction::SignInFailed, Some("reason=password"))).await?;
        return match state.db.record_failed_sign_in(&scope, user.id).await? {
            FailedSignIn::LockedNow => {
                state.db.audit(&scope, &audit(AuditAction::AccountLocked, None)).await?;
                again(&state, &page, q.next, &form.email, locked(), StatusCode::TOO_MANY_REQUESTS)
            }
            FailedSignIn::Counted { .. } => {
                again(&state, &page, q.next, &form.email, wrong(), StatusCode::UNAUTHORIZED)
            }
        };
    }

    state.db.record_successful_sign_in(&scope, user.id).await?;
    state.db.audit(&scope, &audit(AuditAction::SignIn, None)).await?;
    let session = page.session.as_ref().ok_or_else(|| PageError::Internal("no session".into()))?;
    // A new session id at sign-in defeats session fixation; a new CSRF token goes with it.
    session.cycle_id().await?;
    session.insert(SESSION_USER, user.id).await?;
    session.insert(SESSION_ORG, user.organisation_id).await?;
    session.insert(SESSION_SIGNED_IN_AT, now_ms()).await?;
    // The new session's own form token, stored with the sign-in (one write, not two).
    session.insert(SESSION_CSRF, linkwell_domain::identity::Secret::generate("").expose()).await?;
    Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response())
}

pub async fn sign_out(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    if let Some(p) = &page.principal {
        state
            .db
            .audit(
                &p.scope(),
                &AuditEvent {
                    actor_user_id: Some(p.user_id()),
                    action: AuditAction::SignOut,
                    entity_type: "user".into(),
                    entity_id: Some(p.user_id()),
                    request_id: page.request_id.clone(),
                    detail: None,
                },
            )
            .await?;
    }
    if let Some(s) = &page.session {
        s.flush().await?;
    }
    Ok(Redirect::to("/sign-in").into_response())
}

pub async fn accessibility(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let paragraphs = [
        "Linkwell is built to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA.",
        "Every page works with a keyboard alone, with screen readers and without JavaScript. Each page is checked automatically with axe-core before release.",
        "If something does not work for you, tell your organisation's Linkwell admin so that it can be fixed.",
    ];
    Ok(page
        .render(
            &state,
            "pages/static_page.html",
            minijinja::context! { title => "Accessibility statement", paragraphs => paragraphs },
        )?
        .into_response())
}

pub async fn privacy(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let paragraphs = [
        "Linkwell holds the records your organisation needs to run its social prescribing service. Only people whose role needs a record can see it.",
        "Every sign-in, and every time a record about a person is read or changed, is written to a tamper-evident audit trail.",
        "The organisation that runs this service is the data controller. Contact them about your data.",
    ];
    Ok(page
        .render(&state, "pages/static_page.html", minijinja::context! { title => "Privacy", paragraphs => paragraphs })?
        .into_response())
}
