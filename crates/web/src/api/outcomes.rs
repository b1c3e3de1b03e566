//! Outcomes through the API: the questionnaires built in (to draw a form from), one
//! recorded in a session, and a person's scores over time.

use crate::input::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use std::sync::Arc;

use linkwell_app::outcomes::{
    catalogue, define_questionnaire, new_questionnaire_version, person_outcomes, record_in_session,
    retire_questionnaire, set_meaningful_changes,
};
use linkwell_domain::outcomes::instruments::Timepoint;
use linkwell_domain::outcomes::own::{BandFields, ChoiceFields, OwnFields, QuestionFields};
use linkwell_domain::outcomes::questionnaire::{AnswerKind, Questionnaire};
use linkwell_domain::outcomes::responses::ResponseFields;
use linkwell_domain::outcomes::thresholds::{MeaningfulChanges, settable};
use linkwell_store::outcomes::Recorded;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{JsonBody, path_id};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AnswerDto {
    pub value: u32,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    pub text: String,
    /// `one` (one of `answers`), `any` (any of `answers`, sent as the values chosen),
    /// `count` (a whole number from `min` to `max`) or `score` (a licensed instrument's
    /// score from `min` to `max`, to at most two places).
    pub kind: String,
    /// The answers it takes, each a value with its words; empty for a count or a score.
    pub answers: Vec<AnswerDto>,
    pub min: f64,
    pub max: f64,
    /// It may be left unanswered without the questionnaire being incomplete.
    pub optional: bool,
}

#[derive(Serialize, ToSchema)]
pub struct BandDto {
    /// The lowest score in the band.
    pub from: f64,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeasureDto {
    pub key: String,
    pub label: String,
    pub min: f64,
    pub max: f64,
    pub lower_is_better: bool,
    /// The smallest change for one person that counts as meaningful, if the measure has one.
    pub meaningful_change: Option<f64>,
    /// An own questionnaire's bands, from the lowest score up.
    pub bands: Vec<BandDto>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionnaireDto {
    /// The code to record it under.
    pub code: String,
    pub name: String,
    /// The version of its definition: answers keep the one they were given under.
    pub version: u32,
    /// One of the organisation's own (not built in).
    pub own: bool,
    /// A licensed instrument: its one item is its score, and nothing else is kept.
    pub licensed: bool,
    pub instructions: String,
    pub items: Vec<ItemDto>,
    pub measures: Vec<MeasureDto>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionnaireList {
    pub items: Vec<QuestionnaireDto>,
}

/// A questionnaire as the API shows it.
pub fn questionnaire_dto(q: &Questionnaire) -> QuestionnaireDto {
    let bands = match q {
        Questionnaire::Own(o) => {
            o.definition.bands.iter().map(|b| BandDto { from: b.from, label: b.label.clone() }).collect::<Vec<_>>()
        }
        Questionnaire::BuiltIn(_) => vec![],
    };
    QuestionnaireDto {
        code: q.code().into(),
        name: q.name().into(),
        version: q.version(),
        own: matches!(q, Questionnaire::Own(_)),
        licensed: q.licensed(),
        instructions: q.instructions().into(),
        items: q
            .questions()
            .into_iter()
            .map(|item| {
                let listed = |kind: &str, c: &[(u32, String)]| {
                    let values = c.iter().map(|(v, _)| f64::from(*v));
                    (
                        kind.to_owned(),
                        c.iter().map(|(v, t)| AnswerDto { value: *v, text: t.clone() }).collect(),
                        values.clone().fold(f64::INFINITY, f64::min),
                        values.fold(f64::NEG_INFINITY, f64::max),
                    )
                };
                let (kind, answers, min, max) = match &item.answer {
                    AnswerKind::One(c) => listed("one", c),
                    AnswerKind::Any(c) => listed("any", c),
                    AnswerKind::Count { min, max } => ("count".to_owned(), vec![], f64::from(*min), f64::from(*max)),
                    AnswerKind::Score { min, max } => ("score".to_owned(), vec![], *min, *max),
                };
                ItemDto { text: item.text, kind, answers, min, max, optional: item.optional }
            })
            .collect(),
        measures: q
            .measures()
            .into_iter()
            .map(|m| MeasureDto {
                key: m.key.into(),
                label: m.label.into(),
                min: m.range.0,
                max: m.range.1,
                lower_is_better: m.lower_is_better,
                meaningful_change: m.meaningful_change,
                bands: bands.iter().map(|b| BandDto { from: b.from, label: b.label.clone() }).collect(),
            })
            .collect(),
    }
}

/// The questionnaires offered: those built in, then the organisation's own.
///
/// Each with its items, the answers each takes and the measures it gives.
#[utoipa::path(get, operation_id = "listQuestionnaires", path = "/api/v1/questionnaires", tag = "outcomes",
    responses((status = 200, body = QuestionnaireList)))]
pub async fn questionnaires(
    State(state): State<AppState>,
    Signed(p): Signed,
) -> Result<Json<QuestionnaireList>, ApiError> {
    let catalogue = catalogue(&state.db, &p.scope()).await?;
    Ok(Json(QuestionnaireList { items: catalogue.offered().map(questionnaire_dto).collect() }))
}

/// One answer: a value of a scale or a single choice, a count or a licensed score; or a
/// multiple choice's values chosen.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AnswerValue {
    Number(f64),
    Chosen(Vec<u32>),
}

impl AnswerValue {
    /// As a form would send it.
    fn typed(&self) -> String {
        match self {
            AnswerValue::Number(v) if v.fract() == 0.0 && v.abs() < 1e9 => format!("{v:.0}"),
            AnswerValue::Number(v) => v.to_string(),
            AnswerValue::Chosen(c) => c.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionnaireBody {
    /// A questionnaire's code, from `GET /api/v1/questionnaires`.
    pub instrument: String,
    /// baseline, review, discharge or follow_up.
    pub timepoint: String,
    /// The day it was answered (ISO 8601); the session's day if not given.
    #[serde(default)]
    #[schema(format = Date)]
    pub answered_on: Option<String>,
    /// One per item, in order: a number, or for a multiple choice the values chosen
    /// (`[1, 3]`); null for one not answered (kept, and then unscored if the
    /// questionnaire needs it).
    pub answers: Vec<Option<AnswerValue>>,
    /// The version of the questionnaire the answers were given to; another version than
    /// the latest is a 422 naming `instrument`. Left out: the latest.
    #[serde(default)]
    pub version: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreDto {
    pub measure: String,
    pub value: f64,
}

#[derive(Serialize, ToSchema)]
pub struct RecordedDto {
    pub id: String,
    pub instrument: String,
    /// The version of its definition it was given under.
    pub version: u32,
    #[schema(value_type = String)]
    pub timepoint: Timepoint,
    #[schema(format = Date)]
    pub answered_on: String,
    /// Each measure it gave; none when too incomplete to score.
    pub scores: Vec<ScoreDto>,
}

/// Record a questionnaire the person answered in a session.
///
/// The session must have started and not been missed or cancelled. Once a session for
/// each questionnaire: the same answers again answer 200 with the one recorded; other
/// answers are a 409.
#[utoipa::path(post, operation_id = "recordQuestionnaire", path = "/api/v1/sessions/{id}/questionnaires", tag = "outcomes",
    params(("id" = String, Path)), request_body = QuestionnaireBody,
    responses((status = 201, body = RecordedDto), (status = 200, body = RecordedDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<RecordedDto>), ApiError> {
    // The session first: a body for a session the caller cannot see is never read.
    let (s, r) = linkwell_app::sessions::open_session(&state.db, &p, path_id(&id)?).await?;
    let b: QuestionnaireBody = body.parse()?;
    let fields = ResponseFields {
        instrument: b.instrument,
        timepoint: b.timepoint,
        answered_on: b.answered_on.unwrap_or_default(),
        answers: b.answers.iter().map(|a| a.as_ref().map(AnswerValue::typed).unwrap_or_default()).collect(),
        version: b.version.map(|v| v.to_string()).unwrap_or_default(),
    };
    let given = record_in_session(&state.db, &p, (&s, &r), &fields).await?;
    let status = match given.recorded {
        Recorded::New(_) => StatusCode::CREATED,
        Recorded::Already(_) => StatusCode::OK,
    };
    let r = &given.response;
    Ok((
        status,
        Json(RecordedDto {
            id: given.recorded.id().to_owned(),
            instrument: r.questionnaire.code().into(),
            version: r.questionnaire.version(),
            timepoint: r.timepoint,
            answered_on: r.answered_on.to_string(),
            scores: r.scores.iter().map(|s| ScoreDto { measure: s.measure.clone(), value: s.value }).collect(),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeDto {
    pub response_id: String,
    pub referral_id: String,
    pub instrument: String,
    /// The version of its definition it was given under.
    pub version: u32,
    pub measure: String,
    pub value: f64,
    #[schema(value_type = String)]
    pub timepoint: Timepoint,
    #[schema(format = Date)]
    pub answered_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeList {
    pub items: Vec<OutcomeDto>,
}

/// A person's scores, oldest first: every measure of every questionnaire scored.
#[utoipa::path(get, operation_id = "personOutcomes", path = "/api/v1/people/{id}/outcomes", tag = "outcomes",
    params(("id" = String, Path)), responses((status = 200, body = OutcomeList), (status = 404, body = Problem)))]
pub async fn person(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<OutcomeList>, ApiError> {
    let scores = person_outcomes(&state.db, &p, path_id(&id)?).await?;
    Ok(Json(OutcomeList {
        items: scores
            .into_iter()
            .map(|s| OutcomeDto {
                response_id: s.response_id,
                referral_id: s.referral_id.to_string(),
                instrument: s.instrument,
                version: s.version,
                measure: s.measure,
                value: s.value,
                timepoint: s.timepoint,
                answered_on: s.answered_on.to_string(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// A questionnaire's code, from `GET /api/v1/questionnaires`.
    pub instrument: String,
    /// baseline, review, discharge or follow_up.
    pub timepoint: String,
}

#[derive(Serialize, ToSchema)]
pub struct LinkSentDto {
    /// When the link stops working, unused.
    pub expires_at: String,
}

/// Send the person a link to answer a questionnaire on their phone.
///
/// It goes by their preferred channel (text or email) and only with their consent (else
/// 422 naming `instrument`). The link works once, for 14 days; its answers are recorded
/// in the case.
#[utoipa::path(post, operation_id = "sendQuestionnaireLink", path = "/api/v1/referrals/{id}/questionnaire-links", tag = "outcomes",
    params(("id" = String, Path)), request_body = LinkBody,
    responses((status = 201, body = LinkSentDto), (status = 422, body = Problem)))]
pub async fn send_link(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<LinkSentDto>), ApiError> {
    let r = linkwell_app::casework::open_case(&state.db, &p, path_id(&id)?).await?;
    let b: LinkBody = body.parse()?;
    let fields = linkwell_app::outcomes::LinkFields { instrument: b.instrument, timepoint: b.timepoint };
    let expires = linkwell_app::outcomes::send_link(&state.db, &p, &r, &fields, &state.config.public_url).await?;
    Ok((StatusCode::CREATED, Json(LinkSentDto { expires_at: expires.to_string() })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceBody {
    #[serde(default)]
    pub label: String,
    /// A choice's score; a scale's labels take theirs in order (leave it out).
    #[serde(default)]
    pub score: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionBody {
    #[serde(default)]
    pub text: String,
    /// `likert`, `number`, `single` or `multiple`.
    #[serde(default)]
    pub answer: String,
    /// A scale's labels, lowest score first, or a choice's answers with their scores.
    #[serde(default)]
    pub options: Vec<ChoiceBody>,
    /// What a scale's first label scores (then one more each); 1 if left out.
    #[serde(default)]
    pub first_score: Option<u32>,
    /// A number's lowest and highest.
    #[serde(default)]
    pub min: Option<u32>,
    #[serde(default)]
    pub max: Option<u32>,
    #[serde(default)]
    pub optional: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BandBody {
    #[serde(default)]
    pub from: Option<f64>,
    #[serde(default)]
    pub label: String,
}

/// An own questionnaire's definition.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefinitionBody {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub instructions: String,
    /// `sum` (its questions' scores added up) or `licensed_score` (only a licensed
    /// instrument's score is kept, from `score_min` to `score_max`; no questions).
    #[serde(default)]
    pub scoring: String,
    /// `higher` or `lower`: which way a score is better.
    #[serde(default)]
    pub better: String,
    #[serde(default)]
    pub meaningful_change: Option<f64>,
    #[serde(default)]
    pub score_min: Option<f64>,
    #[serde(default)]
    pub score_max: Option<f64>,
    #[serde(default)]
    pub bands: Vec<BandBody>,
    #[serde(default)]
    pub questions: Vec<QuestionBody>,
}

impl DefinitionBody {
    /// As a form would send it, each rule then naming the member it breaks.
    fn fields(self) -> OwnFields {
        let n = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let w = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
        OwnFields {
            name: self.name,
            instructions: self.instructions,
            scoring: self.scoring,
            better: self.better,
            meaningful_change: n(self.meaningful_change),
            score_min: n(self.score_min),
            score_max: n(self.score_max),
            bands: self.bands.into_iter().map(|b| BandFields { from: n(b.from), label: b.label }).collect(),
            questions: self
                .questions
                .into_iter()
                .map(|q| QuestionFields {
                    text: q.text,
                    answer: q.answer,
                    options: q
                        .options
                        .into_iter()
                        .map(|o| ChoiceFields { label: o.label, score: w(o.score) })
                        .collect(),
                    first_score: w(q.first_score),
                    min: w(q.min),
                    max: w(q.max),
                    optional: q.optional,
                })
                .collect(),
        }
    }
}

/// Define a questionnaire of the organisation's own, at version 1.
///
/// Its code comes from its name (`own_…`). Each question's answers score; the questionnaire
/// scores their sum, or is a licensed instrument of which only the score is kept.
#[utoipa::path(post, operation_id = "defineQuestionnaire", path = "/api/v1/questionnaires", tag = "outcomes",
    request_body = DefinitionBody, responses((status = 201, body = QuestionnaireDto), (status = 422, body = Problem)))]
pub async fn define(
    State(state): State<AppState>,
    Signed(p): Signed,
    body: JsonBody,
) -> Result<(StatusCode, Json<QuestionnaireDto>), ApiError> {
    let b: DefinitionBody = body.parse()?;
    let q = define_questionnaire(&state.db, &p, &b.fields()).await?;
    Ok((StatusCode::CREATED, Json(questionnaire_dto(&Questionnaire::Own(Arc::new(q))))))
}

/// Keep a new version of an own questionnaire.
///
/// Answers given under earlier versions keep theirs. A definition no different from the
/// latest is a 422; a questionnaire no longer offered is offered again.
#[utoipa::path(post, operation_id = "newQuestionnaireVersion", path = "/api/v1/questionnaires/{code}/versions", tag = "outcomes",
    params(("code" = String, Path)), request_body = DefinitionBody,
    responses((status = 201, body = QuestionnaireDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn new_version(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(code): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<QuestionnaireDto>), ApiError> {
    // The questionnaire first: a body for one never defined is never read.
    state.db.own_questionnaire(&p.scope(), &code, None).await?.ok_or(ApiError::NotFound)?;
    let b: DefinitionBody = body.parse()?;
    let q = new_questionnaire_version(&state.db, &p, &code, &b.fields()).await?;
    Ok((StatusCode::CREATED, Json(questionnaire_dto(&Questionnaire::Own(Arc::new(q))))))
}

/// Stop offering an own questionnaire; its answers and scores are kept.
#[utoipa::path(post, operation_id = "retireQuestionnaire", path = "/api/v1/questionnaires/{code}/retire", tag = "outcomes",
    params(("code" = String, Path)), responses((status = 204), (status = 404, body = Problem)))]
pub async fn retire(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(code): Path<String>,
) -> Result<StatusCode, ApiError> {
    retire_questionnaire(&state.db, &p, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ThresholdDto {
    /// The measure's key, as in reports and scores.
    pub measure: String,
    pub label: String,
    /// The built-in questionnaire it belongs to.
    pub questionnaire: String,
    /// The published meaningful change.
    pub published: f64,
    /// The one the organisation set, if any.
    pub set: Option<f64>,
    /// What reports judge improvement by: `set`, else `published`.
    pub in_use: f64,
}

#[derive(Serialize, ToSchema)]
pub struct ThresholdsDto {
    pub thresholds: Vec<ThresholdDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsBody {
    /// By measure key: the meaningful change, more than 0 and at most the measure's whole
    /// range, to at most two places. A measure left out, or null, uses the published one.
    pub thresholds: std::collections::BTreeMap<String, Option<f64>>,
}

fn thresholds_dto(set: &MeaningfulChanges) -> ThresholdsDto {
    ThresholdsDto {
        thresholds: settable()
            .into_iter()
            .filter_map(|(instrument, m)| {
                let published = m.meaningful_change?;
                let chosen = set.get(&m.key);
                Some(ThresholdDto {
                    measure: m.key.to_string(),
                    label: m.label.to_string(),
                    questionnaire: instrument.name().to_owned(),
                    published,
                    set: chosen,
                    in_use: chosen.unwrap_or(published),
                })
            })
            .collect(),
    }
}

/// The meaningful-change thresholds of the built-in measures.
///
/// Reports count a pair of scores as improved when it changed by at least the measure's
/// threshold: the organisation's where it set one, else the published one.
#[utoipa::path(get, operation_id = "meaningfulChanges", path = "/api/v1/questionnaires/thresholds", tag = "outcomes",
    responses((status = 200, body = ThresholdsDto)))]
pub async fn thresholds(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<ThresholdsDto>, ApiError> {
    Ok(Json(thresholds_dto(&state.db.meaningful_changes(&p.scope()).await?)))
}

/// Replace the meaningful-change thresholds of the built-in measures.
///
/// A measure left out (or null) goes back to the published threshold. Each wrong one is a
/// 422 naming the measure, and nothing is changed. Audited.
#[utoipa::path(put, operation_id = "setMeaningfulChanges", path = "/api/v1/questionnaires/thresholds", tag = "outcomes",
    request_body = ThresholdsBody, responses((status = 200, body = ThresholdsDto), (status = 422, body = Problem)))]
pub async fn set_thresholds(
    State(state): State<AppState>,
    Signed(p): Signed,
    body: JsonBody,
) -> Result<Json<ThresholdsDto>, ApiError> {
    let b: ThresholdsBody = body.parse()?;
    let typed: Vec<(String, String)> =
        b.thresholds.into_iter().map(|(k, v)| (k, v.map(|v| v.to_string()).unwrap_or_default())).collect();
    let set = set_meaningful_changes(&state.db, &p, &typed).await?;
    Ok(Json(thresholds_dto(&set)))
}

/// A questionnaire at one version, built in or own: to read answers given under it.
#[utoipa::path(get, operation_id = "questionnaireVersion", path = "/api/v1/questionnaires/{code}/versions/{version}", tag = "outcomes",
    params(("code" = String, Path), ("version" = u32, Path)),
    responses((status = 200, body = QuestionnaireDto), (status = 404, body = Problem)))]
pub async fn version(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path((code, version)): Path<(String, String)>,
) -> Result<Json<QuestionnaireDto>, ApiError> {
    let version: u32 = version.parse().map_err(|_| ApiError::NotFound)?;
    let built_in = linkwell_domain::outcomes::instruments::Instrument::parse(&code)
        .ok()
        .filter(|i| i.version() == version)
        .map(Questionnaire::BuiltIn);
    let q = match built_in {
        Some(q) => q,
        None => {
            let s = state.db.own_questionnaire(&p.scope(), &code, Some(version)).await?.ok_or(ApiError::NotFound)?;
            Questionnaire::Own(Arc::new(s.questionnaire))
        }
    };
    Ok(Json(questionnaire_dto(&q)))
}
