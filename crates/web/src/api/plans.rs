//! The care and support plan through the API: the current version and saving a new one.

use crate::input::Path;
use axum::Json;
use axum::extract::State;
use linkwell_domain::plans::{ActionFields, GoalFields, Plan, PlanFields};
use linkwell_domain::time::DateEntry;
use linkwell_store::plans::PlanVersion;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{JsonBody, codes, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use linkwell_app::casework::open_case;

#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    /// 0 when no plan has been saved yet.
    pub version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_by: Option<String>,
    #[schema(value_type = Option<PlanContent>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
}

impl From<Option<PlanVersion>> for PlanDto {
    fn from(v: Option<PlanVersion>) -> Self {
        match v {
            Some(v) => PlanDto {
                version: v.version,
                saved_at: Some(rfc3339(v.saved_at)),
                saved_by: v.saved_by,
                plan: Some(v.plan),
            },
            None => PlanDto { version: 0, saved_at: None, saved_by: None, plan: None },
        }
    }
}

/// A plan's content: what is sent to save one, and what is read back. Dates are ISO 8601.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PlanContent {
    /// What matters to the person, in their words (required).
    pub what_matters: String,
    pub strengths: String,
    #[schema(schema_with = codes::needs)]
    pub needs: Vec<String>,
    pub goals: Vec<GoalContent>,
    pub actions: Vec<ActionContent>,
    /// Self-management tools from the organisation's list.
    pub tools: Vec<String>,
    pub next_review: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct GoalContent {
    pub text: String,
    pub target: Option<String>,
    /// 0 (not started) to 10 (achieved), as the person rates it.
    #[schema(minimum = 0, maximum = 10)]
    pub progress: Option<u8>,
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ActionContent {
    /// Who will do it: the person, the link worker, or someone named.
    pub who: String,
    pub what: String,
    pub by: Option<String>,
    pub done: bool,
}

impl PlanContent {
    /// The plan's fields for the one parser pages use too; dates are ISO 8601 only.
    fn fields(self) -> PlanFields {
        let iso = |raw: Option<String>| DateEntry::Iso(raw.unwrap_or_default());
        let goals = self
            .goals
            .into_iter()
            .take(linkwell_domain::validation::MAX_ROWS + 1)
            .map(|g| GoalFields {
                text: g.text,
                target: iso(g.target),
                progress: g.progress.map(|p| p.to_string()).unwrap_or_default(),
            })
            .collect();
        let actions = self
            .actions
            .into_iter()
            .take(linkwell_domain::validation::MAX_ROWS + 1)
            .map(|a| ActionFields { who: a.who, what: a.what, by: iso(a.by), done: a.done })
            .collect();
        PlanFields {
            what_matters: self.what_matters,
            strengths: self.strengths,
            needs: self.needs,
            goals,
            actions,
            tools: self.tools,
            next_review: iso(self.next_review),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// The version you edited (0 for a first plan); a stale one is refused with 409.
    pub based_on: i64,
    pub plan: PlanContent,
}

/// The current plan.
#[utoipa::path(get, operation_id = "getPlan", path = "/api/v1/referrals/{id}/plan", tag = "plans", params(("id" = String, Path)),
    responses((status = 200, body = PlanDto), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<PlanDto>, ApiError> {
    let r = open_case(&state.db, &p, super::path_id::<linkwell_domain::ids::ReferralId>(&id)?).await?;
    Ok(Json(state.db.current_plan(&p.scope(), r.id).await?.into()))
}

/// Save a new version of the plan; earlier versions are kept.
#[utoipa::path(put, operation_id = "savePlan", path = "/api/v1/referrals/{id}/plan", tag = "plans", params(("id" = String, Path)), request_body = PlanBody,
    responses((status = 200, body = PlanDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<PlanDto>, ApiError> {
    let r = open_case(&state.db, &p, super::path_id::<linkwell_domain::ids::ReferralId>(&id)?).await?;
    let body: PlanBody = body.parse()?;
    let plan = Plan::parse(&body.plan.fields())?;
    let saved = linkwell_app::casework::save_plan(&state.db, &p, &r, body.based_on, &plan).await?;
    Ok(Json(Some(saved).into()))
}

#[derive(Serialize, ToSchema)]
pub struct PlanVersionList {
    /// Every saved version, newest first.
    pub items: Vec<PlanDto>,
}

/// Every version of the plan, newest first: what was agreed, and when it changed.
#[utoipa::path(get, operation_id = "listPlanVersions", path = "/api/v1/referrals/{id}/plan/versions", tag = "plans", params(("id" = String, Path)),
    responses((status = 200, body = PlanVersionList), (status = 404, body = Problem)))]
pub async fn versions(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<PlanVersionList>, ApiError> {
    let r = open_case(&state.db, &p, super::path_id::<linkwell_domain::ids::ReferralId>(&id)?).await?;
    let items = state.db.plan_versions(&p.scope(), r.id).await?.into_iter().map(|v| Some(v).into()).collect();
    Ok(Json(PlanVersionList { items }))
}

/// One version of the plan.
#[utoipa::path(get, operation_id = "getPlanVersion", path = "/api/v1/referrals/{id}/plan/versions/{version}", tag = "plans", params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = PlanDto), (status = 404, body = Problem)))]
pub async fn version(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<PlanDto>, ApiError> {
    let r = open_case(&state.db, &p, super::path_id::<linkwell_domain::ids::ReferralId>(&id)?).await?;
    let version: i64 = super::path_id(&version)?;
    let shown = state.db.plan_versions(&p.scope(), r.id).await?.into_iter().find(|v| v.version == version);
    Ok(Json(Some(shown.ok_or(ApiError::NotFound)?).into()))
}

/// One version of the plan as a PDF for the person to take home: the plan page's
/// "Download as PDF".
#[utoipa::path(get, operation_id = "getPlanVersionPdf", path = "/api/v1/referrals/{id}/plan/versions/{version}/pdf", tag = "plans", params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", body = String, description = "The PDF (binary)"), (status = 404, body = Problem)))]
pub async fn version_pdf(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path((id, version)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let version: i64 = super::path_id(&version)?;
    let doc = linkwell_app::casework::plan_copy(&state.db, &p, super::path_id(&id)?, version).await?;
    Ok(crate::pdf::attachment(&doc, &linkwell_app::casework::plan_copy_filename(version)))
}

/// The discharge summary the practice is sent when the case ends.
#[derive(Serialize, ToSchema)]
pub struct DischargeSummaryDto {
    /// The summary's parts: person, programme, sessions, goals, connections, the reason
    /// and summary of the discharge, and its SNOMED CT codes.
    #[schema(value_type = Object)]
    pub summary: linkwell_domain::discharge::DischargeSummary,
    /// The same summary as plain text, as downloaded from the case page.
    pub text: String,
}

/// The discharge summary of a discharged case (a case still open has none: 404).
#[utoipa::path(get, operation_id = "getDischargeSummary", path = "/api/v1/referrals/{id}/discharge-summary", tag = "referrals", params(("id" = String, Path)),
    responses((status = 200, body = DischargeSummaryDto), (status = 404, body = Problem)))]
pub async fn discharge_summary(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<DischargeSummaryDto>, ApiError> {
    let id = super::path_id::<linkwell_domain::ids::ReferralId>(&id)?;
    let (_, summary) = linkwell_app::casework::summary_of_case(&state.db, &p, id).await?;
    Ok(Json(DischargeSummaryDto { text: summary.to_text(), summary }))
}
