//! An organisation's messaging settings (its SMTP server and SMS gateway) and its outbox
//! as staff see it. The settings carry secrets, so where they may be sent is checked
//! before they are saved, for pages and the API alike.

use linkwell_domain::ValidationErrors;
use linkwell_domain::validation::optional_text;
use linkwell_store::outbox::{Message, MessagingSettings};
use linkwell_store::{Db, Page};

use crate::Caller;
use crate::casework::CaseError;

/// The messaging settings as entered, all text.
#[derive(Debug, Clone, Default)]
pub struct MessagingFields {
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: String,
    pub smtp_from: String,
    pub sms_url: String,
    pub sms_api_key: String,
    pub sms_sender: String,
    pub reminder_hours: String,
}

/// The settings from what was entered, each problem under its field.
pub fn parse_messaging(f: &MessagingFields) -> Result<MessagingSettings, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let text = |field: &str, value: &str, label: &str, max: usize, e: &mut ValidationErrors| {
        e.check(field, optional_text(label, value, max)).unwrap_or_default()
    };
    let smtp_host = text("smtp_host", &f.smtp_host, "SMTP server", 253, &mut e);
    let smtp_port = e.check(
        "smtp_port",
        f.smtp_port.trim().parse::<u16>().ok().filter(|p| *p > 0).ok_or("Enter a port from 1 to 65535, like 587"),
    );
    let smtp_security = e.check(
        "smtp_security",
        linkwell_messaging::Security::parse(&f.smtp_security).map(|_| f.smtp_security.trim().to_owned()),
    );
    let smtp_username = text("smtp_username", &f.smtp_username, "Username", 200, &mut e);
    let smtp_password = text("smtp_password", &f.smtp_password, "Password", 200, &mut e);
    let smtp_from = text("smtp_from", &f.smtp_from, "Sender address", 300, &mut e);
    if !smtp_host.is_empty() && !linkwell_messaging::valid_sender(&smtp_from) {
        e.add("smtp_from", "Enter the sender's address, like Riverside Wellbeing <wellbeing@example.org>");
    }
    let sms_url = text("sms_url", &f.sms_url, "SMS gateway address", 500, &mut e);
    if !(sms_url.is_empty() || sms_url.starts_with("https://") || sms_url.starts_with("http://")) {
        e.add("sms_url", "Enter the gateway's web address, starting https://");
    }
    let sms_api_key = text("sms_api_key", &f.sms_api_key, "API key", 500, &mut e);
    let sms_sender = text("sms_sender", &f.sms_sender, "Sender name", 11, &mut e);
    let reminder_hours = e.check(
        "reminder_hours",
        f.reminder_hours
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

/// Save the messaging settings if they are still at `version` (else `Conflict`), once
/// their servers are vetted. An empty password or key keeps the stored one (for the same
/// server). `allow_private` is the deployment's choice to allow servers on private
/// addresses.
pub async fn save_messaging(
    db: &Db,
    caller: &Caller,
    fields: &MessagingFields,
    version: i64,
    allow_private: bool,
) -> Result<MessagingSettings, CaseError> {
    let settings = parse_messaging(fields).map_err(CaseError::Invalid)?;
    let stored = db.messaging_settings(&caller.scope()).await?;
    let e = check_destinations(&settings, &stored, allow_private).await;
    if !e.is_empty() {
        return Err(CaseError::Invalid(e));
    }
    db.save_messaging_settings(&caller.scope(), &caller.actor(), &settings, version).await?;
    Ok(db.messaging_settings(&caller.scope()).await?)
}

/// A message in the outbox as staff see it: the recipient masked.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub message: Message,
    pub masked_recipient: String,
}

/// The organisation's messages to people, newest first, a page at a time: `before` is the
/// `next_cursor` of the page before (anything else is refused under `cursor`).
pub async fn outbox(
    db: &Db,
    caller: &Caller,
    before: Option<&str>,
    limit: usize,
) -> Result<Page<OutboxItem>, CaseError> {
    let before = before.map(str::trim).filter(|c| !c.is_empty());
    if before.is_some_and(|c| c.len() > 64 || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')) {
        return Err(CaseError::Invalid(ValidationErrors::single(
            "cursor",
            "cursor must be a next_cursor from a previous page",
        )));
    }
    let page = db.outbox_page(&caller.scope(), before, limit).await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|m| OutboxItem { masked_recipient: mask(&m.recipient), message: m })
            .collect(),
        next_cursor: page.next_cursor,
    })
}

/// `07•••••0123`, `w•••@example.org`: enough to recognise, not to read off the screen.
pub fn mask(recipient: &str) -> String {
    match recipient.split_once('@') {
        Some((user, domain)) => format!("{}•••@{domain}", user.chars().next().unwrap_or('•')),
        None => {
            let digits: Vec<char> = recipient.chars().filter(|c| c.is_ascii_digit()).collect();
            let n = digits.len();
            digits.iter().enumerate().map(|(i, c)| if i < 2 || i + 4 >= n { *c } else { '•' }).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn recipients_are_masked() {
        assert_eq!(super::mask("07700 900123"), "07•••••0123");
        assert_eq!(super::mask("sam@example.org"), "s•••@example.org");
    }
}
