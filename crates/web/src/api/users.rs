use crate::input::Query;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_domain::identity::UserInput;
use linkwell_store::users::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, PageQuery};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use linkwell_app::users::{AdminError, add_user, reset_path};

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// admin, coordinator, link_worker, referrer, facilitator or commissioner.
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice_id: Option<String>,
    pub disabled: bool,
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

/// The organisation's users (admins and coordinators).
#[utoipa::path(get, operation_id = "listUsers", path = "/api/v1/users", tag = "users", params(PageQuery),
    responses((status = 200, body = UserPage), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<PageQuery>,
) -> Result<Json<UserPage>, ApiError> {
    let page = state.db.users_page(&p.scope(), q.cursor.as_deref(), q.limit()?).await?;
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
        Err(AdminError::Invalid(e)) => Err(e.into()),
        Err(AdminError::Store(e)) => Err(e.into()),
        Err(AdminError::Hashing) => Err(ApiError::Internal("hashing".into())),
    }
}
