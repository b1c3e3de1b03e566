//! Diaries (a worker's or a room's day or week) and the worker's calendar feed: a secret,
//! revocable iCalendar URL that shows initials only.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use linkwell_app::organisation::{set_hours, worker_for};
use linkwell_app::sessions::diary::{
    DiaryItem, FreePeriod, Whose, diary, free_time, new_calendar_feed, revoke_calendar_feed,
};
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

/// The period's sessions and free time as the rows of one table, in time order: each
/// session with whom and where (and a way to move it, to those who may), each free
/// stretch of the worker's hours with a way to book into it.
fn rows(items: &[DiaryItem], free: &[FreePeriod], worker: Option<UserId>) -> Vec<Value> {
    let time = |ms: i64| linkwell_domain::time::from_millis(ms).to_zoned(london());
    let clock = |ms: i64| time(ms).strftime("%H:%M").to_string();
    let day = |ms: i64| time(ms).strftime("%a %-d %b").to_string();
    let mut rows: Vec<(i64, Value)> = items
        .iter()
        .map(|e| {
            let s = &e.session;
            let movable = e.opens_case && s.status == linkwell_domain::sessions::SessionStatus::Booked;
            (
                s.starts_at,
                minijinja::context! {
                    day => day(s.starts_at), time => clock(s.starts_at), end => clock(s.ends_at),
                    who => e.with.clone(),
                    referral_id => e.opens_case.then(|| s.referral_id.to_string()),
                    kind => s.kind.label(),
                    place => e.place.clone(),
                    worker => e.worker.clone(),
                    status => s.status.label(),
                    cancelled => s.status.is_cancelled(),
                    move_href => movable.then(|| format!("/sessions/{}/move", s.id)),
                },
            )
        })
        .collect();
    if let Some(w) = worker {
        rows.extend(free.iter().map(|f| {
            let at = time(f.starts_at).strftime("%Y-%m-%dT%H:%M").to_string();
            (
                f.starts_at,
                minijinja::context! {
                    day => day(f.starts_at), time => clock(f.starts_at), end => clock(f.ends_at),
                    free => true,
                    book_href => format!("/diary/book?worker={w}&at={at}"),
                },
            )
        }));
    }
    rows.sort_by_key(|(at, _)| *at);
    rows.into_iter().map(|(_, v)| v).collect()
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
    let (free, worker) = match of {
        DiaryOf::Worker(w) => (free_time(&state.db, &p, w, from, to, &items).await?, Some(w)),
        DiaryOf::Room(_) => (vec![], None),
    };
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
            rows => rows(&items, &free, worker),
            week => week, room => worker.is_none(),
            free => free.len(),
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
        |worker: UserId| items(team.iter().map(|u| (u.id.to_string(), u.display_name.as_str())), &[worker.to_string()]);
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

/// Booking into a free period of a worker's diary: which of their cases, at that time.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BookFromDiary {
    worker: String,
    /// London wall-clock time, like 2026-12-07T10:00.
    at: String,
    /// The case chosen.
    referral: String,
}

/// Choose whose session to book at a free time of the diary; the choice goes on to the
/// booking form with the date and time filled in (its own rules still check them).
pub async fn book_from_diary(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<BookFromDiary>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let requested = match q.worker.trim() {
        "" => None,
        raw => Some(path_id(raw)?),
    };
    let worker = worker_for(&state.db, &p, requested).await?;
    let at: jiff::civil::DateTime =
        q.at.trim()
            .parse()
            .map_err(|_| PageError::BadRequest("The time to book must look like 2026-12-07T10:00.".into()))?;
    let fields = casework::ListFields { assigned: q.worker.trim(), ..Default::default() };
    let cases = casework::caseload(&state.db, &p, &fields).await?;
    let open: Vec<_> = cases.active.iter().chain(&cases.waiting).collect();
    let chosen = q.referral.trim();
    let mut error = None;
    if !chosen.is_empty() {
        match open.iter().find(|r| r.id.to_string() == chosen) {
            Some(r) => {
                let to =
                    format!("/referrals/{}/sessions/new?date={}&time={}", r.id, at.date(), at.time().strftime("%H:%M"));
                return Ok(axum::response::Redirect::to(&to).into_response());
            }
            None => {
                error = Some(linkwell_domain::ValidationErrors::single(
                    "referral",
                    "Select whose session it is from the list",
                ))
            }
        }
    }
    let when = linkwell_domain::time::display_london(
        at.to_zoned(london()).map_err(|_| PageError::BadRequest("That time is out of range.".into()))?.timestamp(),
    );
    let html = page.render(
        &state,
        "pages/sessions/choose_case.html",
        minijinja::context! {
            title => "Book a session",
            when => when, at => q.at.trim(), worker_id => worker.id.to_string(),
            worker_name => worker.display_name, mine => worker.id == p.user.id,
            cases => items(open.iter().map(|r| (r.id.to_string(), format!("{} {}", r.given_name, r.family_name))), &[chosen.to_owned()]),
            back => format!("/diary?worker={}&date={}", worker.id, at.date()),
            errors => error.as_ref().map(super::form_errors),
        },
    )?;
    Ok((super::form_status(error.as_ref()), html).into_response())
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
