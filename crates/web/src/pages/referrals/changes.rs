//! Triage, assignment, contact attempts and follow-up extensions: the changes to a referral.

use linkwell_domain::referrals::FollowUpExtension;

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use linkwell_domain::ValidationErrors;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::people::ContactChannel;
use linkwell_domain::referrals::ContactOutcome;
use linkwell_domain::validation::required_text;
use linkwell_store::StoreError;
use linkwell_store::referrals::{Change, ChangeError, Referral};

use crate::error::PageError;
use crate::pages::{FormPairs, Page, form_version, path_id};
use crate::state::AppState;
use linkwell_app::casework::{self, open_case};

use super::*;

/// Apply a lifecycle change from a case-page form; an illegal move or stale form is shown
/// on the case page, naming `field`.
pub(super) async fn change(
    state: &AppState,
    page: &Page,
    r: &Referral,
    version: linkwell_domain::Version,
    change: Change,
    field: &str,
    done: &str,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let result = state.db.change_referral(&p.scope(), &page.actor(), r.id, version, change).await;
    finish(state, page, r, result, field, done).await
}

/// After a change: back to the case with `done`, or the case page with the reason it was refused.
pub(super) async fn finish(
    state: &AppState,
    page: &Page,
    r: &Referral,
    result: Result<Referral, ChangeError>,
    field: &str,
    done: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => page.done(done, &format!("/referrals/{}", r.id)).await,
        Err(ChangeError::Illegal(e)) => {
            let e = ValidationErrors::single(field, e.to_string());
            render_case(state, page, r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ChangeError::Store(StoreError::Conflict)) => stale(state, page, r.id, field).await,
        Err(ChangeError::Store(e)) => Err(e.into()),
    }
}

pub(super) async fn stale(state: &AppState, page: &Page, id: ReferralId, field: &str) -> Result<Response, PageError> {
    let p = page.caller()?;
    let current = state.db.referral(&p.scope(), id).await?;
    let e = ValidationErrors::single(
        field,
        "Someone else changed this referral while you had it open. Nothing was saved: check it below and try again.",
    );
    render_case(state, page, &current, Some(&e), StatusCode::CONFLICT).await
}

pub(super) async fn case_for_form(state: &AppState, page: &Page, id: &str) -> Result<Referral, PageError> {
    let p = page.caller()?;
    Ok(open_case(&state.db, &p, path_id(id)?).await?)
}

pub async fn accept(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    give_to_worker(&state, &page, &id, &form, false).await
}

pub async fn assign(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    give_to_worker(&state, &page, &id, &form, true).await
}

/// Accept a referral for the chosen worker, or (`reassign`) move it to another.
pub(super) async fn give_to_worker(
    state: &AppState,
    page: &Page,
    id: &str,
    form: &FormPairs,
    reassign: bool,
) -> Result<Response, PageError> {
    let r = case_for_form(state, page, id).await?;
    let version = form_version(form.get("version"))?;
    let p = page.caller()?;
    let worker = match casework::chosen_worker(&state.db, &p.scope(), form.get("worker_id"), "worker_id").await {
        Ok(w) => w,
        Err(e) => return render_case(state, page, &r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let (result, done) = if reassign {
        (state.db.reassign_referral(&p.scope(), &page.actor(), r.id, version, worker).await, "Referral reassigned")
    } else {
        let accept = Change::Accept { worker };
        (
            state.db.change_referral(&p.scope(), &page.actor(), r.id, version, accept).await,
            "Referral accepted and assigned",
        )
    };
    finish(state, page, &r, result, "worker_id", done).await
}

pub async fn decline(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let why = ("decline_reason", "why the referral is declined", 1000);
    close_with_text(&state, &page, &id, &form, why, |reason| Change::Decline { reason }, "Referral declined").await
}

pub async fn redirect(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let to = ("redirected_to", "where the referral is redirected to", 500);
    close_with_text(&state, &page, &id, &form, to, |to| Change::Redirect { to }, "Referral redirected").await
}

/// Decline or redirect: the form's required text `(field, what it is, max length)`
/// becomes the change.
pub(super) async fn close_with_text(
    state: &AppState,
    page: &Page,
    id: &str,
    form: &FormPairs,
    (field, what, max): (&str, &str, usize),
    make: impl FnOnce(String) -> Change,
    done: &str,
) -> Result<Response, PageError> {
    let r = case_for_form(state, page, id).await?;
    let version = form_version(form.get("version"))?;
    match required_text(what, form.get(field), max) {
        Ok(text) => change(state, page, &r, version, make(text), field, done).await,
        Err(m) => {
            let e = ValidationErrors::single(field, m);
            render_case(state, page, &r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn contact(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let r = case_for_form(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let mut e = ValidationErrors::new();
    let channel = e.check("contact_channel", ContactChannel::parse(form.get("contact_channel")));
    let outcome = e.check("contact_outcome", ContactOutcome::parse(form.get("contact_outcome")));
    let (Some(channel), Some(outcome)) = (channel, outcome) else {
        return render_case(&state, &page, &r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let done = if outcome.reached() { "Contact made: the referral is now active" } else { "Contact attempt recorded" };
    change(&state, &page, &r, version, Change::contact_attempt(channel, outcome), "contact_outcome", done).await
}

pub async fn extend(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let r = case_for_form(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let extension = match FollowUpExtension::parse(form.get("extra"), form.get("extension_reason")) {
        Ok(x) => x,
        Err(e) => return render_case(&state, &page, &r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let p = page.caller()?;
    match state.db.extend_follow_ups(&p.scope(), &p.actor(), r.id, version, &extension).await {
        Ok(_) => page.done("Follow-up limit extended", &format!("/referrals/{}", r.id)).await,
        Err(StoreError::Conflict) => stale(&state, &page, r.id, "extra").await,
        Err(e) => Err(e.into()),
    }
}
