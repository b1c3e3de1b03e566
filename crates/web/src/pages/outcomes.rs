//! Outcomes on pages: a questionnaire recorded in a session (chosen, then answered item by
//! item), the page a person's questionnaire link opens, and a person's scores over time
//! as charts with the same figures in tables.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::outcomes::{Catalogue, catalogue};
use linkwell_app::outcomes::{LinkState, answer_by_link, by_link, person_outcomes, record_in_session};
use linkwell_app::sessions::open_session;
use linkwell_domain::ValidationErrors;
use linkwell_domain::ids::SessionId;
use linkwell_domain::outcomes::instruments::Timepoint;
use linkwell_domain::outcomes::questionnaire::{AnswerKind, Question, Questionnaire};
use linkwell_domain::outcomes::responses::ResponseFields;
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

/// A question's answers as a form shows them: radios for a scale or single choice,
/// checkboxes for a multiple choice, a number box for a count or a licensed score.
fn question_field(i: usize, q: &Question, form: &FormPairs, error: Option<&String>) -> Value {
    let name = format!("answers[{i}]");
    let chosen = form.all(&name);
    let value = chosen.first().cloned().unwrap_or_default();
    let (kind, choices) = match &q.answer {
        AnswerKind::One(c) => ("one", c.clone()),
        AnswerKind::Any(c) => ("any", c.clone()),
        AnswerKind::Count { .. } | AnswerKind::Score { .. } => ("number", vec![]),
    };
    // A multiple choice's values come as boxes ticked, or as one `1,3` from a form re-shown.
    let ticked: Vec<String> = chosen.iter().flat_map(|v| v.split(',').map(|p| p.trim().to_owned())).collect();
    let inline = choices.len() > 5;
    let choices = items(choices.iter().map(|(v, label)| (v.to_string(), label.clone())), &ticked);
    let hint = match &q.answer {
        AnswerKind::Any(_) => {
            Some(if q.optional { "Optional. Select all that apply" } else { "Select all that apply" })
        }
        _ if q.optional => Some("Optional"),
        _ => None,
    };
    minijinja::context! {
        name => name, legend => format!("{}. {}", i + 1, q.text), kind => kind, value => value,
        choices => choices, inline => inline, error => error, hint => hint,
        decimal => matches!(q.answer, AnswerKind::Score { .. }),
    }
}

/// A questionnaire's questions as its form shows them, each with what was chosen and its error.
fn answer_fields(questionnaire: &Questionnaire, form: &FormPairs, errors: Option<&ValidationErrors>) -> Vec<Value> {
    questionnaire
        .questions()
        .iter()
        .enumerate()
        .map(|(n, q)| {
            let name = format!("answers[{n}]");
            let error = errors.and_then(|e| e.for_field(&name)).map(str::to_owned);
            question_field(n, q, form, error.as_ref())
        })
        .collect()
}

/// The answers a form carries, one per question and no more than the questionnaire has
/// (the form names them `answers[0]`…): a multiple choice's boxes ticked joined as `1,3`.
fn form_answers(questionnaire: Option<&Questionnaire>, form: &FormPairs) -> Vec<String> {
    questionnaire
        .map(|q| q.questions().len())
        .map_or_else(Vec::new, |n| (0..n).map(|i| form.all(&format!("answers[{i}]")).join(",")).collect())
}

async fn render(
    state: &AppState,
    page: &Page,
    id: &str,
    instrument: Option<&Questionnaire>,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let session: SessionId = path_id(id)?;
    let p = page.caller()?;
    let (s, r) = open_session(&state.db, &p, session).await?;
    let person = state.db.person(&p.scope(), r.person_id).await?;
    let offered = catalogue(&state.db, &p.scope()).await?;
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
            licensed => instrument.is_some_and(Questionnaire::licensed),
            name => format!("{} {}", person.given_name, person.family_name),
            referral_id => r.id.to_string(), session_id => s.id.to_string(),
            when => time::display_london(time::from_millis(s.starts_at)),
            instrument => instrument.map(|i| i.code()), instructions => instrument.map(|i| i.instructions()),
            version => instrument.map(|i| i.version()),
            instruments => items(offered.offered().map(|i| (i.code(), i.name())), &[form.get("instrument").to_owned()]),
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
    let offered = catalogue(&state.db, &page.caller()?.scope()).await?;
    let instrument = match q.instrument.trim() {
        "" => None,
        code => match offered.offered_one(code) {
            Some(i) => Some(i),
            None => {
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
    let p = page.caller()?;
    let offered = catalogue(&state.db, &p.scope()).await?;
    let instrument = offered.offered_one(form.get("instrument"));
    let fields = ResponseFields {
        instrument: form.get("instrument").to_owned(),
        timepoint: form.get("timepoint").to_owned(),
        answered_on: String::new(),
        answers: form_answers(instrument, &form),
        version: form.get("version").to_owned(),
    };
    let (s, r) = open_session(&state.db, &p, session).await?;
    match record_in_session(&state.db, &p, (&s, &r), &fields).await {
        Ok(given) => {
            let questionnaire = &given.response.questionnaire;
            let scores = given
                .response
                .scores
                .iter()
                .map(|s| format!("{} {}", questionnaire.measure_label(&s.measure), number(s.value)))
                .collect::<Vec<_>>();
            let said = match (&given.recorded, scores.is_empty()) {
                (Recorded::Already(_), _) => "This questionnaire was recorded in this session already".to_owned(),
                (Recorded::New(_), true) => {
                    format!("{} recorded: not scored, as some answers are missing", questionnaire.name())
                }
                (Recorded::New(_), false) => {
                    format!("{} recorded: {}", questionnaire.name(), scores.join(", "))
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
    let questionnaires = catalogue(&state.db, &p.scope()).await?;
    let name = format!("{} {}", person.given_name, person.family_name);
    let html = page.render(
        &state,
        "pages/outcomes/person.html",
        minijinja::context! {
            title => format!("{name}'s outcomes"), name => name, person_id => person_id.to_string(),
            measures => measure_sections(&questionnaires, &scores),
        },
    )?;
    Ok(html.into_response())
}

/// One section per measure scored, in the order the questionnaires list them.
fn measure_sections(questionnaires: &Catalogue, scores: &[OutcomeScore]) -> Vec<Value> {
    questionnaires
        .every()
        .flat_map(|q| q.measures().into_iter().map(move |m| (q, m)))
        .filter_map(|(instrument, m)| {
            let mine: Vec<&OutcomeScore> =
                scores.iter().filter(|s| s.instrument == instrument.code() && s.measure == m.key).collect();
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
                        value => number(s.value), band => instrument.band(&m.key, s.value),
                    }
                })
                .collect();
            let title = format!("{}: {}", m.label, instrument.name());
            Some(minijinja::context! {
                id => m.key.as_ref(), label => m.label.as_ref(), title => title.clone(),
                range => format!("{} to {}", number(m.range.0), number(m.range.1)), better => better,
                chart => line_chart(&m.key, &title, &description, m.range, &points),
                rows => rows, banded => instrument.banded(),
                band_heading => if matches!(instrument, Questionnaire::BuiltIn(_)) { "ONS band" } else { "Band" },
            })
        })
        .collect()
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
    let q = ask.questionnaire.as_ref();
    let fields = q.map(|q| answer_fields(q, form, errors)).unwrap_or_default();
    let html = page.render(
        state,
        "pages/outcomes/link.html",
        minijinja::context! {
            title => q.map_or("A few questions", |q| q.name()), organisation => ask.organisation, token => token,
            version => q.map(|q| q.version()),
            instructions => q.map(|q| q.instructions()),
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
    let answers = form_answers(ask.questionnaire.as_ref(), &form);
    match answer_by_link(&state.db, &token, &answers, form.get("version")).await {
        Ok(true) => render_link(&state, &page, &token, &FormPairs(vec![]), true, None, StatusCode::OK).await,
        Ok(false) => render_link(&state, &page, &token, &form, false, None, StatusCode::CONFLICT).await,
        Err(CaseError::Invalid(e)) => {
            render_link(&state, &page, &token, &form, false, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
