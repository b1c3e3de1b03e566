//! Diaries through the API: a worker's or a room's sessions over a period (names in full
//! only on the caller's own cases, initials otherwise), and the caller's calendar feed.

use crate::input::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use jiff::ToSpan;
use linkwell_app::sessions::diary::{DiaryItem, Whose, diary, free_time, new_calendar_feed, revoke_calendar_feed};
use linkwell_domain::{RoomId, UserId, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{codes, path_id, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct DiaryQuery {
    /// The first day (ISO 8601, London); today if absent.
    pub from: Option<String>,
    /// How many days, 1 to 31 (default 7).
    pub days: Option<u8>,
}

#[derive(Deserialize, IntoParams)]
pub struct WorkerQuery {
    /// A coordinator may read any link worker's or coordinator's diary; everyone else
    /// reads their own, whoever they name.
    pub worker_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DiaryItemDto {
    /// Only for a case the caller may open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Only for a case the caller may open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<String>,
    /// The person's name on the caller's own cases; their initials otherwise.
    pub with: String,
    pub starts_at: String,
    pub ends_at: String,
    #[schema(schema_with = codes::session_kind)]
    pub kind: String,
    #[schema(schema_with = codes::session_mode)]
    pub mode: String,
    /// The room and site, or how it is held.
    pub place: String,
    pub worker_id: String,
    pub worker: Option<String>,
    #[schema(schema_with = codes::session_status)]
    pub status: String,
}

impl From<DiaryItem> for DiaryItemDto {
    fn from(e: DiaryItem) -> Self {
        DiaryItemDto {
            session_id: e.opens_case.then(|| e.session.id.to_string()),
            referral_id: e.opens_case.then(|| e.session.referral_id.to_string()),
            with: e.with,
            starts_at: rfc3339(e.session.starts_at),
            ends_at: rfc3339(e.session.ends_at),
            kind: e.session.kind.code().into(),
            mode: e.session.mode.code().into(),
            place: e.place,
            worker_id: e.session.worker_id.to_string(),
            worker: e.worker,
            status: e.session.status.code().into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DiaryDto {
    /// The worker's name, or the room and site.
    pub name: String,
    pub from: String,
    /// The day after the last day shown.
    pub to: String,
    pub items: Vec<DiaryItemDto>,
    /// A worker's diary: the stretches of their working hours with no session, from now
    /// on and at least 30 minutes long — where a session can be booked. None for a room.
    pub free: Vec<FreePeriodDto>,
}

#[derive(Serialize, ToSchema)]
pub struct FreePeriodDto {
    pub starts_at: String,
    pub ends_at: String,
}

async fn read(state: &AppState, p: &crate::auth::Caller, whose: Whose, q: &DiaryQuery) -> Result<DiaryDto, ApiError> {
    let mut e = ValidationErrors::new();
    let from = match q.from.as_deref().map(str::trim) {
        None | Some("") => Some(linkwell_app::today()),
        Some(raw) => e.check("from", super::iso_date(raw)),
    };
    let days = q.days.unwrap_or(7);
    if !(1..=31).contains(&days) {
        e.add("days", "days must be a whole number from 1 to 31");
    }
    let to = from.and_then(|f| f.checked_add((days as i64).days()).ok());
    let (Some(from), Some(to)) = (from, to) else {
        if e.is_empty() {
            e.add("from", "That date is out of range");
        }
        return Err(e.into());
    };
    if !e.is_empty() {
        return Err(e.into());
    }
    let (name, of, items) = diary(&state.db, p, whose, from, to).await?;
    let free = match of {
        linkwell_store::diary::DiaryOf::Worker(w) => free_time(&state.db, p, w, from, to, &items).await?,
        linkwell_store::diary::DiaryOf::Room(_) => vec![],
    };
    Ok(DiaryDto {
        name,
        from: from.to_string(),
        to: to.to_string(),
        items: items.into_iter().map(Into::into).collect(),
        free: free
            .iter()
            .map(|f| FreePeriodDto { starts_at: rfc3339(f.starts_at), ends_at: rfc3339(f.ends_at) })
            .collect(),
    })
}

/// A worker's sessions over a period, cancelled ones included.
#[utoipa::path(get, operation_id = "getWorkerDiary", path = "/api/v1/diary", tag = "sessions", params(WorkerQuery, DiaryQuery),
    responses((status = 200, body = DiaryDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn worker(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(w): Query<WorkerQuery>,
    Query(q): Query<DiaryQuery>,
) -> Result<Json<DiaryDto>, ApiError> {
    let requested = match w.worker_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(path_id::<UserId>(raw)?),
    };
    Ok(Json(read(&state, &p, Whose::Worker(requested), &q).await?))
}

/// A room's sessions over a period: who has it booked.
#[utoipa::path(get, operation_id = "getRoomDiary", path = "/api/v1/rooms/{id}/diary", tag = "sessions", params(("id" = String, Path), DiaryQuery),
    responses((status = 200, body = DiaryDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn room(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    Query(q): Query<DiaryQuery>,
) -> Result<Json<DiaryDto>, ApiError> {
    Ok(Json(read(&state, &p, Whose::Room(path_id::<RoomId>(&id)?), &q).await?))
}

#[derive(Serialize, ToSchema)]
pub struct CalendarFeedDto {
    /// The secret iCalendar address: shown this once. Anyone with it sees the caller's
    /// sessions with initials only; make a new one to stop the old one working.
    pub url: String,
}

/// A new secret address for the caller's calendar feed; the old one stops working.
#[utoipa::path(post, operation_id = "createCalendarFeed", path = "/api/v1/calendar-feed", tag = "sessions",
    responses((status = 201, body = CalendarFeedDto)))]
pub async fn create_feed(
    State(state): State<AppState>,
    Signed(p): Signed,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<CalendarFeedDto>), ApiError> {
    let secret = new_calendar_feed(&state.db, &p).await?;
    Ok((
        StatusCode::CREATED,
        Json(CalendarFeedDto { url: crate::pages::diary::feed_url(&state, &headers, secret.expose()) }),
    ))
}

/// Turn the caller's calendar feed off.
#[utoipa::path(delete, operation_id = "revokeCalendarFeed", path = "/api/v1/calendar-feed", tag = "sessions",
    responses((status = 204, description = "The feed's address no longer works (or there was none)")))]
pub async fn revoke_feed(State(state): State<AppState>, Signed(p): Signed) -> Result<StatusCode, ApiError> {
    revoke_calendar_feed(&state.db, &p).await?;
    Ok(StatusCode::NO_CONTENT)
}
