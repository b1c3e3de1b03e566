//! Diaries (a worker's or a room's day or week) and the worker's calendar feed: a secret,
//! revocable iCalendar URL that shows initials only.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use linkwell_app::organisation::{set_hours, worker_for};
use linkwell_app::sessions::diary::{DiaryItem, Whose, diary, new_calendar_feed, revoke_calendar_feed};
use linkwell_domain::identity::Role;
use linkwell_domain::sessions::{DayFields, WEEKDAYS, parse_week};
use linkwell_domain::time::{display_london_date, london};
use linkwell_domain::{RoomId, UserId};
use linkwell_store::diary::DiaryOf;
use minijinja::Value;
use serde::Deserialize;

use super::shared::items;
use super::{Page, path_id};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework;

#[derive(Deserialize, Default)]
pub struct DiaryQuery {
    #[serde(default)]
    worker: String,
    /// ISO date; today when absent.
    #[serde(default)]
    date: String,
    /// `day` or `week`.
    #[serde(default)]
    view: String,
}

/// The period shown: a day, or the Monday-to-Sunday week around the date.
fn period(date: Date, week: bool) -> Result<(Date, Date), PageError> {
    let bad = |_| PageError::BadRequest("That date is out of range.".into());
    if !week {
        return Ok((date, date.tomorrow().map_err(bad)?));
    }
    let monday = date.checked_sub((date.weekday().to_monday_zero_offset() as i64).days()).map_err(bad)?;
    Ok((monday, monday.checked_add(7.days()).map_err(bad)?))
}

fn parse_date(raw: &str) -> Result<Date, PageError> {
    match raw.trim() {
        "" => Ok(jiff::Zoned::now().with_time_zone(london()).date()),
        s => s.parse().map_err(|_| PageError::BadRequest("The date must look like 2026-12-01.".into())),
    }
}

/// Rows for the template, grouped by day.
fn days(items: &[DiaryItem], from: Date, to: Date) -> Result<Vec<Value>, PageError> {
    let mut out = Vec::new();
    let mut d = from;
    let time = |ms: i64| linkwell_domain::time::from_millis(ms).to_zoned(london());
    while d < to {
        let rows: Vec<Value> = items
            .iter()
            .filter(|e| time(e.session.starts_at).date() == d)
            .map(|e| {
                minijinja::context! {
                    starts_at => e.session.starts_at,
                    ends_at => e.session.ends_at,
                    time => time(e.session.starts_at).strftime("%H:%M").to_string(),
                    end => time(e.session.ends_at).strftime("%H:%M").to_string(),
                    who => e.with.clone(),
                    referral_id => e.opens_case.then(|| e.session.referral_id.to_string()),
                    kind => e.session.kind.label(),
                    place => e.place.clone(),
                    worker => e.worker.clone(),
                    status => e.session.status.label(),
                    cancelled => e.session.status.is_cancelled(),
                }
            })
            .collect();
        out.push(minijinja::context! { date => d.to_string(), label => display_london_date(d), rows => rows });
        d = d.tomorrow().map_err(|_| PageError::BadRequest("That date is out of range.".into()))?;
    }
    Ok(out)
}

/// A diary page: the worker's or room's sessions over the day or week around `date`.
async fn render(
    state: &AppState,
    page: &Page,
    whose: Whose,
    date: Date,
    week: bool,
    workers: impl FnOnce(UserId) -> Vec<Value>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let (from, to) = period(date, week)?;
    let (name, of, items) = diary(&state.db, &p, whose, from, to).await?;
    let (title, base, worker_id) = match of {
        DiaryOf::Worker(w) if w == p.user.id => ("Your diary".to_owned(), format!("/diary?worker={w}"), None),
        DiaryOf::Worker(w) => (format!("{name}'s diary"), format!("/diary?worker={w}"), Some(w.to_string())),
        DiaryOf::Room(r) => (name, format!("/rooms/{r}/diary"), None),
    };
    let workers = match of {
        DiaryOf::Worker(w) => workers(w),
        DiaryOf::Room(_) => vec![],
    };
    let step = if week { 7 } else { 1 };
    let shift = |n: i64| date.checked_add(n.days()).map(|d| d.to_string()).unwrap_or_default();
    let view = if week { "week" } else { "day" };
    let join = if base.contains('?') { "&" } else { "?" };
    let link = |d: String, v: &str| format!("{base}{join}date={d}&view={v}");
    let html = page.render(
        state,
        "pages/diary.html",
        minijinja::context! {
            title => title,
            heading => if week { format!("Week of {}", display_london_date(from)) } else { display_london_date(date) },
            days => days(&items, from, to)?,
            week => week,
            previous => link(shift(-step), view),
            next => link(shift(step), view),
            other_view => link(date.to_string(), if week { "day" } else { "week" }),
            workers => workers,
            count => items.iter().filter(|e| !e.session.status.is_cancelled()).count(),
            monday_first => date.weekday() == Weekday::Monday,
            worker_id => worker_id,
        },
    )?;
    Ok(html.into_response())
}

/// A worker's diary: link workers their own, coordinators anyone's.
pub async fn worker(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<DiaryQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let requested = match q.worker.trim() {
        "" => None,
        raw => Some(path_id(raw)?),
    };
    let team = if p.user.role == Role::Coordinator { casework::workers(&state.db, &p.scope()).await? } else { vec![] };
    let choices =
        |worker: UserId| items(team.iter().map(|u| (u.id.to_string(), u.display_name.clone())), &[worker.to_string()]);
    render(&state, &page, Whose::Worker(requested), parse_date(&q.date)?, q.view != "day", choices).await
}

/// A room's diary: who has it booked (initials only for others' cases).
pub async fn room(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<DiaryQuery>,
) -> Result<Response, PageError> {
    let id: RoomId = path_id(&id)?;
    render(&state, &page, Whose::Room(id), parse_date(&q.date)?, q.view != "day", |_| vec![]).await
}

/// The rooms, each linking to its diary.
pub async fn rooms(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.caller()?;
    let sites = state.db.sites_with_rooms(&p.scope()).await?;
    let list: Vec<Value> = sites
        .iter()
        .filter(|(_, rs)| !rs.is_empty())
        .map(|(s, rs)| minijinja::context! { site => s.name.clone(), rooms => rs.iter().map(|r| minijinja::context! { id => r.id.to_string(), name => r.name.clone() }).collect::<Vec<_>>() })
        .collect();
    Ok(page
        .render(&state, "pages/rooms.html", minijinja::context! { title => "Rooms", sites => list })?
        .into_response())
}

pub(crate) fn feed_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => format!("{scheme}://{host}/calendar/{token}.ics"),
        None => format!("/calendar/{token}.ics"),
    }
}

async fn render_feed(state: &AppState, page: &Page, new_url: Option<String>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let since = state.db.calendar_feed_since(&p.scope(), p.user.id).await?;
    Ok(page
        .render(
            state,
            "pages/calendar_feed.html",
            minijinja::context! { title => "Calendar feed", since => since, new_url => new_url },
        )?
        .into_response())
}

pub async fn feed_page(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_feed(&state, &page, None).await
}

/// A new feed URL (the old one stops working); shown once, stored only as a hash.
pub async fn create_feed(State(state): State<AppState>, page: Page, headers: HeaderMap) -> Result<Response, PageError> {
    let secret = new_calendar_feed(&state.db, &page.caller()?).await?;
    render_feed(&state, &page, Some(feed_url(&state, &headers, secret.expose()))).await
}

pub async fn revoke_feed(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    revoke_calendar_feed(&state.db, &page.caller()?).await?;
    page.done("Calendar feed turned off: the old address no longer works", "/account/calendar").await
}

/// The feed itself: the owner's sessions from 30 days ago to 180 days ahead, initials only.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    match linkwell_app::sessions::diary::calendar_feed(&state.db, token).await {
        Ok(Some(body)) => (
            [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=300")],
            body,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "No such calendar feed").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "could not read a calendar feed");
            (StatusCode::SERVICE_UNAVAILABLE, "Try again later").into_response()
        }
    }
}

#[derive(Deserialize, Default)]
pub struct HoursQuery {
    #[serde(default)]
    worker: String,
}

/// Whose hours: a link worker their own, a coordinator anyone's in the team.
/// The worker named in `?worker=` (a coordinator's choice), else the caller.
async fn hours_of(state: &AppState, page: &Page, raw: &str) -> Result<linkwell_store::users::User, PageError> {
    let requested = match raw.trim() {
        "" => None,
        raw => Some(path_id(raw)?),
    };
    Ok(worker_for(&state.db, &page.caller()?, requested).await?)
}

async fn render_hours(
    state: &AppState,
    page: &Page,
    user: &linkwell_store::users::User,
    entered: Option<&super::FormPairs>,
    errors: Option<&linkwell_domain::ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let week = state.db.working_week(&p.scope(), user.id).await?;
    let days: Vec<Value> = week
        .iter()
        .map(|(d, hours)| {
            let field = |name: &str, stored: String| match entered {
                Some(f) => f.get(&format!("{name}_{d}")).to_owned(),
                None => stored,
            };
            let fmt = |t: jiff::civil::Time| t.strftime("%H:%M").to_string();
            minijinja::context! {
                n => d, name => WEEKDAYS[(*d - 1) as usize],
                starts => field("starts", hours.map(|h| fmt(h.0)).unwrap_or_default()),
                ends => field("ends", hours.map(|h| fmt(h.1)).unwrap_or_default()),
                off => match entered { Some(f) => f.checked(&format!("off_{d}")), None => hours.is_none() },
            }
        })
        .collect();
    let html = page.render(
        state,
        "pages/hours.html",
        minijinja::context! {
            title => if user.id == p.user.id { "Your working hours".to_owned() } else { format!("{}'s working hours", user.display_name) },
            worker_id => user.id.to_string(),
            days => days,
            errors => errors.map(super::form_errors),
        },
    )?;
    Ok((super::form_status(errors), html).into_response())
}

pub async fn hours(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<HoursQuery>,
) -> Result<Response, PageError> {
    let user = hours_of(&state, &page, &q.worker).await?;
    render_hours(&state, &page, &user, None, None).await
}

pub async fn save_hours(
    State(state): State<AppState>,
    page: Page,
    form: super::FormPairs,
) -> Result<Response, PageError> {
    let user = hours_of(&state, &page, form.get("worker")).await?;
    let days: [DayFields; 7] = std::array::from_fn(|i| DayFields {
        off: form.checked(&format!("off_{}", i + 1)),
        starts: form.get(&format!("starts_{}", i + 1)).to_owned(),
        ends: form.get(&format!("ends_{}", i + 1)).to_owned(),
    });
    let days = match parse_week(&days) {
        Ok(week) => week,
        Err(e) => return render_hours(&state, &page, &user, Some(&form), Some(&e)).await,
    };
    let p = page.caller()?;
    set_hours(&state.db, &p, &user, &days).await?;
    let back =
        if user.id == p.user.id { "/account/hours".to_owned() } else { format!("/account/hours?worker={}", user.id) };
    page.done("Working hours saved: sessions are booked only within them", &back).await
}
