//! Programmes and their session rules (admins).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::organisation::add_programme;
use linkwell_domain::ValidationErrors;
use linkwell_domain::organisations::{ProgrammeFields, ProgrammeInput};
use linkwell_domain::sessions::ProgrammeRules;
use linkwell_store::StoreError;
use minijinja::value::Serde;

use super::{FormPairs, Page, form_errors};
use crate::error::PageError;
use crate::state::AppState;

async fn render(
    state: &AppState,
    page: &Page,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let programmes = state.db.programmes(&p.scope()).await?;
    let defaults = ProgrammeRules::default();
    let mut values = form.values();
    for (k, v) in [
        ("initial_minutes", defaults.initial_length.get().to_string()),
        ("follow_up_minutes", defaults.follow_up_length.get().to_string()),
        ("max_follow_ups", defaults.max_follow_ups.to_string()),
        ("contact_attempt_limit", defaults.contact_attempt_limit.to_string()),
    ] {
        values.entry(k.to_owned()).or_insert(v);
    }
    let html = page.render(
        state,
        "pages/admin/programmes.html",
        minijinja::context! { title => "Programmes", programmes => Serde(programmes), form => values, errors => errors.map(form_errors) },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render(&state, &page, &FormPairs(vec![]), None).await
}

pub async fn create(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.caller()?;
    let fields = ProgrammeFields {
        name: form.get("name").to_owned(),
        commissioner: form.get("commissioner").to_owned(),
        initial_minutes: form.get("initial_minutes").to_owned(),
        follow_up_minutes: form.get("follow_up_minutes").to_owned(),
        max_follow_ups: form.get("max_follow_ups").to_owned(),
        contact_attempt_limit: form.get("contact_attempt_limit").to_owned(),
        funded_from: form.get("funded_from").to_owned(),
        funded_to: form.get("funded_to").to_owned(),
    };
    let input = match ProgrammeInput::parse(&fields) {
        Ok(input) => input,
        Err(e) => return render(&state, &page, &form, Some(&e)).await,
    };
    let name = &input.name;
    match add_programme(&state.db, &p.scope(), &p.actor(), &input).await {
        Ok(_) => page.done(&format!("{name} added"), "/admin/programmes").await,
        Err(StoreError::Duplicate { .. }) => {
            render(
                &state,
                &page,
                &form,
                Some(&ValidationErrors::single("name", "A programme with this name already exists")),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
