//! Groups the team runs, through the API: the organisation's groups, running one of the
//! team's own listings as a group, a group with its facilitators and the sessions to
//! come, its settings and its facilitators changed, its members and waiting list, and one
//! session moved or cancelled.

use crate::input::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_app::groups::members as group_members;
use linkwell_app::groups::{self, GroupView};
use linkwell_domain::groups::GroupFields;
use linkwell_domain::groups::members::MemberFields;
use linkwell_domain::groups::sessions::SessionChangeFields;
use linkwell_domain::ids::{GroupMemberId, GroupSessionId};
use linkwell_domain::{ServiceId, UserId, ValidationErrors, Version};
use linkwell_store::group_members::Member;
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
    /// Send it back to move or cancel the session.
    pub version: i64,
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
            version: s.version,
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

#[derive(Serialize, ToSchema)]
pub struct GroupMemberDto {
    pub id: String,
    pub first_name: String,
    /// The last name's initial, or empty.
    pub last_initial: String,
    /// `prescription`, `public`, `walk_in` or `staff`.
    #[schema(pattern = "^(prescription|public|walk_in|staff)$")]
    pub route: String,
    /// `member`, `offered` (a place held for them until `offer_expires_at`) or `waiting`.
    #[schema(pattern = "^(member|offered|waiting|left)$")]
    pub status: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `email` or `sms`: how messages go.
    pub channel: String,
    /// They agreed to be sent messages about the group.
    pub consent_contact: bool,
    pub access_needs: bool,
    /// Only where they agreed to it being shown.
    pub emergency_contact: Option<String>,
    /// Their person record, when they came by social prescription.
    pub person_id: Option<String>,
    #[schema(format = DateTime)]
    pub asked_at: String,
    #[schema(format = DateTime)]
    pub joined_at: Option<String>,
    #[schema(format = DateTime)]
    pub offer_expires_at: Option<String>,
}

impl From<&Member> for GroupMemberDto {
    fn from(m: &Member) -> Self {
        GroupMemberDto {
            id: m.id.to_string(),
            first_name: m.first_name.clone(),
            last_initial: m.last_initial.clone(),
            route: m.route.code().to_owned(),
            status: m.status.code().to_owned(),
            email: m.email.clone(),
            phone: m.phone.clone(),
            channel: m.channel.code().to_owned(),
            consent_contact: m.consent_contact,
            access_needs: m.access_needs,
            emergency_contact: m.emergency_contact.clone(),
            person_id: m.person_id.map(|p| p.to_string()),
            asked_at: rfc3339(m.asked_at),
            joined_at: m.joined_at.map(rfc3339),
            offer_expires_at: m.offer_expires_at.map(rfc3339),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberBody {
    pub first_name: String,
    /// Only its initial is kept.
    #[serde(default)]
    pub last_name: String,
    /// An email address or a mobile number, or both.
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// `email` or `sms`; needed with both.
    #[serde(default)]
    pub channel: String,
    /// They agree to be sent messages about the group.
    #[serde(default)]
    pub consent_contact: bool,
    #[serde(default)]
    pub access_needs: bool,
    #[serde(default)]
    pub emergency_contact: String,
    /// They agree that facilitators may see the emergency contact; without it, it is not
    /// kept.
    #[serde(default)]
    pub consent_emergency: bool,
    /// They walked in on the day (otherwise the team added them).
    #[serde(default)]
    pub walk_in: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionChangeBody {
    /// The session's version you read; a stale one is refused with 409.
    pub version: i64,
    /// `move` or `cancel`.
    #[schema(pattern = "^(move|cancel)$")]
    pub action: String,
    /// `10:30`, London time, the same date; absent keeps the time.
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    /// Where it meets instead; empty: the usual place.
    #[serde(default)]
    pub venue: String,
    /// What members are told; needed to cancel.
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionChangedDto {
    pub session: GroupSessionDto,
    /// How many members are told (those who agreed to messages).
    pub members_told: usize,
}

/// The group's members, then places offered, then its waiting list, each in the order they
/// asked.
#[utoipa::path(get, operation_id = "listGroupMembers", path = "/api/v1/groups/{id}/members", tag = "groups", params(("id" = String, Path)),
    responses((status = 200, body = [GroupMemberDto]), (status = 404, body = Problem)))]
pub async fn members(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<Vec<GroupMemberDto>>, ApiError> {
    let id = super::path_id::<ServiceId>(&id)?;
    Ok(Json(group_members::members(&state.db, &p, id).await?.iter().map(Into::into).collect()))
}

/// Add someone to the group (a walk-in, or someone the team adds): a place if one is free
/// and nobody waits, else the waiting list. They are sent a message saying which, if they
/// agreed to messages.
#[utoipa::path(post, operation_id = "addGroupMember", path = "/api/v1/groups/{id}/members", tag = "groups", params(("id" = String, Path)), request_body = NewMemberBody,
    responses((status = 201, body = GroupMemberDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_member(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<GroupMemberDto>), ApiError> {
    let id = super::path_id::<ServiceId>(&id)?;
    state.db.group(&p.scope(), id).await?;
    let b: NewMemberBody = body.parse()?;
    let fields = MemberFields {
        first_name: b.first_name,
        last_name: b.last_name,
        email: b.email,
        phone: b.phone,
        channel: b.channel,
        consent_contact: b.consent_contact,
        access_needs: b.access_needs,
        emergency_contact: b.emergency_contact,
        consent_emergency: b.consent_emergency,
    };
    let m = group_members::add_member(&state.db, &p, id, &fields, b.walk_in, &state.config.public_url).await?;
    Ok((StatusCode::CREATED, Json((&m).into())))
}

/// Take someone off the group or its waiting list; a place freed is offered to the first
/// waiting. Taking someone off twice takes them off once.
#[utoipa::path(delete, operation_id = "removeGroupMember", path = "/api/v1/groups/{id}/members/{member}", tag = "groups", params(("id" = String, Path), ("member" = String, Path)),
    responses((status = 200, body = GroupMemberDto), (status = 404, body = Problem)))]
pub async fn remove_member(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path((id, member)): Path<(String, String)>,
) -> Result<Json<GroupMemberDto>, ApiError> {
    let id = super::path_id::<ServiceId>(&id)?;
    let member = super::path_id::<GroupMemberId>(&member)?;
    let m = group_members::remove_member(&state.db, &p, id, member, &state.config.public_url).await?;
    Ok(Json((&m).into()))
}

/// Move one session (another time that day, another venue) or cancel it with a reason,
/// at the version read; each member who agreed to messages is told once.
#[utoipa::path(post, operation_id = "changeGroupSession", path = "/api/v1/groups/{id}/sessions/{session}/change", tag = "groups", params(("id" = String, Path), ("session" = String, Path)), request_body = SessionChangeBody,
    responses((status = 200, body = SessionChangedDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_session(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path((id, session)): Path<(String, String)>,
    body: JsonBody,
) -> Result<Json<SessionChangedDto>, ApiError> {
    let id = super::path_id::<ServiceId>(&id)?;
    let session = super::path_id::<GroupSessionId>(&session)?;
    if state.db.group_session(&p.scope(), session).await?.service_id != id {
        return Err(linkwell_store::StoreError::NotFound.into());
    }
    let b: SessionChangeBody = body.parse()?;
    let fields =
        SessionChangeFields { action: b.action, starts: b.starts, ends: b.ends, venue: b.venue, reason: b.reason };
    let (s, told) = group_members::change_session(
        &state.db,
        &p,
        id,
        session,
        Version(b.version),
        &fields,
        &state.config.public_url,
    )
    .await?;
    Ok(Json(SessionChangedDto { session: (&s).into(), members_told: told }))
}

#[derive(Serialize, ToSchema)]
pub struct GroupFiguresDto {
    /// Everyone who ever had a place.
    pub signed_up: u32,
    pub members: u32,
    /// Waiting or offered a place now.
    pub waiting: u32,
    /// Sign-ups in each month (`2026-11`), oldest first.
    pub signups_by_month: Vec<MonthCountDto>,
    /// In the past year: sessions held (register taken) and cancelled.
    pub sessions_held: u32,
    pub sessions_cancelled: u32,
    pub average_attendance: Option<f64>,
    /// Who came over who were members at each session held (0 to 1).
    pub attendance_rate: Option<f64>,
    /// Of those who joined at least 4 (12) weeks ago, the share who came 4 (12) or more
    /// weeks after joining (0 to 1).
    pub retention_4_weeks: Option<f64>,
    pub retention_12_weeks: Option<f64>,
    /// Of everyone who ever had a place, the share who came by social prescription.
    pub prescribed_share: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct MonthCountDto {
    pub month: String,
    pub count: u32,
}

/// How a group is doing: sign-ups, attendance, retention, its waiting list and sessions
/// cancelled, and how many came by social prescription.
#[utoipa::path(get, operation_id = "getGroupFigures", path = "/api/v1/groups/{id}/figures", tag = "groups", params(("id" = String, Path)),
    responses((status = 200, body = GroupFiguresDto), (status = 404, body = Problem)))]
pub async fn figures(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<GroupFiguresDto>, ApiError> {
    let id = super::path_id::<ServiceId>(&id)?;
    state.db.group(&p.scope(), id).await?;
    let f = groups::figures(&state.db, &p.scope(), id).await?;
    Ok(Json(GroupFiguresDto {
        signed_up: f.signed_up,
        members: f.members,
        waiting: f.waiting,
        signups_by_month: f.signups_by_month.into_iter().map(|(month, count)| MonthCountDto { month, count }).collect(),
        sessions_held: f.sessions_held,
        sessions_cancelled: f.sessions_cancelled,
        average_attendance: f.average_attendance,
        attendance_rate: f.attendance_rate,
        retention_4_weeks: f.retention_4_weeks,
        retention_12_weeks: f.retention_12_weeks,
        prescribed_share: f.prescribed_share,
    }))
}
