//! The published directory for anyone, without signing in: search and listing pages, for
//! organisations that publish their directory. Only running listings are found; a paused
//! one's page says so; a closed one is gone.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_app::directory::search::find;
use linkwell_domain::directory::{DayPart, Term, day_code, day_name, weekdays};
use linkwell_domain::{ServiceId, ValidationErrors};
use linkwell_store::OrgScope;
use linkwell_store::organisations::Organisation;
use minijinja::Value;

use super::shared::items;
use super::shared::{ListQuery, detail_rows, result_row, search_query, term_items};
use super::{Page, form_errors, form_status, path_id};
use crate::error::PageError;
use crate::state::AppState;

/// The organisation, if it publishes its directory; otherwise these pages do not exist.
pub(crate) async fn published(state: &AppState, slug: &str) -> Result<Organisation, PageError> {
    Ok(state.db.organisation_publishing_directory(slug).await?)
}

/// What a public search finds, or what is wrong with it.
async fn results(
    state: &AppState,
    org: &Organisation,
    q: &ListQuery,
) -> Result<(Vec<Value>, Option<ValidationErrors>), PageError> {
    let query = match search_query(state, q).await? {
        Ok(query) => query,
        Err(e) => return Ok((vec![], Some(e))),
    };
    let found = find(&state.db, &state.search, &OrgScope::new(org.id), query).await?;
    let today = linkwell_app::today();
    Ok((found.iter().map(|f| result_row(&f.service, today, f.miles)).collect(), None))
}

pub async fn search(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    Query(mut q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let org = published(&state, &slug).await?;
    // The public never sees paused, closed or full listings in a search.
    q.show.clear();
    let searched = q.is_search() || !q.term.is_empty();
    let (rows, errors) = if searched { results(&state, &org, &q).await? } else { (vec![], None) };
    let status = form_status(errors.as_ref());
    let html = page.render(
        &state,
        "pages/directory/public.html",
        minijinja::context! {
            title => format!("Find local groups and services – {}", org.name),
            organisation => org.name.clone(),
            public_home => format!("/community/{slug}"), public_name => org.name.clone(),
            self_referral => org.self_referral_enabled,
            back => q.query_string(),
            more_filters => !(q.term.is_empty() && q.day.is_empty() && q.time.is_empty() && q.miles.is_empty() && q.free.is_empty() && q.wheelchair.is_empty()),
            slug => slug,
            rows => rows,
            searched => searched,
            form => minijinja::context! { q => q.q.clone(), postcode => q.postcode.clone(), miles => q.miles.clone(), free => !q.free.is_empty(), wheelchair => !q.wheelchair.is_empty() },
            errors => errors.as_ref().map(form_errors),
            terms => term_items(Term::parse_key(&q.term)),
            days => items(std::iter::once(("", "Any day")).chain(weekdays().map(|d| (day_code(d), day_name(d)))), std::slice::from_ref(&q.day)),
            times => items(std::iter::once(("", "Any time")).chain(DayPart::ALL.iter().map(|p| (p.code(), p.label()))), std::slice::from_ref(&q.time)),
        },
    )?;
    Ok((status, html).into_response())
}

/// The search a listing was opened from, to go back to.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BackTo {
    back: String,
}

pub async fn service(
    State(state): State<AppState>,
    page: Page,
    Path((slug, id)): Path<(String, String)>,
    Query(from): Query<BackTo>,
) -> Result<Response, PageError> {
    render_service(&state, &page, &slug, path_id(&id)?, &from.back, None).await
}

/// A listing as the public see it; a group the public may join has a form to join it
/// (`join`: the form as sent back with what is wrong).
pub(crate) async fn render_service(
    state: &AppState,
    page: &Page,
    slug: &str,
    id: ServiceId,
    back: &str,
    join: Option<(&crate::pages::FormPairs, &ValidationErrors)>,
) -> Result<Response, PageError> {
    let org = published(state, slug).await?;
    let scope = OrgScope::new(org.id);
    let s = state.db.services_by_ids(&scope, &[id]).await?.pop().ok_or(PageError::NotFound)?;
    if matches!(s.status, linkwell_domain::directory::ServiceStatus::Closed { .. }) {
        return Err(PageError::NotFound);
    }
    let group = match state.db.group(&scope, id).await {
        Ok(g) => Some(g),
        Err(linkwell_store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let joinable = s.status.is_active() && group.as_ref().is_some_and(|g| g.settings.public_join);
    // Members' stories, only as each may be shown: withdrawn ones are gone.
    let stories: Vec<minijinja::Value> = match &group {
        Some(_) => linkwell_app::groups::stories::published(&state.db, &scope, id)
            .await?
            .iter()
            .filter_map(|st| st.published_as().map(|who| minijinja::context! { who => who, story => st.story.clone() }))
            .collect(),
        None => vec![],
    };
    let today = linkwell_app::today();
    let upcoming: Vec<String> =
        s.upcoming(today, 42, 4).into_iter().map(linkwell_domain::time::display_london_date).collect();
    let (form, channel, checks) = match join {
        Some((f, _)) => {
            let checks: Vec<&str> =
                ["consent_contact", "consent_emergency"].into_iter().filter(|c| f.checked(c)).collect();
            (f.values(), f.get("channel").to_owned(), checks)
        }
        None => (Default::default(), String::new(), vec![]),
    };
    let channels = crate::pages::shared::items(
        linkwell_domain::groups::members::MemberChannel::ALL.iter().map(|c| (c.code(), c.label())),
        &[channel],
    );
    let errors = join.map(|(_, e)| crate::pages::form_errors(e));
    let html = page.render(
        state,
        "pages/directory/public_service.html",
        minijinja::context! {
            title => s.name.clone(),
            organisation => org.name.clone(),
            public_home => format!("/community/{slug}"), public_name => org.name.clone(),
            // Only a search's own parameters, re-encoded: never an address of its own.
            back_href => back_to(slug, back),
            slug => slug,
            s => minijinja::value::Serde(&s),
            paused => !s.status.is_active(),
            rows => detail_rows(&s),
            schedules => s.schedules.iter().map(|x| x.schedule.summary()).collect::<Vec<_>>(),
            upcoming => upcoming,
            self_referral => org.self_referral_enabled,
            joinable => joinable, is_group => group.is_some(), stories => stories, form => form, channels => channels, checks => checks, errors => errors,
        },
    )?;
    let status = if join.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    Ok((status, html).into_response())
}

/// "Back to the search": the directory with the search the listing was opened from. The
/// query is read and written again parameter by parameter, so nothing but a search of
/// this directory can come of it.
fn back_to(slug: &str, back: &str) -> String {
    let base = format!("/community/{slug}");
    if back.len() > 1000 {
        return base;
    }
    let q: ListQuery = serde_urlencoded::from_str(back).unwrap_or_default();
    match q.query_string() {
        s if s.is_empty() => base,
        s => format!("{base}?{s}"),
    }
}
