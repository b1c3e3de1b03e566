//! Programmes through the API: what an integration needs to refer into the right one.

use axum::Json;
use axum::extract::State;
use linkwell_store::programmes::Programme;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ProgrammeDto {
    pub id: String,
    pub name: String,
    pub initial_minutes: u16,
    pub follow_up_minutes: u16,
    pub max_follow_ups: u32,
    pub contact_attempt_limit: u32,
    pub commissioner: String,
    /// ISO dates of the funding period, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funded_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funded_to: Option<String>,
}

impl From<Programme> for ProgrammeDto {
    fn from(pr: Programme) -> Self {
        ProgrammeDto {
            id: pr.id.to_string(),
            name: pr.name,
            initial_minutes: pr.rules.initial_length.get(),
            follow_up_minutes: pr.rules.follow_up_length.get(),
            max_follow_ups: pr.rules.max_follow_ups,
            contact_attempt_limit: pr.rules.contact_attempt_limit,
            commissioner: pr.commissioner,
            funded_from: pr.funded_from,
            funded_to: pr.funded_to,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeList {
    pub items: Vec<ProgrammeDto>,
}

/// The organisation's programmes, by name; a referral names one when there are several.
#[utoipa::path(get, operation_id = "listProgrammes", path = "/api/v1/programmes", tag = "referrals",
    responses((status = 200, body = ProgrammeList), (status = 403, body = Problem)))]
pub async fn list(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<ProgrammeList>, ApiError> {
    let items = state.db.programmes(&p.scope()).await?.into_iter().map(ProgrammeDto::from).collect();
    Ok(Json(ProgrammeList { items }))
}
