//! The outbox: messages to people, written durably with what caused them and sent by a
//! background sender. Each message is sent once: a sender takes a lease on it
//! (`claimed_until`) with a conditional update, so two senders (or two server instances)
//! never both send it; failures are retried with backoff, then marked failed.
//!
//! A sender that dies after sending but before marking the message sent lets the lease
//! lapse, and the message is sent again: delivery is at least once, never silently lost.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::ids::SessionId;
use sqlx::Row;

use crate::audit::append_in;
use crate::error::stored;
use crate::{Actor, Db, OrgScope, Page, Result, StoreError, Tx, now_ms};

/// How long a sender may hold a message before another may take it.
pub const LEASE_MS: i64 = 60_000;
/// Attempts before a message is given up as failed.
pub const MAX_ATTEMPTS: i64 = 5;
/// Wait before each retry: 1 minute, 5 minutes, 30 minutes, 2 hours.
const BACKOFF_MS: [i64; 4] = [60_000, 300_000, 1_800_000, 7_200_000];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// What it is for, e.g. `session_reminder`.
    pub purpose: &'static str,
    pub session_id: Option<SessionId>,
    /// When to send it (epoch ms); in the past means now.
    pub due_at: i64,
}

/// A queued message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    pub id: String,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub purpose: String,
    pub session_id: Option<SessionId>,
    /// pending, sent, failed or cancelled.
    pub status: String,
    pub attempts: i64,
    pub due_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// How an organisation sends: its SMTP server and SMS gateway (empty host or URL: not set
/// up), and how long before a session the reminder goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MessagingSettings {
    pub smtp_host: String,
    pub smtp_port: u16,
    /// none, starttls or tls.
    pub smtp_security: String,
    pub smtp_username: String,
    /// Never shown back on a page.
    #[serde(skip)]
    pub smtp_password: String,
    pub smtp_from: String,
    pub sms_url: String,
    #[serde(skip)]
    pub sms_api_key: String,
    pub sms_sender: String,
    pub reminder_hours: i64,
    pub version: i64,
}

impl Default for MessagingSettings {
    fn default() -> Self {
        MessagingSettings {
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_from: String::new(),
            sms_url: String::new(),
            sms_api_key: String::new(),
            sms_sender: String::new(),
            reminder_hours: 24,
            version: 0,
        }
    }
}

const COLUMNS: &str = "id, channel, recipient, subject, body, purpose, session_id, status, attempts, due_at, last_error, created_at, sent_at";

macro_rules! message_from_row {
    ($r:expr) => {{
        let r = $r;
        Message {
            id: r.try_get("id")?,
            channel: match r.try_get::<String, _>("channel")?.as_str() {
                "email" => Channel::Email,
                "sms" => Channel::Sms,
                other => return Err(StoreError::corrupt(format!("channel {other}"))),
            },
            recipient: r.try_get("recipient")?,
            subject: r.try_get("subject")?,
            body: r.try_get("body")?,
            purpose: r.try_get("purpose")?,
            session_id: r.try_get::<Option<String>, _>("session_id")?.map(|s| stored(s.parse())).transpose()?,
            status: r.try_get("status")?,
            attempts: r.try_get("attempts")?,
            due_at: r.try_get("due_at")?,
            last_error: r.try_get("last_error")?,
            created_at: r.try_get("created_at")?,
            sent_at: r.try_get("sent_at")?,
        }
    }};
}

/// Queue a message inside the caller's transaction, so it is stored with what caused it.
pub async fn enqueue_in(tx: &mut Tx, scope: &OrgScope, m: &NewMessage) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    on_tx!(tx, conn => {
        sqlx::query("INSERT INTO outbox (organisation_id, id, channel, recipient, subject, body, purpose, session_id, status, attempts, due_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $10)")
            .bind(scope.key()).bind(&id).bind(m.channel.code()).bind(&m.recipient).bind(&m.subject).bind(&m.body)
            .bind(m.purpose).bind(m.session_id.map(|s| s.to_string())).bind(m.due_at).bind(now_ms())
            .execute(&mut *conn).await?;
    });
    Ok(id)
}

/// Cancel a session's unsent messages, inside the caller's transaction.
pub async fn cancel_for_session_in(tx: &mut Tx, scope: &OrgScope, session: SessionId) -> Result<u64> {
    Ok(on_tx!(tx, conn => {
        sqlx::query("UPDATE outbox SET status = 'cancelled' WHERE organisation_id = $1 AND session_id = $2 AND status = 'pending'")
            .bind(scope.key()).bind(session.to_string()).execute(&mut *conn).await?.rows_affected()
    }))
}

impl Db {
    /// Messages that are due, each leased to this sender; another sender calling at the
    /// same moment gets none of the same ones. Across organisations: the sender serves all.
    pub async fn claim_due_messages(&self, now: i64, limit: usize) -> Result<Vec<(OrgScope, Message)>> {
        let sql = format!(
            "SELECT organisation_id, {COLUMNS} FROM outbox WHERE status = 'pending' AND due_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY due_at LIMIT $2"
        );
        let candidates: Vec<(OrgScope, Message)> = on_db!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(limit as i64).fetch_all(pool).await?;
            rows.iter().map(|r| Ok((OrgScope::new(stored(r.try_get::<String, _>("organisation_id")?.parse())?), message_from_row!(r)))).collect::<Result<Vec<_>>>()
        })?;
        let mut claimed = Vec::new();
        for (scope, m) in candidates {
            let n = on_db!(self, pool => {
                sqlx::query("UPDATE outbox SET claimed_until = $1 WHERE organisation_id = $2 AND id = $3 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < $4)")
                    .bind(now + LEASE_MS).bind(scope.key()).bind(&m.id).bind(now).execute(pool).await?.rows_affected()
            });
            if n == 1 {
                claimed.push((scope, m));
            }
        }
        Ok(claimed)
    }

    /// The message went: record it (and an audit entry naming only ids).
    pub async fn mark_message_sent(&self, scope: &OrgScope, id: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE organisation_id = $2 AND id = $3")
                .bind(now_ms()).bind(scope.key()).bind(id).execute(&mut *conn).await?;
        });
        append_in(&mut tx, scope, &Actor::system().event(AuditAction::MessageSent, "message", id, None)).await?;
        tx.commit().await
    }

    /// The attempt failed with `error` (which must hold no personal data). A `permanent`
    /// failure, or the last attempt, marks it failed; otherwise it is retried after a backoff.
    pub async fn mark_message_failed(&self, scope: &OrgScope, id: &str, error: &str, permanent: bool) -> Result<()> {
        let now = now_ms();
        on_db!(self, pool => {
            let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM outbox WHERE organisation_id = $1 AND id = $2")
                .bind(scope.key()).bind(id).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            let attempts = attempts + 1;
            let give_up = permanent || attempts >= MAX_ATTEMPTS;
            let wait = BACKOFF_MS[((attempts - 1) as usize).min(BACKOFF_MS.len() - 1)];
            sqlx::query("UPDATE outbox SET attempts = $1, last_error = $2, claimed_until = NULL, status = $3, due_at = $4 WHERE organisation_id = $5 AND id = $6")
                .bind(attempts).bind(error.chars().take(500).collect::<String>()).bind(if give_up { "failed" } else { "pending" })
                .bind(now + wait).bind(scope.key()).bind(id).execute(pool).await?;
            Ok::<_, StoreError>(())
        })
    }

    /// The organisation's messages, newest first, `limit` at a time before `before` (an id).
    pub async fn outbox_page(&self, scope: &OrgScope, before: Option<&str>, limit: usize) -> Result<Page<Message>> {
        let sql =
            format!("SELECT {COLUMNS} FROM outbox WHERE organisation_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3");
        let rows: Vec<Message> = on_db!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(before.unwrap_or("~")).bind((limit + 1) as i64).fetch_all(pool).await?;
            rows.iter().map(|r| Ok(message_from_row!(r))).collect::<Result<Vec<_>>>()
        })?;
        Ok(Page::from_overfetch(rows, limit, |m| m.id.clone()))
    }

    /// The messages about one session.
    pub async fn messages_for_session(&self, scope: &OrgScope, session: SessionId) -> Result<Vec<Message>> {
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE organisation_id = $1 AND session_id = $2 ORDER BY id");
        on_db!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(session.to_string()).fetch_all(pool).await?;
            rows.iter().map(|r| Ok(message_from_row!(r))).collect()
        })
    }

    /// The organisation's messaging settings (defaults until an admin saves some).
    pub async fn messaging_settings(&self, scope: &OrgScope) -> Result<MessagingSettings> {
        on_db!(self, pool => {
            let r = sqlx::query("SELECT smtp_host, smtp_port, smtp_security, smtp_username, smtp_password, smtp_from, sms_url, sms_api_key, sms_sender, reminder_hours, version FROM messaging_settings WHERE organisation_id = $1")
                .bind(scope.key()).fetch_optional(pool).await?;
            match r {
                None => Ok(MessagingSettings::default()),
                Some(r) => Ok(MessagingSettings {
                    smtp_host: r.try_get("smtp_host")?,
                    smtp_port: u16::try_from(r.try_get::<i64, _>("smtp_port")?).map_err(StoreError::corrupt)?,
                    smtp_security: r.try_get("smtp_security")?,
                    smtp_username: r.try_get("smtp_username")?,
                    smtp_password: r.try_get("smtp_password")?,
                    smtp_from: r.try_get("smtp_from")?,
                    sms_url: r.try_get("sms_url")?,
                    sms_api_key: r.try_get("sms_api_key")?,
                    sms_sender: r.try_get("sms_sender")?,
                    reminder_hours: r.try_get("reminder_hours")?,
                    version: r.try_get("version")?,
                }),
            }
        })
    }

    /// Save messaging settings if they are still at `expected` (0 when none were saved).
    /// Empty secrets keep the stored ones, so a form never has to show them.
    pub async fn save_messaging_settings(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        s: &MessagingSettings,
        expected: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO messaging_settings (organisation_id, version) VALUES ($1, 0) ON CONFLICT (organisation_id) DO NOTHING")
                .bind(scope.key()).execute(&mut *conn).await?;
            sqlx::query("UPDATE messaging_settings SET smtp_host = $1, smtp_port = $2, smtp_security = $3, smtp_username = $4, \
                 smtp_password = CASE WHEN $5 = '' THEN smtp_password ELSE $5 END, smtp_from = $6, sms_url = $7, \
                 sms_api_key = CASE WHEN $8 = '' THEN sms_api_key ELSE $8 END, sms_sender = $9, reminder_hours = $10, version = version + 1 \
                 WHERE organisation_id = $11 AND version = $12")
                .bind(&s.smtp_host).bind(i64::from(s.smtp_port)).bind(&s.smtp_security).bind(&s.smtp_username).bind(&s.smtp_password)
                .bind(&s.smtp_from).bind(&s.sms_url).bind(&s.sms_api_key).bind(&s.sms_sender).bind(s.reminder_hours)
                .bind(scope.key()).bind(expected)
                .execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::SettingsChanged, "messaging_settings", scope.organisation_id(), None),
        )
        .await?;
        tx.commit().await
    }
}
