use crate::input::Query;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{MAX_LIMIT, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use linkwell_app::audit::{self, AuditFilterFields};
use linkwell_domain::time::DateEntry;

#[derive(Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub seq: i64,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_user_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct AuditParams {
    /// An action name, such as `sign_in` or `user_created`.
    pub action: String,
    /// A user id.
    pub user: String,
    pub entity_type: String,
    pub entity_id: String,
    /// A London date, YYYY-MM-DD (inclusive).
    pub from: String,
    pub to: String,
}

/// The audit trail, newest first (admins).
#[utoipa::path(get, operation_id = "listAuditEntries", path = "/api/v1/audit", tag = "audit", params(AuditParams, super::PageQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<AuditParams>,
    Query(page): Query<super::PageQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = page.limit()?;
    let fields = AuditFilterFields {
        action: &q.action,
        user: &q.user,
        email: "",
        entity_type: &q.entity_type,
        entity_id: &q.entity_id,
        from: DateEntry::Iso(q.from.clone()),
        to: DateEntry::Iso(q.to.clone()),
    };
    let cursor = page.cursor.as_deref().unwrap_or("");
    let page = audit::trail(&state.db, &p.scope(), &fields, cursor, "cursor", limit.min(MAX_LIMIT)).await?;
    Ok(Json(AuditPage {
        items: page
            .items
            .into_iter()
            .map(|e| AuditEntryDto {
                seq: e.seq,
                at: rfc3339(e.at_ms),
                actor_user_id: e.actor_user_id,
                action: e.action,
                entity_type: e.entity_type,
                entity_id: e.entity_id,
                request_id: e.request_id,
                detail: e.detail,
                hash: e.hash,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}
