//! Discharge: the reason and summary, then the discharge summary for the practice, as a
//! page and as a downloadable document.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_domain::ValidationErrors;
use linkwell_domain::referrals::{DischargeReason, ReferralStatus};
use linkwell_store::StoreError;
use linkwell_store::referrals::{ChangeError, Referral};
use minijinja::value::Serde;

use super::shared::items;
use super::{FormPairs, Page, form_errors, form_version, path_id};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework::{self, open_case, summary_of_case};

async fn render_form(
    state: &AppState,
    page: &Page,
    r: &Referral,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let person = state.db.person(&p.scope(), r.person_id).await?;
    // What the discharge will cancel, so nobody is surprised by it.
    let to_cancel = casework::cancelled_by_discharge(&state.db, &p.scope(), r).await?;
    let html = page.render(
        state,
        "pages/discharge/form.html",
        minijinja::context! {
            title => "Discharge",
            name => format!("{} {}", person.given_name, person.family_name),
            referral => Serde(r),
            active => r.status == ReferralStatus::Active,
            to_cancel,
            reasons => items(DischargeReason::ALL.iter().map(|d| (d.code(), d.label())), &[form.get("reason").to_owned()]),
            form => form.values(),
            errors => errors.map(form_errors),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn form(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    render_form(&state, &page, &r, &FormPairs(vec![]), None, StatusCode::OK).await
}

pub async fn discharge(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    let version = form_version(form.get("version"))?;
    let discharge = match casework::discharge_of(form.get("reason"), form.get("summary")) {
        Ok(discharge) => discharge,
        Err(e) => return render_form(&state, &page, &r, &form, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match casework::discharge(&state.db, &p, &r, version, discharge).await {
        Ok(_) => {
            let done = "Discharged. The discharge summary for the practice is below.";
            page.done(done, &format!("/referrals/{}/discharge-summary", r.id)).await
        }
        Err(ChangeError::Illegal(err)) => {
            let e = ValidationErrors::single("reason", err.to_string());
            render_form(&state, &page, &r, &form, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ChangeError::Store(StoreError::Conflict)) => {
            let current = state.db.referral(&p.scope(), r.id).await?;
            let why = "Someone else changed this referral while you had it open. Check it and try again.";
            let e = ValidationErrors::single("reason", why);
            render_form(&state, &page, &current, &form, Some(&e), StatusCode::CONFLICT).await
        }
        Err(ChangeError::Untimely(u)) => {
            let e = ValidationErrors::single(u.field(), u.to_string());
            render_form(&state, &page, &r, &form, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ChangeError::Store(e)) => Err(e.into()),
    }
}

pub async fn summary(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let (r, doc) = summary_of_case(&state.db, &page.caller()?, path_id(&id)?).await?;
    Ok(page
        .render(
            &state,
            "pages/discharge/summary.html",
            minijinja::context! {
                title => "Discharge summary",
                doc => Serde(&doc),
                attended => doc.attended(),
                did_not_attend => doc.did_not_attend(),
                referral_id => r.id.to_string(),
            },
        )?
        .into_response())
}

pub async fn download(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (r, doc) = summary_of_case(&state.db, &page.caller()?, path_id(&id)?).await?;
    let file = format!("discharge-summary-{}.txt", r.id);
    Ok(crate::download::attachment(&file, "text/plain; charset=utf-8", doc.to_text()))
}
