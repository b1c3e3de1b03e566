use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::users::UserDto;
use crate::auth::Signed;

#[derive(Serialize, ToSchema)]
pub struct OrganisationDto {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub test_mode: bool,
    pub self_referral_enabled: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    pub user: UserDto,
    pub organisation: OrganisationDto,
}

/// The signed-in user and their organisation.
#[utoipa::path(get, operation_id = "getMe", path = "/api/v1/me", tag = "account",
    responses((status = 200, body = MeDto), (status = 401, body = crate::error::Problem)))]
pub async fn me(Signed(p): Signed) -> Json<MeDto> {
    let o = &p.organisation;
    Json(MeDto {
        user: UserDto::from(&p.user),
        organisation: OrganisationDto {
            id: o.id.to_string(),
            slug: o.slug.clone(),
            name: o.name.clone(),
            test_mode: o.test_mode,
            self_referral_enabled: o.self_referral_enabled,
        },
    })
}
