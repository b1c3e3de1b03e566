//! A listing's status: pausing, closing, reopening, checking, dates off, and the listings due a check.

use crate::input::Path;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_app::directory::listings::{self, CheckReason};
use linkwell_domain::ValidationErrors;
use linkwell_domain::authz::Action;
use linkwell_domain::directory::{ClosureFields, PauseFields, ServiceStatus};
use linkwell_store::directory::Service;
use minijinja::Value;
use minijinja::value::Serde;

use crate::error::PageError;
use crate::pages::{FormPairs, Page, form_errors, form_status, form_version};
use crate::state::AppState;

use super::*;

/// Which status form: pausing (with a restart date) or closing (with a reason).
#[derive(Debug, Clone, Copy)]
pub(super) enum StatusForm {
    Pause,
    Close,
}

pub(super) async fn render_status(
    state: &AppState,
    page: &Page,
    s: &Service,
    which: StatusForm,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let (title, action) = match which {
        StatusForm::Pause => (format!("Pause {}", s.name), "pause"),
        StatusForm::Close => (format!("Close {}", s.name), "close"),
    };
    let html = page.render(
        state,
        "pages/directory/status.html",
        minijinja::context! { title => title, action => action, s => Serde(s), form => form.values(), errors => errors.map(form_errors) },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn pause_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let s = load(&state, &page, &id).await?;
    render_status(&state, &page, &s, StatusForm::Pause, &FormPairs(vec![]), None).await
}

pub async fn close_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let s = load(&state, &page, &id).await?;
    render_status(&state, &page, &s, StatusForm::Close, &FormPairs(vec![]), None).await
}

pub async fn pause(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let s = load(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let fields = PauseFields { restart: date_boxes(&form, "restart"), note: form.get("note").into() };
    let (restart, note) = match fields.parse(linkwell_app::today()) {
        Ok(v) => v,
        Err(e) => return render_status(&state, &page, &s, StatusForm::Pause, &form, Some(&e)).await,
    };
    listings::set_status(&state.db, &state.search, &p, s.id, version, &ServiceStatus::Paused { restart }, &note)
        .await?;
    page.done(
        &format!("{} is paused: it will not be offered to people until it runs again", s.name),
        &format!("/directory/services/{}", s.id),
    )
    .await
}

pub async fn close(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let s = load(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let reason = match (ClosureFields { reason: form.get("reason").into() }).parse() {
        Ok(r) => r,
        Err(e) => return render_status(&state, &page, &s, StatusForm::Close, &form, Some(&e)).await,
    };
    listings::set_status(&state.db, &state.search, &p, s.id, version, &ServiceStatus::Closed { reason }, "").await?;
    page.done(&format!("{} is closed", s.name), &format!("/directory/services/{}", s.id)).await
}

pub async fn reopen(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let s = load(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    listings::set_status(&state.db, &state.search, &p, s.id, version, &ServiceStatus::Active, "").await?;
    page.done(&format!("{} is running again", s.name), &format!("/directory/services/{}", s.id)).await
}

pub async fn verify(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let s = load(&state, &page, &id).await?;
    let note = linkwell_domain::directory::check_note(form.get("note")).map_err(PageError::BadRequest)?;
    listings::verify(&state.db, &state.search, &p, s.id, &note).await?;
    let back = form.get("back");
    let to = if back == "/directory/check" { back.to_owned() } else { format!("/directory/services/{}", s.id) };
    page.done(&format!("{} checked today", s.name), &to).await
}

/// Add a date it does not run on (`date` and `note`), or remove one (`remove`).
pub async fn exception(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let s = load(&state, &page, &id).await?;
    let remove = form.get("remove");
    if !remove.is_empty() {
        let date = remove
            .parse::<jiff::civil::Date>()
            .map_err(|_| PageError::BadRequest("That date could not be read.".into()))?;
        listings::set_date_off(&state.db, &state.search, &p, s.id, date, None).await?;
        return page.done("Date off removed", &format!("/directory/services/{}", s.id)).await;
    }
    let mut e = ValidationErrors::new();
    let date = e.check("exception_date", linkwell_domain::time::civil_date(&date_boxes(&form, "exception_date")));
    let note = e.check("exception_note", linkwell_domain::directory::date_off_note(form.get("exception_note")));
    let (Some(date), Some(note)) = (date, note) else {
        return render_show(&state, &page, &s, &form, Some(&e)).await;
    };
    listings::set_date_off(&state.db, &state.search, &p, s.id, date, Some(&note)).await?;
    let message =
        format!("{} will show as not running on {}", s.name, linkwell_domain::time::display_london_date(date));
    page.done(&message, &format!("/directory/services/{}", s.id)).await
}

/// Listings someone should check: not verified for six months, or past their restart date.
pub async fn to_check(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.caller()?;
    let (list, total) = listings::to_check(&state.db, &p.scope()).await?;
    let rows: Vec<Value> = list
        .iter()
        .map(|(s, reason)| {
            let why = match reason {
                CheckReason::PastRestart(d) => format!("Expected back {}", linkwell_domain::time::display_london_date(*d)),
                CheckReason::NeverChecked => "Never checked".to_owned(),
                CheckReason::NotCheckedSince(d) => format!("Last checked {}", linkwell_domain::time::display_london_date(*d)),
            };
            minijinja::context! { id => s.id.to_string(), name => s.name.clone(), provider => s.provider_name.clone(), status => s.status.label(), why => why }
        })
        .collect();
    Ok(page
        .render(&state, "pages/directory/check.html", minijinja::context! { title => "Listings to check", rows => rows, total => total, can_edit => p.can(Action::EditDirectory) })?
        .into_response())
}

/// The NHS date input's three boxes named `{name}_day`, `_month` and `_year`.
pub(crate) fn date_boxes(form: &FormPairs, name: &str) -> linkwell_domain::time::DateEntry {
    linkwell_domain::time::DateEntry::boxes(
        form.get(&format!("{name}_day")),
        form.get(&format!("{name}_month")),
        form.get(&format!("{name}_year")),
    )
}
