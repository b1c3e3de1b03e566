//! A person's record through the API: read it (audited) and change their details.

use crate::input::Path;
use axum::Json;
use axum::extract::State;
use linkwell_domain::{PersonId, Version};
use serde::Deserialize;
use utoipa::ToSchema;

use super::JsonBody;
use super::referrals::{PersonBody, PersonDto, parse_person};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use linkwell_app::casework::open_person;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonUpdate {
    pub person: PersonBody,
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
}

/// A person's record (those who work one of their cases; coordinators anyone's).
#[utoipa::path(get, operation_id = "getPerson", path = "/api/v1/people/{id}", tag = "people", params(("id" = String, Path)),
    responses((status = 200, body = PersonDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<PersonDto>, ApiError> {
    let person = open_person(&state.db, &p, super::path_id::<PersonId>(&id)?).await?;
    Ok(Json((&person).into()))
}

/// Change a person's details and consents, if the record is still at `version`.
#[utoipa::path(put, operation_id = "updatePerson", path = "/api/v1/people/{id}", tag = "people", params(("id" = String, Path)), request_body = PersonUpdate,
    responses((status = 200, body = PersonDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<PersonDto>, ApiError> {
    let person = open_person(&state.db, &p, super::path_id::<PersonId>(&id)?).await?;
    let body: PersonUpdate = body.parse()?;
    let input = parse_person(&body.person, None, p.organisation.test_mode, "person");
    let saved =
        linkwell_app::casework::update_person(&state.db, &p, &person, Version(body.version), input, "person.").await?;
    Ok(Json((&saved).into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The record to keep: this record's referrals move to it.
    pub into: String,
    /// The version of this (the duplicate) record you read; a stale one is refused with 409.
    pub version: i64,
}

/// Merge this duplicate record into another (coordinators): its referrals move to the
/// record kept, which is returned.
#[utoipa::path(post, operation_id = "mergePerson", path = "/api/v1/people/{id}/merge", tag = "people", params(("id" = String, Path)), request_body = MergeBody,
    responses((status = 200, body = PersonDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn merge(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<PersonDto>, ApiError> {
    let duplicate = super::path_id::<PersonId>(&id)?;
    state.db.person(&p.scope(), duplicate).await?;
    let body: MergeBody = body.parse()?;
    let keep: PersonId =
        body.into.trim().parse().map_err(|_| {
            linkwell_domain::ValidationErrors::single("into", "into must be the id of the record to keep")
        })?;
    let kept = linkwell_app::casework::merge_people(&state.db, &p, keep, duplicate, Version(body.version))
        .await
        .map_err(|e| match e {
            // The record to keep is named in the body: another organisation's is a bad value.
            linkwell_app::casework::CaseError::NotFound => {
                ApiError::Invalid(linkwell_domain::ValidationErrors::single("into", "No record has that id"))
            }
            other => other.into(),
        })?;
    Ok(Json((&kept).into()))
}
