//! Sessions through the API: a referral's sessions, one session with its notes, booking
//! the next one, recording how one ended (cancelling is an outcome), and moving one.

use crate::input::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_app::sessions::{self as use_case, BookError, Booking, BookingFields};
use linkwell_domain::ids::SessionId;
use linkwell_domain::sessions::{AskedBy, Outcome, SessionNotes};
use linkwell_domain::time::DateEntry;
use linkwell_domain::{ValidationErrors, Version};
use linkwell_store::sessions::Session;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{JsonBody, codes, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use linkwell_app::casework::open_case;

#[derive(Serialize, ToSchema)]
pub struct SessionDto {
    pub id: String,
    pub referral_id: String,
    pub worker_id: String,
    #[schema(schema_with = codes::session_kind)]
    pub kind: String,
    #[schema(schema_with = codes::session_mode)]
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    #[schema(schema_with = codes::session_status)]
    pub status: String,
    /// The notes written when the outcome was recorded (empty before).
    pub notes: String,
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
            status: s.status.code().into(),
            notes: s.notes.clone(),
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
    #[schema(format = Date)]
    pub date: String,
    /// The London wall-clock time, like 10:00.
    pub time: String,
    #[serde(default)]
    #[schema(schema_with = codes::fold)]
    pub fold: Option<String>,
    #[schema(schema_with = codes::session_mode)]
    pub mode: String,
    /// Required in person.
    #[serde(default)]
    pub room_id: Option<String>,
}

impl BookingBody {
    /// The booking, or every problem with it, each under its field's name.
    fn parse(&self) -> Result<Booking, ValidationErrors> {
        Booking::parse(&BookingFields {
            date: DateEntry::Iso(self.date.clone()),
            time: &self.time,
            fold: self.fold.as_deref().unwrap_or(""),
            mode: &self.mode,
            room: self.room_id.as_deref().unwrap_or(""),
        })
    }
}

impl From<BookError> for ApiError {
    fn from(e: BookError) -> Self {
        match e {
            BookError::NoWorker => ApiError::Conflict(BookError::NoWorker.to_string()),
            BookError::Store(e) => e.into(),
            problem => ValidationErrors::single(problem.field(), problem.to_string()).into(),
        }
    }
}

fn session_id(id: &str) -> Result<SessionId, ApiError> {
    id.parse().map_err(|_| ApiError::NotFound)
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

/// One session, with the notes written on its outcome.
#[utoipa::path(get, operation_id = "getSession", path = "/api/v1/sessions/{id}", tag = "sessions", params(("id" = String, Path)),
    responses((status = 200, body = SessionDto), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<SessionDto>, ApiError> {
    let (s, _) = use_case::open_session(&state.db, &p, session_id(&id)?).await?;
    Ok(Json((&s).into()))
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
    let booking = body.parse::<BookingBody>()?.parse()?;
    let s = use_case::book(&state.db, &p.scope(), &p.actor(), &r, &booking).await?;
    Ok((StatusCode::CREATED, Json((&s).into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    pub version: i64,
    /// A cancellation frees the time and withdraws the reminder.
    #[schema(schema_with = codes::session_outcome)]
    pub outcome: String,
    /// At most 8,000 characters.
    #[serde(default)]
    pub notes: String,
}

/// Record how a booked session ended (once), or cancel it. Attending makes a referral
/// still waiting active.
#[utoipa::path(post, operation_id = "recordSessionOutcome", path = "/api/v1/sessions/{id}/outcome", tag = "sessions", params(("id" = String, Path)), request_body = OutcomeBody,
    responses((status = 200, body = SessionDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn outcome(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<SessionDto>, ApiError> {
    let (s, r) = use_case::open_session(&state.db, &p, session_id(&id)?).await?;
    let body: OutcomeBody = body.parse()?;
    let mut e = ValidationErrors::new();
    let outcome = e.check("outcome", Outcome::parse(&body.outcome));
    let notes = e.check("notes", SessionNotes::parse(&body.notes));
    let (Some(outcome), Some(notes)) = (outcome, notes) else { return Err(e.into()) };
    let saved =
        use_case::record_outcome(&state.db, &p.scope(), &p.actor(), (&s, &r), Version(body.version), outcome, &notes)
            .await?;
    Ok(Json((&saved).into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleBody {
    /// The version of the session you read; a stale one is refused with 409.
    pub version: i64,
    /// Who asked for the move: the old session is recorded as cancelled by them.
    #[schema(schema_with = codes::asked_by)]
    pub asked_by: String,
    /// When, how and where it happens now, as in a booking.
    pub to: BookingBody,
}

/// Move a booked session to another time (or mode, or room): the session is recorded as
/// cancelled by whoever asked, and one of the same kind is booked by the usual rules, in
/// one change. Answers the new session.
#[utoipa::path(post, operation_id = "rescheduleSession", path = "/api/v1/sessions/{id}/reschedule", tag = "sessions", params(("id" = String, Path)), request_body = RescheduleBody,
    responses((status = 201, body = SessionDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reschedule(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<SessionDto>), ApiError> {
    let (s, r) = use_case::open_session(&state.db, &p, session_id(&id)?).await?;
    let b: RescheduleBody = body.parse()?;
    let mut e = ValidationErrors::new();
    let asked_by = e.check("asked_by", AskedBy::parse(&b.asked_by));
    let booking = b.to.parse().map_err(|to| {
        e.errors.extend(to.errors.into_iter().map(|mut f| {
            f.field = format!("to.{}", f.field);
            f
        }))
    });
    let (Some(asked_by), Ok(booking)) = (asked_by, booking) else { return Err(e.into()) };
    let moved =
        use_case::reschedule(&state.db, &p.scope(), &p.actor(), (&s, &r), Version(b.version), asked_by, &booking)
            .await
            .map_err(|err| match err {
                BookError::NoWorker | BookError::Store(_) => ApiError::from(err),
                refused => ValidationErrors::single(&format!("to.{}", refused.field()), refused.to_string()).into(),
            })?;
    Ok((StatusCode::CREATED, Json((&moved).into())))
}
