//! The staff directory through the API: the organisations that run listings, listings
//! added, changed, paused, closed, reopened, checked and given dates off, the listings due
//! a check, and the CSV sheet in and out. The directory's public read API is the Open
//! Referral UK feed; this is the side for those who keep the directory.

use crate::input::{Path, Query};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use linkwell_app::directory::{csv, listings};
use linkwell_domain::directory::{
    ClosureFields, Cost, PauseFields, ProviderFields, ProviderInput, ScheduleFields, ServiceFields, ServiceInput,
    ServiceStatus, Term, check_note, date_off_note,
};
use linkwell_domain::{ProviderId, ServiceId, ValidationErrors, Version};
use linkwell_store::directory::{Provider, Service, ServiceFilter, ServiceSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, JsonBody, PageQuery, codes, iso_date, path_id, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// The version a change is based on: required, so a client cannot overwrite blindly.
fn required_version(v: Option<i64>) -> Result<Version, ValidationErrors> {
    v.map(Version).ok_or_else(|| ValidationErrors::single("version", "version is required: send the version you read"))
}

// ---------------------------------------------------------------- providers

#[derive(Serialize, ToSchema)]
pub struct ProviderDto {
    pub id: String,
    pub name: String,
    #[schema(schema_with = codes::provider_kind)]
    pub kind: String,
    pub description: String,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Where an imported record came from; empty when entered here.
    pub source: String,
    /// Send this back when changing it.
    pub version: i64,
    pub updated_at: String,
}

impl From<Provider> for ProviderDto {
    fn from(p: Provider) -> Self {
        ProviderDto {
            id: p.id.to_string(),
            name: p.name,
            kind: p.kind.code().into(),
            description: p.description,
            website: p.website,
            email: p.email,
            phone: p.phone,
            source: p.source,
            version: p.version,
            updated_at: rfc3339(p.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProviderList {
    pub items: Vec<ProviderDto>,
}

/// An organisation that runs listings, as sent.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ProviderBody {
    pub name: String,
    #[schema(schema_with = codes::provider_kind)]
    pub kind: String,
    pub description: String,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Required when changing one: the version you read; a stale one is refused with 409.
    pub version: Option<i64>,
}

impl ProviderBody {
    fn input(&self) -> Result<ProviderInput, ValidationErrors> {
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        ProviderInput::parse(&ProviderFields {
            name: self.name.clone(),
            kind: self.kind.clone(),
            description: self.description.clone(),
            website: text(&self.website),
            email: text(&self.email),
            phone: text(&self.phone),
        })
    }
}

/// The organisations that run listings, by name.
#[utoipa::path(get, operation_id = "listProviders", path = "/api/v1/directory/providers", tag = "directory",
    responses((status = 200, body = ProviderList)))]
pub async fn providers(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<ProviderList>, ApiError> {
    let items = state.db.providers(&p.scope()).await?.into_iter().map(Into::into).collect();
    Ok(Json(ProviderList { items }))
}

/// One organisation that runs listings.
#[utoipa::path(get, operation_id = "getProvider", path = "/api/v1/directory/providers/{id}", tag = "directory", params(("id" = String, Path)),
    responses((status = 200, body = ProviderDto), (status = 404, body = Problem)))]
pub async fn provider(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<ProviderDto>, ApiError> {
    Ok(Json(state.db.provider(&p.scope(), path_id::<ProviderId>(&id)?).await?.into()))
}

/// Add an organisation that runs listings.
#[utoipa::path(post, operation_id = "createProvider", path = "/api/v1/directory/providers", tag = "directory", request_body = ProviderBody,
    responses((status = 201, body = ProviderDto), (status = 422, body = Problem)))]
pub async fn create_provider(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<ProviderBody>,
) -> Result<(StatusCode, Json<ProviderDto>), ApiError> {
    let saved = listings::add_provider(&state.db, &p, &body.input()?).await?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}

/// Change an organisation, if it is still at `version`. Its listings are re-indexed.
#[utoipa::path(put, operation_id = "updateProvider", path = "/api/v1/directory/providers/{id}", tag = "directory", params(("id" = String, Path)), request_body = ProviderBody,
    responses((status = 200, body = ProviderDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_provider(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ProviderDto>, ApiError> {
    let provider = state.db.provider(&p.scope(), path_id::<ProviderId>(&id)?).await?;
    let body: ProviderBody = body.parse()?;
    let version = required_version(body.version)?;
    let input = body.input()?;
    Ok(Json(listings::change_provider(&state.db, &state.search, &p, provider.id, version, &input).await?.into()))
}

// ---------------------------------------------------------------- listings

/// Where a listing meets.
#[derive(Serialize, ToSchema)]
pub struct LocationDto {
    pub id: String,
    pub name: String,
    pub address: String,
    pub town: String,
    pub postcode: Option<String>,
    /// From the postcode directory; absent when the postcode is not in it.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// When a listing runs.
#[derive(Serialize, ToSchema)]
pub struct ScheduleDto {
    /// The recurrence as an RFC 5545 RRULE, like `FREQ=WEEKLY;BYDAY=TU`.
    pub rule: String,
    /// The first date of the series (ISO 8601).
    pub starts: String,
    /// Local London time, `HH:MM`.
    pub opens: String,
    pub closes: String,
    pub description: String,
    /// In words: "Every Tuesday, 10am to 11:30am".
    pub summary: String,
}

/// A date a listing does not run.
#[derive(Serialize, ToSchema)]
pub struct DateOffDto {
    pub date: String,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceDto {
    pub id: String,
    pub provider_id: String,
    pub provider_name: String,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub contact_name: String,
    pub minimum_age: Option<u8>,
    pub maximum_age: Option<u8>,
    pub eligibility: String,
    #[schema(schema_with = codes::cost)]
    pub cost: String,
    /// When it costs something and the amount is known.
    pub cost_pence: Option<u32>,
    pub cost_description: String,
    pub wheelchair: bool,
    pub accessibility: String,
    pub languages: Vec<String>,
    #[schema(schema_with = codes::needs)]
    pub needs: Vec<String>,
    #[schema(schema_with = codes::activities)]
    pub activities: Vec<String>,
    /// Who it is only for (every one must apply); empty for anyone.
    #[schema(schema_with = codes::audiences)]
    pub audiences: Vec<String>,
    pub capacity: Option<u32>,
    pub full: bool,
    #[schema(schema_with = codes::service_status)]
    pub status: String,
    /// When paused: the date it is expected back, if known.
    pub restart: Option<String>,
    /// When closed: why.
    pub closed_reason: Option<String>,
    /// The date someone last checked it runs as described.
    pub last_verified: Option<String>,
    /// Where an imported listing came from; empty when entered here.
    pub source: String,
    /// Send this back when changing it.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub locations: Vec<LocationDto>,
    pub schedules: Vec<ScheduleDto>,
    pub dates_off: Vec<DateOffDto>,
}

impl From<Service> for ServiceDto {
    fn from(s: Service) -> Self {
        let (cost, cost_pence, cost_description) = match s.cost {
            Cost::Free => ("free", None, String::new()),
            Cost::Paid { pence, description } => ("paid", pence, description),
        };
        let codes =
            |taxonomy| s.terms.iter().filter(|t| t.taxonomy() == taxonomy).map(|t| t.code().to_owned()).collect();
        let (restart, closed_reason) = match &s.status {
            ServiceStatus::Paused { restart } => (restart.map(|d| d.to_string()), None),
            ServiceStatus::Closed { reason } => (None, Some(reason.clone())),
            ServiceStatus::Active => (None, None),
        };
        ServiceDto {
            id: s.id.to_string(),
            provider_id: s.provider_id.to_string(),
            needs: codes(linkwell_domain::directory::Taxonomy::Needs),
            activities: codes(linkwell_domain::directory::Taxonomy::Activities),
            audiences: codes(linkwell_domain::directory::Taxonomy::Audiences),
            provider_name: s.provider_name,
            name: s.name,
            description: s.description,
            url: s.url,
            email: s.email,
            phone: s.phone,
            contact_name: s.contact_name,
            minimum_age: s.minimum_age,
            maximum_age: s.maximum_age,
            eligibility: s.eligibility,
            cost: cost.into(),
            cost_pence,
            cost_description,
            wheelchair: s.wheelchair,
            accessibility: s.accessibility,
            languages: s.languages,
            capacity: s.capacity,
            full: s.full,
            status: s.status.code().into(),
            restart,
            closed_reason,
            last_verified: s.last_verified.map(|d| d.to_string()),
            source: s.source,
            version: s.version,
            created_at: rfc3339(s.created_at),
            updated_at: rfc3339(s.updated_at),
            locations: s
                .locations
                .into_iter()
                .map(|l| LocationDto {
                    id: l.id.to_string(),
                    name: l.name,
                    address: l.address,
                    town: l.town,
                    postcode: l.postcode,
                    latitude: l.point.map(|p| p.lat()),
                    longitude: l.point.map(|p| p.lon()),
                })
                .collect(),
            schedules: s
                .schedules
                .into_iter()
                .map(|x| ScheduleDto {
                    rule: x.schedule.recurrence.to_string(),
                    starts: x.schedule.dtstart.to_string(),
                    opens: x.schedule.opens_at.strftime("%H:%M").to_string(),
                    closes: x.schedule.closes_at.strftime("%H:%M").to_string(),
                    summary: x.schedule.summary(),
                    description: x.schedule.description,
                })
                .collect(),
            dates_off: s
                .exceptions
                .into_iter()
                .map(|e| DateOffDto { date: e.date.to_string(), note: e.note })
                .collect(),
        }
    }
}

/// A listing in a list.
#[derive(Serialize, ToSchema)]
pub struct ServiceSummaryDto {
    pub id: String,
    pub name: String,
    pub provider_name: String,
    #[schema(schema_with = codes::service_status)]
    pub status: String,
    pub last_verified: Option<String>,
    pub updated_at: String,
}

impl From<&ServiceSummary> for ServiceSummaryDto {
    fn from(s: &ServiceSummary) -> Self {
        ServiceSummaryDto {
            id: s.id.to_string(),
            name: s.name.clone(),
            provider_name: s.provider_name.clone(),
            status: s.status.code().into(),
            last_verified: s.last_verified.map(|d| d.to_string()),
            updated_at: rfc3339(s.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ServicePage {
    pub items: Vec<ServiceSummaryDto>,
    /// How many listings match.
    pub total: u64,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `?provider_id=&need=&activity=` with the page.
#[derive(Deserialize, IntoParams)]
pub struct ServiceQuery {
    /// Only this organisation's listings.
    pub provider_id: Option<String>,
    /// Only listings that meet this need.
    #[param(schema_with = codes::need)]
    pub need: Option<String>,
    /// Only listings of this activity type.
    #[param(schema_with = codes::activity)]
    pub activity: Option<String>,
}

impl ServiceQuery {
    /// The list's filter, each bad parameter named in `e`.
    fn filter(&self, e: &mut ValidationErrors) -> Option<ServiceFilter> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let provider_id = given(&self.provider_id).map(|raw| {
            e.check("provider_id", raw.parse::<ProviderId>().map_err(|_| "provider_id must be an organisation's id"))
        });
        let need = given(&self.need).map(|raw| e.check("need", linkwell_domain::referrals::Need::parse(&raw)));
        let activity =
            given(&self.activity).map(|raw| e.check("activity", linkwell_domain::directory::ActivityType::parse(&raw)));
        if need.is_some() && activity.is_some() {
            e.add("activity", "Filter by a need or an activity, not both");
        }
        let term = need.flatten().map(Term::Need).or(activity.flatten().map(Term::Activity));
        e.is_empty().then(|| ServiceFilter { provider_id: provider_id.flatten(), term, ..Default::default() })
    }
}

/// A listing's time row, as sent: a weekly, fortnightly or monthly day, or an RRULE.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleBody {
    /// An RFC 5545 RRULE (`FREQ=WEEKLY;BYDAY=TU`), instead of `repeat`, `day` and `week`.
    pub rule: Option<String>,
    /// `weekly`, `fortnightly` or `monthly`.
    pub repeat: Option<String>,
    /// `MO` to `SU`.
    pub day: Option<String>,
    /// For monthly: 1 to 4, or -1 for the last.
    pub week: Option<i8>,
    /// The first date (ISO 8601); today if absent.
    pub starts: Option<String>,
    /// `HH:MM`, London time.
    pub opens: String,
    pub closes: String,
    pub description: String,
}

/// Where a listing meets, as sent.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LocationBody {
    pub name: String,
    pub address: String,
    pub town: String,
    pub postcode: String,
}

/// A listing as sent.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceBody {
    /// The organisation that runs it (one of `/api/v1/directory/providers`).
    pub provider_id: String,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub contact_name: String,
    pub minimum_age: Option<u8>,
    pub maximum_age: Option<u8>,
    /// Other criteria in words ("for carers").
    pub eligibility: String,
    #[schema(schema_with = codes::cost)]
    pub cost: String,
    /// When it costs something, the amount in pence, if known.
    pub cost_pence: Option<u32>,
    /// When it costs something: what for ("per session").
    pub cost_description: String,
    pub wheelchair: bool,
    pub accessibility: String,
    pub languages: Vec<String>,
    /// At least one need or activity.
    #[schema(schema_with = codes::needs)]
    pub needs: Vec<String>,
    #[schema(schema_with = codes::activities)]
    pub activities: Vec<String>,
    /// Who it is only for (every one must apply); empty for anyone.
    #[schema(schema_with = codes::audiences)]
    pub audiences: Vec<String>,
    pub capacity: Option<u32>,
    pub full: bool,
    pub location: Option<LocationBody>,
    pub schedules: Vec<ScheduleBody>,
    /// Required when changing one: the version you read; a stale one is refused with 409.
    pub version: Option<i64>,
}

impl ServiceBody {
    /// The form's fields: one parser for pages, the API and imports.
    fn fields(&self) -> Result<ServiceFields, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        let mut schedules = Vec::with_capacity(self.schedules.len().min(linkwell_domain::validation::MAX_ROWS));
        for s in self.schedules.iter().take(linkwell_domain::validation::MAX_ROWS + 1) {
            let starts = linkwell_domain::time::DateEntry::Iso(text(&s.starts));
            schedules.push(ScheduleFields {
                rule: text(&s.rule),
                repeat: text(&s.repeat),
                day: text(&s.day),
                week: s.week.map(|w| w.to_string()).unwrap_or_default(),
                starts,
                opens: s.opens.clone(),
                closes: s.closes.clone(),
                description: s.description.clone(),
            });
        }
        let place = self.location.as_ref();
        let fields = ServiceFields {
            provider_id: self.provider_id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            url: text(&self.url),
            email: text(&self.email),
            phone: text(&self.phone),
            contact_name: self.contact_name.clone(),
            minimum_age: number(self.minimum_age.map(u32::from)),
            maximum_age: number(self.maximum_age.map(u32::from)),
            eligibility: self.eligibility.clone(),
            cost: self.cost.clone(),
            cost_amount: self.cost_pence.map(|p| format!("{}.{:02}", p / 100, p % 100)).unwrap_or_default(),
            cost_description: self.cost_description.clone(),
            wheelchair: self.wheelchair,
            accessibility: self.accessibility.clone(),
            languages: self.languages.join(", "),
            needs: self.needs.clone(),
            activities: self.activities.clone(),
            audiences: self.audiences.clone(),
            capacity: number(self.capacity),
            full: self.full,
            location_name: place.map(|l| l.name.clone()).unwrap_or_default(),
            address: place.map(|l| l.address.clone()).unwrap_or_default(),
            town: place.map(|l| l.town.clone()).unwrap_or_default(),
            postcode: place.map(|l| l.postcode.clone()).unwrap_or_default(),
            schedules,
        };
        if self.languages.iter().any(|l| l.contains([',', ';', '\n'])) {
            e.add("languages", "Send each language as its own item, like [\"English\", \"Urdu\"]");
        }
        if e.is_empty() { Ok(fields) } else { Err(e) }
    }

    /// Checked, with each error named as the API names the field.
    async fn input(&self, state: &AppState, scope: &linkwell_store::OrgScope) -> Result<ServiceInput, ApiError> {
        let fields = self.fields()?;
        listings::parse_listing(&state.db, scope, &fields).await.map_err(|e| match e {
            linkwell_app::casework::CaseError::Invalid(e) => ApiError::Invalid(e.renamed(&[
                ("cost_amount", "cost_pence"),
                ("location_name", "location.name"),
                ("address", "location.address"),
                ("town", "location.town"),
                ("postcode", "location.postcode"),
            ])),
            other => other.into(),
        })
    }
}

/// The organisation's listings by name, a page at a time, optionally of one organisation,
/// need or activity. (Searching by words, times and distance is the directory page's; the
/// public Open Referral UK feed has the listings on offer.)
#[utoipa::path(get, operation_id = "listServices", path = "/api/v1/directory/services", tag = "directory", params(ServiceQuery, PageQuery),
    responses((status = 200, body = ServicePage), (status = 422, body = Problem)))]
pub async fn services(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<ServiceQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<ServicePage>, ApiError> {
    let mut e = ValidationErrors::new();
    let filter = q.filter(&mut e);
    // A cursor is an offset into the list: bounded, so it can neither overflow nor be negative.
    let offset = match page.cursor.as_deref() {
        None | Some("") => 0,
        Some(raw) => e
            .check("cursor", raw.parse::<u32>().map_err(|_| "cursor must be a next_cursor from a previous page"))
            .map_or(0, u64::from),
    };
    let limit = page.limit()? as u64;
    let Some(filter) = filter.filter(|_| e.is_empty()) else { return Err(e.into()) };
    let (list, total) = state.db.services_page(&p.scope(), &filter, offset, limit).await?;
    let next = offset.saturating_add(list.len() as u64);
    Ok(Json(ServicePage {
        items: list.iter().map(Into::into).collect(),
        total,
        next_cursor: (next < total && !list.is_empty()).then(|| next.to_string()),
    }))
}

/// One listing with its places, times and dates off.
#[utoipa::path(get, operation_id = "getService", path = "/api/v1/directory/services/{id}", tag = "directory", params(("id" = String, Path)),
    responses((status = 200, body = ServiceDto), (status = 404, body = Problem)))]
pub async fn service(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<ServiceDto>, ApiError> {
    Ok(Json(state.db.service(&p.scope(), path_id::<ServiceId>(&id)?).await?.into()))
}

/// Add a listing. It starts running, and checked today.
#[utoipa::path(post, operation_id = "createService", path = "/api/v1/directory/services", tag = "directory", request_body = ServiceBody,
    responses((status = 201, body = ServiceDto), (status = 422, body = Problem)))]
pub async fn create_service(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<ServiceBody>,
) -> Result<(StatusCode, Json<ServiceDto>), ApiError> {
    let input = body.input(&state, &p.scope()).await?;
    let saved = listings::add_listing(&state.db, &state.search, &p, &input).await?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}

/// Change a listing, if it is still at `version`. Its status and dates off stay as they are.
#[utoipa::path(put, operation_id = "updateService", path = "/api/v1/directory/services/{id}", tag = "directory", params(("id" = String, Path)), request_body = ServiceBody,
    responses((status = 200, body = ServiceDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_service(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ServiceDto>, ApiError> {
    let s = state.db.service(&p.scope(), path_id::<ServiceId>(&id)?).await?;
    let body: ServiceBody = body.parse()?;
    let version = required_version(body.version)?;
    let input = body.input(&state, &p.scope()).await?;
    Ok(Json(listings::change_listing(&state.db, &state.search, &p, s.id, version, &input).await?.into()))
}

/// A listing's status, as sent.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `active` (running again), `paused` or `closed`.
    #[schema(schema_with = codes::service_status)]
    pub status: String,
    /// When pausing: the date it is expected back (ISO 8601, in the future), if known.
    #[serde(default)]
    pub restart: Option<String>,
    /// When pausing: a note for its history.
    #[serde(default)]
    pub note: String,
    /// When closing: why (required).
    #[serde(default)]
    pub reason: String,
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
}

/// Pause, close or reopen a listing. A listing that is not running is never offered.
#[utoipa::path(post, operation_id = "setServiceStatus", path = "/api/v1/directory/services/{id}/status", tag = "directory", params(("id" = String, Path)), request_body = StatusBody,
    responses((status = 200, body = ServiceDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ServiceDto>, ApiError> {
    let s = state.db.service(&p.scope(), path_id::<ServiceId>(&id)?).await?;
    let body: StatusBody = body.parse()?;
    let (status, note) = match body.status.trim() {
        "active" => (ServiceStatus::Active, String::new()),
        "paused" => {
            let restart = linkwell_domain::time::DateEntry::Iso(body.restart.clone().unwrap_or_default());
            let (restart, note) = PauseFields { restart, note: body.note.clone() }.parse(linkwell_app::today())?;
            (ServiceStatus::Paused { restart }, note)
        }
        "closed" => {
            (ServiceStatus::Closed { reason: ClosureFields { reason: body.reason.clone() }.parse()? }, String::new())
        }
        _ => return Err(ValidationErrors::single("status", "status must be active, paused or closed").into()),
    };
    let saved = listings::set_status(&state.db, &state.search, &p, s.id, Version(body.version), &status, &note).await?;
    Ok(Json(saved.into()))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct VerifyBody {
    /// What was checked, for its history.
    pub note: String,
}

/// Record that someone checked today that the listing runs as described.
#[utoipa::path(post, operation_id = "verifyService", path = "/api/v1/directory/services/{id}/verify", tag = "directory", params(("id" = String, Path)), request_body = VerifyBody,
    responses((status = 200, body = ServiceDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ServiceDto>, ApiError> {
    let s = state.db.service(&p.scope(), path_id::<ServiceId>(&id)?).await?;
    let body: VerifyBody = body.parse()?;
    let note = check_note(&body.note).map_err(|m| ValidationErrors::single("note", m))?;
    Ok(Json(listings::verify(&state.db, &state.search, &p, s.id, &note).await?.into()))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DateOffBody {
    /// Why it is not running ("bank holiday"), shown to people.
    pub note: String,
}

/// A date the listing does not run (ISO 8601 in the path). Setting it again changes the note.
#[utoipa::path(put, operation_id = "setServiceDateOff", path = "/api/v1/directory/services/{id}/dates-off/{date}", tag = "directory", params(("id" = String, Path), ("date" = String, Path)), request_body = DateOffBody,
    responses((status = 200, body = ServiceDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_date_off(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path((id, date)): Path<(String, String)>,
    body: JsonBody,
) -> Result<Json<ServiceDto>, ApiError> {
    let s = state.db.service(&p.scope(), path_id::<ServiceId>(&id)?).await?;
    let body: DateOffBody = body.parse()?;
    let mut e = ValidationErrors::new();
    let date = e.check("date", iso_date(&date).map_err(|_| "The date in the address must be like 2027-01-31"));
    let note = e.check("note", date_off_note(&body.note));
    let (Some(date), Some(note)) = (date, note) else { return Err(e.into()) };
    Ok(Json(listings::set_date_off(&state.db, &state.search, &p, s.id, date, Some(&note)).await?.into()))
}

/// The listing runs on this date after all. Removing a date off it does not have changes
/// nothing (the request is idempotent).
#[utoipa::path(delete, operation_id = "removeServiceDateOff", path = "/api/v1/directory/services/{id}/dates-off/{date}", tag = "directory", params(("id" = String, Path), ("date" = String, Path)),
    responses((status = 200, body = ServiceDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn remove_date_off(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path((id, date)): Path<(String, String)>,
) -> Result<Json<ServiceDto>, ApiError> {
    let s = state.db.service(&p.scope(), path_id::<ServiceId>(&id)?).await?;
    let date = iso_date(&date).map_err(|m| ValidationErrors::single("date", m))?;
    Ok(Json(listings::set_date_off(&state.db, &state.search, &p, s.id, date, None).await?.into()))
}

/// A listing someone should check, and why.
#[derive(Serialize, ToSchema)]
pub struct ToCheckDto {
    #[serde(flatten)]
    pub listing: ServiceSummaryDto,
    #[schema(schema_with = codes::check_reason)]
    pub why: String,
}

#[derive(Serialize, ToSchema)]
pub struct ToCheckList {
    pub items: Vec<ToCheckDto>,
    /// How many are due, of which `items` has the first 200 (never checked, then the oldest).
    pub total: u64,
}

/// The listings due a check: not checked for six months, or past their restart date.
#[utoipa::path(get, operation_id = "listServicesToCheck", path = "/api/v1/directory/to-check", tag = "directory",
    responses((status = 200, body = ToCheckList)))]
pub async fn to_check(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<ToCheckList>, ApiError> {
    let (list, total) = listings::to_check(&state.db, &p.scope()).await?;
    let items = list.iter().map(|(s, why)| ToCheckDto { listing: s.into(), why: why.code().into() }).collect();
    Ok(Json(ToCheckList { items, total }))
}

fn csv_body(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response()
}

/// Every listing as CSV, a row per time it runs: the same columns the import reads.
#[utoipa::path(get, operation_id = "exportServicesCsv", path = "/api/v1/directory/services.csv", tag = "directory",
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn export_csv(State(state): State<AppState>, Signed(p): Signed) -> Result<Response, ApiError> {
    Ok(csv_body(csv::export(&state.db, &p.scope()).await?))
}

#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
}

/// Import listings from CSV (`Content-Type: text/csv`, the export's columns): all or
/// nothing. A sheet with problems changes nothing and is answered 422, each problem by
/// line and column under `file`.
#[utoipa::path(post, operation_id = "importServicesCsv", path = "/api/v1/directory/services.csv", tag = "directory", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 422, body = Problem)))]
pub async fn import_csv(
    State(state): State<AppState>,
    Signed(p): Signed,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    let is_csv =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/csv"));
    if !is_csv {
        return Err(ValidationErrors::single("body", "Send the sheet as CSV with Content-Type: text/csv").into());
    }
    let data = body.map_err(|_| ValidationErrors::single("body", "The body could not be read (too large?)"))?;
    if data.is_empty() {
        return Err(ValidationErrors::single("file", "The sheet is empty: send the CSV file's contents").into());
    }
    let report = listings::import_sheet(&state.db, &state.search, &p, &data).await?;
    if !report.errors.is_empty() {
        return Err(csv::as_errors(&report).into());
    }
    Ok(Json(ImportReport { created: report.created, updated: report.updated }))
}
