//! Sessions: booking the initial session and follow-ups on the London wall clock, and
//! recording how each one ended.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::sessions::{BookError, Booking, BookingFields, book, open_session, record_outcome as record};
use linkwell_domain::ValidationErrors;
use linkwell_domain::ids::SessionId;
use linkwell_domain::sessions::{Outcome, SessionKind, SessionMode, SessionNotes};
use linkwell_domain::time::DateEntry;
use linkwell_store::StoreError;
use linkwell_store::referrals::Referral;
use linkwell_store::sessions::Session;
use minijinja::value::Serde;

use super::shared::items;
use super::{FormPairs, Page, form_errors, form_status, form_version, path_id};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework::open_case;

/// The kind the next booking will be: initial until one is held or booked.
async fn render_book(
    state: &AppState,
    page: &Page,
    r: &Referral,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let scope = p.scope();
    let person = state.db.person(&scope, r.person_id).await?;
    let kind = state.db.next_session_kind(&scope, r.id).await?;
    let rules = state.db.programmes(&scope).await?.into_iter().find(|pr| pr.id == r.programme_id).map(|pr| pr.rules);
    let minutes = rules.map(|rules| rules.length(kind).get());
    let mut rooms = vec![minijinja::context! { value => "", text => "No room (not in person)" }];
    let sites = state.db.sites_with_rooms(&scope).await?;
    rooms.extend(items(
        sites.iter().flat_map(|(s, rs)| {
            rs.iter().map(move |room| (room.id.to_string(), format!("{} – {}", s.name, room.name)))
        }),
        &[form.get("room_id").to_owned()],
    ));
    let mode = if form.get("mode").is_empty() { "in_person".to_owned() } else { form.get("mode").to_owned() };
    let html = page.render(
        state,
        "pages/sessions/book.html",
        minijinja::context! {
            title => if kind == SessionKind::Initial { "Book the initial session" } else { "Book a follow-up session" },
            referral => Serde(r),
            name => format!("{} {}", person.given_name, person.family_name),
            minutes => minutes,
            form => form.values(),
            modes => items(SessionMode::ALL.iter().map(|m| (m.code(), m.label())), &[mode]),
            rooms => rooms,
            folds => items([("earlier", "The first time (British Summer Time)"), ("later", "The second time (Greenwich Mean Time)")], &[form.get("fold").to_owned()]),
            show_fold => errors.is_some_and(|e| e.for_field("fold").is_some()) || !form.get("fold").is_empty(),
            errors => errors.map(form_errors),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn new(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    render_book(&state, &page, &r, &FormPairs(vec![]), None).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    let booking = Booking::parse(&BookingFields {
        date: DateEntry::boxes(form.get("day"), form.get("month"), form.get("year")),
        time: form.get("time"),
        fold: form.get("fold"),
        mode: form.get("mode"),
        room: form.get("room_id"),
    });
    let booking = match booking {
        Ok(booking) => booking,
        Err(e) => return render_book(&state, &page, &r, &form, Some(&e)).await,
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
            render_book(&state, &page, &r, &form, Some(&e)).await
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
