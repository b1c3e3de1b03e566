//! Outcomes on pages: a questionnaire recorded in a session (chosen, then answered item by
//! item), the page a person's questionnaire link opens, and a person's scores over time
//! as charts with the same figures in tables.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::outcomes::{LinkState, answer_by_link, by_link, person_outcomes, record_in_session};
use linkwell_app::sessions::open_session;
use linkwell_domain::ValidationErrors;
use linkwell_domain::ids::SessionId;
use linkwell_domain::outcomes::instruments::{Instrument, Item, Timepoint};
use linkwell_domain::outcomes::responses::ResponseFields;
use linkwell_domain::outcomes::scoring::ons4_band;
use linkwell_domain::sessions::{Outcome, SessionKind, SessionStatus};
use linkwell_domain::{PersonId, time};
use linkwell_store::StoreError;
use linkwell_store::outcomes::{OutcomeScore, Recorded};
use minijinja::Value;

use super::shared::{Point, items, line_chart, number};
use super::{FormPairs, Page, form_errors, form_status, path_id};
use crate::error::PageError;
use crate::state::AppState;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Chosen {
    instrument: String,
}

/// An item's answers as a form shows them: radios for a labelled scale, a number box for
/// a count (GP appointments).
fn item_field(i: usize, item: &Item, chosen: &str, error: Option<&String>) -> Value {
    let name = format!("answers[{i}]");
    let counted = item.scale.0.iter().all(|(_, label)| label.is_empty());
    let choices = items(item.scale.0.iter().map(|(v, label)| (v.to_string(), label.to_string())), &[chosen.into()]);
    minijinja::context! {
        name => name, legend => format!("{}. {}", i + 1, item.text), counted => counted, value => chosen,
        choices => choices, inline => item.scale.0.len() > 5, error => error, optional => item.optional,
    }
}

/// A questionnaire's items as its form shows them, each with what was chosen and its error.
fn answer_fields(instrument: Instrument, form: &FormPairs, errors: Option<&ValidationErrors>) -> Vec<Value> {
    instrument
        .items()
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let name = format!("answers[{n}]");
            let error = errors.and_then(|e| e.for_field(&name)).map(str::to_owned);
            item_field(n, item, form.get(&name), error.as_ref())
        })
        .collect()
}

async fn render(
    state: &AppState,
    page: &Page,
    id: &str,
    instrument: Option<Instrument>,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let session: SessionId = path_id(id)?;
    let p = page.caller()?;
    let (s, r) = open_session(&state.db, &p, session).await?;
    let person = state.db.person(&p.scope(), r.person_id).await?;
    let fields = instrument.map(|i| answer_fields(i, form, errors)).unwrap_or_default();
    // A session that cannot take questionnaires says so instead of offering a form.
    let closed = if !matches!(s.status, SessionStatus::Booked | SessionStatus::Ended(Outcome::Attended)) {
        Some("Questionnaires are recorded in a session the person came to")
    } else if s.starts_at > linkwell_store::now_ms() {
        Some("This session has not started yet: record its questionnaires once it has")
    } else {
        None
    };
    let timepoint = match form.get("timepoint") {
        "" if s.kind == SessionKind::Initial => Timepoint::Baseline.code(),
        "" => Timepoint::Review.code(),
        chosen => chosen,
    };
    let html = page.render(
        state,
        "pages/outcomes/questionnaire.html",
        minijinja::context! {
            title => instrument.map_or("Record a questionnaire", |i| i.name()),
            name => format!("{} {}", person.given_name, person.family_name),
            referral_id => r.id.to_string(), session_id => s.id.to_string(),
            when => time::display_london(time::from_millis(s.starts_at)),
            instrument => instrument.map(|i| i.code()), instructions => instrument.map(|i| i.instructions()),
            instruments => items(Instrument::ALL.iter().map(|i| (i.code(), i.name())), &[form.get("instrument").to_owned()]),
            timepoints => items(Timepoint::ALL.iter().map(|t| (t.code(), t.label())), &[timepoint.to_owned()]),
            fields => fields, closed => closed,
            errors => errors.map(form_errors),
        },
    )?;
    Ok((status, html).into_response())
}

/// Choose a questionnaire to record in a session, then answer it.
pub async fn form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<Chosen>,
) -> Result<Response, PageError> {
    let instrument = match q.instrument.trim() {
        "" => None,
        code => match Instrument::parse(code) {
            Ok(i) => Some(i),
            Err(_) => {
                let e = ValidationErrors::single("instrument", "Select a questionnaire");
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return render(&state, &page, &id, None, &FormPairs(vec![]), Some(&e), status).await;
            }
        },
    };
    render(&state, &page, &id, instrument, &FormPairs(vec![]), None, StatusCode::OK).await
}

/// Record the questionnaire as answered: back to the case with its scores said.
pub async fn record(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let session: SessionId = path_id(&id)?;
    let instrument = Instrument::parse(form.get("instrument").trim()).ok();
    // Read no more answers than the questionnaire has: the form names them answers[0]….
    let n = instrument.map_or(0, |i| i.items().len());
    let fields = ResponseFields {
        instrument: form.get("instrument").to_owned(),
        timepoint: form.get("timepoint").to_owned(),
        answered_on: String::new(),
        answers: (0..n).map(|i| form.get(&format!("answers[{i}]")).to_owned()).collect(),
    };
    let p = page.caller()?;
    let (s, r) = open_session(&state.db, &p, session).await?;
    match record_in_session(&state.db, &p, (&s, &r), &fields).await {
        Ok(given) => {
            let instrument = given.response.instrument;
            let scores = given
                .response
                .scores
                .iter()
                .map(|s| format!("{} {}", instrument.measure_label(s.measure), number(s.value)))
                .collect::<Vec<_>>();
            let said = match (&given.recorded, scores.is_empty()) {
                (Recorded::Already(_), _) => "This questionnaire was recorded in this session already".to_owned(),
                (Recorded::New(_), true) => {
                    format!("{} recorded: not scored, as some answers are missing", given.response.instrument.name())
                }
                (Recorded::New(_), false) => {
                    format!("{} recorded: {}", given.response.instrument.name(), scores.join(", "))
                }
            };
            page.done(&said, &format!("/referrals/{}#outcomes", r.id)).await
        }
        Err(CaseError::Invalid(e)) => {
            render(&state, &page, &id, instrument, &form, Some(&e), form_status(Some(&e))).await
        }
        Err(CaseError::Store(StoreError::Conflict)) => {
            let e = ValidationErrors::single(
                "instrument",
                "This questionnaire was recorded in this session already, with other answers",
            );
            render(&state, &page, &id, instrument, &form, Some(&e), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A person's outcomes: for each measure, a chart of their scores over time and the same
/// figures as a table, with the ONS bands where a measure has them.
pub async fn person(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let person_id: PersonId = path_id(&id)?;
    let p = page.caller()?;
    let scores = person_outcomes(&state.db, &p, person_id).await?;
    let person = state.db.person(&p.scope(), person_id).await?;
    let name = format!("{} {}", person.given_name, person.family_name);
    let html = page.render(
        &state,
        "pages/outcomes/person.html",
        minijinja::context! {
            title => format!("{name}'s outcomes"), name => name, person_id => person_id.to_string(),
            measures => measure_sections(&scores),
        },
    )?;
    Ok(html.into_response())
}

/// One section per measure scored, in the order the questionnaires list them.
fn measure_sections(scores: &[OutcomeScore]) -> Vec<Value> {
    Instrument::ALL
        .iter()
        .flat_map(|i| i.measures().into_iter().map(move |m| (*i, m)))
        .filter_map(|(instrument, m)| {
            let mine: Vec<&OutcomeScore> =
                scores.iter().filter(|s| s.instrument == instrument && s.measure == m.key).collect();
            let (first, last) = (mine.first()?, mine.last()?);
            let points: Vec<Point> = mine
                .iter()
                .map(|s| Point { day: s.answered_on, value: s.value, label: s.timepoint.label().to_owned() })
                .collect();
            let better = if m.lower_is_better { "lower is better" } else { "higher is better" };
            let description = if mine.len() == 1 {
                format!(
                    "One score, {} on {}; {better}.",
                    number(first.value),
                    time::display_london_date(first.answered_on)
                )
            } else {
                format!(
                    "{} scores from {} on {} to {} on {}; {better}.",
                    mine.len(),
                    number(first.value),
                    time::display_london_date(first.answered_on),
                    number(last.value),
                    time::display_london_date(last.answered_on)
                )
            };
            let rows: Vec<Value> = mine
                .iter()
                .map(|s| {
                    minijinja::context! {
                        day => time::display_london_date(s.answered_on), timepoint => s.timepoint.label(),
                        value => number(s.value), band => ons4_band(m.key, s.value),
                    }
                })
                .collect();
            let title = format!("{}: {}", m.label, instrument.name());
            Some(minijinja::context! {
                id => m.key, label => m.label, title => title.clone(),
                range => format!("{} to {}", number(m.range.0), number(m.range.1)), better => better,
                chart => line_chart(m.key, &title, &description, m.range, &points),
                rows => rows, banded => rows_banded(m.key),
            })
        })
        .collect()
}

/// Whether a measure has bands (ONS4's four).
fn rows_banded(measure: &str) -> bool {
    ons4_band(measure, 0.0).is_some()
}

/// The answers a link's form carries, no more than its questionnaire has items.
fn link_answers(instrument: Instrument, form: &FormPairs) -> Vec<String> {
    (0..instrument.items().len()).map(|i| form.get(&format!("answers[{i}]")).to_owned()).collect()
}

async fn render_link(
    state: &AppState,
    page: &Page,
    token: &str,
    form: &FormPairs,
    thanked: bool,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let ask = by_link(&state.db, token).await?.ok_or(PageError::NotFound)?;
    let fields = answer_fields(ask.instrument, form, errors);
    let html = page.render(
        state,
        "pages/outcomes/link.html",
        minijinja::context! {
            title => ask.instrument.name(), organisation => ask.organisation, token => token,
            instructions => ask.instrument.instructions(),
            open => ask.state == LinkState::Open, lapsed => ask.state == LinkState::Lapsed, thanked => thanked,
            fields => fields, errors => errors.map(form_errors),
        },
    )?;
    Ok((status, html).into_response())
}

/// The page a questionnaire link opens: the questions, on a phone, without signing in.
pub async fn link(State(state): State<AppState>, page: Page, Path(token): Path<String>) -> Result<Response, PageError> {
    render_link(&state, &page, &token, &FormPairs(vec![]), false, None, StatusCode::OK).await
}

/// Answers sent by a link: recorded once; a second time records nothing and says so.
pub async fn answer_link(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let ask = by_link(&state.db, &token).await?.ok_or(PageError::NotFound)?;
    let answers = link_answers(ask.instrument, &form);
    match answer_by_link(&state.db, &token, &answers).await {
        Ok(true) => render_link(&state, &page, &token, &FormPairs(vec![]), true, None, StatusCode::OK).await,
        Ok(false) => render_link(&state, &page, &token, &form, false, None, StatusCode::CONFLICT).await,
        Err(CaseError::Invalid(e)) => {
            render_link(&state, &page, &token, &form, false, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
