//! Sessions: booking the initial session and follow-ups on the London wall clock, and
//! recording how each one ended.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::Caller;
use linkwell_app::sessions::{
    BookError, Booking, BookingFields, book, open_session, record_outcome as record, reschedule,
};
use linkwell_domain::ValidationErrors;
use linkwell_domain::ids::SessionId;
use linkwell_domain::sessions::{AskedBy, Outcome, SessionKind, SessionMode, SessionNotes, SessionStatus};
use linkwell_domain::time::{DateEntry, london};
use linkwell_store::StoreError;
use linkwell_store::practices::Site;
use linkwell_store::referrals::Referral;
use linkwell_store::sessions::Session;
use minijinja::Value;
use minijinja::value::Serde;

use super::shared::items;
use super::{FormPairs, Page, form_errors, form_status, form_version, path_id};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework::open_case;

/// What the booking form is for: the next session of a case, or moving a booked one.
#[derive(Clone, Copy)]
enum Target<'a> {
    Book,
    Move(&'a Session),
}

/// The rooms to offer: those at the sites of the case's practice when it has any (where
/// the person goes), else every room of the organisation; "Site – Room" each.
async fn room_choices(state: &AppState, p: &Caller, r: &Referral, chosen: &str) -> Result<Vec<Value>, PageError> {
    let sites = state.db.sites_with_rooms(&p.scope()).await?;
    let at_practice = |s: &Site| r.practice_id.is_some() && s.practice_id == r.practice_id;
    let theirs = sites.iter().any(|(s, rs)| at_practice(s) && !rs.is_empty());
    let mut rooms = vec![minijinja::context! { value => "", text => "No room (not in person)" }];
    rooms.extend(items(
        sites.iter().filter(|(s, _)| !theirs || at_practice(s)).flat_map(|(s, rs)| {
            rs.iter().map(move |room| (room.id.to_string(), format!("{} – {}", s.name, room.name)))
        }),
        &[chosen.to_owned()],
    ));
    Ok(rooms)
}

async fn render_book(
    state: &AppState,
    page: &Page,
    r: &Referral,
    target: Target<'_>,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let scope = p.scope();
    let person = state.db.person(&scope, r.person_id).await?;
    // The kind the next booking will be (initial until one is held or booked), or the
    // moved session's own.
    let kind = match target {
        Target::Book => state.db.next_session_kind(&scope, r.id).await?,
        Target::Move(s) => s.kind,
    };
    let rules = state.db.programmes(&scope).await?.into_iter().find(|pr| pr.id == r.programme_id).map(|pr| pr.rules);
    let minutes = rules.map(|rules| rules.length(kind).get());
    let mode = if form.get("mode").is_empty() { "in_person".to_owned() } else { form.get("mode").to_owned() };
    let (title, action, submit) = match target {
        Target::Book if kind == SessionKind::Initial => {
            ("Book the initial session".to_owned(), format!("/referrals/{}/sessions", r.id), "Book session")
        }
        Target::Book => {
            ("Book a follow-up session".to_owned(), format!("/referrals/{}/sessions", r.id), "Book session")
        }
        Target::Move(s) => (
            format!("Move the {} session", kind.label().to_lowercase()),
            format!("/sessions/{}/move", s.id),
            "Move session",
        ),
    };
    let html = page.render(
        state,
        "pages/sessions/book.html",
        minijinja::context! {
            title => title, action => action, submit => submit,
            moving => matches!(target, Target::Move(_)),
            now_at => match target { Target::Move(s) => Some(linkwell_domain::time::display_london(linkwell_domain::time::from_millis(s.starts_at))), Target::Book => None },
            version => match target { Target::Move(s) => Some(s.version), Target::Book => None },
            asked_by => items(AskedBy::ALL.iter().map(|a| (a.code(), a.label())), &[form.get("asked_by").to_owned()]),
            referral => Serde(r),
            name => format!("{} {}", person.given_name, person.family_name),
            minutes => minutes,
            form => form.values(),
            modes => items(SessionMode::ALL.iter().map(|m| (m.code(), m.label())), &[mode]),
            rooms => room_choices(state, &p, r, form.get("room_id")).await?,
            folds => items([("earlier", "The first time (British Summer Time)"), ("later", "The second time (Greenwich Mean Time)")], &[form.get("fold").to_owned()]),
            show_fold => errors.is_some_and(|e| e.for_field("fold").is_some()) || !form.get("fold").is_empty(),
            errors => errors.map(form_errors),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

/// A booking form's first values: a date and time from the diary's free period.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Prefill {
    /// ISO date.
    date: String,
    /// Like 10:00.
    time: String,
}

pub async fn new(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<Prefill>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    let mut form = Vec::new();
    if let Ok(d) = q.date.trim().parse::<jiff::civil::Date>() {
        form.extend([("day", d.day().to_string()), ("month", d.month().to_string()), ("year", d.year().to_string())]);
    }
    if !q.time.trim().is_empty() {
        form.push(("time", q.time.trim().to_owned()));
    }
    let form = FormPairs(form.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
    render_book(&state, &page, &r, Target::Book, &form, None).await
}

/// The booking as typed on the form (booking or moving).
fn booking_of(form: &FormPairs) -> Result<Booking, ValidationErrors> {
    Booking::parse(&BookingFields {
        date: DateEntry::boxes(form.get("day"), form.get("month"), form.get("year")),
        time: form.get("time"),
        fold: form.get("fold"),
        mode: form.get("mode"),
        room: form.get("room_id"),
    })
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    let booking = match booking_of(&form) {
        Ok(booking) => booking,
        Err(e) => return render_book(&state, &page, &r, Target::Book, &form, Some(&e)).await,
    };

    match book(&state.db, &p.scope(), &page.actor(), &r, &booking).await {
        Ok(s) => {
            let message = format!(
                "{} booked for {}",
                s.kind.label(),
                linkwell_domain::time::display_london(linkwell_domain::time::from_millis(s.starts_at))
            );
            page.done(&message, &format!("/referrals/{}", r.id)).await
        }
        Err(BookError::Store(e)) => Err(e.into()),
        Err(problem) => {
            let e = ValidationErrors::single(problem.field(), problem.to_string());
            render_book(&state, &page, &r, Target::Book, &form, Some(&e)).await
        }
    }
}

/// The form to move a booked session, filled in with where and when it is now.
pub async fn move_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (s, r) = session_and_case(&state, &page, &id).await?;
    if s.status != SessionStatus::Booked {
        return Err(PageError::BadRequest("Only a booked session can be moved.".into()));
    }
    let at = linkwell_domain::time::from_millis(s.starts_at).to_zoned(london());
    let form = FormPairs(vec![
        ("day".into(), at.day().to_string()),
        ("month".into(), at.month().to_string()),
        ("year".into(), at.year().to_string()),
        ("time".into(), at.strftime("%H:%M").to_string()),
        ("mode".into(), s.mode.code().into()),
        ("room_id".into(), s.room_id.map(|r| r.to_string()).unwrap_or_default()),
    ]);
    render_book(&state, &page, &r, Target::Move(&s), &form, None).await
}

/// Move a booked session: recorded as cancelled by whoever asked, one of the same kind
/// booked by the usual rules, the reminder moved with it and the person told once. Back
/// to the diary on the new day.
pub async fn move_session(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let (s, r) = session_and_case(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let mut e = ValidationErrors::new();
    let asked_by = e.check("asked_by", AskedBy::parse(form.get("asked_by")));
    let booking = booking_of(&form).map_err(|b| e.errors.extend(b.errors)).ok();
    let (Some(asked_by), Some(booking)) = (asked_by, booking) else {
        return render_book(&state, &page, &r, Target::Move(&s), &form, Some(&e)).await;
    };
    let p = page.caller()?;
    match reschedule(&state.db, &p.scope(), &p.actor(), (&s, &r), version, asked_by, &booking).await {
        Ok(moved) => {
            let at = linkwell_domain::time::from_millis(moved.starts_at);
            let message = format!("Session moved to {}", linkwell_domain::time::display_london(at));
            let day = at.to_zoned(london()).date();
            page.done(&message, &format!("/diary?worker={}&date={day}", moved.worker_id)).await
        }
        Err(BookError::Store(StoreError::Conflict)) => {
            let e = ValidationErrors::single(
                "time",
                "This session was changed while you had it open: check the diary and try again",
            );
            render_book(&state, &page, &r, Target::Move(&s), &form, Some(&e)).await
        }
        Err(BookError::Store(e)) => Err(e.into()),
        Err(problem) => {
            let e = ValidationErrors::single(problem.field(), problem.to_string());
            render_book(&state, &page, &r, Target::Move(&s), &form, Some(&e)).await
        }
    }
}

/// The session named in the path and its case, if the caller may work it.
async fn session_and_case(state: &AppState, page: &Page, id: &str) -> Result<(Session, Referral), PageError> {
    let id: SessionId = path_id(id)?;
    Ok(open_session(&state.db, &page.caller()?, id).await?)
}

async fn render_outcome(
    state: &AppState,
    page: &Page,
    id: &str,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (s, r) = session_and_case(state, page, id).await?;
    let p = page.caller()?;
    let person = state.db.person(&p.scope(), r.person_id).await?;
    let html = page.render(
        state,
        "pages/sessions/outcome.html",
        minijinja::context! {
            title => "Record how the session went",
            session => Serde(&s),
            status => s.status.label(),
            mode => s.mode.label(),
            name => format!("{} {}", person.given_name, person.family_name),
            referral_id => r.id.to_string(),
            outcomes => items(Outcome::ALL.iter().map(|o| (o.code(), o.label())), &[form.get("outcome").to_owned()]),
            form => form.values(),
            errors => errors.map(form_errors),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn outcome_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    render_outcome(&state, &page, &id, &FormPairs(vec![]), None, StatusCode::OK).await
}

pub async fn record_outcome(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let (s, r) = session_and_case(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let mut e = ValidationErrors::new();
    let outcome = e.check("outcome", Outcome::parse(form.get("outcome")));
    let notes = e.check("notes", SessionNotes::parse(form.get("notes")));
    let (Some(outcome), Some(notes)) = (outcome, notes) else {
        return render_outcome(&state, &page, &id, &form, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let p = page.caller()?;
    match record(&state.db, &p.scope(), &p.actor(), (&s, &r), version, outcome, &notes).await {
        Ok(_) => page.done("Session outcome recorded", &format!("/referrals/{}", r.id)).await,
        Err(StoreError::Conflict) => {
            let e = ValidationErrors::single(
                "outcome",
                "This session's outcome has already been recorded, or someone changed it while you had it open",
            );
            render_outcome(&state, &page, &id, &form, Some(&e), StatusCode::CONFLICT).await
        }
        Err(StoreError::Untimely(u)) => {
            let e = ValidationErrors::single(u.field(), u.to_string());
            render_outcome(&state, &page, &id, &form, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
