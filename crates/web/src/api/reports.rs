//! Reports through the API: the same report as the page, as JSON — a commissioner's
//! suppressed (`*` for a hidden figure). Audited like a view of the page.

use crate::input::Query;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use linkwell_domain::reporting::filter::ReportFields;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct ReportParams {
    /// The first day (YYYY-MM-DD); empty: the start of the chosen programme's funding
    /// period, else of the financial year.
    pub from: String,
    /// The last day (YYYY-MM-DD); empty: the end of the funding period, else today.
    pub to: String,
    /// A programme id.
    pub programme: String,
    /// A practice id.
    pub practice: String,
    /// A link worker's user id.
    pub worker: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    /// The period and filters, headline figures, tables of counts (with totals) and of
    /// statistics. A suppressed figure is the string `*`.
    #[schema(value_type = Object)]
    pub report: linkwell_app::reports::Report,
}

/// The service's report for a period: activity, waits and outcomes.
///
/// Coordinators see every figure; commissioners see small numbers suppressed, with
/// secondary suppression, and never a person.
#[utoipa::path(get, operation_id = "getReport", path = "/api/v1/reports", tag = "reports", params(ReportParams),
    responses((status = 200, body = ReportDto), (status = 422, body = Problem)))]
pub async fn report(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<ReportParams>,
) -> Result<Json<ReportDto>, ApiError> {
    let fields =
        ReportFields { from: q.from, to: q.to, programme: q.programme, practice: q.practice, worker: q.worker };
    let report = linkwell_app::reports::report(&state.db, &p, &fields, "json").await?;
    Ok(Json(ReportDto { report }))
}
