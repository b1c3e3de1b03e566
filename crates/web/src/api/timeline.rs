//! A case's timeline and its case notes through the API.

use crate::input::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_app::casework::{self, TimelineKind, TimelineRecord, open_case};
use linkwell_domain::ids::{CaseNoteId, ReferralId};
use linkwell_domain::referrals::notes::NoteFields;
use linkwell_domain::time::DateEntry;
use linkwell_store::case_notes::CaseNote;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{JsonBody, path_id, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct TimelineParams {
    /// Only this kind: note, session, contact, plan, connection, message or referral.
    pub show: String,
}

/// One thing that happened on a case.
#[derive(Serialize, ToSchema)]
pub struct TimelineEntryDto {
    /// When; for a thing of a whole day (a note, a connection), the day's start in London.
    pub at: String,
    /// `at` is a day rather than a time.
    pub whole_day: bool,
    /// note, session, contact, plan, connection, message or referral.
    pub kind: String,
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Who did it, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub safeguarding: bool,
    /// The session, plan version, connection or note it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prescription_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<CaseNoteDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TimelineDto {
    /// Newest first.
    pub items: Vec<TimelineEntryDto>,
}

/// One version of a case note.
#[derive(Serialize, ToSchema)]
pub struct CaseNoteDto {
    pub id: String,
    /// 1 when written; each correction adds one. Send the current one to correct it.
    pub version: i64,
    /// The day it is of (ISO 8601).
    #[schema(format = Date)]
    pub date: String,
    /// note, call, meeting, message or concern.
    pub kind: String,
    pub text: String,
    pub safeguarding: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_id: Option<String>,
    pub recorded_at: String,
    /// Why this version corrects the one before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction_reason: Option<String>,
}

impl From<&CaseNote> for CaseNoteDto {
    fn from(n: &CaseNote) -> Self {
        CaseNoteDto {
            id: n.id.to_string(),
            version: n.version,
            date: n.date.to_string(),
            kind: n.kind.code().into(),
            text: n.text.clone(),
            safeguarding: n.safeguarding,
            author_id: n.author_user_id.clone(),
            recorded_at: rfc3339(n.recorded_at),
            correction_reason: n.correction_reason.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NoteVersionsDto {
    /// Newest first: the current version, then those it corrected.
    pub versions: Vec<CaseNoteDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// The day it happened (ISO 8601): today or before, and not before the referral.
    #[schema(format = Date)]
    pub date: String,
    /// note, call, meeting, message or concern.
    pub kind: String,
    pub text: String,
    #[serde(default)]
    pub safeguarding: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    /// The current version you read; an older one is refused with 409.
    pub version: i64,
    #[schema(format = Date)]
    pub date: String,
    pub kind: String,
    pub text: String,
    #[serde(default)]
    pub safeguarding: bool,
    /// Why the note is corrected (kept with the new version).
    pub reason: String,
}

fn fields(date: &str, kind: &str, text: &str, safeguarding: bool) -> NoteFields {
    NoteFields { date: DateEntry::Iso(date.to_owned()), kind: kind.to_owned(), text: text.to_owned(), safeguarding }
}

/// A case's timeline: referral events, contact attempts, sessions with their notes, plan
/// versions, connections, messages sent and case notes, newest first.
#[utoipa::path(get, operation_id = "getTimeline", path = "/api/v1/referrals/{id}/timeline", tag = "referrals", params(("id" = String, Path), TimelineParams),
    responses((status = 200, body = TimelineDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn timeline(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    Query(q): Query<TimelineParams>,
) -> Result<Json<TimelineDto>, ApiError> {
    let r = open_case(&state.db, &p, path_id::<ReferralId>(&id)?).await?;
    let only = TimelineKind::parse_filter(&q.show, "show")?;
    let entries = casework::timeline(&state.db, &p, &r, only).await?;
    let items = entries
        .into_iter()
        .map(|e| {
            let mut dto = TimelineEntryDto {
                at: rfc3339(e.at),
                whole_day: e.whole_day,
                kind: e.kind.code().into(),
                what: e.what,
                text: e.text,
                by: e.by,
                safeguarding: e.safeguarding,
                session_id: None,
                plan_version: None,
                prescription_id: None,
                note: None,
            };
            match e.record {
                TimelineRecord::None => {}
                TimelineRecord::Session(s) => dto.session_id = Some(s.to_string()),
                TimelineRecord::PlanVersion(v) => dto.plan_version = Some(v),
                TimelineRecord::Connection(c) => dto.prescription_id = Some(c.to_string()),
                TimelineRecord::Note { current, .. } => dto.note = Some((&current).into()),
            }
            dto
        })
        .collect();
    Ok(Json(TimelineDto { items }))
}

/// Write a case note.
#[utoipa::path(post, operation_id = "addCaseNote", path = "/api/v1/referrals/{id}/notes", tag = "referrals", params(("id" = String, Path)), request_body = NoteBody,
    responses((status = 201, body = CaseNoteDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_note(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<CaseNoteDto>), ApiError> {
    let r = open_case(&state.db, &p, path_id::<ReferralId>(&id)?).await?;
    let body: NoteBody = body.parse()?;
    let note =
        casework::add_note(&state.db, &p, &r, &fields(&body.date, &body.kind, &body.text, body.safeguarding)).await?;
    Ok((StatusCode::CREATED, Json((&note).into())))
}

/// A case note's versions, newest first.
#[utoipa::path(get, operation_id = "getCaseNote", path = "/api/v1/referrals/{id}/notes/{note}", tag = "referrals", params(("id" = String, Path), ("note" = String, Path)),
    responses((status = 200, body = NoteVersionsDto), (status = 404, body = Problem)))]
pub async fn note(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path((id, note)): Path<(String, String)>,
) -> Result<Json<NoteVersionsDto>, ApiError> {
    let r = open_case(&state.db, &p, path_id::<ReferralId>(&id)?).await?;
    let versions = casework::note_versions(&state.db, &p, &r, path_id::<CaseNoteId>(&note)?).await?;
    Ok(Json(NoteVersionsDto { versions: versions.iter().rev().map(Into::into).collect() }))
}

/// Correct a case note: a new version with the reason; every earlier one stays.
#[utoipa::path(post, operation_id = "correctCaseNote", path = "/api/v1/referrals/{id}/notes/{note}/corrections", tag = "referrals", params(("id" = String, Path), ("note" = String, Path)), request_body = CorrectionBody,
    responses((status = 200, body = CaseNoteDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn correct_note(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path((id, note)): Path<(String, String)>,
    body: JsonBody,
) -> Result<Json<CaseNoteDto>, ApiError> {
    let r = open_case(&state.db, &p, path_id::<ReferralId>(&id)?).await?;
    let note = path_id::<CaseNoteId>(&note)?;
    let b: CorrectionBody = body.parse()?;
    let fields = fields(&b.date, &b.kind, &b.text, b.safeguarding);
    let corrected = casework::correct_note(&state.db, &p, &r, note, b.version, &fields, &b.reason).await?;
    Ok(Json((&corrected).into()))
}
