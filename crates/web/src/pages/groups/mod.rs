//! Groups the team runs: the organisation's groups with their next session, running one of
//! the team's own listings as a group, and a group's page — its settings, facilitators,
//! members and waiting list, and the sessions to come ([`members`] adds and takes off
//! members, and serves the public's joining and the links in messages; [`sessions`] moves
//! or cancels one session).

pub mod feedback;
pub mod members;
pub mod registers;
pub mod sessions;
pub mod stories;

use crate::input::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::groups;
use linkwell_domain::groups::GroupFields;
use linkwell_domain::groups::stories::StoryDisplay;
use linkwell_domain::{ServiceId, UserId, ValidationErrors};
use linkwell_store::groups::GroupSession;
use minijinja::Value;

use super::shared::items;
use super::{FormPairs, Page, form_errors, form_version, path_id};
use crate::error::PageError;
use crate::state::AppState;

/// The settings a form carries.
fn fields(form: &FormPairs) -> GroupFields {
    GroupFields {
        public_join: form.checked("public_join"),
        what_to_bring: form.get("what_to_bring").to_owned(),
        risk_assessment: form.get("risk_assessment").to_owned(),
        risk_review_due: form.get("risk_review_due").to_owned(),
        wet_weather: form.get("wet_weather").to_owned(),
    }
}

/// "42%", or "not yet" when there is nothing to count.
fn percent(share: Option<f64>) -> String {
    share.map(|s| format!("{:.0}%", s * 100.0)).unwrap_or_else(|| "not yet".into())
}

fn session_rows(sessions: &[GroupSession]) -> Vec<Value> {
    sessions
        .iter()
        .map(|s| {
            minijinja::context! {
                id => s.id.to_string(),
                date => linkwell_domain::time::display_london_date(s.on_date),
                starts_at => s.starts_at, ends_at => s.ends_at,
                status => s.status.code(), reason => s.reason.clone(), venue => s.venue.clone(),
            }
        })
        .collect()
}

async fn render_list(
    state: &AppState,
    page: &Page,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let figures = groups::every_groups_figures(&state.db, &p).await?;
    let rows: Vec<Value> = groups::groups(&state.db, &p)
        .await?
        .iter()
        .map(|g| {
            let f = figures.iter().find(|(id, _, _)| *id == g.group.service_id).map(|(_, _, f)| f);
            minijinja::context! {
                figures => f.map(minijinja::value::Serde),
                id => g.group.service_id.to_string(), name => g.name.clone(), facilitators => g.facilitators,
                next => g.next.as_ref().map(|s| session_rows(std::slice::from_ref(s))),
            }
        })
        .collect();
    let runnable = groups::runnable_listings(&state.db, &p).await?;
    let chosen = vec![form.get("service_id").to_owned()];
    let listings = items(runnable.iter().map(|l| (l.id.to_string(), l.name.as_str())), &chosen);
    let html = page.render(
        state,
        "pages/groups/list.html",
        minijinja::context! {
            title => "Groups", groups => rows, listings => listings, form => form.values(), errors => errors.map(form_errors),
        },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_list(&state, &page, &FormPairs(vec![]), None).await
}

pub async fn create(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.caller()?;
    let not_ours = || ValidationErrors::single("service_id", "Select one of your own team's listings");
    let Ok(service) = form.get("service_id").trim().parse::<ServiceId>() else {
        return render_list(&state, &page, &form, Some(&not_ours())).await;
    };
    match groups::make_group(&state.db, &p, service, &fields(&form)).await {
        Ok((group, _)) => {
            page.done("The listing is now run as a group", &format!("/groups/{}", group.service_id)).await
        }
        Err(CaseError::Invalid(e)) => render_list(&state, &page, &form, Some(&e)).await,
        Err(CaseError::NotFound) => render_list(&state, &page, &form, Some(&not_ours())).await,
        Err(e) => Err(e.into()),
    }
}

/// Which of the page's forms came back with errors, as it was sent: it is shown again as
/// typed, at the version it was sent with (a save after fixing it is still checked against
/// what the user read).
pub(crate) enum Sent<'a> {
    Settings(&'a FormPairs),
    Facilitators(&'a FormPairs),
    Member(&'a FormPairs),
    Story(&'a FormPairs),
}

/// Members listed on one page of a group's page: a group of 500 reads in pages.
const MEMBERS_PER_PAGE: usize = 100;

/// Which page of a group's members to show (`?members=2`); anything else, the first.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct GroupQuery {
    members: String,
}

pub(crate) async fn render_group(
    state: &AppState,
    page: &Page,
    id: ServiceId,
    sent: Option<Sent<'_>>,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    render_group_page(state, page, id, sent, errors, 1).await
}

async fn render_group_page(
    state: &AppState,
    page: &Page,
    id: ServiceId,
    sent: Option<Sent<'_>>,
    errors: Option<&ValidationErrors>,
    members_page: usize,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let g = groups::group(&state.db, &p, id).await?;
    let figures = groups::figures(&state.db, &p.scope(), id).await?;
    let feedback = groups::feedback::summary(&state.db, &p, id).await?;
    let stories = groups::stories::stories(&state.db, &p, id).await?;
    let s = &g.group.settings;
    let mut values = std::collections::BTreeMap::from([
        ("what_to_bring".to_owned(), s.what_to_bring.clone()),
        ("risk_assessment".to_owned(), s.risk_assessment.clone()),
        ("risk_review_due".to_owned(), s.risk_review_due.map(|d| d.to_string()).unwrap_or_default()),
        ("wet_weather".to_owned(), s.wet_weather.clone()),
    ]);
    let mut public_join = s.public_join;
    let mut chosen: Vec<String> = g.facilitators.iter().map(|u| u.id.to_string()).collect();
    let mut version = g.group.version.to_string();
    let mut member = std::collections::BTreeMap::new();
    let mut member_checks: Vec<String> = vec![];
    let mut story = std::collections::BTreeMap::new();
    match sent {
        Some(Sent::Settings(form)) => {
            values = form.values();
            public_join = form.checked("public_join");
            version = form.get("version").to_owned();
        }
        Some(Sent::Facilitators(form)) => {
            chosen = form.all("facilitators");
            version = form.get("version").to_owned();
        }
        Some(Sent::Member(form)) => {
            member = form.values();
            member_checks = ["consent_contact", "access_needs", "consent_emergency", "walk_in"]
                .into_iter()
                .filter(|c| form.checked(c))
                .map(str::to_owned)
                .collect();
        }
        Some(Sent::Story(form)) => story = form.values(),
        None => {}
    }
    let story_member = story.get("member").cloned().unwrap_or_default();
    let story_members = items(
        g.members.iter().filter(|m| m.status == linkwell_domain::groups::members::MemberStatus::Member).map(|m| {
            (
                m.id.to_string(),
                linkwell_domain::groups::members::NewMember::register_name(&m.first_name, &m.last_initial),
            )
        }),
        &[story_member],
    );
    let display = story.get("display").cloned().unwrap_or_default();
    let story_displays = items(StoryDisplay::ALL.iter().map(|d| (d.code(), d.label())), &[display]);
    // Members in pages (the page asked for, or the last there is); the waiting list whole.
    let (held, waiting): (Vec<_>, Vec<_>) =
        g.members.iter().cloned().partition(|m| m.status == linkwell_domain::groups::members::MemberStatus::Member);
    let pages = held.len().div_ceil(MEMBERS_PER_PAGE).max(1);
    let members_page = members_page.clamp(1, pages);
    let shown: Vec<_> =
        held.iter().skip((members_page - 1) * MEMBERS_PER_PAGE).take(MEMBERS_PER_PAGE).cloned().collect();
    let href = |n: usize| format!("/groups/{id}?members={n}#members");
    let member_pages = minijinja::context! {
        previous => (members_page > 1).then(|| minijinja::context! { href => href(members_page - 1), text => "Previous members" }),
        next => (members_page < pages).then(|| minijinja::context! { href => href(members_page + 1), text => "Next members" }),
        pages => pages, first => (members_page - 1) * MEMBERS_PER_PAGE + 1,
        last => ((members_page - 1) * MEMBERS_PER_PAGE + shown.len()),
    };
    let member_channel = member.get("channel").cloned().unwrap_or_default();
    let choosable = items(g.choosable.iter().map(|u| (u.id.to_string(), u.display_name.as_str())), &chosen);
    let html = page.render(
        state,
        "pages/groups/show.html",
        minijinja::context! {
            title => g.listing.name.clone(), id => id.to_string(), version => version,
            listing => minijinja::context! { capacity => g.listing.capacity, eligibility => g.listing.eligibility.clone(), accessibility => g.listing.accessibility.clone() },
            facilitators => g.facilitators.iter().map(|u| u.display_name.clone()).collect::<Vec<_>>(),
            choosable => choosable, sessions => session_rows(&g.sessions),
            figures => minijinja::value::Serde(&figures),
            figures_pct => minijinja::context! {
                attendance_rate => percent(figures.attendance_rate), retention_4_weeks => percent(figures.retention_4_weeks),
                retention_12_weeks => percent(figures.retention_12_weeks), prescribed_share => percent(figures.prescribed_share),
            },
            past => g.past.iter().map(|(s, came)| minijinja::context! {
                id => s.id.to_string(), date => linkwell_domain::time::display_london_date(s.on_date),
                status => s.status.code(), came => came, note => s.register_note.clone(),
            }).collect::<Vec<_>>(),
            held => members::member_rows(&shown), held_count => held.len(), waiting => members::member_rows(&waiting),
            member_pages => member_pages, member => member, member_checks => member_checks,
            feedback => minijinja::value::Serde(&feedback),
            feedback_rows => feedback.newest.iter().map(|f| minijinja::context! {
                rating => f.rating.get(), rating_label => f.rating.label(), comment => f.comment.clone(),
                source => f.source.label(), date => linkwell_domain::time::display_london_date(f.on_date),
            }).collect::<Vec<_>>(),
            stories => stories.iter().map(|s| minijinja::context! {
                id => s.id.to_string(), first_name => s.first_name.clone(), story => s.story.clone(),
                given_on => linkwell_domain::time::display_london_date(s.given_on), display => s.display.label(),
                withdrawn_at => s.withdrawn_at,
            }).collect::<Vec<_>>(),
            story => story, story_members => story_members, story_displays => story_displays,
            channels => items(linkwell_domain::groups::members::MemberChannel::ALL.iter().map(|c| (c.code(), c.label())), &[member_channel]),
            form => values, public_join => public_join, risk_overdue => s.risk_review_overdue(linkwell_app::today()),
            errors => errors.map(form_errors),
        },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<GroupQuery>,
) -> Result<Response, PageError> {
    let members_page = q.members.trim().parse::<usize>().unwrap_or(1);
    render_group_page(&state, &page, path_id(&id)?, None, None, members_page).await
}

pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id: ServiceId = path_id(&id)?;
    let version = form_version(form.get("version"))?;
    match groups::change_group(&state.db, &p, id, version, &fields(&form)).await {
        Ok(_) => page.done("The group's settings are saved", &format!("/groups/{id}")).await,
        Err(CaseError::Invalid(e)) => render_group(&state, &page, id, Some(Sent::Settings(&form)), Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn set_facilitators(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id: ServiceId = path_id(&id)?;
    let chosen: Result<Vec<UserId>, _> = form.all("facilitators").iter().map(|u| u.trim().parse::<UserId>()).collect();
    let version = form_version(form.get("version"))?;
    let result = match chosen {
        Ok(users) => groups::set_facilitators(&state.db, &p, id, version, &users).await,
        Err(_) => {
            Err(CaseError::Invalid(ValidationErrors::single("facilitators", "Select facilitators from the list")))
        }
    };
    match result {
        Ok(()) => page.done("The group's facilitators are saved", &format!("/groups/{id}")).await,
        Err(CaseError::Invalid(e)) => render_group(&state, &page, id, Some(Sent::Facilitators(&form)), Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}

/// Every group's figures as a spreadsheet.
pub async fn figures_csv(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let body = groups::figures_csv(&state.db, &page.caller()?).await?;
    Ok(crate::pages::directory::csv::csv_download("groups.csv", body))
}
