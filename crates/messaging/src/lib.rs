//! Transports for messages to people: email through the organisation's SMTP server, and
//! text messages through an SMS gateway's HTTP API. A leaf crate, so the TLS and SMTP
//! stacks build once and everyday edits elsewhere do not rebuild them.
//!
//! Errors say whether trying again could help, and never carry the recipient or the
//! message (servers echo addresses in their replies): only codes and what failed.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Trying again will not help (bad address, refused, not set up).
    #[error("{0}")]
    Permanent(String),
    /// Trying again later may work (server busy, unreachable).
    #[error("{0}")]
    Temporary(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// How to talk to the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain SMTP: only for a relay on the same machine or network.
    None,
    StartTls,
    /// Implicit TLS (usually port 465).
    Tls,
}

impl Security {
    pub fn parse(code: &str) -> Result<Security, &'static str> {
        match code.trim() {
            "none" => Ok(Security::None),
            "starttls" => Ok(Security::StartTls),
            "tls" => Ok(Security::Tls),
            _ => Err("Select how to connect: none, STARTTLS or TLS"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    pub password: String,
    /// The sender, like `Riverside Wellbeing <wellbeing@example.org>`.
    pub from: String,
}

/// Whether `s` is a sender lettre can send from, like `Riverside Wellbeing <w@example.org>`.
pub fn valid_sender(s: &str) -> bool {
    s.parse::<lettre::message::Mailbox>().is_ok()
}

/// Send one plain-text email.
pub async fn send_email(smtp: &Smtp, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
    let from = smtp.from.parse().map_err(|_| SendError::Permanent("the sender address is not valid".into()))?;
    let to = to.parse().map_err(|_| SendError::Permanent("the recipient's email address is not valid".into()))?;
    let message = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|_| SendError::Permanent("the message could not be built".into()))?;
    let builder = match smtp.security {
        Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|_| SendError::Permanent("the SMTP server's name is not valid".into()))?,
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|_| SendError::Permanent("the SMTP server's name is not valid".into()))?,
    };
    let mut builder = builder.port(smtp.port).timeout(Some(Duration::from_secs(20)));
    if !smtp.username.is_empty() {
        builder = builder.credentials(Credentials::new(smtp.username.clone(), smtp.password.clone()));
    }
    match builder.build().send(message).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let code = e.status().map(|c| format!(" {c}")).unwrap_or_default();
            if e.is_permanent() {
                Err(SendError::Permanent(format!("the SMTP server refused the message{code}")))
            } else if e.is_transient() {
                Err(SendError::Temporary(format!("the SMTP server asked to try later{code}")))
            } else {
                Err(SendError::Temporary("could not reach the SMTP server".into()))
            }
        }
    }
}

/// An SMS gateway with a JSON HTTP API: `POST url` with `Authorization: Bearer api_key`
/// and `{"to", "from", "body"}`; any 2xx is accepted.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    pub url: String,
    pub api_key: String,
    pub sender: String,
}

/// Send one text message.
pub async fn send_sms(gateway: &SmsGateway, to: &str, body: &str) -> Result<(), SendError> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|_| SendError::Temporary("the HTTP client could not start".into()))?;
    let response = client
        .post(&gateway.url)
        .bearer_auth(&gateway.api_key)
        .json(&serde_json::json!({ "to": to, "from": gateway.sender, "body": body }))
        .send()
        .await
        .map_err(|_| SendError::Temporary("could not reach the SMS gateway".into()))?;
    let status = response.status();
    match status.as_u16() {
        200..=299 => Ok(()),
        429 => Err(SendError::Temporary("the SMS gateway asked to slow down (HTTP 429)".into())),
        400..=499 => {
            Err(SendError::Permanent(format!("the SMS gateway refused the message (HTTP {})", status.as_u16())))
        }
        code => Err(SendError::Temporary(format!("the SMS gateway failed (HTTP {code})"))),
    }
}
