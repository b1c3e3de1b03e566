//! The organisation's settings through the API (admins): publishing the self-referral
//! form and the directory, the messaging servers, and the outbox of messages to people.

use crate::input::Query;
use axum::Json;
use axum::extract::State;
use linkwell_app::casework::CaseError;
use linkwell_app::messaging::settings::{self as messaging, MessagingFields, OutboxItem};
use linkwell_app::organisation::set_public_switch;
use linkwell_domain::Version;
use linkwell_store::StoreError;
use linkwell_store::organisations::{Organisation, PublicSwitch};
use linkwell_store::outbox::MessagingSettings;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, PageQuery, codes, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct OrganisationSettingsDto {
    pub name: String,
    pub slug: String,
    /// Whether the public self-referral form (`/self-referral/{slug}`) takes referrals.
    pub self_referral_enabled: bool,
    /// Whether the directory is published: its public pages and the ORUK feed.
    pub directory_public: bool,
    /// Send this back when changing a switch.
    pub version: i64,
}

impl From<Organisation> for OrganisationSettingsDto {
    fn from(o: Organisation) -> Self {
        OrganisationSettingsDto {
            name: o.name,
            slug: o.slug,
            self_referral_enabled: o.self_referral_enabled,
            directory_public: o.directory_public,
            version: o.version,
        }
    }
}

/// The messaging settings. The SMTP password and SMS key are never sent back: only
/// whether one is stored.
#[derive(Serialize, ToSchema)]
pub struct MessagingDto {
    pub smtp_host: String,
    pub smtp_port: u16,
    #[schema(schema_with = codes::smtp_security)]
    pub smtp_security: String,
    pub smtp_username: String,
    pub has_smtp_password: bool,
    pub smtp_from: String,
    pub sms_url: String,
    pub has_sms_api_key: bool,
    pub sms_sender: String,
    /// How many hours before a session its reminder goes.
    pub reminder_hours: i64,
    /// Send this back when saving them.
    pub version: i64,
}

impl From<MessagingSettings> for MessagingDto {
    fn from(m: MessagingSettings) -> Self {
        MessagingDto {
            has_smtp_password: !m.smtp_password.is_empty(),
            has_sms_api_key: !m.sms_api_key.is_empty(),
            smtp_host: m.smtp_host,
            smtp_port: m.smtp_port,
            smtp_security: m.smtp_security,
            smtp_username: m.smtp_username,
            smtp_from: m.smtp_from,
            sms_url: m.sms_url,
            sms_sender: m.sms_sender,
            reminder_hours: m.reminder_hours,
            version: m.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SettingsDto {
    pub organisation: OrganisationSettingsDto,
    pub messaging: MessagingDto,
}

/// The organisation's settings.
#[utoipa::path(get, operation_id = "getSettings", path = "/api/v1/settings", tag = "settings",
    responses((status = 200, body = SettingsDto)))]
pub async fn get(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<SettingsDto>, ApiError> {
    let organisation = state.db.organisation(&p.scope()).await?.into();
    let messaging = state.db.messaging_settings(&p.scope()).await?.into();
    Ok(Json(SettingsDto { organisation, messaging }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchBody {
    pub enabled: bool,
    /// The organisation's version you read; a stale one is refused with 409.
    pub version: i64,
}

/// Open or close the public self-referral form.
#[utoipa::path(put, operation_id = "setSelfReferral", path = "/api/v1/settings/self-referral", tag = "settings", request_body = SwitchBody,
    responses((status = 200, body = OrganisationSettingsDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_self_referral(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<SwitchBody>,
) -> Result<Json<OrganisationSettingsDto>, ApiError> {
    let org = set_public_switch(&state.db, &p, PublicSwitch::SelfReferral, body.enabled, Version(body.version)).await?;
    Ok(Json(org.into()))
}

/// Publish the directory (its public pages and the ORUK feed), or stop.
#[utoipa::path(put, operation_id = "setDirectoryPublished", path = "/api/v1/settings/directory", tag = "settings", request_body = SwitchBody,
    responses((status = 200, body = OrganisationSettingsDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_directory(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<SwitchBody>,
) -> Result<Json<OrganisationSettingsDto>, ApiError> {
    let org = set_public_switch(&state.db, &p, PublicSwitch::Directory, body.enabled, Version(body.version)).await?;
    Ok(Json(org.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessagingBody {
    /// Empty for no email.
    #[serde(default)]
    pub smtp_host: String,
    pub smtp_port: u16,
    #[schema(schema_with = codes::smtp_security)]
    pub smtp_security: String,
    #[serde(default)]
    pub smtp_username: String,
    /// Empty keeps the stored one (for the same server).
    #[serde(default)]
    pub smtp_password: String,
    /// Like `Riverside Wellbeing <wellbeing@example.org>`.
    #[serde(default)]
    pub smtp_from: String,
    /// The SMS gateway's address; empty for no text messages.
    #[serde(default)]
    pub sms_url: String,
    /// Empty keeps the stored one (for the same gateway).
    #[serde(default)]
    pub sms_api_key: String,
    /// Up to 11 characters.
    #[serde(default)]
    pub sms_sender: String,
    /// 1 to 336.
    pub reminder_hours: i64,
    /// The messaging settings' version you read; a stale one is refused with 409.
    pub version: i64,
}

/// Save the messaging settings. Each server must be found at a public address (unless the
/// deployment allows private ones), and a stored password or key goes only to the server
/// it was given for.
#[utoipa::path(put, operation_id = "setMessagingSettings", path = "/api/v1/settings/messaging", tag = "settings", request_body = MessagingBody,
    responses((status = 200, body = MessagingDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_messaging(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(b): ApiJson<MessagingBody>,
) -> Result<Json<MessagingDto>, ApiError> {
    let fields = MessagingFields {
        smtp_host: b.smtp_host,
        smtp_port: b.smtp_port.to_string(),
        smtp_security: b.smtp_security,
        smtp_username: b.smtp_username,
        smtp_password: b.smtp_password,
        smtp_from: b.smtp_from,
        sms_url: b.sms_url,
        sms_api_key: b.sms_api_key,
        sms_sender: b.sms_sender,
        reminder_hours: b.reminder_hours.to_string(),
    };
    let allow_private = state.config.allow_private_messaging_hosts;
    match messaging::save_messaging(&state.db, &p, &fields, b.version, allow_private).await {
        Ok(saved) => Ok(Json(saved.into())),
        Err(CaseError::Store(StoreError::Conflict)) => Err(ApiError::Conflict(
            "The settings changed since the version you sent. Fetch them again and reapply your change.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct OutboxMessageDto {
    pub id: String,
    #[schema(schema_with = codes::channel)]
    pub channel: String,
    /// Masked: enough to recognise, not to read (`07•••••0123`).
    pub recipient: String,
    /// What it is for, like `session_reminder`.
    pub purpose: String,
    #[schema(schema_with = codes::outbox_status)]
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub due_at: String,
    pub sent_at: Option<String>,
}

impl From<OutboxItem> for OutboxMessageDto {
    fn from(OutboxItem { message: m, masked_recipient }: OutboxItem) -> Self {
        OutboxMessageDto {
            id: m.id,
            channel: m.channel.code().into(),
            recipient: masked_recipient,
            purpose: m.purpose,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: rfc3339(m.created_at),
            due_at: rfc3339(m.due_at),
            sent_at: m.sent_at.map(rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OutboxPage {
    pub items: Vec<OutboxMessageDto>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Messages to people, newest first: what went, what is waiting, what failed and why.
#[utoipa::path(get, operation_id = "listOutbox", path = "/api/v1/outbox", tag = "settings", params(PageQuery),
    responses((status = 200, body = OutboxPage), (status = 422, body = Problem)))]
pub async fn outbox(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(page): Query<PageQuery>,
) -> Result<Json<OutboxPage>, ApiError> {
    let limit = page.limit()?;
    let list = messaging::outbox(&state.db, &p, page.cursor.as_deref(), limit).await?;
    Ok(Json(OutboxPage { items: list.items.into_iter().map(Into::into).collect(), next_cursor: list.next_cursor }))
}
