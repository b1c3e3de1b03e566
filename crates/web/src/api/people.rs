//! A person's record through the API: read it (audited) and change their details.

use crate::input::{Path, Query};
use axum::Json;
use axum::extract::State;
use linkwell_domain::{PersonId, Version};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::JsonBody;
use super::referrals::{PersonBody, PersonDto, parse_person};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use linkwell_app::casework::open_person;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct FindParams {
    /// A name (one typo is forgiven; the last name typed may be only its start), an NHS
    /// number (10 digits, spaces allowed), a date of birth (27/3/1961 or 1961-03-27) or a
    /// postcode.
    pub q: Option<String>,
}

/// A person a search found: enough to tell them apart, nothing more.
#[derive(Serialize, ToSchema)]
pub struct PersonMatchDto {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    #[schema(format = Date)]
    pub date_of_birth: String,
    /// Ten digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PeopleFound {
    /// How the text was read: name, nhs_number, date_of_birth or postcode.
    pub searched_by: String,
    /// Closest first, at most 50.
    pub items: Vec<PersonMatchDto>,
    /// More people match than are listed: a fuller name or a date of birth narrows it.
    pub more: bool,
}

/// Find people by name, NHS number, date of birth or postcode.
///
/// Coordinators find anyone in the organisation; link workers the people with a referral
/// assigned to them. Every search is audited (how it searched and whom it showed).
#[utoipa::path(get, operation_id = "findPeople", path = "/api/v1/people", tag = "people", params(FindParams),
    responses((status = 200, body = PeopleFound), (status = 422, body = Problem)))]
pub async fn find(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<FindParams>,
) -> Result<Json<PeopleFound>, ApiError> {
    let found = linkwell_app::casework::find_people(&state.db, &p, q.q.as_deref().unwrap_or(""), "q").await?;
    Ok(Json(PeopleFound {
        searched_by: found.kind.into(),
        items: found
            .people
            .into_iter()
            .map(|person| PersonMatchDto {
                id: person.id.to_string(),
                given_name: person.given_name,
                family_name: person.family_name,
                date_of_birth: person.date_of_birth.to_string(),
                nhs_number: person.nhs_number,
                postcode: person.postcode,
            })
            .collect(),
        more: found.more,
    }))
}

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
