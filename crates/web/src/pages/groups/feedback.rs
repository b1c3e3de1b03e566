//! Feedback after a session: the page a follow-up message's link opens (a rating and a
//! comment, once, without signing in), and feedback a facilitator records on the day from
//! the session's register.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::groups::feedback::{self, LinkState};
use linkwell_domain::ValidationErrors;
use linkwell_domain::groups::feedback::{FeedbackFields, Rating};
use linkwell_domain::ids::GroupSessionId;
use minijinja::Value;

use crate::error::PageError;
use crate::pages::shared::items;
use crate::pages::{FormPairs, Page, form_errors, path_id};
use crate::state::AppState;

/// The feedback fields a form carries.
pub(crate) fn fields(form: &FormPairs) -> FeedbackFields {
    FeedbackFields {
        rating: form.get("rating").to_owned(),
        comment: form.get("comment").to_owned(),
        key: form.get("key").to_owned(),
    }
}

/// The ratings as radios, the best first, `chosen` checked.
pub(crate) fn ratings(chosen: &str) -> Vec<Value> {
    let all = Rating::ALL.iter().rev().map(|(r, label)| (r.get().to_string(), *label));
    items(all, &[chosen.to_owned()])
}

async fn render(
    state: &AppState,
    page: &Page,
    token: &str,
    form: Option<&FormPairs>,
    thanked: bool,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let ask = feedback::by_link(&state.db, token).await?.ok_or(PageError::NotFound)?;
    let form = form.map(FormPairs::values).unwrap_or_default();
    let chosen = form.get("rating").cloned().unwrap_or_default();
    let html = page.render(
        state,
        "pages/groups/feedback.html",
        minijinja::context! {
            title => format!("How was {}?", ask.group), group => ask.group,
            date => linkwell_domain::time::display_london_date(ask.on_date),
            open => ask.state == LinkState::Open, lapsed => ask.state == LinkState::Lapsed, thanked => thanked,
            ratings => ratings(&chosen), form => form, token => token, errors => errors.map(form_errors),
        },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn show(State(state): State<AppState>, page: Page, Path(token): Path<String>) -> Result<Response, PageError> {
    render(&state, &page, &token, None, false, None).await
}

/// Feedback given by the link; a second time records nothing and says so.
pub async fn give(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    match feedback::give_by_link(&state.db, &token, &fields(&form)).await {
        Ok(true) => render(&state, &page, &token, None, true, None).await,
        Ok(false) => {
            let ask = feedback::by_link(&state.db, &token).await?.ok_or(PageError::NotFound)?;
            let e = feedback::spent(ask.state);
            let mut r = render(&state, &page, &token, Some(&form), false, Some(&e)).await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(CaseError::Invalid(e)) => render(&state, &page, &token, Some(&form), false, Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}

/// Feedback someone gave on the day, recorded from the session's register.
pub async fn record(
    State(state): State<AppState>,
    page: Page,
    Path(session): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let session: GroupSessionId = path_id(&session)?;
    match feedback::record(&state.db, &p, session, &fields(&form)).await {
        Ok(true) => page.done("Thank you: the feedback is recorded", &format!("/registers/{session}")).await,
        Ok(false) => page.done("This feedback was recorded already", &format!("/registers/{session}")).await,
        Err(CaseError::Invalid(e)) => super::registers::render_with_feedback(&state, &page, session, &form, &e).await,
        Err(e) => Err(e.into()),
    }
}
