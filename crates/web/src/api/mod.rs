//! The JSON API under `/api/v1/`, described by the OpenAPI document at
//! `/api/v1/openapi.json` (generated from these handlers by utoipa).
//!
//! Conventions: token authentication (`Authorization: Bearer lw_…`); lists are
//! cursor-paginated (`limit`, `cursor` → `next_cursor`); errors are RFC 9457 problem
//! details naming the bad fields; updates carry the record's `version` and a stale one is
//! answered 409.

pub mod audit;
pub mod codes;
pub mod diary;
pub mod directory;
pub mod group_feedback;
pub mod groups;
pub mod home;
pub mod me;
pub mod organisation;
pub mod outcomes;
pub mod people;
pub mod plans;
pub mod practices;
pub mod prescriptions;
pub mod programmes;
pub mod referrals;
pub mod registers;
pub mod reports;
pub mod sessions;
pub mod settings;
pub mod timeline;
pub mod users;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use linkwell_domain::ValidationErrors;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::error::{ApiError, Problem, ProblemField};

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

/// A JSON body whose errors name the offending member (`display_name`, `version`, …).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        JsonBody::from_request(req, state).await?.parse().map(ApiJson)
    }
}

/// A JSON body read but not yet parsed, for handlers that must first find the record
/// named in the path: another organisation's record is "not found", whatever the body.
pub struct JsonBody(Result<Bytes, ApiError>);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !json {
            return Ok(JsonBody(Err(ValidationErrors::single(
                "body",
                "Send the body as JSON with Content-Type: application/json",
            )
            .into())));
        }
        Ok(JsonBody(Bytes::from_request(req, state).await.map_err(|_| {
            ApiError::Invalid(ValidationErrors::single("body", "The body could not be read (too large?)"))
        })))
    }
}

impl JsonBody {
    /// A body as if it had been read from a request (for the parser tests).
    #[cfg(test)]
    pub(crate) fn of(bytes: Bytes) -> JsonBody {
        JsonBody(Ok(bytes))
    }

    pub fn parse<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        let bytes = self.0?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if matches!(inner.classify(), serde_json::error::Category::Syntax | serde_json::error::Category::Eof)
                && !inner.to_string().contains("recursion limit")
            {
                return ApiError::Invalid(ValidationErrors::single("body", "The body is not valid JSON"));
            }
            let (named, message) = crate::input::describe(&inner.to_string(), "field");
            let field = match (path.as_str(), named) {
                (".", Some(name)) => name,
                (".", None) => "body".to_owned(),
                (p, Some(name)) if !p.ends_with(name.as_str()) => format!("{p}.{name}"),
                (p, _) => p.to_owned(),
            };
            // "version is required" names the field already; "must be a list" needs it.
            let message = if message.starts_with("must ") {
                format!("{} {message}", field.rsplit('.').next().unwrap_or(&field))
            } else {
                message
            };
            ApiError::Invalid(ValidationErrors::single(&field, message))
        })
    }
}

/// `?limit=&cursor=` on list endpoints.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// How many items to return, 1 to 200 (default 50; an empty `limit=` is the default).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "empty_is_none")]
    pub limit: Option<u16>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A number parameter given empty (`limit=`) is absent, as a form with an empty box sends it.
fn empty_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    let raw: Option<String> = Option::deserialize(d)?;
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

impl PageQuery {
    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.limit.map(usize::from) {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => {
                Err(ValidationErrors::single("limit", format!("limit must be a whole number from 1 to {MAX_LIMIT}"))
                    .into())
            }
        }
    }
}

/// A record's id from the path. One that cannot be an id names no record: "not found",
/// the same as a well-formed id that matches nothing.
pub fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// An ISO 8601 date (`2027-01-31`), the one shape the API takes; the message gives an
/// example written the same way.
pub fn iso_date(raw: &str) -> Result<jiff::civil::Date, String> {
    linkwell_domain::time::civil_date(&linkwell_domain::time::DateEntry::Iso(raw.trim().to_owned()))
}

pub fn rfc3339(ms: i64) -> String {
    linkwell_domain::time::from_millis(ms).to_string()
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Linkwell API", version = "1", description = "Social prescribing: the JSON API. Authenticate with `Authorization: Bearer <API token>` (create one with `linkwell token create`). Lists are cursor-paginated; errors are RFC 9457 problem details."),
    paths(
        me::me, home::home, home::caseloads,
        practices::list, practices::create, practices::get, practices::update,
        users::list, users::create, users::get, users::change_role, users::disable, users::enable,
        organisation::sites, organisation::create_site, organisation::create_room,
        organisation::working_hours, organisation::set_working_hours, organisation::create_programme,
        audit::list,
        referrals::list, referrals::create, referrals::get, referrals::triage, referrals::contact_attempt,
        timeline::timeline, timeline::add_note, timeline::note, timeline::correct_note,
        referrals::discharge, referrals::waiting_list, referrals::caseload, referrals::extend_follow_ups,
        sessions::list, sessions::get, sessions::book, sessions::outcome, sessions::reschedule,
        plans::get, plans::put,
        people::find, people::get, people::put,
        programmes::list,
        directory::providers, directory::provider, directory::create_provider, directory::update_provider,
        directory::services, directory::service, directory::create_service, directory::update_service,
        directory::set_status, directory::verify, directory::set_date_off, directory::remove_date_off,
        directory::to_check, directory::export_csv, directory::import_csv,
        prescriptions::list, prescriptions::create, prescriptions::get, prescriptions::outcome,
        prescriptions::set_free_times, prescriptions::unmet_needs, prescriptions::record_unmet_need,
        diary::worker, diary::room, diary::create_feed, diary::revoke_feed,
        settings::get, settings::set_self_referral, settings::set_directory, settings::set_messaging, settings::outbox,
        organisation::tools, organisation::create_tool, organisation::set_tool_offered,
        users::reset_link, people::merge, plans::versions, plans::version, plans::version_pdf, plans::discharge_summary,
        groups::list, groups::create, groups::get, groups::update, groups::set_facilitators,
        groups::figures, groups::members, groups::add_member, groups::remove_member, groups::change_session,
        group_feedback::feedback, group_feedback::stories, group_feedback::record_story, group_feedback::withdraw_story,
        registers::list, registers::get, registers::take, registers::record_feedback,
        outcomes::questionnaires, outcomes::record, outcomes::person, outcomes::send_link, outcomes::thresholds,
        outcomes::set_thresholds,
        outcomes::define, outcomes::new_version, outcomes::retire, outcomes::version,
        reports::report, reports::csv, reports::xlsx, reports::dataset,
    ),
    components(schemas(Problem, ProblemField)),
    modifiers(&BearerAuth, &CommonAnswers),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The answers every operation can give besides its own, documented on each (checked by
/// Schemathesis' status-code conformance): 401 without a valid token; 403 where a role
/// may not use the operation (every one but `/me`); 404 for a record the caller may not
/// see or that does not exist; 422 for a body or query that is not valid; 413 for a body
/// over the limit; 409 for a change based on a stale version. Problem details are served
/// as `application/problem+json`, and documented so.
struct CommonAnswers;

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/problem+json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                ("GET", &mut item.get),
                ("POST", &mut item.post),
                ("PUT", &mut item.put),
                ("DELETE", &mut item.delete),
                ("PATCH", &mut item.patch),
            ];
            for (method, op) in ops {
                let Some(op) = op.as_mut() else { continue };
                let has_query = op.parameters.as_ref().is_some_and(|ps| {
                    ps.iter().any(|p| {
                        matches!(p, utoipa::openapi::RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query))
                    })
                });
                let has_body = op.request_body.is_some();
                let mut add = |code: &str, what: &str| {
                    op.responses.responses.entry(code.to_owned()).or_insert_with(|| problem(what).into());
                };
                add("401", "No valid API token was sent.");
                if path != "/api/v1/me" {
                    add("403", "The caller's role may not use this operation.");
                }
                if path.contains('{') {
                    add("404", "No such record, or not one the caller may see.");
                }
                if has_query || has_body {
                    add("422", "The request is not valid: each problem names its field.");
                }
                if has_body {
                    add("413", "The body is larger than 1 MiB.");
                }
                if method != "GET" {
                    add("409", "The record changed since the version sent, or the change does not fit its state.");
                }
            }
            // Every problem answer is problem details, whatever the handler's annotation said.
            for op in
                [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch].into_iter().flatten()
            {
                for response in op.responses.responses.values_mut() {
                    if let utoipa::openapi::RefOr::T(r) = response
                        && let Some(json) = r.content.shift_remove("application/json")
                    {
                        let is_problem = matches!(&json, utoipa::openapi::RefOr::T(c)
                            if matches!(&c.schema, Some(utoipa::openapi::RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")));
                        let key = if is_problem { "application/problem+json" } else { "application/json" };
                        r.content.insert(key.to_owned(), json);
                    }
                }
            }
        }
    }
}

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
