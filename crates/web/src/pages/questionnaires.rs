//! The organisation's questionnaires on pages (coordinators): those built in and its own,
//! an own one defined question by question ("Add another question" without script), each
//! change kept as a new version, and one retired when no longer given.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::outcomes::{
    catalogue, define_questionnaire, new_questionnaire_version, retire_questionnaire, set_meaningful_changes,
};
use linkwell_domain::ValidationErrors;
use linkwell_domain::outcomes::own::{
    BandFields, ChoiceFields, MAX_BANDS, MAX_OPTIONS, OwnAnswer, OwnFields, OwnScoring, QuestionFields,
};
use linkwell_domain::outcomes::questionnaire::Questionnaire;
use linkwell_domain::outcomes::scoring::score_text;
use linkwell_domain::outcomes::thresholds::{MeaningfulChanges, settable};
use linkwell_domain::time;
use minijinja::Value;

use super::shared::items;
use super::{FormPairs, Page, form_errors};
use crate::error::PageError;
use crate::state::AppState;

/// A question's answers as typed, one a line: `words = score` for a choice; a scale's
/// lines are its words whole (`1 = Strongly disagree` is a label), scoring in order.
fn option_lines(text: &str, scale: bool) -> Vec<ChoiceFields> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        // One more than a question may have, so the rule names the field.
        .take(MAX_OPTIONS + 1)
        .map(|l| match l.rsplit_once('=').filter(|_| !scale) {
            Some((label, score)) => ChoiceFields { label: label.trim().into(), score: score.trim().into() },
            None => ChoiceFields { label: l.into(), score: String::new() },
        })
        .collect()
}

/// The lines a question's answers are typed in.
fn option_text(q: &QuestionFields) -> String {
    q.options
        .iter()
        .map(|o| if o.score.is_empty() { o.label.clone() } else { format!("{} = {}", o.label, o.score) })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The definition's fields from the form's numbered rows (`questions[0].text`, `bands[1].from`).
fn own_fields(f: &FormPairs) -> OwnFields {
    let at = |prefix: &str, i: usize, field: &str| f.get(&format!("{prefix}[{i}].{field}")).to_owned();
    OwnFields {
        name: f.get("name").into(),
        instructions: f.get("instructions").into(),
        scoring: f.get("scoring").into(),
        better: f.get("better").into(),
        meaningful_change: f.get("meaningful_change").into(),
        score_min: f.get("score_min").into(),
        score_max: f.get("score_max").into(),
        bands: (0..f.rows("bands").min(MAX_BANDS + 1))
            .map(|i| BandFields { from: at("bands", i, "from"), label: at("bands", i, "label") })
            .collect(),
        questions: (0..f.rows("questions"))
            .map(|i| QuestionFields {
                text: at("questions", i, "text"),
                answer: at("questions", i, "answer"),
                options: option_lines(
                    f.get(&format!("questions[{i}].options")),
                    at("questions", i, "answer") == "likert",
                ),
                first_score: at("questions", i, "first_score"),
                min: at("questions", i, "min"),
                max: at("questions", i, "max"),
                optional: f.checked(&format!("questions[{i}].optional")),
            })
            .collect(),
    }
}

/// The domain's errors as the form shows them: an answer's error on its question's box of
/// answers ("Answer 2: …").
fn on_form(e: ValidationErrors) -> ValidationErrors {
    let mut out = ValidationErrors::new();
    for f in e.errors {
        let on_lines = f.field.split_once(".options[").and_then(|(q, rest)| {
            let n: usize = rest.split(']').next()?.parse().ok()?;
            Some((format!("{q}.options"), n))
        });
        match on_lines {
            Some((field, n)) if out.for_field(&field).is_none() => {
                out.add(&field, format!("Answer {}: {}", n + 1, f.message))
            }
            Some(_) => {}
            None => out.add(&f.field, f.message),
        }
    }
    out
}

const ANSWERS: [(&str, &str); 4] = [
    ("likert", "A scale (Likert): one answer of several in order"),
    ("single", "One answer of several, each with its score"),
    ("multiple", "Any answers of several, their scores added"),
    ("number", "A whole number"),
];

/// The form's rows: the questions as entered (so errors keep naming theirs), then `blank`
/// more; the bands, with room for two more.
fn form_rows(fields: &OwnFields, blank: usize) -> (Vec<Value>, Vec<Value>) {
    let mut questions: Vec<Value> = fields
        .questions
        .iter()
        .map(|q| {
            minijinja::context! {
                text => q.text.clone(), options => option_text(q), first_score => q.first_score.clone(),
                min => q.min.clone(), max => q.max.clone(), optional => q.optional,
                answers => items(ANSWERS.iter().map(|(v, t)| (*v, *t)), std::slice::from_ref(&q.answer)),
            }
        })
        .collect();
    for _ in 0..blank {
        questions.push(minijinja::context! {
            text => "", options => "", first_score => "", min => "", max => "", optional => false,
            answers => items(ANSWERS.iter().map(|(v, t)| (*v, *t)), &[]),
        });
    }
    let mut bands: Vec<Value> =
        fields.bands.iter().map(|b| minijinja::context! { from => b.from.clone(), label => b.label.clone() }).collect();
    while bands.len() < (fields.bands.len() + 2).min(MAX_BANDS) {
        bands.push(minijinja::context! { from => "", label => "" });
    }
    (questions, bands)
}

/// The definition form: new (`code` none) or a new version of `code`.
async fn render_form(
    state: &AppState,
    page: &Page,
    code: Option<&str>,
    fields: &OwnFields,
    blank: usize,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (questions, bands) = form_rows(fields, blank);
    let title = match code {
        None => "Define a questionnaire".to_owned(),
        Some(_) => format!("Change {}", fields.name),
    };
    let html = page.render(
        state,
        "pages/questionnaires/edit.html",
        minijinja::context! {
            title => title, code => code,
            action => code.map_or_else(|| "/questionnaires".to_owned(), |c| format!("/questionnaires/{c}")),
            name => fields.name.clone(), instructions => fields.instructions.clone(),
            scoring => items([("sum", "Its questions' scores are added up"), ("licensed_score", "It is licensed: only its score is kept, typed in from its own scoring")], std::slice::from_ref(&fields.scoring)),
            better => items([("higher", "A higher score is better"), ("lower", "A lower score is better")], std::slice::from_ref(&fields.better)),
            meaningful_change => fields.meaningful_change.clone(),
            score_min => fields.score_min.clone(), score_max => fields.score_max.clone(),
            questions => questions, bands => bands,
            errors => errors.map(form_errors),
        },
    )?;
    Ok((status, html).into_response())
}

/// The questionnaires: built in, then the organisation's own.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.caller()?;
    let catalogue = catalogue(&state.db, &p.scope()).await?;
    let thresholds_set = catalogue.thresholds().iter().count();
    let built_in: Vec<Value> = catalogue
        .every()
        .filter(|q| matches!(q, Questionnaire::BuiltIn(_)))
        .map(|q| minijinja::context! { name => q.name(), code => q.code(), version => q.version() })
        .collect();
    let own: Vec<Value> = state
        .db
        .own_questionnaires(&p.scope())
        .await?
        .iter()
        .map(|s| {
            let q = &s.questionnaire;
            minijinja::context! {
                name => q.definition.name.clone(), code => q.code.clone(), version => q.version,
                kind => kind_of(&q.definition.scoring), retired => s.retired,
            }
        })
        .collect();
    let html = page.render(
        &state,
        "pages/questionnaires/list.html",
        minijinja::context! { title => "Questionnaires", built_in => built_in, own => own, thresholds_set => thresholds_set },
    )?;
    Ok(html.into_response())
}

/// The built-in measures' meaningful-change thresholds: each as set (`typed`, by measure
/// key, as the form last held it) or blank for the published one.
async fn render_thresholds(
    state: &AppState,
    page: &Page,
    typed: &[(String, String)],
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let measures: Vec<Value> = settable()
        .into_iter()
        .map(|(instrument, m)| {
            let (lo, hi) = m.range;
            minijinja::context! {
                key => m.key.to_string(), label => m.label.to_string(), questionnaire => instrument.name(),
                default => m.meaningful_change.map(score_text).unwrap_or_default(),
                range => format!("{} to {}", score_text(lo), score_text(hi)),
                value => typed.iter().find(|(k, _)| *k == m.key).map(|(_, v)| v.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let html = page.render(
        state,
        "pages/questionnaires/thresholds.html",
        minijinja::context! { title => "Meaningful change thresholds", measures => measures, errors => errors.map(form_errors) },
    )?;
    Ok((status, html).into_response())
}

/// The thresholds form, filled in with those the team has set.
pub async fn thresholds(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.caller()?;
    let set: MeaningfulChanges = state.db.meaningful_changes(&p.scope()).await?;
    let typed: Vec<(String, String)> = set.iter().map(|(k, v)| (k.to_owned(), score_text(v))).collect();
    render_thresholds(&state, &page, &typed, None, StatusCode::OK).await
}

/// Save the thresholds typed (blank: the published one); a wrong one is named and nothing
/// is saved.
pub async fn save_thresholds(
    State(state): State<AppState>,
    page: Page,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let typed: Vec<(String, String)> =
        settable().into_iter().map(|(_, m)| (m.key.to_string(), form.get(&m.key).to_owned())).collect();
    match set_meaningful_changes(&state.db, &p, &typed).await {
        Ok(_) => page.done("Meaningful change thresholds saved", "/questionnaires").await,
        Err(CaseError::Invalid(e)) => {
            render_thresholds(&state, &page, &typed, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

fn kind_of(scoring: &OwnScoring) -> &'static str {
    match scoring {
        OwnScoring::Sum { .. } => "Scores added up",
        OwnScoring::LicensedScore { .. } => "Licensed: score only",
    }
}

/// A blank definition form.
pub async fn new(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let fields = OwnFields { scoring: "sum".into(), better: "higher".into(), ..Default::default() };
    render_form(&state, &page, None, &fields, 1, None, StatusCode::OK).await
}

/// Save a definition as version 1 (or, with "Add another question", the form back with one
/// more, nothing saved).
pub async fn create(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let fields = own_fields(&form);
    if form.get("add") == "question" {
        return render_form(&state, &page, None, &fields, 1, None, StatusCode::OK).await;
    }
    let p = page.caller()?;
    match define_questionnaire(&state.db, &p, &fields).await {
        Ok(q) => {
            page.done(&format!("{} saved, version 1", q.definition.name), &format!("/questionnaires/{}", q.code)).await
        }
        Err(CaseError::Invalid(e)) => {
            render_form(&state, &page, None, &fields, 0, Some(&on_form(e)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One own questionnaire at its latest version: its questions and scoring, and every
/// version kept.
pub async fn show(State(state): State<AppState>, page: Page, Path(code): Path<String>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let versions = state.db.own_questionnaire_versions(&p.scope(), &code).await?;
    let latest = versions.first().ok_or(PageError::NotFound)?;
    let d = &latest.questionnaire.definition;
    let mut by = std::collections::HashMap::new();
    for v in &versions {
        if let std::collections::hash_map::Entry::Vacant(e) = by.entry(v.created_by) {
            e.insert(state.db.user(&p.scope(), v.created_by).await.map(|u| u.display_name).unwrap_or_default());
        }
    }
    let questions: Vec<Value> = match &d.scoring {
        OwnScoring::Sum { questions } => questions
            .iter()
            .map(|q| {
                let answers = match &q.answer {
                    OwnAnswer::Number { min, max } => format!("A whole number from {min} to {max}, scoring itself"),
                    OwnAnswer::Likert { labels, first_score } => labels
                        .iter()
                        .zip(*first_score..)
                        .map(|(l, s)| format!("{l} ({s})"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    OwnAnswer::Single { options } => {
                        options.iter().map(|o| format!("{} ({})", o.label, o.score)).collect::<Vec<_>>().join(", ")
                    }
                    OwnAnswer::Multiple { options } => format!(
                        "Any of: {}",
                        options.iter().map(|o| format!("{} ({})", o.label, o.score)).collect::<Vec<_>>().join(", ")
                    ),
                };
                minijinja::context! { text => q.text.clone(), answers => answers, optional => q.optional }
            })
            .collect(),
        OwnScoring::LicensedScore { .. } => vec![],
    };
    let (lo, hi) = d.range();
    let html = page.render(
        &state,
        "pages/questionnaires/show.html",
        minijinja::context! {
            title => d.name.clone(), code => code.clone(), version => latest.questionnaire.version,
            retired => latest.retired, instructions => d.instructions.clone(),
            kind => kind_of(&d.scoring), licensed => matches!(d.scoring, OwnScoring::LicensedScore { .. }),
            range => format!("{} to {}", score_text(lo), score_text(hi)),
            better => if d.lower_is_better { "A lower score is better" } else { "A higher score is better" },
            meaningful_change => d.meaningful_change.map(score_text),
            bands => d.bands.iter().map(|b| minijinja::context! { from => score_text(b.from), label => b.label.clone() }).collect::<Vec<_>>(),
            questions => questions,
            versions => versions.iter().map(|v| minijinja::context! {
                version => v.questionnaire.version, name => v.questionnaire.definition.name.clone(),
                at => time::display_london(time::from_millis(v.created_at)),
                by => by.get(&v.created_by).cloned().unwrap_or_default(),
            }).collect::<Vec<_>>(),
        },
    )?;
    Ok(html.into_response())
}

/// The form for a new version, filled in from the latest.
pub async fn edit(State(state): State<AppState>, page: Page, Path(code): Path<String>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let latest = state.db.own_questionnaire(&p.scope(), &code, None).await?.ok_or(PageError::NotFound)?;
    render_form(&state, &page, Some(&code), &latest.questionnaire.definition.fields(), 0, None, StatusCode::OK).await
}

/// Save the form as the next version of `code`.
pub async fn save_version(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    // The questionnaire first: a form for one the organisation never defined is not read.
    state.db.own_questionnaire(&p.scope(), &code, None).await?.ok_or(PageError::NotFound)?;
    let fields = own_fields(&form);
    if form.get("add") == "question" {
        return render_form(&state, &page, Some(&code), &fields, 1, None, StatusCode::OK).await;
    }
    match new_questionnaire_version(&state.db, &p, &code, &fields).await {
        Ok(q) => {
            let said = format!("{} saved, version {}", q.definition.name, q.version);
            page.done(&said, &format!("/questionnaires/{code}")).await
        }
        Err(CaseError::Invalid(e)) => {
            render_form(&state, &page, Some(&code), &fields, 0, Some(&on_form(e)), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Stop offering `code`: its answers and scores stay.
pub async fn retire(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    retire_questionnaire(&state.db, &p, &code).await?;
    page.done("No longer offered: its answers and scores are kept", &format!("/questionnaires/{code}")).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_lines_split_at_the_last_equals() {
        let o = option_lines("Yes = 2\n\n  No=0 \nA = B = 3\nNever", false);
        let got: Vec<(&str, &str)> = o.iter().map(|c| (c.label.as_str(), c.score.as_str())).collect();
        assert_eq!(got, [("Yes", "2"), ("No", "0"), ("A = B", "3"), ("Never", "")]);
        let scale = option_lines("1 = Strongly disagree\n5 = Strongly agree", true);
        assert_eq!(scale[0].label, "1 = Strongly disagree", "a scale's words are whole");
        assert_eq!(option_lines(&"x\n".repeat(10_000), false).len(), MAX_OPTIONS + 1, "never sized from input");
    }
}
