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
use linkwell_store::StoreError;
use linkwell_store::referrals::{Change, ChangeError, Referral};

use crate::error::PageError;
use crate::pages::{FormPairs, Page, form_version, path_id};
use crate::state::AppState;
use linkwell_app::casework::{self, TriageDecision, open_case};

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
        Err(ChangeError::Untimely(u)) => {
            let e = ValidationErrors::single(field, u.to_string());
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
    let (decision, done) = if reassign {
        (TriageDecision::Reassign(worker), "Referral reassigned")
    } else {
        (TriageDecision::Accept(worker), "Referral accepted and assigned")
    };
    let result = casework::triage(&state.db, &p, &r, version, decision).await;
    finish(state, page, &r, result, "worker_id", done).await
}

pub async fn decline(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let decision = casework::decline_reason(form.get("decline_reason"), "decline_reason");
    close(&state, &page, &id, &form, decision, ("decline_reason", "Referral declined")).await
}

pub async fn redirect(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let decision = casework::redirect_destination(form.get("redirected_to"), "redirected_to");
    close(&state, &page, &id, &form, decision, ("redirected_to", "Referral redirected")).await
}

/// Decline or redirect, once the form's text (in `field`) was checked.
async fn close(
    state: &AppState,
    page: &Page,
    id: &str,
    form: &FormPairs,
    decision: Result<TriageDecision, ValidationErrors>,
    (field, done): (&str, &str),
) -> Result<Response, PageError> {
    let r = case_for_form(state, page, id).await?;
    let version = form_version(form.get("version"))?;
    match decision {
        Ok(decision) => {
            let result = casework::triage(&state.db, &page.caller()?, &r, version, decision).await;
            finish(state, page, &r, result, field, done).await
        }
        Err(e) => render_case(state, page, &r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
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

/// Send the person a questionnaire to answer by a link; back to the case's outcomes.
pub async fn send_questionnaire_link(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let r = case_for_form(&state, &page, &id).await?;
    let fields = linkwell_app::outcomes::LinkFields {
        instrument: form.get("instrument").to_owned(),
        timepoint: form.get("timepoint").to_owned(),
    };
    let p = page.caller()?;
    match linkwell_app::outcomes::send_link(&state.db, &p, &r, &fields, &state.config.public_url).await {
        Ok(_) => page.done("The questionnaire link was sent", &format!("/referrals/{}#outcomes", r.id)).await,
        Err(casework::CaseError::Invalid(e)) => {
            render_case(&state, &page, &r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
