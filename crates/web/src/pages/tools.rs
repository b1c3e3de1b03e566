//! The organisation's list of self-management tools (admins): plans give tools from it.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::organisation::{add_tool, set_tool_offered};
use linkwell_domain::ValidationErrors;
use minijinja::value::Serde;

use super::{FormPairs, Page, form_errors};
use crate::error::PageError;
use crate::state::AppState;

async fn render(state: &AppState, page: &Page, errors: Option<&ValidationErrors>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let tools = state.db.tools(&p.scope()).await?;
    let html = page.render(
        state,
        "pages/admin/tools.html",
        minijinja::context! { title => "Self-management tools", tools => Serde(tools), errors => errors.map(form_errors) },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render(&state, &page, None).await
}

pub async fn add(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.caller()?;
    match add_tool(&state.db, &p, form.get("name")).await {
        Ok(tool) => page.done(&format!("{} added", tool.name), "/admin/tools").await,
        Err(linkwell_app::casework::CaseError::Invalid(e)) => render(&state, &page, Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn retire(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    // The list's two buttons: "offer again" sends offer=true, "stop offering" nothing.
    let retired = match form.get("offer") {
        "" => true,
        "true" => false,
        _ => return Err(PageError::BadRequest("The form was not one this page sends. Go back and try again.".into())),
    };
    set_tool_offered(&state.db, &p, &id, !retired).await?;
    page.done(if retired { "No longer offered" } else { "Offered again" }, "/admin/tools").await
}
