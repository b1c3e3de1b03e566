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
    let report = linkwell_app::reports::report(&state.db, &p, &fields_of(q), "json").await?;
    Ok(Json(ReportDto { report }))
}

fn fields_of(q: ReportParams) -> ReportFields {
    ReportFields { from: q.from, to: q.to, programme: q.programme, practice: q.practice, worker: q.worker }
}

async fn download(
    state: &AppState,
    p: &linkwell_app::Caller,
    q: ReportParams,
    (extension, content_type): (&'static str, &'static str),
    write: fn(&linkwell_app::reports::Report) -> Result<Vec<u8>, String>,
) -> Result<axum::response::Response, ApiError> {
    let report = linkwell_app::reports::report(&state.db, p, &fields_of(q), extension).await?;
    let body = write(&report).map_err(ApiError::Internal)?;
    let file = format!("linkwell-report-{}-to-{}.{extension}", report.from, report.to);
    Ok(crate::download::attachment(&file, content_type, body))
}

/// The report as CSV: every table under its title, as the page's download.
#[utoipa::path(get, operation_id = "exportReportCsv", path = "/api/v1/reports/export.csv", tag = "reports", params(ReportParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422, body = Problem)))]
pub async fn csv(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<ReportParams>,
) -> Result<axum::response::Response, ApiError> {
    download(&state, &p, q, ("csv", crate::download::CSV), |r| {
        linkwell_app::reports::to_csv(r).map_err(|e| e.to_string())
    })
    .await
}

/// The report as an XLSX workbook, a sheet per table, as the page's download.
#[utoipa::path(get, operation_id = "exportReportXlsx", path = "/api/v1/reports/export.xlsx", tag = "reports", params(ReportParams),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 422, body = Problem)))]
pub async fn xlsx(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<ReportParams>,
) -> Result<axum::response::Response, ApiError> {
    download(&state, &p, q, ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), |r| {
        linkwell_app::reports::to_xlsx(r).map_err(|e| e.to_string())
    })
    .await
}

/// The social prescribing minimum dataset extract, as CSV.
///
/// One row a referral received in the period, pseudonymised: age band, sex, ethnic
/// category, practice, postcode district, referral, support given and each measure's
/// baseline and latest score (the data items of the PRSB Social Prescribing Information
/// Standard). Coordinators only; audited.
#[utoipa::path(get, operation_id = "exportDataset", path = "/api/v1/reports/dataset.csv", tag = "reports", params(ReportParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422, body = Problem)))]
pub async fn dataset(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<ReportParams>,
) -> Result<axum::response::Response, ApiError> {
    let d = linkwell_app::reports::dataset(&state.db, &p, &fields_of(q)).await?;
    let body = d.to_csv().map_err(|e| ApiError::Internal(e.to_string()))?;
    let file = format!("linkwell-dataset-{}-to-{}.csv", d.from, d.to);
    Ok(crate::download::attachment(&file, crate::download::CSV, body))
}
