//! Social prescribing through the API: connecting the person on a case to a listing and
//! following it up, when the person is free, and unmet needs.

use crate::input::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_app::casework::open_case;
use linkwell_app::prescriptions as rx_case;
use linkwell_domain::directory::{
    Audience, OutcomeFields, PrescriptionFields, PrescriptionInput, UnmetNeedFields, UnmetNeedInput, WeekSlot,
};
use linkwell_domain::ids::ReferralId;
use linkwell_domain::referrals::Need;
use linkwell_domain::{PersonId, PrescriptionId, ValidationErrors, Version};
use linkwell_store::directory::{Prescription, UnmetNeed};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, JsonBody, PageQuery, codes, path_id, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct PrescriptionDto {
    pub id: String,
    pub referral_id: String,
    pub person_id: String,
    pub service_id: String,
    pub service_name: String,
    /// When the person was connected (ISO 8601).
    pub date: String,
    #[schema(schema_with = codes::prescription_kind)]
    pub kind: String,
    pub notes: String,
    /// How it went, once recorded (absent until then).
    #[schema(schema_with = codes::prescription_outcome)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    pub outcome_reason: String,
    pub outcome_on: Option<String>,
    /// When to ask how it is going, while that is still to do.
    pub follow_up_due: Option<String>,
    /// Send this back when recording an outcome.
    pub version: i64,
}

impl From<Prescription> for PrescriptionDto {
    fn from(rx: Prescription) -> Self {
        PrescriptionDto {
            id: rx.id.to_string(),
            referral_id: rx.referral_id.to_string(),
            person_id: rx.person_id.to_string(),
            service_id: rx.service_id.to_string(),
            service_name: rx.service_name,
            date: rx.prescribed_on.to_string(),
            kind: rx.kind.code().into(),
            notes: rx.notes,
            outcome: rx.outcome.map(|o| o.code().into()),
            outcome_reason: rx.outcome_reason,
            outcome_on: rx.outcome_on.map(|d| d.to_string()),
            follow_up_due: rx.follow_up_due.map(|d| d.to_string()),
            version: rx.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PrescriptionList {
    pub items: Vec<PrescriptionDto>,
}

/// The case's connections to services, oldest first.
#[utoipa::path(get, operation_id = "listPrescriptions", path = "/api/v1/referrals/{id}/prescriptions", tag = "prescriptions", params(("id" = String, Path)),
    responses((status = 200, body = PrescriptionList), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<PrescriptionList>, ApiError> {
    let r = open_case(&state.db, &p, path_id::<ReferralId>(&id)?).await?;
    let items = state.db.prescriptions_for_referral(&p.scope(), r.id).await?.into_iter().map(Into::into).collect();
    Ok(Json(PrescriptionList { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrescriptionBody {
    /// A listing of `/api/v1/directory/services` that is running and not full.
    pub service_id: String,
    /// When they were connected (ISO 8601, today or earlier); today if absent.
    #[serde(default)]
    pub date: Option<String>,
    #[schema(schema_with = codes::prescription_kind)]
    pub kind: String,
    #[serde(default)]
    pub notes: String,
}

/// Record that the person on this open case was connected to a listing.
#[utoipa::path(post, operation_id = "createPrescription", path = "/api/v1/referrals/{id}/prescriptions", tag = "prescriptions", params(("id" = String, Path)), request_body = PrescriptionBody,
    responses((status = 201, body = PrescriptionDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<PrescriptionDto>), ApiError> {
    let referral = open_case(&state.db, &p, path_id::<ReferralId>(&id)?).await?;
    let body: PrescriptionBody = body.parse()?;
    let date = linkwell_domain::time::DateEntry::Iso(body.date.unwrap_or_default());
    let fields = PrescriptionFields { service_id: body.service_id, date, kind: body.kind, notes: body.notes };
    let input = PrescriptionInput::parse(&fields, linkwell_app::today())?;
    let rx = rx_case::prescribe(&state.db, &p, &referral, &input, &state.config.public_url).await?;
    Ok((StatusCode::CREATED, Json(rx.into())))
}

/// One connection to a service.
#[utoipa::path(get, operation_id = "getPrescription", path = "/api/v1/prescriptions/{id}", tag = "prescriptions", params(("id" = String, Path)),
    responses((status = 200, body = PrescriptionDto), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<PrescriptionDto>, ApiError> {
    let (rx, _) = rx_case::open_prescription(&state.db, &p, path_id::<PrescriptionId>(&id)?).await?;
    Ok(Json(rx.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrescriptionOutcomeBody {
    #[schema(schema_with = codes::prescription_outcome)]
    pub outcome: String,
    /// Why, when they did not start.
    #[serde(default)]
    pub reason: String,
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
}

/// Record how it is going: started, still going, finished, or did not start (with why).
#[utoipa::path(post, operation_id = "recordPrescriptionOutcome", path = "/api/v1/prescriptions/{id}/outcome", tag = "prescriptions", params(("id" = String, Path)), request_body = PrescriptionOutcomeBody,
    responses((status = 200, body = PrescriptionDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn outcome(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<PrescriptionDto>, ApiError> {
    let (rx, _) = rx_case::open_prescription(&state.db, &p, path_id::<PrescriptionId>(&id)?).await?;
    let body: PrescriptionOutcomeBody = body.parse()?;
    let (outcome, reason) = OutcomeFields { outcome: body.outcome, reason: body.reason }.parse()?;
    Ok(Json(rx_case::record_outcome(&state.db, &p, &rx, Version(body.version), outcome, &reason).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreeTimesBody {
    /// The parts of the week they are free, like `tu-morning`; suggestions are matched
    /// against them.
    #[schema(schema_with = codes::week_slots)]
    pub free: Vec<String>,
    /// What applies to them that some listings are only for (`new_parents`, `carers`,
    /// `bereaved`, `veterans`), replacing what was recorded; left out, it is kept.
    #[serde(default)]
    #[schema(schema_with = codes::circumstances)]
    pub circumstances: Option<Vec<String>>,
    /// The person's version you read; a stale one is refused with 409.
    pub version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FreeTimesDto {
    #[schema(schema_with = codes::week_slots)]
    pub free: Vec<String>,
    #[schema(schema_with = codes::circumstances)]
    pub circumstances: Vec<String>,
    /// The person's record's version now.
    pub version: i64,
}

/// Record when the person is free and what applies to them (replacing what was recorded).
#[utoipa::path(put, operation_id = "setFreeTimes", path = "/api/v1/people/{id}/free-times", tag = "prescriptions", params(("id" = String, Path)), request_body = FreeTimesBody,
    responses((status = 200, body = FreeTimesDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_free_times(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<FreeTimesDto>, ApiError> {
    let person = linkwell_app::casework::open_person(&state.db, &p, path_id::<PersonId>(&id)?).await?;
    let body: FreeTimesBody = body.parse()?;
    let slots = WeekSlot::parse_set("free", &body.free)?;
    let circumstances = body.circumstances.as_deref().map(Audience::parse_circumstances).transpose()?;
    let saved =
        rx_case::set_free_times(&state.db, &p, &person, Version(body.version), &slots, circumstances.as_ref()).await?;
    Ok(Json(FreeTimesDto {
        free: saved.free_times.iter().map(|s| s.code()).collect(),
        circumstances: saved.circumstances.iter().map(|c| c.code().to_owned()).collect(),
        version: saved.version,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UnmetNeedDto {
    pub id: String,
    #[schema(schema_with = codes::need)]
    pub need: String,
    /// A postcode district or a place name.
    pub area: String,
    pub notes: String,
    /// The case it came up in: given back to whoever recorded it, and never listed (the
    /// list is the organisation's, its cases are not everyone's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<String>,
    pub recorded_by: Option<String>,
    pub recorded_at: String,
}

impl From<UnmetNeed> for UnmetNeedDto {
    fn from(u: UnmetNeed) -> Self {
        UnmetNeedDto {
            id: u.id.to_string(),
            need: u.need.code().into(),
            area: u.area,
            notes: u.notes,
            referral_id: u.referral_id.map(|r| r.to_string()),
            recorded_by: u.recorded_by,
            recorded_at: rfc3339(u.recorded_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnmetNeedPage {
    pub items: Vec<UnmetNeedDto>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct UnmetQuery {
    /// Only this need.
    #[param(schema_with = codes::need)]
    pub need: Option<String>,
}

/// Needs nothing in the directory met, newest first: the gaps to tell commissioners about.
#[utoipa::path(get, operation_id = "listUnmetNeeds", path = "/api/v1/unmet-needs", tag = "prescriptions", params(UnmetQuery, PageQuery),
    responses((status = 200, body = UnmetNeedPage), (status = 422, body = Problem)))]
pub async fn unmet_needs(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<UnmetQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<UnmetNeedPage>, ApiError> {
    let need = match q.need.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(Need::parse(raw).map_err(|m| ValidationErrors::single("need", m))?),
    };
    let before = match page.cursor.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<linkwell_domain::ids::UnmetNeedId>()
                .map_err(|_| ValidationErrors::single("cursor", "cursor must be a next_cursor from a previous page"))?
                .to_string(),
        ),
    };
    let limit = page.limit()?;
    let list = state.db.unmet_needs(&p.scope(), need, before.as_deref(), limit).await?;
    let next_cursor = (list.len() == limit).then(|| list.last().map(|u| u.id.to_string())).flatten();
    let items = list.into_iter().map(|u| UnmetNeedDto { referral_id: None, ..u.into() }).collect();
    Ok(Json(UnmetNeedPage { items, next_cursor }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnmetNeedBody {
    #[schema(schema_with = codes::need)]
    pub need: String,
    /// A postcode district (a full postcode is cut to its district) or a place name.
    pub area: String,
    #[serde(default)]
    pub notes: String,
    /// The case it came up in, if any (one you work).
    #[serde(default)]
    pub referral_id: Option<String>,
}

/// Record a need nothing in the directory meets.
#[utoipa::path(post, operation_id = "recordUnmetNeed", path = "/api/v1/unmet-needs", tag = "prescriptions", request_body = UnmetNeedBody,
    responses((status = 201, body = UnmetNeedDto), (status = 422, body = Problem)))]
pub async fn record_unmet_need(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<UnmetNeedBody>,
) -> Result<(StatusCode, Json<UnmetNeedDto>), ApiError> {
    let mut e = ValidationErrors::new();
    let referral = match body.referral_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => {
            e.check("referral_id", raw.parse::<ReferralId>().map_err(|_| "referral_id must be a referral's id"))
        }
    };
    let input = UnmetNeedInput::parse(&UnmetNeedFields { need: body.need, area: body.area, notes: body.notes })
        .map_err(|err| e.errors.extend(err.errors))
        .ok();
    let Some(input) = input.filter(|_| e.is_empty()) else { return Err(e.into()) };
    // A case that is not the caller's to work is named as the field it came in.
    let saved = rx_case::record_unmet_need(&state.db, &p, referral, &input).await.map_err(|err| match err {
        linkwell_app::casework::CaseError::NotFound | linkwell_app::casework::CaseError::NotYours => {
            ApiError::Invalid(ValidationErrors::single("referral_id", "No case of yours has that id"))
        }
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}
