//! Signing in and out, and the public information pages.

use crate::input::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use linkwell_app::identity::{self, SignInRequest};
use linkwell_domain::ValidationErrors;
use linkwell_domain::audit::{AuditAction, AuditEvent};
use linkwell_domain::identity::EmailAddress;
use serde::Deserialize;

use super::{FormData, Page, form_errors};
use crate::access::safe_next;
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
    ClientKey(client): ClientKey,
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
    // A try is taken from the client before any work is done, and given back on success.
    if !state.sign_in_throttle.take(&client) {
        return Err(PageError::TooManyRequests(
            "There have been too many failed attempts to sign in from this device. Wait a minute, then try again.",
        ));
    }
    let request =
        SignInRequest { email: &email, password: &form.password, client: &client, request_id: page.request_id.clone() };
    let Some(user) = identity::sign_in(&state.db, &state.passwords, request).await? else {
        let wrong = ValidationErrors::single("email", WRONG);
        return again(&state, &page, q.next, &form.email, wrong, StatusCode::UNAUTHORIZED);
    };
    state.sign_in_throttle.give_back(&client);
    let session = page.session.as_ref().ok_or_else(|| PageError::Internal("no session".into()))?;
    crate::auth::start_session(session, &user).await?;
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
