//! Organisation settings (admins): whether the public self-referral form is open.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::input::Query;
use axum::http::StatusCode;
use linkwell_domain::ValidationErrors;
use linkwell_store::StoreError;
use linkwell_store::outbox::MessagingSettings;
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

/// The messaging settings from the form, each problem under its field.
fn parse_messaging(f: &FormPairs) -> Result<MessagingSettings, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let text = |field: &str, label: &str, max: usize, e: &mut ValidationErrors| {
        e.check(field, linkwell_domain::validation::optional_text(label, f.get(field), max)).unwrap_or_default()
    };
    let smtp_host = text("smtp_host", "SMTP server", 253, &mut e);
    let smtp_port = e.check(
        "smtp_port",
        f.get("smtp_port")
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or("Enter a port from 1 to 65535, like 587"),
    );
    let smtp_security = e.check(
        "smtp_security",
        linkwell_messaging::Security::parse(f.get("smtp_security")).map(|_| f.get("smtp_security").trim().to_owned()),
    );
    let smtp_username = text("smtp_username", "Username", 200, &mut e);
    let smtp_password = text("smtp_password", "Password", 200, &mut e);
    let smtp_from = text("smtp_from", "Sender address", 300, &mut e);
    if !smtp_host.is_empty() && !linkwell_messaging::valid_sender(&smtp_from) {
        e.add("smtp_from", "Enter the sender's address, like Riverside Wellbeing <wellbeing@example.org>");
    }
    let sms_url = text("sms_url", "SMS gateway address", 500, &mut e);
    if !(sms_url.is_empty() || sms_url.starts_with("https://") || sms_url.starts_with("http://")) {
        e.add("sms_url", "Enter the gateway's web address, starting https://");
    }
    let sms_api_key = text("sms_api_key", "API key", 500, &mut e);
    let sms_sender = text("sms_sender", "Sender name", 11, &mut e);
    let reminder_hours = e.check(
        "reminder_hours",
        f.get("reminder_hours")
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|h| (1..=336).contains(h))
            .ok_or("Enter hours from 1 to 336 (two weeks)"),
    );
    match (smtp_port, smtp_security, reminder_hours) {
        (Some(smtp_port), Some(smtp_security), Some(reminder_hours)) if e.is_empty() => Ok(MessagingSettings {
            smtp_host,
            smtp_port,
            smtp_security,
            smtp_username,
            smtp_password,
            smtp_from,
            sms_url,
            sms_api_key,
            sms_sender,
            reminder_hours,
            version: 0,
        }),
        _ => Err(e),
    }
}

/// Where the settings would send the organisation's secrets: each server must be found,
/// and on a public address unless the deployment allows private ones; and a stored secret
/// goes only to the server it was given for, so a new server needs it entered again.
async fn check_destinations(
    new: &MessagingSettings,
    stored: &MessagingSettings,
    allow_private: bool,
) -> ValidationErrors {
    use linkwell_messaging::{gateway_host, vetted_address};
    let mut e = ValidationErrors::new();
    if !new.smtp_host.is_empty() {
        if let Err(why) = vetted_address(&new.smtp_host, new.smtp_port, allow_private).await {
            e.add("smtp_host", why.to_string());
        }
        // The same test the store makes when it keeps a password: host, port and security.
        let moved = new.smtp_host != stored.smtp_host
            || new.smtp_port != stored.smtp_port
            || new.smtp_security != stored.smtp_security;
        if moved && new.smtp_password.is_empty() && !stored.smtp_password.is_empty() {
            e.add("smtp_password", "Enter the password again: the SMTP server has changed");
        }
    }
    if !new.sms_url.is_empty() {
        match gateway_host(&new.sms_url) {
            Ok((_, _, false)) if !allow_private => {
                e.add("sms_url", "Enter the gateway's web address, starting https://")
            }
            Ok((host, port, _)) => {
                if let Err(why) = vetted_address(&host, port, allow_private).await {
                    e.add("sms_url", why.to_string());
                }
            }
            Err(why) => e.add("sms_url", why.to_string()),
        }
        if new.sms_url != stored.sms_url && new.sms_api_key.is_empty() && !stored.sms_api_key.is_empty() {
            e.add("sms_api_key", "Enter the API key again: the gateway's address has changed");
        }
    }
    e
}

pub async fn save_messaging(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.caller()?;
    let version: i64 = form
        .get("messaging_version")
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest("The form was missing the settings version.".into()))?;
    let settings = match parse_messaging(&form) {
        Ok(s) => s,
        Err(e) => return render(&state, &page, Some(&form), Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let stored = state.db.messaging_settings(&p.scope()).await?;
    let e = check_destinations(&settings, &stored, state.config.allow_private_messaging_hosts).await;
    if !e.is_empty() {
        return render(&state, &page, Some(&form), Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match state.db.save_messaging_settings(&p.scope(), &page.actor(), &settings, version).await {
        Ok(()) => page.done("Messaging settings saved", "/admin/settings").await,
        Err(StoreError::Conflict) => {
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
    let list = state.db.outbox_page(&p.scope(), before, 100).await?;
    let rows: Vec<minijinja::Value> = list
        .items
        .iter()
        .map(|m| {
            minijinja::context! {
                created_at => m.created_at, due_at => m.due_at, sent_at => m.sent_at,
                channel => if m.channel == linkwell_store::outbox::Channel::Sms { "Text message" } else { "Email" },
                recipient => mask(&m.recipient),
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

/// `07•••••0123`, `w•••@example.org`: enough to recognise, not to read off the screen.
fn mask(recipient: &str) -> String {
    match recipient.split_once('@') {
        Some((user, domain)) => format!("{}•••@{domain}", user.chars().next().unwrap_or('•')),
        None => {
            let digits: Vec<char> = recipient.chars().filter(|c| c.is_ascii_digit()).collect();
            let n = digits.len();
            digits.iter().enumerate().map(|(i, c)| if i < 2 || i + 4 >= n { *c } else { '•' }).collect()
        }
    }
}

pub async fn save(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.caller()?;
    let version = form_version(form.get("version"))?;
    let enabled = form.get("self_referral") == "on";
    state
        .db
        .set_public_switch(
            &p.scope(),
            &page.actor(),
            linkwell_store::organisations::PublicSwitch::SelfReferral,
            enabled,
            version,
        )
        .await?;
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
    state
        .db
        .set_public_switch(
            &p.scope(),
            &page.actor(),
            linkwell_store::organisations::PublicSwitch::Directory,
            enabled,
            version,
        )
        .await?;
    page.done(
        if enabled { "The directory is published" } else { "The directory is no longer published" },
        "/admin/settings",
    )
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn recipients_are_masked() {
        assert_eq!(super::mask("07700 900123"), "07•••••0123");
        assert_eq!(super::mask("sam@example.org"), "s•••@example.org");
    }
}
