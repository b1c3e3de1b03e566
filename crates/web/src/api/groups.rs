//! Groups the team runs, through the API: the organisation's groups, running one of the
//! team's own listings as a group, a group with its facilitators and the sessions to
//! come, its settings and its facilitators changed.

use crate::input::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_app::groups::{self, GroupView};
use linkwell_domain::groups::GroupFields;
use linkwell_domain::{ServiceId, UserId, ValidationErrors, Version};
use linkwell_store::groups::{Group, GroupSession};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, JsonBody, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct GroupSessionDto {
    pub id: String,
    /// The London date it meets on.
    #[schema(format = Date)]
    pub date: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// `scheduled`, `moved` or `cancelled`.
    #[schema(pattern = "^(scheduled|moved|cancelled)$")]
    pub status: String,
    /// Why it was moved or cancelled.
    pub reason: String,
    /// Where it meets instead of the usual place; empty: the usual place.
    pub venue: String,
}

impl From<&GroupSession> for GroupSessionDto {
    fn from(s: &GroupSession) -> Self {
        GroupSessionDto {
            id: s.id.to_string(),
            date: s.on_date.to_string(),
            starts_at: rfc3339(s.starts_at),
            ends_at: rfc3339(s.ends_at),
            status: s.status.code().to_owned(),
            reason: s.reason.clone(),
            venue: s.venue.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GroupSummaryDto {
    /// The listing's id: a group is one of the team's own listings.
    pub service_id: String,
    pub name: String,
    /// The next session that goes ahead.
    pub next_session: Option<GroupSessionDto>,
    pub facilitators: usize,
}

#[derive(Serialize, ToSchema)]
pub struct FacilitatorDto {
    pub user_id: String,
    pub display_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct GroupDto {
    pub service_id: String,
    pub name: String,
    /// Whether people may join from the public directory.
    pub public_join: bool,
    pub what_to_bring: String,
    pub risk_assessment: String,
    #[schema(format = Date)]
    pub risk_review_due: Option<String>,
    /// Where it meets in wet weather; empty: it is called off instead.
    pub wet_weather: String,
    pub version: i64,
    pub facilitators: Vec<FacilitatorDto>,
    /// From today for 13 weeks, in date order.
    pub sessions: Vec<GroupSessionDto>,
}

impl GroupDto {
    fn of(group: &Group, name: String, view: Option<&GroupView>) -> GroupDto {
        let s = &group.settings;
        GroupDto {
            service_id: group.service_id.to_string(),
            name,
            public_join: s.public_join,
            what_to_bring: s.what_to_bring.clone(),
            risk_assessment: s.risk_assessment.clone(),
            risk_review_due: s.risk_review_due.map(|d| d.to_string()),
            wet_weather: s.wet_weather.clone(),
            version: group.version,
            facilitators: view
                .map(|v| {
                    v.facilitators
                        .iter()
                        .map(|u| FacilitatorDto { user_id: u.id.to_string(), display_name: u.display_name.clone() })
                        .collect()
                })
                .unwrap_or_default(),
            sessions: view.map(|v| v.sessions.iter().map(Into::into).collect()).unwrap_or_default(),
        }
    }
}

/// A group's settings, as the bodies give them (the listing's capacity, eligibility and
/// access are the listing's).
fn settings(
    public_join: bool,
    what_to_bring: String,
    risk_assessment: String,
    risk_review_due: Option<String>,
    wet_weather: String,
) -> GroupFields {
    GroupFields {
        public_join,
        what_to_bring,
        risk_assessment,
        risk_review_due: risk_review_due.unwrap_or_default(),
        wet_weather,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroupBody {
    /// One of the team's own listings that is not yet a group.
    pub service_id: String,
    /// Whether people may join from the public directory.
    #[serde(default)]
    pub public_join: bool,
    #[serde(default)]
    pub what_to_bring: String,
    #[serde(default)]
    pub risk_assessment: String,
    /// ISO 8601; absent or empty: none.
    #[schema(format = Date)]
    #[serde(default)]
    pub risk_review_due: Option<String>,
    /// Where it meets in wet weather; empty: it is called off instead.
    #[serde(default)]
    pub wet_weather: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupUpdateBody {
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
    pub public_join: bool,
    pub what_to_bring: String,
    pub risk_assessment: String,
    /// ISO 8601; absent or empty: none.
    #[schema(format = Date)]
    #[serde(default)]
    pub risk_review_due: Option<String>,
    pub wet_weather: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FacilitatorsBody {
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
    /// Users with the facilitator role; the list replaces the group's.
    pub facilitators: Vec<String>,
}

/// The organisation's groups, in the order they were made, each with its next session.
#[utoipa::path(get, operation_id = "listGroups", path = "/api/v1/groups", tag = "groups",
    responses((status = 200, body = [GroupSummaryDto]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<Vec<GroupSummaryDto>>, ApiError> {
    let groups = groups::groups(&state.db, &p).await?;
    Ok(Json(
        groups
            .iter()
            .map(|g| GroupSummaryDto {
                service_id: g.group.service_id.to_string(),
                name: g.name.clone(),
                next_session: g.next.as_ref().map(Into::into),
                facilitators: g.facilitators,
            })
            .collect(),
    ))
}

/// Run one of the team's own listings as a group; its sessions for 13 weeks are made from
/// the listing's schedule.
#[utoipa::path(post, operation_id = "createGroup", path = "/api/v1/groups", tag = "groups", request_body = NewGroupBody,
    responses((status = 201, body = GroupDto), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(b): ApiJson<NewGroupBody>,
) -> Result<(StatusCode, Json<GroupDto>), ApiError> {
    let not_ours = || ApiError::from(ValidationErrors::single("service_id", "Select one of your own team's listings"));
    let service: ServiceId = b.service_id.trim().parse().map_err(|_| not_ours())?;
    let fields = settings(b.public_join, b.what_to_bring, b.risk_assessment, b.risk_review_due, b.wet_weather);
    match groups::make_group(&state.db, &p, service, &fields).await {
        Ok((group, _)) => Ok((StatusCode::CREATED, Json(view(&state, &p, group.service_id).await?))),
        Err(linkwell_app::casework::CaseError::NotFound) => Err(not_ours()),
        Err(e) => Err(e.into()),
    }
}

async fn view(state: &AppState, p: &linkwell_app::Caller, id: ServiceId) -> Result<GroupDto, ApiError> {
    let v = groups::group(&state.db, p, id).await?;
    Ok(GroupDto::of(&v.group, v.listing.name.clone(), Some(&v)))
}

/// A group with its facilitators and its sessions for 13 weeks.
#[utoipa::path(get, operation_id = "getGroup", path = "/api/v1/groups/{id}", tag = "groups", params(("id" = String, Path)),
    responses((status = 200, body = GroupDto), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<GroupDto>, ApiError> {
    Ok(Json(view(&state, &p, super::path_id::<ServiceId>(&id)?).await?))
}

/// Change a group's settings, if it is still at `version`.
#[utoipa::path(put, operation_id = "updateGroup", path = "/api/v1/groups/{id}", tag = "groups", params(("id" = String, Path)), request_body = GroupUpdateBody,
    responses((status = 200, body = GroupDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<GroupDto>, ApiError> {
    // Another organisation's group is not found, whatever the body.
    let id = super::path_id::<ServiceId>(&id)?;
    state.db.group(&p.scope(), id).await?;
    let b: GroupUpdateBody = body.parse()?;
    let fields = settings(b.public_join, b.what_to_bring, b.risk_assessment, b.risk_review_due, b.wet_weather);
    groups::change_group(&state.db, &p, id, Version(b.version), &fields).await?;
    Ok(Json(view(&state, &p, id).await?))
}

/// Name a group's facilitators (users with the facilitator role), replacing its list.
#[utoipa::path(put, operation_id = "setGroupFacilitators", path = "/api/v1/groups/{id}/facilitators", tag = "groups", params(("id" = String, Path)), request_body = FacilitatorsBody,
    responses((status = 200, body = GroupDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_facilitators(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<GroupDto>, ApiError> {
    let id = super::path_id::<ServiceId>(&id)?;
    state.db.group(&p.scope(), id).await?;
    let b: FacilitatorsBody = body.parse()?;
    let users: Vec<UserId> = b
        .facilitators
        .iter()
        .map(|u| u.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|_| ValidationErrors::single("facilitators", "Select facilitators from the list"))?;
    groups::set_facilitators(&state.db, &p, id, Version(b.version), &users).await?;
    Ok(Json(view(&state, &p, id).await?))
}
