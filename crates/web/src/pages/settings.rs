//! Organisation settings (admins): whether the public self-referral form is open.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::input::Query;
use axum::http::StatusCode;
use linkwell_app::casework::CaseError;
use linkwell_app::messaging::settings::{self as messaging, MessagingFields, OutboxItem};
use linkwell_app::organisation::set_public_switch;
use linkwell_domain::ValidationErrors;
use linkwell_store::StoreError;
use linkwell_store::organisations::PublicSwitch;
use serde::Deserialize;

use super::{FormPairs, Page, form_errors, form_version};
use crate::error::PageError;
use crate::state::AppState;

pub async fn show(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render(&state, &page, None, None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    page: &Page,
    entered: Option<&FormPairs>,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let org = state.db.organisation(&p.scope()).await?;
    let messaging = state.db.messaging_settings(&p.scope()).await?;
    let has_password = !messaging.smtp_password.is_empty();
    let has_key = !messaging.sms_api_key.is_empty();
    let html = page.render(
        state,
        "pages/admin/settings.html",
        minijinja::context! {
            title => "Settings",
            organisation => minijinja::value::Serde(&org),
            self_referral_path => format!("/self-referral/{}", org.slug),
            messaging => minijinja::value::Serde(&messaging),
            entered => entered.map(|f| f.values()),
            has_password => has_password,
            has_key => has_key,
            errors => errors.map(form_errors),
        },
    )?;
    Ok((status, html).into_response())
}

/// The messaging form's fields.
fn messaging_fields(f: &FormPairs) -> MessagingFields {
    let g = |n: &str| f.get(n).to_owned();
    MessagingFields {
        smtp_host: g("smtp_host"),
        smtp_port: g("smtp_port"),
        smtp_security: g("smtp_security"),
        smtp_username: g("smtp_username"),
        smtp_password: g("smtp_password"),
        smtp_from: g("smtp_from"),
        sms_url: g("sms_url"),
        sms_api_key: g("sms_api_key"),
        sms_sender: g("sms_sender"),
        reminder_hours: g("reminder_hours"),
    }
}

pub async fn save_messaging(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.caller()?;
    let version: i64 = form
        .get("messaging_version")
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest("The form was missing the settings version.".into()))?;
    let allow_private = state.config.allow_private_messaging_hosts;
    match messaging::save_messaging(&state.db, &p, &messaging_fields(&form), version, allow_private).await {
        Ok(_) => page.done("Messaging settings saved", "/admin/settings").await,
        Err(CaseError::Invalid(e)) => {
            render(&state, &page, Some(&form), Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(CaseError::Store(StoreError::Conflict)) => {
            let e = ValidationErrors::single(
                "smtp_host",
                "Someone else changed these settings while you had them open. Check them and save again.",
            );
            render(&state, &page, Some(&form), Some(&e), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct OutboxQuery {
    #[serde(default)]
    before: String,
}

/// The messages to people, newest first: what went, what is waiting, what failed and why.
/// Recipients are shown masked.
pub async fn outbox(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let before = Some(q.before.trim()).filter(|b| !b.is_empty());
    let list = messaging::outbox(&state.db, &p, before, 100).await?;
    let rows: Vec<minijinja::Value> = list
        .items
        .iter()
        .map(|OutboxItem { message: m, masked_recipient }| {
            minijinja::context! {
                created_at => m.created_at, due_at => m.due_at, sent_at => m.sent_at,
                channel => if m.channel == linkwell_store::outbox::Channel::Sms { "Text message" } else { "Email" },
                recipient => masked_recipient.clone(),
                purpose => m.purpose.replace('_', " "),
                status => m.status.clone(), attempts => m.attempts, last_error => m.last_error.clone(),
            }
        })
        .collect();
    Ok(page
        .render(
            &state,
            "pages/admin/outbox.html",
            minijinja::context! { title => "Messages", rows => rows, next_href => list.next_cursor.map(|c| format!("/admin/outbox?before={c}")) },
        )?
        .into_response())
}

pub async fn save(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.caller()?;
    let version = form_version(form.get("version"))?;
    let enabled = form.get("self_referral") == "on";
    set_public_switch(&state.db, &p, PublicSwitch::SelfReferral, enabled, version).await?;
    page.done(
        if enabled { "Self-referral is now open to the public" } else { "Self-referral is now closed" },
        "/admin/settings",
    )
    .await
}

/// Publish the directory (public pages and the ORUK feed), or stop.
pub async fn save_directory(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.caller()?;
    let version = form_version(form.get("version"))?;
    let enabled = form.get("directory_public") == "on";
    set_public_switch(&state.db, &p, PublicSwitch::Directory, enabled, version).await?;
    page.done(
        if enabled { "The directory is published" } else { "The directory is no longer published" },
        "/admin/settings",
    )
    .await
}
