//! Signing in and out, and the public information pages.

use crate::input::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use linkwell_domain::ValidationErrors;
use linkwell_domain::audit::{AuditAction, AuditEvent};
use linkwell_domain::identity::{EmailAddress, PasswordHash, hash_password};
use linkwell_store::users::{SignInAttempt, User};
use linkwell_store::{OrgScope, StoreError, now_ms};
use serde::Deserialize;

use super::{FormData, Page, form_errors};
use crate::access::safe_next;
use crate::auth::{SESSION_CREDENTIALS, SESSION_CSRF, SESSION_ORG, SESSION_SIGNED_IN_AT, SESSION_USER};
use crate::client::ClientKey;
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

/// The one answer to every failed sign-in — unknown email, wrong password, disabled or
/// locked account — so the answer never tells anyone which accounts exist or their state.
const WRONG: &str = "Enter a correct email address and password. After 5 wrong tries from one device, wait 15 minutes or ask an admin in your organisation for a password reset link.";

/// A failed sign-in answers no sooner than this after it arrived, whichever check failed
/// and whatever it wrote, so its timing says nothing either (argon2 takes well under this).
const FAILURE_FLOOR: std::time::Duration = std::time::Duration::from_millis(400);

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

/// Why a sign-in failed, for the audit trail only: the person is told none of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    UnknownEmail,
    Disabled,
    Locked,
    Password,
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    ClientKey(client): ClientKey,
    Query(q): Query<NextQuery>,
    FormData(form): FormData<SignInForm>,
) -> Result<Response, PageError> {
    let started = tokio::time::Instant::now();
    let mut errors = ValidationErrors::new();
    let email = errors.check("email", EmailAddress::parse(&form.email));
    if form.password.is_empty() {
        errors.add("password", "Enter your password");
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return again(&state, &page, q.next, &form.email, errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    // A try is taken from the client before any work is done, and given back on success.
    if !state.sign_in_throttle.take(&client) {
        return Err(PageError::TooManyRequests(
            "There have been too many failed attempts to sign in from this device. Wait a minute, then try again.",
        ));
    }
    let found = match state.db.user_for_sign_in(&email).await {
        Ok(found) => Some(found),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    // A known, enabled account counts the attempt against (account, client) before the
    // password is checked: attempts sent all at once cannot outrun the lock.
    let attempt = match &found {
        Some((user, _)) if !user.disabled => {
            Some(state.db.count_sign_in_attempt(&OrgScope::new(user.organisation_id), user.id, &client).await?)
        }
        _ => None,
    };
    let locked = attempt == Some(SignInAttempt::Locked);
    // Every attempt checks a password — the account's, or the dummy when there is no
    // account or it may not be tried — so every answer costs the same.
    let hash = match &found {
        Some((_, h)) if !locked => h.clone(),
        _ => DUMMY_HASH.clone(),
    };
    let Some(matches) = state.check_password(form.password.clone(), hash).await else {
        return Err(PageError::Unavailable);
    };
    let refused = match &found {
        None => Some(Refused::UnknownEmail),
        Some((user, _)) if user.disabled => Some(Refused::Disabled),
        Some(_) if locked => Some(Refused::Locked),
        Some(_) if !matches => Some(Refused::Password),
        Some(_) => None,
    };
    let known = found.as_ref().map(|(u, _)| u.clone());
    let Some((user, _)) = found.filter(|_| refused.is_none()) else {
        // The audit entries are written while the answer waits out its floor, and do not
        // hold it up: known and unknown accounts answer alike.
        let (state2, request_id) = (state.clone(), page.request_id.clone());
        tokio::spawn(async move {
            if let Err(e) = record_failure(&state2, request_id, known, refused, attempt).await {
                tracing::warn!(error = %e, "could not record a failed sign-in");
            }
        });
        tokio::time::sleep_until(started + FAILURE_FLOOR).await;
        let wrong = ValidationErrors::single("email", WRONG);
        return again(&state, &page, q.next, &form.email, wrong, StatusCode::UNAUTHORIZED);
    };
    state.sign_in_throttle.give_back(&client);

    let scope = OrgScope::new(user.organisation_id);
    state.db.record_successful_sign_in(&scope, user.id, &client).await?;
    state.db.audit(&scope, &user_event(&user, &page, AuditAction::SignIn, None)).await?;
    let session = page.session.as_ref().ok_or_else(|| PageError::Internal("no session".into()))?;
    // A new session id at sign-in defeats session fixation; a new CSRF token goes with it.
    session.cycle_id().await?;
    session.insert(SESSION_USER, user.id).await?;
    session.insert(SESSION_ORG, user.organisation_id).await?;
    session.insert(SESSION_SIGNED_IN_AT, now_ms()).await?;
    session.insert(SESSION_CREDENTIALS, user.credentials_changed_at).await?;
    // The new session's own form token, stored with the sign-in (one write, not two).
    session.insert(SESSION_CSRF, linkwell_domain::identity::Secret::generate("").expose()).await?;
    Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response())
}

fn user_event(user: &User, page: &Page, action: AuditAction, detail: Option<&str>) -> AuditEvent {
    AuditEvent {
        actor_user_id: Some(user.id.to_string()),
        action,
        entity_type: "user".into(),
        entity_id: Some(user.id.to_string()),
        request_id: page.request_id.clone(),
        detail: detail.map(str::to_owned),
    }
}

/// Audit a refused sign-in of a known account (its attempt was counted before the check).
async fn record_failure(
    state: &AppState,
    request_id: Option<String>,
    user: Option<User>,
    refused: Option<Refused>,
    attempt: Option<SignInAttempt>,
) -> Result<(), StoreError> {
    let Some(user) = user else { return Ok(()) };
    let scope = OrgScope::new(user.organisation_id);
    let reason = match refused {
        Some(Refused::Disabled) => "reason=disabled",
        Some(Refused::Locked) => "reason=locked",
        _ => "reason=password",
    };
    let event = |action, detail: Option<&str>| AuditEvent {
        actor_user_id: Some(user.id.to_string()),
        action,
        entity_type: "user".into(),
        entity_id: Some(user.id.to_string()),
        request_id: request_id.clone(),
        detail: detail.map(str::to_owned),
    };
    state.db.audit(&scope, &event(AuditAction::SignInFailed, Some(reason))).await?;
    if refused == Some(Refused::Password) && attempt == Some(SignInAttempt::Last) {
        state.db.audit(&scope, &event(AuditAction::AccountLocked, None)).await?;
    }
    Ok(())
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
