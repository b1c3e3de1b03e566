//! Registers through the API, as a facilitator's token reaches them: the sessions to take,
//! one register (only what it needs of each member), and a register taken — the same key
//! twice records once — with walk-ins added on the day.

use crate::input::Path;
use axum::Json;
use axum::extract::State;
use linkwell_app::groups::registers;
use linkwell_domain::ValidationErrors;
use linkwell_domain::groups::members::{MemberFields, NewMember};
use linkwell_domain::groups::registers::RegisterFields;
use linkwell_domain::ids::GroupSessionId;
use linkwell_domain::validation::MAX_ROWS;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::JsonBody;
use super::groups::GroupSessionDto;
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct RegisterItemDto {
    pub session: GroupSessionDto,
    /// The group's listing.
    pub service_id: String,
    pub group: String,
    pub taken: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RegisterMemberDto {
    pub id: String,
    /// First name and last initial: "Ann K."
    pub name: String,
    pub access_needs: bool,
    /// Only where they agreed to it being shown.
    pub emergency_contact: Option<String>,
    pub attended: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RegisterDto {
    pub session: GroupSessionDto,
    pub group: String,
    /// Send it back with the register: the same key twice records once.
    pub key: String,
    /// What the facilitator noted.
    pub note: String,
    pub taken: bool,
    pub members: Vec<RegisterMemberDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkInBody {
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    /// An email address or a mobile number.
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// `email` or `sms`; needed with both.
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub consent_contact: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// The key the register was read with.
    pub key: String,
    /// The members who came.
    pub attended: Vec<String>,
    #[serde(default)]
    pub note: String,
    /// People who walked in: someone in the group already (the same email address or
    /// number) is matched; anyone else joins. Each is counted as there.
    #[serde(default)]
    pub walk_ins: Vec<WalkInBody>,
}

#[derive(Serialize, ToSchema)]
pub struct RegisterTakenDto {
    pub session: GroupSessionDto,
    /// `false`: this key was recorded already, and nothing changed.
    pub recorded: bool,
    pub attended: usize,
}

/// Registers to take: today's sessions of your groups (a facilitator's own), and the past
/// week's not yet taken.
#[utoipa::path(get, operation_id = "listRegisters", path = "/api/v1/registers", tag = "groups",
    responses((status = 200, body = [RegisterItemDto]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<Vec<RegisterItemDto>>, ApiError> {
    let (items, _) = registers::registers(&state.db, &p).await?;
    Ok(Json(
        items
            .iter()
            .map(|i| RegisterItemDto {
                session: (&i.session).into(),
                service_id: i.session.service_id.to_string(),
                group: i.group.clone(),
                taken: i.session.register_taken_at.is_some(),
            })
            .collect(),
    ))
}

/// A session's register: its members as the register shows them, and a key to send back.
#[utoipa::path(get, operation_id = "getRegister", path = "/api/v1/registers/{session}", tag = "groups", params(("session" = String, Path)),
    responses((status = 200, body = RegisterDto), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(session): Path<String>,
) -> Result<Json<RegisterDto>, ApiError> {
    let session = super::path_id::<GroupSessionId>(&session)?;
    let v = registers::register(&state.db, &p, session).await?;
    let s = &v.sheet.session;
    Ok(Json(RegisterDto {
        session: s.into(),
        group: v.group.clone(),
        key: v.key.clone(),
        note: s.register_note.clone(),
        taken: s.register_taken_at.is_some(),
        members: v
            .sheet
            .expected
            .iter()
            .map(|m| RegisterMemberDto {
                id: m.id.to_string(),
                name: NewMember::register_name(&m.first_name, &m.last_initial),
                access_needs: m.access_needs,
                emergency_contact: m.emergency_contact.clone(),
                attended: v.sheet.attended.contains(&m.id),
            })
            .collect(),
    }))
}

/// Take a session's register: who came replaces what was recorded, unless this key was
/// recorded already. Then missed sessions are counted and prescriptions' follow-ups
/// answered.
#[utoipa::path(post, operation_id = "takeRegister", path = "/api/v1/registers/{session}", tag = "groups", params(("session" = String, Path)), request_body = RegisterBody,
    responses((status = 200, body = RegisterTakenDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn take(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(session): Path<String>,
    body: JsonBody,
) -> Result<Json<RegisterTakenDto>, ApiError> {
    let session = super::path_id::<GroupSessionId>(&session)?;
    // A session the caller cannot reach is not found, whatever the body.
    registers::register(&state.db, &p, session).await?;
    let b: RegisterBody = body.parse()?;
    if b.walk_ins.len() > MAX_ROWS {
        return Err(
            ValidationErrors::single("walk_ins", format!("Add no more than {MAX_ROWS} walk-ins at once")).into()
        );
    }
    // The register is checked before anyone is added: a refused one changes nothing.
    let check = RegisterFields { key: b.key.clone(), attended: b.attended.clone(), note: b.note.clone() };
    linkwell_domain::groups::registers::Register::parse(&check)?;
    let mut attended = b.attended;
    for (i, w) in b.walk_ins.into_iter().enumerate() {
        let fields = MemberFields {
            first_name: w.first_name,
            last_name: w.last_name,
            email: w.email,
            phone: w.phone,
            channel: w.channel,
            consent_contact: w.consent_contact,
            ..Default::default()
        };
        match registers::add_walk_in(&state.db, &p, session, &fields, &state.config.public_url).await {
            Ok(m) => attended.push(m.id.to_string()),
            Err(linkwell_app::casework::CaseError::Invalid(e)) => {
                let names: Vec<(String, String)> =
                    e.errors.iter().map(|f| (f.field.clone(), format!("walk_ins[{i}].{}", f.field))).collect();
                let pairs: Vec<(&str, &str)> = names.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
                return Err(e.renamed(&pairs).into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    let fields = RegisterFields { key: b.key, attended, note: b.note };
    let t = registers::take(&state.db, &p, session, &fields, &state.config.public_url).await?;
    Ok(Json(RegisterTakenDto { session: (&t.session).into(), recorded: t.recorded, attended: t.attended.len() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// 1 (very poor) to 5 (very good).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i64,
    #[serde(default)]
    pub comment: String,
    /// Any key of yours, 8 to 64 letters, digits or hyphens: the same key twice records
    /// once (a retry on a poor signal).
    #[serde(default)]
    pub key: String,
}

/// Record feedback someone gave on the day of the session; the same key twice records once.
///
/// No name is kept with it.
#[utoipa::path(post, operation_id = "recordSessionFeedback", path = "/api/v1/registers/{session}/feedback", tag = "registers", params(("session" = String, Path)), request_body = FeedbackBody,
    responses((status = 201, description = "The feedback is recorded."), (status = 200, description = "This key recorded it already: nothing changed."), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_feedback(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(session): Path<String>,
    body: JsonBody,
) -> Result<axum::http::StatusCode, ApiError> {
    let session = super::path_id::<GroupSessionId>(&session)?;
    registers::register(&state.db, &p, session).await?;
    let b: FeedbackBody = body.parse()?;
    let fields = linkwell_domain::groups::feedback::FeedbackFields {
        rating: b.rating.to_string(),
        comment: b.comment,
        key: b.key,
    };
    match linkwell_app::groups::feedback::record(&state.db, &p, session, &fields).await? {
        true => Ok(axum::http::StatusCode::CREATED),
        false => Ok(axum::http::StatusCode::OK),
    }
}
