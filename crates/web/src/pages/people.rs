//! A person's record: their details, consents and referrals; and merging a duplicate.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use linkwell_domain::authz::Action;
use linkwell_domain::{PersonId, Version};
use linkwell_store::StoreError;
use linkwell_store::caseload::{ReferralFilter, ReferralOrder};
use minijinja::value::Serde;

use super::referrals::summary_rows;
use super::{FormPairs, Page, form_version, path_id};
use crate::casework::open_person;
use crate::error::PageError;
use crate::state::AppState;

pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let person = open_person(&state.db, &p, path_id(&id)?, page.request_id.clone()).await?;
    let scope = p.scope();
    let filter = ReferralFilter { person: Some(person.merged_into.unwrap_or(person.id)), ..Default::default() };
    let referrals = state.db.referral_summaries(&scope, &filter, ReferralOrder::Newest, None, 100).await?;
    let rows = summary_rows(&state, &p, &referrals.items).await?;
    let practice = match person.practice_id {
        Some(id) => Some(state.db.practice(&scope, id).await?),
        None => None,
    };
    Ok(page
        .render(
            &state,
            "pages/people/show.html",
            minijinja::context! {
                title => format!("{} {}", person.given_name, person.family_name),
                person => Serde(&person),
                practice => Serde(practice),
                sex => person.sex.label(),
                ethnic_category => person.ethnic_category.map(|e| e.label()),
                channel => person.preferred_channel.label(),
                referrals => rows,
                can_triage => p.can(Action::TriageReferrals),
            },
        )?
        .into_response())
}

/// Merge this person (a duplicate) into the record named by `into`: the duplicate's
/// referrals move to the kept record; the duplicate stays, marked as merged.
pub async fn merge(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let duplicate: PersonId = path_id(&id)?;
    // Another organisation's record is not found, whatever the form holds.
    state.db.person(&p.scope(), duplicate).await?;
    let version = form_version(form.get("version"))?;
    let keep: PersonId =
        form.get("into").trim().parse().map_err(|_| PageError::BadRequest("Choose the record to keep.".into()))?;
    match state.db.merge_people(&p.scope(), &page.actor(), keep, duplicate, Version(version.0)).await {
        Ok(kept) => {
            page.set_flash(&format!("Records merged into {} {}'s record", kept.given_name, kept.family_name)).await?;
            let back = form.get("back");
            let target = if back.starts_with("/referrals/") { back.to_owned() } else { format!("/people/{keep}") };
            Ok(Redirect::to(&target).into_response())
        }
        Err(StoreError::Conflict) => Err(PageError::Store(StoreError::Conflict)),
        Err(e) => Err(e.into()),
    }
}
