use crate::input::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_domain::organisations::PracticeInput;
use linkwell_domain::{PracticeId, Version};
use linkwell_store::practices::Practice;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, PageQuery, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct PracticeDto {
    pub id: String,
    pub name: String,
    /// ODS code: a letter and 5 digits.
    pub ods_code: String,
    /// Send this back when updating.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Practice> for PracticeDto {
    fn from(p: Practice) -> Self {
        PracticeDto {
            id: p.id.to_string(),
            name: p.name,
            ods_code: p.ods_code,
            version: p.version,
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PracticePage {
    pub items: Vec<PracticeDto>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeBody {
    pub name: String,
    pub ods_code: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeUpdate {
    pub name: String,
    pub ods_code: String,
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
}

/// The organisation's GP practices, in creation order.
#[utoipa::path(get, operation_id = "listPractices", path = "/api/v1/practices", tag = "practices", params(PageQuery),
    responses((status = 200, body = PracticePage), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<PageQuery>,
) -> Result<Json<PracticePage>, ApiError> {
    let page = state.db.practices_page(&p.scope(), q.cursor.as_deref(), q.limit()?).await?;
    Ok(Json(PracticePage { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// Add a practice (admins).
#[utoipa::path(post, operation_id = "createPractice", path = "/api/v1/practices", tag = "practices", request_body = PracticeBody,
    responses((status = 201, body = PracticeDto), (status = 422, body = Problem), (status = 403, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<PracticeBody>,
) -> Result<(StatusCode, Json<PracticeDto>), ApiError> {
    let input = PracticeInput::parse(&body.name, &body.ods_code)?;
    let practice = state.db.create_practice(&p.scope(), &p.actor(), &input).await?;
    Ok((StatusCode::CREATED, Json(practice.into())))
}

/// One practice.
#[utoipa::path(get, operation_id = "getPractice", path = "/api/v1/practices/{id}", tag = "practices", params(("id" = String, Path)),
    responses((status = 200, body = PracticeDto), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<PracticeDto>, ApiError> {
    Ok(Json(state.db.practice(&p.scope(), super::path_id::<PracticeId>(&id)?).await?.into()))
}

/// Change a practice (admins), if it is still at `version`.
#[utoipa::path(put, operation_id = "updatePractice", path = "/api/v1/practices/{id}", tag = "practices", params(("id" = String, Path)), request_body = PracticeUpdate,
    responses((status = 200, body = PracticeDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PracticeUpdate>,
) -> Result<Json<PracticeDto>, ApiError> {
    let id = super::path_id::<PracticeId>(&id)?;
    let input = PracticeInput::parse(&body.name, &body.ods_code)?;
    Ok(Json(state.db.update_practice(&p.scope(), &p.actor(), id, Version(body.version), &input).await?.into()))
}
