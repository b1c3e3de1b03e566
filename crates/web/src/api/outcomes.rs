//! Outcomes through the API: the questionnaires built in (to draw a form from), one
//! recorded in a session, and a person's scores over time.

use crate::input::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_app::outcomes::{person_outcomes, record_in_session};
use linkwell_domain::outcomes::instruments::{Instrument, Timepoint};
use linkwell_domain::outcomes::responses::ResponseFields;
use linkwell_store::outcomes::Recorded;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{JsonBody, path_id};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AnswerDto {
    pub value: u8,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    pub key: String,
    pub text: String,
    /// The answers it takes, each a value with its words; empty for a count, which takes
    /// any whole number from `min` to `max`.
    pub answers: Vec<AnswerDto>,
    pub min: u8,
    pub max: u8,
    /// It may be left unanswered without the questionnaire being incomplete.
    pub optional: bool,
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
}

#[derive(Serialize, ToSchema)]
pub struct QuestionnaireDto {
    /// The code to record it under.
    pub code: String,
    pub name: String,
    /// The version of its definition: answers keep the one they were given under.
    pub version: u32,
    pub items: Vec<ItemDto>,
    pub measures: Vec<MeasureDto>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionnaireList {
    pub items: Vec<QuestionnaireDto>,
}

/// The questionnaires built in, each with its items, answers and the measures it gives.
#[utoipa::path(get, operation_id = "listQuestionnaires", path = "/api/v1/questionnaires", tag = "outcomes",
    responses((status = 200, body = QuestionnaireList)))]
pub async fn questionnaires(_signed: Signed) -> Json<QuestionnaireList> {
    let items = Instrument::ALL
        .iter()
        .map(|i| QuestionnaireDto {
            code: i.code().into(),
            name: i.name().into(),
            version: i.version(),
            items: i
                .items()
                .iter()
                .map(|item| {
                    let values = item.scale.0.iter().map(|(v, _)| *v);
                    let counted = item.scale.0.iter().all(|(_, t)| t.is_empty());
                    ItemDto {
                        key: item.key.into(),
                        text: item.text.into(),
                        answers: if counted {
                            vec![]
                        } else {
                            item.scale.0.iter().map(|(v, t)| AnswerDto { value: *v, text: (*t).into() }).collect()
                        },
                        min: values.clone().min().unwrap_or(0),
                        max: values.max().unwrap_or(0),
                        optional: item.optional,
                    }
                })
                .collect(),
            measures: i
                .measures()
                .iter()
                .map(|m| MeasureDto {
                    key: m.key.into(),
                    label: m.label.into(),
                    min: m.range.0,
                    max: m.range.1,
                    lower_is_better: m.lower_is_better,
                    meaningful_change: m.meaningful_change,
                })
                .collect(),
        })
        .collect();
    Json(QuestionnaireList { items })
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
    /// One per item, in order; null for one not answered (kept, and then unscored if the
    /// questionnaire needs it).
    pub answers: Vec<Option<i64>>,
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
    // No more answers are read than the questionnaire has questions.
    let items = Instrument::parse(b.instrument.trim()).map_or(0, |i| i.items().len());
    if b.answers.len() != items {
        let e = linkwell_domain::ValidationErrors::single("answers", format!("Give {items} answers, one a question"));
        return Err(e.into());
    }
    let fields = ResponseFields {
        instrument: b.instrument,
        timepoint: b.timepoint,
        answered_on: b.answered_on.unwrap_or_default(),
        answers: b.answers.iter().map(|a| a.map(|v| v.to_string()).unwrap_or_default()).collect(),
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
            instrument: r.instrument.code().into(),
            timepoint: r.timepoint,
            answered_on: r.answered_on.to_string(),
            scores: r.scores.iter().map(|s| ScoreDto { measure: s.measure.into(), value: s.value }).collect(),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeDto {
    pub response_id: String,
    pub referral_id: String,
    pub instrument: String,
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
                instrument: s.instrument.code().into(),
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
