//! Sessions through the API: a referral's sessions, booking the next one, and outcomes.

use crate::input::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_app::sessions::{self as use_case, BookError, Booking};
use linkwell_domain::ids::SessionId;
use linkwell_domain::sessions::{SessionMode, session_start};
use linkwell_domain::{RoomId, ValidationErrors, Version};
use linkwell_store::sessions::{Outcome, Session};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{JsonBody, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use linkwell_app::casework::open_case;

#[derive(Serialize, ToSchema)]
pub struct SessionDto {
    pub id: String,
    pub referral_id: String,
    pub worker_id: String,
    /// initial or follow_up.
    pub kind: String,
    /// in_person, telephone, video or home_visit.
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    /// booked, attended, did_not_attend, cancelled_by_person or cancelled_by_service.
    pub status: String,
    pub version: i64,
}

impl From<&Session> for SessionDto {
    fn from(s: &Session) -> Self {
        SessionDto {
            id: s.id.to_string(),
            referral_id: s.referral_id.to_string(),
            worker_id: s.worker_id.to_string(),
            kind: s.kind.code().into(),
            mode: s.mode.code().into(),
            room_id: s.room_id.map(|r| r.to_string()),
            starts_at: rfc3339(s.starts_at),
            ends_at: rfc3339(s.ends_at),
            status: s.status.clone(),
            version: s.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingBody {
    /// The London date, like 2026-12-01.
    pub date: String,
    /// The London wall-clock time, like 10:00.
    pub time: String,
    /// For a time the autumn clock change repeats: earlier (BST) or later (GMT).
    #[serde(default)]
    pub fold: Option<String>,
    /// in_person, telephone, video or home_visit.
    pub mode: String,
    /// Required in person.
    #[serde(default)]
    pub room_id: Option<String>,
}

/// A referral's sessions, in time order.
#[utoipa::path(get, operation_id = "listSessions", path = "/api/v1/referrals/{id}/sessions", tag = "sessions", params(("id" = String, Path)),
    responses((status = 200, body = SessionList), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<SessionList>, ApiError> {
    let r = open_case(&state.db, &p, id.parse().map_err(|_| ApiError::NotFound)?).await?;
    let sessions = state.db.sessions_for_referral(&p.scope(), r.id).await?;
    Ok(Json(SessionList { items: sessions.iter().map(Into::into).collect() }))
}

/// Book the next session: the initial one first, then follow-ups within the programme's
/// limit, never double-booking the worker or room, inside the worker's hours.
#[utoipa::path(post, operation_id = "bookSession", path = "/api/v1/referrals/{id}/sessions", tag = "sessions", params(("id" = String, Path)), request_body = BookingBody,
    responses((status = 201, body = SessionDto), (status = 422, body = Problem)))]
pub async fn book(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<SessionDto>), ApiError> {
    let r = open_case(&state.db, &p, id.parse().map_err(|_| ApiError::NotFound)?).await?;
    let body: BookingBody = body.parse()?;
    let (d, m, y) = super::date_parts(&body.date);
    let mut e = ValidationErrors::new();
    let starts = session_start(&d, &m, &y, &body.time, body.fold.as_deref().unwrap_or(""))
        .map_err(|err| e.errors.extend(err.errors))
        .ok();
    let mode = e.check("mode", SessionMode::parse(&body.mode));
    let room = match body.room_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => e.check("room_id", raw.parse::<RoomId>().map_err(|_| "room_id must be the id of a room")),
    };
    let (Some(starts), Some(mode)) = (starts, mode) else { return Err(e.into()) };
    e.into_result()?;
    match use_case::book(&state.db, &p.scope(), &p.actor(), &r, &Booking { starts, mode, room }).await {
        Ok(s) => Ok((StatusCode::CREATED, Json((&s).into()))),
        Err(BookError::NoWorker) => Err(ApiError::Conflict(BookError::NoWorker.to_string())),
        Err(BookError::Store(e)) => Err(e.into()),
        Err(problem) => Err(ValidationErrors::single(problem.field(), problem.to_string()).into()),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    pub version: i64,
    /// attended, did_not_attend, cancelled_by_person or cancelled_by_service.
    pub outcome: String,
    #[serde(default)]
    pub notes: String,
}

/// Record how a booked session ended (once).
#[utoipa::path(post, operation_id = "recordSessionOutcome", path = "/api/v1/sessions/{id}/outcome", tag = "sessions", params(("id" = String, Path)), request_body = OutcomeBody,
    responses((status = 200, body = SessionDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn outcome(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<SessionDto>, ApiError> {
    let id: SessionId = id.parse().map_err(|_| ApiError::NotFound)?;
    let s = state.db.session(&p.scope(), id).await?;
    open_case(&state.db, &p, s.referral_id).await?;
    let body: OutcomeBody = body.parse()?;
    let mut e = ValidationErrors::new();
    let outcome = e.check("outcome", Outcome::parse(&body.outcome));
    if body.notes.chars().count() > 8000 {
        e.add("notes", "Notes must be 8000 characters or fewer");
    }
    let Some(outcome) = outcome.filter(|_| e.is_empty()) else { return Err(e.into()) };
    let saved = state
        .db
        .record_session_outcome(&p.scope(), &p.actor(), s.id, Version(body.version), outcome, body.notes.trim())
        .await?;
    Ok(Json((&saved).into()))
}
