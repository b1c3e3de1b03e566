//! How the organisation is set up, through the API: sites and rooms (the rooms an
//! in-person session is booked in), programmes, and each worker's working hours.

use crate::input::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_app::organisation::{add_programme, add_room, add_site, add_tool, set_hours, worker_for};
use linkwell_domain::organisations::{ProgrammeFields, ProgrammeInput, SiteInput, room_name};
use linkwell_domain::sessions::{DayFields, WEEKDAYS, parse_week};
use linkwell_domain::{PracticeId, SiteId, UserId, ValidationErrors};
use linkwell_store::StoreError;
use linkwell_store::practices::{Room, Site};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::programmes::ProgrammeDto;
use super::{ApiJson, JsonBody};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct RoomDto {
    pub id: String,
    pub site_id: String,
    pub name: String,
}

impl From<&Room> for RoomDto {
    fn from(r: &Room) -> Self {
        RoomDto { id: r.id.to_string(), site_id: r.site_id.to_string(), name: r.name.clone() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SiteDto {
    pub id: String,
    pub name: String,
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice_id: Option<String>,
    pub rooms: Vec<RoomDto>,
}

impl SiteDto {
    fn of(s: &Site, rooms: &[Room]) -> SiteDto {
        SiteDto {
            id: s.id.to_string(),
            name: s.name.clone(),
            address: s.address.clone(),
            practice_id: s.practice_id.map(|p| p.to_string()),
            rooms: rooms.iter().map(RoomDto::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SiteList {
    pub items: Vec<SiteDto>,
}

/// The organisation's sites with their rooms, by name: where sessions in person are held.
#[utoipa::path(get, operation_id = "listSites", path = "/api/v1/sites", tag = "organisation",
    responses((status = 200, body = SiteList), (status = 403, body = Problem)))]
pub async fn sites(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<SiteList>, ApiError> {
    let sites = state.db.sites_with_rooms(&p.scope()).await?;
    Ok(Json(SiteList { items: sites.iter().map(|(s, rooms)| SiteDto::of(s, rooms)).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteBody {
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// The practice the site belongs to, if any.
    #[serde(default)]
    pub practice_id: Option<String>,
}

/// Add a site (admins).
#[utoipa::path(post, operation_id = "createSite", path = "/api/v1/sites", tag = "organisation", request_body = SiteBody,
    responses((status = 201, body = SiteDto), (status = 422, body = Problem)))]
pub async fn create_site(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<SiteBody>,
) -> Result<(StatusCode, Json<SiteDto>), ApiError> {
    let mut e = ValidationErrors::new();
    let input = SiteInput::parse(&body.name, &body.address)
        .map_err(|err| e.errors.extend(err.renamed(&[("site_name", "name")]).errors))
        .ok();
    let practice = match body.practice_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => e.check("practice_id", raw.parse::<PracticeId>().map_err(|_| "Select a practice from the list")),
    };
    let Some(input) = input.filter(|_| e.is_empty()) else { return Err(e.into()) };
    let site = add_site(&state.db, &p.scope(), &p.actor(), &input, practice, "practice_id").await?;
    Ok((StatusCode::CREATED, Json(SiteDto::of(&site, &[]))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomBody {
    pub name: String,
}

/// Add a room to a site (admins). A site has each room name once.
#[utoipa::path(post, operation_id = "createRoom", path = "/api/v1/sites/{id}/rooms", tag = "organisation", params(("id" = String, Path)), request_body = RoomBody,
    responses((status = 201, body = RoomDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_room(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<RoomDto>), ApiError> {
    let site: SiteId = id.parse().map_err(|_| ApiError::NotFound)?;
    if !state.db.sites_with_rooms(&p.scope()).await?.iter().any(|(s, _)| s.id == site) {
        return Err(ApiError::NotFound);
    }
    let body: RoomBody = body.parse()?;
    let name = room_name(&body.name).map_err(|m| ValidationErrors::single("name", m))?;
    match add_room(&state.db, &p.scope(), &p.actor(), site, &name).await {
        Ok(room) => Ok((StatusCode::CREATED, Json(RoomDto::from(&room)))),
        Err(StoreError::Duplicate { .. }) => {
            Err(ValidationErrors::single("name", "This site already has a room with that name").into())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ProgrammeBody {
    pub name: String,
    pub commissioner: String,
    /// Minutes, 1 to 1440.
    pub initial_minutes: u16,
    pub follow_up_minutes: u16,
    /// 0 to 50.
    pub max_follow_ups: u32,
    /// 1 to 20.
    pub contact_attempt_limit: u32,
    /// ISO dates of the funded period: both or neither.
    #[schema(format = Date)]
    pub funded_from: Option<String>,
    #[schema(format = Date)]
    pub funded_to: Option<String>,
}

/// Add a programme with its session rules (admins).
#[utoipa::path(post, operation_id = "createProgramme", path = "/api/v1/programmes", tag = "referrals", request_body = ProgrammeBody,
    responses((status = 201, body = ProgrammeDto), (status = 422, body = Problem)))]
pub async fn create_programme(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(b): ApiJson<ProgrammeBody>,
) -> Result<(StatusCode, Json<ProgrammeDto>), ApiError> {
    let input = ProgrammeInput::parse(&ProgrammeFields {
        name: b.name,
        commissioner: b.commissioner,
        initial_minutes: b.initial_minutes.to_string(),
        follow_up_minutes: b.follow_up_minutes.to_string(),
        max_follow_ups: b.max_follow_ups.to_string(),
        contact_attempt_limit: b.contact_attempt_limit.to_string(),
        funded_from: b.funded_from.unwrap_or_default(),
        funded_to: b.funded_to.unwrap_or_default(),
    })?;
    match add_programme(&state.db, &p.scope(), &p.actor(), &input).await {
        Ok(programme) => Ok((StatusCode::CREATED, Json(ProgrammeDto::from(programme)))),
        Err(StoreError::Duplicate { .. }) => {
            Err(ValidationErrors::single("name", "There is already a programme with that name").into())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct WorkerQuery {
    /// A coordinator may name any link worker or coordinator. For anyone else this is
    /// ignored: they read and set their own hours.
    pub worker_id: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DayHoursDto {
    /// Monday, …, Sunday. In a body it may be left out: the position in `days` says which
    /// day, and a name that does not match its position is refused.
    pub weekday: String,
    /// A day off; `starts` and `ends` are then ignored.
    pub off: bool,
    /// 24-hour London time, like 09:00.
    pub starts: String,
    pub ends: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingWeekDto {
    pub worker_id: String,
    /// Seven days, Monday first.
    pub days: Vec<DayHoursDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingWeekBody {
    /// Seven days, Monday first; errors are named `days[N].starts` and `days[N].ends`.
    pub days: Vec<DayHoursDto>,
}

fn requested_worker(q: &WorkerQuery) -> Result<Option<UserId>, ApiError> {
    match q.worker_id.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => raw.parse().map(Some).map_err(|_| ApiError::NotFound),
    }
}

/// A worker's working hours: sessions are booked only within them.
#[utoipa::path(get, operation_id = "getWorkingHours", path = "/api/v1/working-hours", tag = "organisation", params(WorkerQuery),
    responses((status = 200, body = WorkingWeekDto), (status = 404, body = Problem)))]
pub async fn working_hours(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<WorkerQuery>,
) -> Result<Json<WorkingWeekDto>, ApiError> {
    let worker = worker_for(&state.db, &p, requested_worker(&q)?).await?;
    let week = state.db.working_week(&p.scope(), worker.id).await?;
    let days = week
        .iter()
        .map(|(d, hours)| {
            let (starts, ends) = hours.map_or((String::new(), String::new()), |(s, e)| {
                (s.strftime("%H:%M").to_string(), e.strftime("%H:%M").to_string())
            });
            DayHoursDto { weekday: WEEKDAYS[*d as usize - 1].into(), off: hours.is_none(), starts, ends }
        })
        .collect();
    Ok(Json(WorkingWeekDto { worker_id: worker.id.to_string(), days }))
}

/// Set a worker's whole week.
#[utoipa::path(put, operation_id = "setWorkingHours", path = "/api/v1/working-hours", tag = "organisation", params(WorkerQuery), request_body = WorkingWeekBody,
    responses((status = 200, body = WorkingWeekDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_working_hours(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<WorkerQuery>,
    body: JsonBody,
) -> Result<Json<WorkingWeekDto>, ApiError> {
    let worker = worker_for(&state.db, &p, requested_worker(&q)?).await?;
    let body: WorkingWeekBody = body.parse()?;
    let Ok(days) = <[DayHoursDto; 7]>::try_from(body.days) else {
        return Err(ValidationErrors::single("days", "days must list the seven days, Monday first").into());
    };
    let mut e = ValidationErrors::new();
    for (i, d) in days.iter().enumerate() {
        if !d.weekday.trim().is_empty() && !d.weekday.trim().eq_ignore_ascii_case(WEEKDAYS[i]) {
            e.add(&format!("days[{i}].weekday"), format!("Day {} of the week is {}", i + 1, WEEKDAYS[i]));
        }
    }
    e.into_result()?;
    let fields = days.map(|d| DayFields { off: d.off, starts: d.starts, ends: d.ends });
    let week = parse_week(&fields).map_err(|e| ValidationErrors {
        errors: e
            .errors
            .into_iter()
            .map(|mut f| {
                if let Some((what, n)) = f.field.split_once('_') {
                    let n: usize = n.parse().unwrap_or(1);
                    f.field = format!("days[{}].{what}", n - 1);
                }
                f
            })
            .collect(),
    })?;
    set_hours(&state.db, &p, &worker, &week).await?;
    working_hours(State(state), Signed(p), Query(q)).await
}

#[derive(Serialize, ToSchema)]
pub struct ToolDto {
    pub id: String,
    pub name: String,
    /// Whether plans can give it now (plans that gave it keep it either way).
    pub offered: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ToolList {
    /// By name, those no longer offered included.
    pub items: Vec<ToolDto>,
}

impl From<linkwell_store::plans::Tool> for ToolDto {
    fn from(t: linkwell_store::plans::Tool) -> Self {
        ToolDto { id: t.id, name: t.name, offered: !t.retired }
    }
}

/// The self-management tools plans give from.
#[utoipa::path(get, operation_id = "listTools", path = "/api/v1/tools", tag = "organisation",
    responses((status = 200, body = ToolList)))]
pub async fn tools(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<ToolList>, ApiError> {
    Ok(Json(ToolList { items: state.db.tools(&p.scope()).await?.into_iter().map(Into::into).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolBody {
    pub name: String,
}

/// Add a tool to the list (a name already on it is refused).
#[utoipa::path(post, operation_id = "createTool", path = "/api/v1/tools", tag = "organisation", request_body = ToolBody,
    responses((status = 201, body = ToolDto), (status = 422, body = Problem)))]
pub async fn create_tool(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<ToolBody>,
) -> Result<(StatusCode, Json<ToolDto>), ApiError> {
    let tool = add_tool(&state.db, &p, &body.name).await?;
    Ok((StatusCode::CREATED, Json(tool.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferedBody {
    pub offered: bool,
}

/// Offer a tool in plans again, or stop offering it.
#[utoipa::path(put, operation_id = "setToolOffered", path = "/api/v1/tools/{id}/offered", tag = "organisation", params(("id" = String, Path)), request_body = OfferedBody,
    responses((status = 200, body = ToolDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_tool_offered(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ToolDto>, ApiError> {
    let tool = state.db.tools(&p.scope()).await?.into_iter().find(|t| t.id == id).ok_or(ApiError::NotFound)?;
    let body: OfferedBody = body.parse()?;
    linkwell_app::organisation::set_tool_offered(&state.db, &p, &tool.id, body.offered).await?;
    Ok(Json(ToolDto { offered: body.offered, ..tool.into() }))
}
