//! Members' stories on the group's page: recorded with their consent and what may be
//! shown, and withdrawn for them.

use crate::input::Path;
use axum::extract::State;
use axum::response::Response;
use linkwell_app::casework::CaseError;
use linkwell_app::groups::stories;
use linkwell_domain::ServiceId;
use linkwell_domain::groups::stories::StoryFields;
use linkwell_domain::ids::GroupStoryId;

use super::{Sent, render_group};
use crate::error::PageError;
use crate::pages::{FormPairs, Page, path_id};
use crate::state::AppState;

/// The story fields a form carries.
fn fields(form: &FormPairs) -> StoryFields {
    StoryFields {
        member: form.get("member").to_owned(),
        story: form.get("story").to_owned(),
        given_on: form.get("given_on").to_owned(),
        display: form.get("display").to_owned(),
        consent: form.checked("consent"),
    }
}

pub async fn record(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id: ServiceId = path_id(&id)?;
    match stories::record(&state.db, &p, id, &fields(&form)).await {
        Ok(s) => page.done(&format!("{}'s story is recorded", s.first_name), &format!("/groups/{id}#stories")).await,
        Err(CaseError::Invalid(e)) => render_group(&state, &page, id, Some(Sent::Story(&form)), Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    page: Page,
    Path((id, story)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id: ServiceId = path_id(&id)?;
    let story: GroupStoryId = path_id(&story)?;
    stories::withdraw(&state.db, &p, id, story).await?;
    page.done("The story is withdrawn: it is no longer shown anywhere", &format!("/groups/{id}#stories")).await
}
