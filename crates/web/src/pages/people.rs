//! A person's record: their details, consents and referrals; and merging a duplicate.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::{self, CaseError};
use linkwell_domain::PersonId;
use linkwell_domain::ValidationErrors;
use linkwell_domain::authz::Action;
use linkwell_domain::people::PersonInput;
use linkwell_store::StoreError;
use minijinja::value::Serde;

use super::shared::summary_rows;
use super::{FormPairs, Page, form_version, path_id};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework::open_person;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct FindQuery {
    q: String,
}

/// Find a person: the search box, then whom it found (nothing is searched, or audited,
/// until something is typed).
pub async fn find(
    State(state): State<AppState>,
    page: Page,
    crate::input::Query(q): crate::input::Query<FindQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let searched = !q.q.trim().is_empty();
    let (found, errors) = if searched {
        match casework::find_people(&state.db, &p, &q.q, "q").await {
            Ok(found) => (Some(found), None),
            Err(CaseError::Invalid(e)) => (None, Some(e)),
            Err(e) => return Err(e.into()),
        }
    } else {
        (None, None)
    };
    let rows: Vec<minijinja::Value> = found
        .iter()
        .flat_map(|f| &f.people)
        .map(|person| {
            minijinja::context! {
                id => person.id.to_string(),
                name => format!("{} {}", person.given_name, person.family_name),
                date_of_birth => person.date_of_birth.to_string(),
                nhs_number => person.nhs_number.clone(),
                postcode => person.postcode.clone(),
            }
        })
        .collect();
    let html = page.render(
        &state,
        "pages/people/find.html",
        minijinja::context! {
            title => "Find a person", q => q.q.trim(), searched => found.is_some(),
            rows => rows, more => found.as_ref().is_some_and(|f| f.more),
            coordinator => p.can(Action::TriageReferrals),
            errors => errors.as_ref().map(super::form_errors),
        },
    )?;
    Ok((super::form_status(errors.as_ref()), html).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    /// How far suggestions may be, in miles.
    miles: String,
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    crate::input::Query(q): crate::input::Query<ShowQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let record = casework::person_record(&state.db, &p, path_id(&id)?).await?;
    let person = &record.person;
    // A distance outside what makes sense falls back to the default, as a link would.
    let miles = q
        .miles
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|m| *m > 0.0 && *m <= 50.0)
        .unwrap_or(super::prescriptions::DEFAULT_SUGGESTION_MILES);
    let suggestions = match person.merged_into {
        None => Some(super::prescriptions::suggestions(&state, &p, person, miles).await?),
        Some(_) => None,
    };
    let miles_choices = ["1", "2", "3", "5", "10"].map(|m| (m, format!("{m} miles")));
    let html = page.render(
        &state,
        "pages/people/show.html",
        minijinja::context! {
            title => format!("{} {}", person.given_name, person.family_name),
            person => Serde(person), practice => Serde(&record.practice),
            sex => person.sex.label(), ethnic_category => person.ethnic_category.map(|e| e.label()),
            channel => person.preferred_channel.label(),
            referrals => summary_rows(&state, &p, &record.referrals).await?,
            consents_by => record.consents_recorded_by, can_triage => p.can(Action::TriageReferrals),
            suggestions => suggestions, miles_choices => super::shared::items(miles_choices, &[format!("{miles}")]),
        },
    )?;
    Ok(html.into_response())
}

/// Merge this person (a duplicate) into the record named by `into`: the duplicate's
/// referrals move to the kept record; the duplicate stays, marked as merged.
pub async fn merge(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let duplicate: PersonId = path_id(&id)?;
    // Another organisation's record is not found, whatever the form holds.
    state.db.person(&p.scope(), duplicate).await?;
    let version = form_version(form.get("version"))?;
    let keep: PersonId =
        form.get("into").trim().parse().map_err(|_| PageError::BadRequest("Choose the record to keep.".into()))?;
    match linkwell_app::casework::merge_people(&state.db, &p, keep, duplicate, version).await {
        Ok(kept) => {
            let back = form.get("back");
            let target = if back.starts_with("/referrals/") { back.to_owned() } else { format!("/people/{keep}") };
            page.done(&format!("Records merged into {} {}'s record", kept.given_name, kept.family_name), &target).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The person's details as the form's fields.
fn form_of(p: &linkwell_store::people::Person) -> FormPairs {
    let mut v: Vec<(String, String)> = vec![
        ("nhs_number".into(), p.nhs_number.clone().unwrap_or_default()),
        ("given_name".into(), p.given_name.clone()),
        ("family_name".into(), p.family_name.clone()),
        ("dob_day".into(), p.date_of_birth.day().to_string()),
        ("dob_month".into(), p.date_of_birth.month().to_string()),
        ("dob_year".into(), p.date_of_birth.year().to_string()),
        ("sex".into(), p.sex.code().into()),
        ("gender_identity".into(), p.gender_identity.clone().unwrap_or_default()),
        ("ethnic_category".into(), p.ethnic_category.map(|e| e.code().to_owned()).unwrap_or_default()),
        ("postcode".into(), p.postcode.clone().unwrap_or_default()),
        ("address".into(), p.address.clone()),
        ("phone".into(), p.phone.clone().unwrap_or_default()),
        ("email".into(), p.email.clone().unwrap_or_default()),
        ("preferred_channel".into(), p.preferred_channel.code().into()),
        ("access_needs".into(), p.access_needs.clone()),
        ("practice_id".into(), p.practice_id.map(|id| id.to_string()).unwrap_or_default()),
    ];
    for (name, on) in [
        ("consent_contact", p.consent_contact),
        ("consent_share", p.consent_share),
        ("consent_share_practice", p.consent_share_practice),
        ("consent_feedback", p.consent_feedback),
    ] {
        if on {
            v.push((name.into(), "true".into()));
        }
    }
    FormPairs(v)
}

async fn render_edit(
    state: &AppState,
    page: &Page,
    person: &linkwell_store::people::Person,
    form: &FormPairs,
    errors: Option<&linkwell_domain::ValidationErrors>,
    status: axum::http::StatusCode,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let choices =
        super::shared::person_choices(state, &p.scope(), form, None, linkwell_domain::people::Voice::Staff).await?;
    let html = page.render(
        state,
        "pages/people/edit.html",
        minijinja::context! {
            ..choices,
            ..minijinja::context! {
                title => format!("Change {} {}'s details", person.given_name, person.family_name),
                person_id => person.id.to_string(),
                version => person.version,
                errors => errors.map(super::form_errors),
            }
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn edit(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let person = open_person(&state.db, &p, path_id(&id)?).await?;
    render_edit(&state, &page, &person, &form_of(&person), None, axum::http::StatusCode::OK).await
}

pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let person = open_person(&state.db, &p, path_id(&id)?).await?;
    let version = form_version(form.get("version"))?;
    let input =
        PersonInput::parse(&super::shared::person_fields(&form), p.organisation.test_mode, linkwell_app::today());
    match casework::update_person(&state.db, &p, &person, version, input, "").await {
        Ok(saved) => page.done("Details saved", &format!("/people/{}", saved.id)).await,
        Err(CaseError::Invalid(e)) => {
            render_edit(&state, &page, &person, &form, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(CaseError::Store(StoreError::Conflict)) => {
            let current = state.db.person(&p.scope(), person.id).await?;
            let e = ValidationErrors::single(
                "given_name",
                "Someone else changed these details while you had them open. The current details are below: make your change again.",
            );
            render_edit(&state, &page, &current, &form_of(&current), Some(&e), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}
