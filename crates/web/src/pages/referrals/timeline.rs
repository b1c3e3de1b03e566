//! A case's timeline with its case notes: the story newest first, filtered by kind, a note
//! added from the same page, and a note's versions with the form that corrects it.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::{self, CaseError, TimelineEntry, TimelineKind, TimelineRecord, open_case};
use linkwell_domain::ValidationErrors;
use linkwell_domain::ids::CaseNoteId;
use linkwell_domain::referrals::notes::{NoteFields, NoteKind};
use linkwell_domain::time::DateEntry;
use linkwell_store::StoreError;
use linkwell_store::case_notes::CaseNote;
use linkwell_store::referrals::Referral;
use minijinja::Value;
use minijinja::value::Serde;
use serde::Deserialize;

use crate::error::PageError;
use crate::pages::shared::items;
use crate::pages::{FormPairs, Page, form_errors, form_status, path_id};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TimelineQuery {
    show: String,
}

/// A note's fields from a page form: the date in three boxes.
fn note_fields(form: &FormPairs) -> NoteFields {
    NoteFields {
        date: DateEntry::boxes(form.get("day"), form.get("month"), form.get("year")),
        kind: form.get("kind").to_owned(),
        text: form.get("text").to_owned(),
        safeguarding: form.checked("safeguarding"),
    }
}

fn entry_row(e: &TimelineEntry, referral: &Referral) -> Value {
    let (href, note) = match &e.record {
        TimelineRecord::None => (None, None),
        TimelineRecord::Session(id) => (Some(format!("/sessions/{id}/outcome")), None),
        TimelineRecord::PlanVersion(v) => (Some(format!("/referrals/{}/plan/versions/{v}", referral.id)), None),
        TimelineRecord::Connection(_) => (Some(format!("/referrals/{}#prescriptions", referral.id)), None),
        TimelineRecord::Note { current, earlier } => (
            None,
            Some(minijinja::context! {
                href => format!("/referrals/{}/notes/{}", referral.id, current.id),
                corrected => !earlier.is_empty(), reason => current.correction_reason.clone(),
                recorded_at => current.recorded_at,
            }),
        ),
    };
    minijinja::context! {
        at => e.at, whole_day => e.whole_day, kind => e.kind.label(), what => e.what.clone(),
        text => e.text.clone(), by => e.by.clone(), safeguarding => e.safeguarding,
        href => href, note => note,
    }
}

async fn render_timeline(
    state: &AppState,
    page: &Page,
    r: &Referral,
    show: &str,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let (only, filter_error) = match TimelineKind::parse_filter(show, "show") {
        Ok(only) => (only, None),
        Err(e) => (None, Some(e)),
    };
    let errors = errors.or(filter_error.as_ref());
    let entries = casework::timeline(&state.db, &p, r, only).await?;
    let person = state.db.person(&p.scope(), r.person_id).await?;
    let today = linkwell_app::today();
    let (day, month, year) = if form.0.is_empty() {
        (today.day().to_string(), today.month().to_string(), today.year().to_string())
    } else {
        (form.get("day").to_owned(), form.get("month").to_owned(), form.get("year").to_owned())
    };
    let mut shows = vec![minijinja::context! { value => "", text => "Everything" }];
    shows.extend(items(TimelineKind::ALL.iter().map(|k| (k.code(), k.label())), &[show.trim().to_owned()]));
    let html = page.render(
        state,
        "pages/referrals/timeline.html",
        minijinja::context! {
            title => format!("Timeline: {} {}", person.given_name, person.family_name),
            name => format!("{} {}", person.given_name, person.family_name),
            referral => Serde(r),
            entries => entries.iter().map(|e| entry_row(e, r)).collect::<Vec<_>>(),
            shows => shows, filtered => only.is_some(),
            kinds => items(NoteKind::ALL.iter().map(|k| (k.code(), k.label())), &[form.get("kind").to_owned()]),
            form => minijinja::context! { day => day, month => month, year => year, text => form.get("text"), safeguarding => form.checked("safeguarding") },
            errors => errors.map(form_errors),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn timeline(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    render_timeline(&state, &page, &r, &q.show, &FormPairs(vec![]), None).await
}

pub async fn add_note(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    match casework::add_note(&state.db, &p, &r, &note_fields(&form)).await {
        Ok(_) => page.done("Note added", &format!("/referrals/{}/timeline", r.id)).await,
        Err(CaseError::Invalid(e)) => render_timeline(&state, &page, &r, "", &form, Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}

async fn render_note(
    state: &AppState,
    page: &Page,
    r: &Referral,
    versions: &[CaseNote],
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let Some(current) = versions.last() else { return Err(PageError::NotFound) };
    let mut authors: Vec<String> = versions.iter().filter_map(|v| v.author_user_id.clone()).collect();
    authors.sort();
    authors.dedup();
    let team = state.db.users_by_ids(&p.scope(), &authors).await?;
    let by = |v: &CaseNote| {
        v.author_user_id
            .as_ref()
            .and_then(|a| team.iter().find(|u| &u.id.to_string() == a))
            .map(|u| u.display_name.clone())
    };
    let rows: Vec<Value> = versions
        .iter()
        .rev()
        .map(|v| {
            minijinja::context! {
                version => v.version, date => linkwell_domain::time::display_london_date(v.date), kind => v.kind.label(),
                text => v.text.clone(), safeguarding => v.safeguarding, by => by(v), recorded_at => v.recorded_at,
                reason => v.correction_reason.clone(),
            }
        })
        .collect();
    let fresh = form.0.is_empty();
    let pick = |name: &str, stored: String| if fresh { stored } else { form.get(name).to_owned() };
    let html = page.render(
        state,
        "pages/referrals/note.html",
        minijinja::context! {
            title => format!("{} of {}", current.kind.label(), linkwell_domain::time::display_london_date(current.date)),
            referral => Serde(r), note_id => current.id.to_string(), version => current.version, versions => rows,
            kinds => items(NoteKind::ALL.iter().map(|k| (k.code(), k.label())), &[pick("kind", current.kind.code().to_owned())]),
            form => minijinja::context! {
                day => pick("day", current.date.day().to_string()), month => pick("month", current.date.month().to_string()),
                year => pick("year", current.date.year().to_string()), text => pick("text", current.text.clone()),
                safeguarding => if fresh { current.safeguarding } else { form.checked("safeguarding") },
                reason => form.get("reason"),
            },
            errors => errors.map(form_errors),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn note(
    State(state): State<AppState>,
    page: Page,
    Path((id, note)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    let versions = casework::note_versions(&state.db, &p, &r, path_id::<CaseNoteId>(&note)?).await?;
    render_note(&state, &page, &r, &versions, &FormPairs(vec![]), None).await
}

pub async fn correct_note(
    State(state): State<AppState>,
    page: Page,
    Path((id, note)): Path<(String, String)>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    let note = path_id::<CaseNoteId>(&note)?;
    let version = crate::pages::form_version(form.get("version"))?.0;
    let fields = note_fields(&form);
    let failed = match casework::correct_note(&state.db, &p, &r, note, version, &fields, form.get("reason")).await {
        Ok(_) => return page.done("Note corrected", &format!("/referrals/{}/timeline", r.id)).await,
        Err(CaseError::Invalid(e)) => e,
        Err(CaseError::Store(StoreError::Conflict)) => ValidationErrors::single(
            "text",
            "Someone corrected this note while you had it open. Check the newest version and try again.",
        ),
        Err(e) => return Err(e.into()),
    };
    let versions = casework::note_versions(&state.db, &p, &r, note).await?;
    render_note(&state, &page, &r, &versions, &form, Some(&failed)).await
}
