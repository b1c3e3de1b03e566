//! Social prescribing from a person's record: suggestions from the directory (each with
//! why it matched), when the person is free, recording a prescription and following it
//! up, and unmet needs when nothing suitable exists.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_domain::ServiceId;
use linkwell_domain::ValidationErrors;
use linkwell_domain::directory::{
    Audience, OutcomeFields, PrescriptionFields, PrescriptionInput, PrescriptionKind, PrescriptionOutcome,
    UnmetNeedFields, UnmetNeedInput, WeekSlot,
};
use linkwell_domain::ids::ReferralId;
use linkwell_domain::referrals::Need;
use linkwell_search::SearchQuery;
use linkwell_store::directory::Prescription;
use linkwell_store::people::Person;
use minijinja::Value;
use serde::Deserialize;

use super::shared::items;
use super::{FormPairs, Page, form_errors, form_status, form_version, path_id};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework::{CaseError, open_case};
use linkwell_app::prescriptions::{self as rx_case};

/// How far suggestions reach unless the link worker chooses otherwise.
pub const DEFAULT_SUGGESTION_MILES: f64 = 3.0;

/// The suggestions section of a person's page (`rx_case::suggestions` decides them).
pub async fn suggestions(
    state: &AppState,
    p: &linkwell_app::Caller,
    person: &Person,
    miles: f64,
) -> Result<Value, PageError> {
    let found = rx_case::suggestions(&state.db, &state.search, p, person, miles).await?;
    let referral = found.referral.map(|r| r.to_string());
    let rows: Vec<Value> = found
        .items
        .iter()
        .map(|f| {
            let s = &f.service;
            minijinja::context! {
                id => s.id.to_string(), name => s.name.clone(), provider => s.provider_name.clone(),
                when => s.schedules.first().map(|x| x.schedule.summary()),
                reasons => f.reasons.clone(),
                prescribe => referral.as_ref().map(|r| format!("/referrals/{r}/prescriptions/new?service={}", s.id)),
            }
        })
        .collect();
    let mut notes = vec![];
    if !found.located {
        notes.push(
            "Linkwell does not know where their postcode is, so suggestions are not limited by distance.".to_owned(),
        );
    }
    if person.free_times.is_empty() {
        notes.push("Record when they are free to put groups at those times first.".to_owned());
    }
    if found.needs.is_empty() {
        notes.push(
            "No needs are recorded on an open referral or plan, so suggestions are not matched to needs.".to_owned(),
        );
    }
    Ok(minijinja::context! {
        rows => rows,
        notes => notes,
        miles => miles,
        needs => found.needs.iter().map(|n| n.label()).collect::<Vec<_>>(),
        referral => referral,
        free_times => WeekSlot::all().map(|s| minijinja::context! { code => s.code(), label => s.label(), checked => person.free_times.contains(&s) }).collect::<Vec<_>>(),
        circumstances => Audience::CIRCUMSTANCES.iter().map(|a| minijinja::context! { code => a.code(), label => a.label(), checked => person.circumstances.contains(a) }).collect::<Vec<_>>(),
    })
}

/// Record when the person is free, and what applies to them.
pub async fn save_free_times(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let person = linkwell_app::casework::open_person(&state.db, &p, path_id(&id)?).await?;
    let version = form_version(form.get("version"))?;
    // The page's boxes send only codes it offers: a bad one is a tampered form.
    let slots = WeekSlot::parse_set("free", &form.all("free"))
        .map_err(|e| PageError::BadRequest(e.errors.first().map(|f| f.message.clone()).unwrap_or_default()))?;
    let circumstances = Audience::parse_circumstances(&form.all("circumstances"))
        .map_err(|e| PageError::BadRequest(e.errors.first().map(|f| f.message.clone()).unwrap_or_default()))?;
    let person = rx_case::set_free_times(&state.db, &p, &person, version, &slots, Some(&circumstances)).await?;
    page.done("When they are free and what applies to them are saved", &format!("/people/{}#suggestions", person.id))
        .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    service: String,
    q: String,
}

async fn render_new(
    state: &AppState,
    page: &Page,
    referral: &linkwell_store::referrals::Referral,
    query: &NewQuery,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let scope = p.scope();
    let person = state.db.person(&scope, referral.person_id).await?;
    let chosen = match query.service.parse::<ServiceId>() {
        Ok(id) => state.db.services_by_ids(&scope, &[id]).await?.pop(),
        Err(_) => None,
    };
    // Words too long or too many find nothing rather than cost the index.
    let words = linkwell_domain::directory::search_words(&query.q).unwrap_or_default();
    let results: Vec<Value> = if chosen.is_none() && !words.is_empty() {
        let q = SearchQuery { text: words, offered_only: true, limit: 20, ..Default::default() };
        let found = linkwell_app::directory::search::find(&state.db, &state.search, &scope, q).await?;
        found
            .iter()
            .map(|f| &f.service)
            .map(|s| minijinja::context! { id => s.id.to_string(), name => s.name.clone(), provider => s.provider_name.clone() })
            .collect()
    } else {
        vec![]
    };
    let mut values = form.values();
    values.entry("date".into()).or_insert_with(|| {
        let t = linkwell_app::today();
        format!("{}/{}/{}", t.day(), t.month(), t.year())
    });
    let html = page.render(
        state,
        "pages/prescriptions/new.html",
        minijinja::context! {
            title => format!("Connect {} {} to a service", person.given_name, person.family_name),
            referral_id => referral.id.to_string(),
            person_id => person.id.to_string(),
            service => chosen.as_ref().map(|s| minijinja::context! { id => s.id.to_string(), name => s.name.clone(), provider => s.provider_name.clone(), status => s.status.label(), offered => s.is_offered() }),
            q => query.q.clone(),
            results => results,
            searched => !query.q.trim().is_empty(),
            kinds => items(PrescriptionKind::ALL.iter().map(|k| (k.code(), k.label())), &form.all("kind")),
            form => values,
            errors => errors.map(form_errors),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn new(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let referral = open_case(&state.db, &p, path_id(&id)?).await?;
    render_new(&state, &page, &referral, &q, &FormPairs(vec![]), None).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let referral = open_case(&state.db, &p, path_id(&id)?).await?;
    let query = NewQuery { service: form.get("service_id").into(), q: String::new() };
    let fields = PrescriptionFields {
        service_id: form.get("service_id").into(),
        date: linkwell_domain::time::DateEntry::boxes(
            form.get("date_day"),
            form.get("date_month"),
            form.get("date_year"),
        ),
        kind: form.get("kind").into(),
        notes: form.get("notes").into(),
    };
    let refused = match PrescriptionInput::parse(&fields, linkwell_app::today()) {
        Ok(input) => match rx_case::prescribe(&state.db, &p, &referral, &input, &state.config.public_url).await {
            Ok(rx) => {
                let to = format!("/referrals/{}#prescriptions", referral.id);
                return page.done(&format!("Connection to {} recorded", rx.service_name), &to).await;
            }
            Err(CaseError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    render_new(&state, &page, &referral, &query, &form, Some(&refused)).await
}

async fn render_outcome(
    state: &AppState,
    page: &Page,
    rx: &Prescription,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let html = page.render(
        state,
        "pages/prescriptions/outcome.html",
        minijinja::context! {
            title => format!("How is it going at {}?", rx.service_name),
            rx => minijinja::value::Serde(rx),
            prescribed_on => linkwell_domain::time::display_london_date(rx.prescribed_on),
            kind => rx.kind.label(),
            outcomes => items(PrescriptionOutcome::ALL.iter().map(|o| (o.code(), o.label())), &form.all("outcome")),
            form => form.values(),
            errors => errors.map(form_errors),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn outcome_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (rx, _) = rx_case::open_prescription(&state.db, &page.caller()?, path_id(&id)?).await?;
    render_outcome(&state, &page, &rx, &FormPairs(vec![]), None).await
}

pub async fn record_outcome(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let (rx, referral) = rx_case::open_prescription(&state.db, &p, path_id(&id)?).await?;
    let version = form_version(form.get("version"))?;
    let (outcome, reason) =
        match (OutcomeFields { outcome: form.get("outcome").into(), reason: form.get("reason").into() }).parse() {
            Ok(v) => v,
            Err(e) => return render_outcome(&state, &page, &rx, &form, Some(&e)).await,
        };
    match rx_case::record_outcome(&state.db, &p, &rx, version, outcome, &reason).await {
        Ok(_) => {}
        Err(CaseError::Invalid(e)) => return render_outcome(&state, &page, &rx, &form, Some(&e)).await,
        Err(e) => return Err(e.into()),
    }
    page.done(
        &format!("{}: {}", rx.service_name, outcome.label().to_lowercase()),
        &format!("/referrals/{}#prescriptions", referral.id),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnmetQuery {
    need: String,
    before: String,
}

async fn render_unmet(
    state: &AppState,
    page: &Page,
    q: &UnmetQuery,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let need = Need::parse(&q.need).ok();
    let list = state.db.unmet_needs(&p.scope(), need, (!q.before.is_empty()).then_some(q.before.as_str()), 50).await?;
    let user_ids: Vec<String> = list.iter().filter_map(|u| u.recorded_by.clone()).collect();
    let users = state.db.users_by_ids(&p.scope(), &user_ids).await?;
    let rows: Vec<Value> = list
        .iter()
        .map(|u| {
            minijinja::context! {
                at => u.recorded_at, need => u.need.label(), area => u.area.clone(), notes => u.notes.clone(),
                who => u.recorded_by.as_ref().and_then(|id| users.iter().find(|x| x.id.to_string() == *id)).map(|x| x.display_name.clone()),
            }
        })
        .collect();
    let next = (list.len() == 50)
        .then(|| list.last().map(|u| format!("/unmet-needs?need={}&before={}", q.need, u.id)))
        .flatten();
    let html = page.render(
        state,
        "pages/prescriptions/unmet.html",
        minijinja::context! {
            title => "Unmet needs",
            rows => rows,
            next => next,
            filter_needs => items(std::iter::once(("", "Any need")).chain(Need::ALL.iter().map(|n| (n.code(), n.label()))), std::slice::from_ref(&q.need)),
            needs => items(std::iter::once(("", "Choose a need")).chain(Need::ALL.iter().map(|n| (n.code(), n.label()))), &form.all("need")),
            form => form.values(),
            errors => errors.map(form_errors),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn unmet_needs(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<UnmetQuery>,
) -> Result<Response, PageError> {
    let form = FormPairs(vec![("need".into(), q.need.clone())]);
    render_unmet(&state, &page, &q, &form, None).await
}

/// Record an unmet need, from a case (`referral_id`) or on its own.
pub async fn record_unmet_need(
    State(state): State<AppState>,
    page: Page,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let referral: Option<ReferralId> = match form.get("referral_id").trim() {
        "" => None,
        raw => Some(path_id(raw)?),
    };
    let fields = UnmetNeedFields {
        need: form.get("need").into(),
        area: form.get("area").into(),
        notes: form.get("notes").into(),
    };
    let input = match UnmetNeedInput::parse(&fields) {
        Ok(i) => i,
        Err(e) => return render_unmet(&state, &page, &UnmetQuery::default(), &form, Some(&e)).await,
    };
    rx_case::record_unmet_need(&state.db, &p, referral, &input).await?;
    let to = match referral {
        Some(r) => format!("/referrals/{r}#prescriptions"),
        None => "/unmet-needs".to_owned(),
    };
    page.done(&format!("Unmet need recorded: {} in {}", input.need.label().to_lowercase(), input.area), &to).await
}
