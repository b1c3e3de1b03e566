//! A group's members on its page (added by the team or walking in, taken off), joining
//! from the public directory, and the page a message's link opens, where a member leaves
//! or takes a place offered without signing in.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::groups::members::{self, PublicJoinError};
use linkwell_domain::groups::members::{MemberFields, MemberStatus, NewMember};
use linkwell_domain::ids::GroupMemberId;
use linkwell_domain::{ServiceId, ValidationErrors};
use linkwell_store::group_members::Member;
use linkwell_store::{OrgScope, StoreError};
use minijinja::Value;

use super::{Sent, render_group};
use crate::error::PageError;
use crate::pages::{FormPairs, Page, form_errors, path_id};
use crate::state::AppState;

/// The member fields a form carries.
pub(crate) fn member_fields(form: &FormPairs) -> MemberFields {
    MemberFields {
        first_name: form.get("first_name").to_owned(),
        last_name: form.get("last_name").to_owned(),
        email: form.get("email").to_owned(),
        phone: form.get("phone").to_owned(),
        channel: form.get("channel").to_owned(),
        consent_contact: form.checked("consent_contact"),
        access_needs: form.checked("access_needs"),
        emergency_contact: form.get("emergency_contact").to_owned(),
        consent_emergency: form.checked("consent_emergency"),
    }
}

/// Members as the group's page lists them: staff see how each came and can be reached.
pub(crate) fn member_rows(members: &[Member]) -> Vec<Value> {
    members
        .iter()
        .map(|m| {
            minijinja::context! {
                id => m.id.to_string(),
                name => NewMember::register_name(&m.first_name, &m.last_initial),
                route => m.route.label(), status => m.status.code(), status_label => m.status.label(),
                since => m.joined_at.unwrap_or(m.asked_at), offer_expires_at => m.offer_expires_at,
                access_needs => m.access_needs, contactable => m.reachable_at().is_some(),
                prescribed => m.person_id.is_some(), flagged => m.flagged_at.is_some(),
            }
        })
        .collect()
}

pub async fn add(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id: ServiceId = path_id(&id)?;
    let walk_in = form.checked("walk_in");
    match members::add_member(&state.db, &p, id, &member_fields(&form), walk_in, &state.config.public_url).await {
        Ok(m) => {
            let said = match m.status {
                MemberStatus::Waiting => format!("{} is on the waiting list: the group is full", m.first_name),
                _ => format!("{} has joined the group", m.first_name),
            };
            page.done(&said, &format!("/groups/{id}#members")).await
        }
        Err(CaseError::Invalid(e)) => render_group(&state, &page, id, Some(Sent::Member(&form)), Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    page: Page,
    Path((id, member)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id: ServiceId = path_id(&id)?;
    let member: GroupMemberId = path_id(&member)?;
    let m = members::remove_member(&state.db, &p, id, member, &state.config.public_url).await?;
    page.done(&format!("{} is no longer in the group", m.first_name), &format!("/groups/{id}#members")).await
}

/// Someone joins a group from the public directory. The page that follows is the same
/// whether or not they were in it already.
pub async fn join(
    State(state): State<AppState>,
    page: Page,
    Path((slug, id)): Path<(String, String)>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let org = crate::pages::public_directory::published(&state, &slug).await?;
    let scope = OrgScope::new(org.id);
    let id: ServiceId = path_id(&id)?;
    match members::join_from_directory(&state.db, &scope, id, &member_fields(&form), &state.config.public_url).await {
        Ok(()) => {
            let html = page.render(
                &state,
                "pages/groups/joined.html",
                minijinja::context! {
                    title => "Thank you for joining", organisation => org.name.clone(),
                    public_home => format!("/community/{slug}"), public_name => org.name.clone(),
                    back => format!("/community/{slug}/services/{id}"),
                },
            )?;
            Ok(html.into_response())
        }
        Err(PublicJoinError::Invalid(e)) => {
            crate::pages::public_directory::render_service(&state, &page, &slug, id, "", Some((&form, &e))).await
        }
        // The listing's page says why (it is not found if the listing is not).
        Err(e @ (PublicJoinError::Paused | PublicJoinError::NotOpen)) => {
            let why = match e {
                PublicJoinError::Paused => "This group is paused, so it is not taking anyone new at the moment",
                _ => "This group does not take sign-ups here: contact them to join",
            };
            let e = ValidationErrors::single("first_name", why);
            crate::pages::public_directory::render_service(&state, &page, &slug, id, "", Some((&form, &e))).await
        }
        Err(PublicJoinError::Store(e)) => Err(e.into()),
    }
}

/// What a message's link opens: the member's group and what they can do.
async fn render_link(
    state: &AppState,
    page: &Page,
    token: &str,
    said: Option<&str>,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let (scope, m, group) = members::by_link(&state.db, token).await?.ok_or(PageError::NotFound)?;
    let stories: Vec<Value> = linkwell_app::groups::stories::of_member(&state.db, &scope, m.id)
        .await?
        .iter()
        .map(|s| {
            minijinja::context! {
                id => s.id.to_string(), story => s.story.clone(), withdrawn_at => s.withdrawn_at,
                given_on => linkwell_domain::time::display_london_date(s.given_on), display => s.display.label(),
            }
        })
        .collect();
    let html = page.render(
        state,
        "pages/groups/link.html",
        minijinja::context! {
            title => group.clone(), group => group, first_name => m.first_name.clone(), status => m.status.code(),
            offer_expires_at => m.offer_expires_at, token => token, said => said, errors => errors.map(form_errors),
            stories => stories,
        },
    )?;
    let status = if errors.is_some() { StatusCode::CONFLICT } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn link(State(state): State<AppState>, page: Page, Path(token): Path<String>) -> Result<Response, PageError> {
    render_link(&state, &page, &token, None, None).await
}

/// Leave, take the place offered, or withdraw a story, by the link. Each twice does it
/// once.
pub async fn act(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let base = &state.config.public_url;
    match form.get("action") {
        "leave" => {
            members::leave_by_link(&state.db, &token, base).await?.ok_or(PageError::NotFound)?;
            render_link(&state, &page, &token, Some("You have left the group"), None).await
        }
        "take" => match members::take_place_by_link(&state.db, &token).await {
            Ok(Some(_)) => render_link(&state, &page, &token, Some("The place is yours"), None).await,
            Ok(None) => Err(PageError::NotFound),
            Err(StoreError::Conflict) => {
                let why = "This offer has lapsed, so the place has been offered to the next person waiting";
                render_link(&state, &page, &token, None, Some(&ValidationErrors::single("action", why))).await
            }
            Err(e) => Err(e.into()),
        },
        "withdraw_story" => {
            let story = form.get("story").trim().parse().map_err(|_| PageError::NotFound)?;
            linkwell_app::groups::stories::withdraw_by_link(&state.db, &token, story)
                .await?
                .ok_or(PageError::NotFound)?;
            let said = "Your story is withdrawn: it is no longer shown anywhere";
            render_link(&state, &page, &token, Some(said), None).await
        }
        _ => Err(PageError::BadRequest("Choose to leave the group or to take the place.".into())),
    }
}

/// A group's dates as an iCalendar feed, for anyone the directory is published to:
/// moves and cancellations reach a calendar that subscribed.
pub async fn calendar(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let org = crate::pages::public_directory::published(&state, &slug).await?;
    let id: ServiceId = path_id(&id)?;
    match linkwell_app::groups::public_calendar(&state.db, &OrgScope::new(org.id), id).await? {
        Some(body) => Ok((
            [
                (axum::http::header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
            ],
            body,
        )
            .into_response()),
        None => Err(PageError::NotFound),
    }
}
