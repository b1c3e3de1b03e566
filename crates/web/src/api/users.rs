use crate::input::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_domain::identity::{RoleAssignment, UserInput};
use linkwell_domain::{UserId, Version};
use linkwell_store::users::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, PageQuery};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use linkwell_app::users::{self as use_case, add_user, reset_path};

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    pub email: String,
    pub display_name: String,
    #[schema(schema_with = super::codes::role)]
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice_id: Option<String>,
    pub disabled: bool,
    /// When they last signed in (RFC 3339); absent if never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_signed_in_at: Option<String>,
    pub version: i64,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        UserDto {
            id: u.id.to_string(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().into(),
            practice_id: u.practice_id.map(|p| p.to_string()),
            disabled: u.disabled,
            last_signed_in_at: u.last_signed_in_at.map(super::rfc3339),
            version: u.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub display_name: String,
    pub email: String,
    #[schema(schema_with = super::codes::role)]
    pub role: String,
    /// Required for referrers: the practice they refer for.
    #[serde(default)]
    pub practice_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NewUserDto {
    pub user: UserDto,
    /// A one-time path (valid 72 hours) at which the user chooses their password.
    pub password_reset_path: String,
}

/// The users list's filters; each one given narrows it.
#[derive(serde::Deserialize, utoipa::IntoParams, Default)]
#[serde(default)]
pub struct UserListParams {
    #[param(schema_with = super::codes::role)]
    pub role: String,
    /// `active` or `disabled`.
    #[param(schema_with = super::codes::user_status)]
    pub status: String,
    /// Part of a name or email address, any case.
    pub search: String,
}

/// The organisation's users (admins and coordinators), filtered by role, status and a
/// search of names and email addresses.
#[utoipa::path(get, operation_id = "listUsers", path = "/api/v1/users", tag = "users", params(PageQuery, UserListParams),
    responses((status = 200, body = UserPage), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<PageQuery>,
    Query(f): Query<UserListParams>,
) -> Result<Json<UserPage>, ApiError> {
    let fields = use_case::UserListFields { role: &f.role, status: &f.status, search: &f.search };
    let filter = use_case::user_filter(&fields)?;
    let page = state.db.users_page(&p.scope(), &filter, q.cursor.as_deref(), q.limit()?).await?;
    Ok(Json(UserPage { items: page.items.iter().map(UserDto::from).collect(), next_cursor: page.next_cursor }))
}

/// Add a user (admins). The answer carries the one-time link with which they set a password.
#[utoipa::path(post, operation_id = "createUser", path = "/api/v1/users", tag = "users", request_body = NewUserBody,
    responses((status = 201, body = NewUserDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<NewUserDto>), ApiError> {
    let input =
        UserInput::parse(&body.display_name, &body.email, &body.role, body.practice_id.as_deref().unwrap_or(""))?;
    match add_user(&state.db, &p.scope(), &p.actor(), input).await {
        Ok((user, link)) => Ok((
            StatusCode::CREATED,
            Json(NewUserDto { user: UserDto::from(&user), password_reset_path: reset_path(&link) }),
        )),
        Err(e) => Err(e.into()),
    }
}

fn user_id(id: &str) -> Result<UserId, ApiError> {
    id.parse().map_err(|_| ApiError::NotFound)
}

/// One user (admins and coordinators).
#[utoipa::path(get, operation_id = "getUser", path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserDto), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<UserDto>, ApiError> {
    Ok(Json(UserDto::from(&state.db.user(&p.scope(), user_id(&id)?).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
    #[schema(schema_with = super::codes::role)]
    pub role: String,
    /// Required for a referrer: the practice they refer for.
    #[serde(default)]
    pub practice_id: Option<String>,
}

/// Give a user another role (admins; not their own).
#[utoipa::path(put, operation_id = "changeUserRole", path = "/api/v1/users/{id}/role", tag = "users", params(("id" = String, Path)), request_body = RoleChange,
    responses((status = 200, body = UserDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_role(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: super::JsonBody,
) -> Result<Json<UserDto>, ApiError> {
    let id = state.db.user(&p.scope(), user_id(&id)?).await?.id;
    let body: RoleChange = body.parse()?;
    let assignment = RoleAssignment::parse(&body.role, body.practice_id.as_deref().unwrap_or(""))?;
    let user = use_case::change_role(&state.db, &p, id, Version(body.version), &assignment).await?;
    Ok(Json(UserDto::from(&user)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    /// The version you read; a stale one is refused with 409.
    pub version: i64,
}

async fn set_disabled(
    state: AppState,
    p: linkwell_app::Caller,
    id: String,
    body: super::JsonBody,
    disabled: bool,
) -> Result<Json<UserDto>, ApiError> {
    let id = state.db.user(&p.scope(), user_id(&id)?).await?.id;
    let body: VersionBody = body.parse()?;
    let user = use_case::set_disabled(&state.db, &p, id, Version(body.version), disabled).await?;
    Ok(Json(UserDto::from(&user)))
}

/// Disable a user (admins; not themselves): they can no longer sign in, and their API
/// tokens stop working.
#[utoipa::path(post, operation_id = "disableUser", path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = String, Path)), request_body = VersionBody,
    responses((status = 200, body = UserDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn disable(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: super::JsonBody,
) -> Result<Json<UserDto>, ApiError> {
    set_disabled(state, p, id, body, true).await
}

/// Enable a disabled user again (admins).
#[utoipa::path(post, operation_id = "enableUser", path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = String, Path)), request_body = VersionBody,
    responses((status = 200, body = UserDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn enable(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: super::JsonBody,
) -> Result<Json<UserDto>, ApiError> {
    set_disabled(state, p, id, body, false).await
}

#[derive(Serialize, ToSchema)]
pub struct ResetLinkDto {
    /// The path of the one-time link to set a password, on this service's address: shown
    /// this once. Earlier links stop working.
    pub path: String,
    /// How many hours it works for.
    pub expires_in_hours: i64,
}

/// A new link for a user to set their password (admins).
#[utoipa::path(post, operation_id = "createResetLink", path = "/api/v1/users/{id}/reset-link", tag = "users", params(("id" = String, Path)),
    responses((status = 201, body = ResetLinkDto), (status = 404, body = Problem)))]
pub async fn reset_link(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<(axum::http::StatusCode, Json<ResetLinkDto>), ApiError> {
    let user = state.db.user(&p.scope(), super::path_id(&id)?).await?;
    let link = linkwell_app::users::issue_reset_link(&state.db, &p.scope(), &p.actor(), user.id).await?;
    let dto = ResetLinkDto {
        path: linkwell_app::users::reset_path(&link),
        expires_in_hours: linkwell_app::users::RESET_LINK_HOURS,
    };
    Ok((axum::http::StatusCode::CREATED, Json(dto)))
}
