//! Organisation settings (admins): whether the public self-referral form is open.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::{FormPairs, Page, form_version};
use crate::error::PageError;
use crate::state::AppState;

pub async fn show(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let org = state.db.organisation(&p.scope()).await?;
    Ok(page
        .render(
            &state,
            "pages/admin/settings.html",
            minijinja::context! { title => "Settings", organisation => minijinja::value::Serde(&org), self_referral_path => format!("/self-referral/{}", org.slug) },
        )?
        .into_response())
}

pub async fn save(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let version = form_version(form.get("version"))?;
    let enabled = form.get("self_referral") == "on";
    state.db.set_self_referral(&p.scope(), &page.actor(), enabled, version).await?;
    page.set_flash(if enabled { "Self-referral is now open to the public" } else { "Self-referral is now closed" })
        .await?;
    Ok(Redirect::to("/admin/settings").into_response())
}
