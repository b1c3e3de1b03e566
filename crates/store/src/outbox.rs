//! The outbox: messages to people, written durably with what caused them and sent by a
//! background sender. Each message is sent once: a sender takes a lease on it
//! (`claimed_until`) with a conditional update, so two senders (or two server instances)
//! never both send it; failures are retried with backoff, then marked failed.
//!
//! A sender that dies after sending but before marking the message sent lets the lease
//! lapse, and the message is sent again: delivery is at least once, never silently lost.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::ids::{ReferralId, SessionId};

use crate::audit::append_in;
use crate::error::stored;
use crate::{Actor, Db, OrgScope, Page, Result, StoreError, Tx, now_ms};

/// How long a sender may hold a message before another may take it: four times the
/// longest a sender spends on one message (`SEND_DEADLINE_MS`), so a lease never lapses
/// while its holder is still sending.
pub const LEASE_MS: i64 = 4 * SEND_DEADLINE_MS;
/// The longest a sender may spend delivering one message before giving up on the attempt.
pub const SEND_DEADLINE_MS: i64 = 30_000;
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

    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Email",
            Channel::Sms => "Text message",
        }
    }

    /// A stored code; anything else means the row is corrupt.
    fn stored(code: &str) -> Result<Channel> {
        match code {
            "email" => Ok(Channel::Email),
            "sms" => Ok(Channel::Sms),
            other => Err(StoreError::corrupt(format!("channel {other}"))),
        }
    }
}

/// A message that went to the person about one of a referral's sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub channel: Channel,
    /// What it was for, such as `session_reminder`.
    pub purpose: String,
    pub sent_at: i64,
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

row_struct! {
    /// An `outbox` row as read (the columns of `COLUMNS`).
    struct MessageRow {
        id: String,
        channel: String,
        recipient: String,
        subject: String,
        body: String,
        purpose: String,
        session_id: Option<String>,
        status: String,
        attempts: i64,
        due_at: i64,
        last_error: Option<String>,
        created_at: i64,
        sent_at: Option<i64>,
    }
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;

    fn try_from(r: MessageRow) -> Result<Message> {
        Ok(Message {
            id: r.id,
            channel: Channel::stored(&r.channel)?,
            recipient: r.recipient,
            subject: r.subject,
            body: r.body,
            purpose: r.purpose,
            session_id: r.session_id.map(|s| stored(s.parse())).transpose()?,
            status: r.status,
            attempts: r.attempts,
            due_at: r.due_at,
            last_error: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
    }
}

row_struct! {
    /// A `messaging_settings` row as read.
    struct MessagingSettingsRow {
        smtp_host: String,
        smtp_port: i64,
        smtp_security: String,
        smtp_username: String,
        smtp_password: String,
        smtp_from: String,
        sms_url: String,
        sms_api_key: String,
        sms_sender: String,
        reminder_hours: i64,
        version: i64,
    }
}

impl TryFrom<MessagingSettingsRow> for MessagingSettings {
    type Error = StoreError;

    fn try_from(r: MessagingSettingsRow) -> Result<MessagingSettings> {
        Ok(MessagingSettings {
            smtp_host: r.smtp_host,
            smtp_port: u16::try_from(r.smtp_port).map_err(StoreError::corrupt)?,
            smtp_security: r.smtp_security,
            smtp_username: r.smtp_username,
            smtp_password: r.smtp_password,
            smtp_from: r.smtp_from,
            sms_url: r.sms_url,
            sms_api_key: r.sms_api_key,
            sms_sender: r.sms_sender,
            reminder_hours: r.reminder_hours,
            version: r.version,
        })
    }
}

row_struct! {
    /// What `reminder_now` reads of a session, its referral and the person, as stored.
    struct ReminderRow {
        session_status: String,
        starts_at: i64,
        referral_status: String,
        consent_contact: bool,
        preferred_channel: String,
        phone: Option<String>,
        email: Option<String>,
    }
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

/// A message leased to one sender. Only the holder of the lease (its token) may record
/// what happened to the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub scope: OrgScope,
    pub message: Message,
    token: String,
}

/// What a session reminder's recipient is now, read when it is about to go: whether it is
/// still wanted, and where it would go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderNow {
    /// The session is still booked and has not started.
    pub session_ahead: bool,
    /// The referral is still open (not discharged, declined, redirected or closed).
    pub referral_open: bool,
    pub consent_contact: bool,
    pub preferred_channel: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

const DUE: &str = "status = 'pending' AND due_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)";

impl Db {
    /// Organisations with messages due now and not leased, at most `limit`, those waiting
    /// longest first, leaving out `busy` ones (still sending): the sender works each on its
    /// own, so one organisation's slow server delays only its own messages, and a few slow
    /// ones cannot keep the rest waiting. Across organisations: the sender serves all.
    pub async fn organisations_with_due_messages(
        &self,
        now: i64,
        limit: usize,
        busy: &[linkwell_domain::OrganisationId],
    ) -> Result<Vec<OrgScope>> {
        let busy: Vec<String> = busy.iter().map(|o| o.to_string()).collect();
        let keys: Vec<String> = on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT organisation_id FROM outbox WHERE status = 'pending' AND due_at <= ");
            qb.push_bind(now).push(" AND (claimed_until IS NULL OR claimed_until < ").push_bind(now).push(")");
            if !busy.is_empty() {
                qb.push(" AND NOT organisation_id");
                crate::push_in_list(&mut qb, &busy);
            }
            qb.push(" GROUP BY organisation_id ORDER BY MIN(due_at) LIMIT ").push_bind(limit as i64);
            qb.build_query_scalar().fetch_all(pool).await?
        });
        keys.into_iter().map(|k| Ok(OrgScope::new(stored(k.parse())?))).collect()
    }

    /// The next message due in `scope`, leased to this sender (a conditional update: a
    /// sender calling at the same moment gets another message, or none).
    pub async fn claim_next_message(&self, scope: &OrgScope, now: i64) -> Result<Option<Claimed>> {
        let sql =
            format!("SELECT {COLUMNS} FROM outbox WHERE organisation_id = $2 AND {DUE} ORDER BY due_at, id LIMIT 3");
        let candidates: Vec<Message> = on_db!(self, pool => {
            let rows = sqlx::query_as::<_, MessageRow>(sqlx::AssertSqlSafe(sql)).bind(now).bind(scope.key()).fetch_all(pool).await?;
            rows.into_iter().map(Message::try_from).collect::<Result<Vec<_>>>()?
        });
        for m in candidates {
            let token = uuid::Uuid::now_v7().to_string();
            let n = on_writer!(self, pool => {
                sqlx::query("UPDATE outbox SET claimed_until = $1, claim_token = $2 WHERE organisation_id = $3 AND id = $4 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < $5)")
                    .bind(now + LEASE_MS).bind(&token).bind(scope.key()).bind(&m.id).bind(now).execute(pool).await?.rows_affected()
            });
            if n == 1 {
                return Ok(Some(Claimed { scope: *scope, message: m, token }));
            }
        }
        Ok(None)
    }

    /// Messages due now across organisations, each leased to this sender, at most `limit`.
    pub async fn claim_due_messages(&self, now: i64, limit: usize) -> Result<Vec<Claimed>> {
        let mut claimed = Vec::new();
        for scope in self.organisations_with_due_messages(now, limit, &[]).await? {
            while claimed.len() < limit {
                match self.claim_next_message(&scope, now).await? {
                    Some(c) => claimed.push(c),
                    None => break,
                }
            }
        }
        Ok(claimed)
    }

    /// The message went, to `channel` and `recipient` (its recipient as it was when it
    /// went): record it with an audit entry naming only ids. `false` when the lease had
    /// passed to another sender, which then decides: nothing is recorded twice.
    pub async fn mark_message_sent(&self, c: &Claimed, channel: Channel, recipient: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, claimed_until = NULL, claim_token = NULL, last_error = NULL, channel = $2, recipient = $3 WHERE organisation_id = $4 AND id = $5 AND claim_token = $6 AND status = 'pending'")
                .bind(now_ms()).bind(channel.code()).bind(recipient).bind(c.scope.key()).bind(&c.message.id).bind(&c.token).execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return Ok(false);
        }
        append_in(&mut tx, &c.scope, &Actor::system().event(AuditAction::MessageSent, "message", &c.message.id, None));
        tx.commit().await?;
        Ok(true)
    }

    /// The attempt failed with `error` (which must hold no personal data). A `permanent`
    /// failure, or the last attempt, marks it failed; otherwise it is retried after a backoff.
    /// `false` when the lease had passed to another sender.
    pub async fn mark_message_failed(&self, c: &Claimed, error: &str, permanent: bool) -> Result<bool> {
        let now = now_ms();
        let attempts = c.message.attempts + 1;
        let give_up = permanent || attempts >= MAX_ATTEMPTS;
        let wait = BACKOFF_MS[usize::try_from(attempts - 1).unwrap_or(0).min(BACKOFF_MS.len() - 1)];
        let n = on_writer!(self, pool => {
            sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, claimed_until = NULL, claim_token = NULL, status = $2, due_at = $3 WHERE organisation_id = $4 AND id = $5 AND claim_token = $6 AND status = 'pending'")
                .bind(error.chars().take(500).collect::<String>()).bind(if give_up { "failed" } else { "pending" })
                .bind(now + wait).bind(c.scope.key()).bind(&c.message.id).bind(&c.token).execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// The message is no longer wanted (`why` holds no personal data): cancel it.
    pub async fn cancel_claimed_message(&self, c: &Claimed, why: &str) -> Result<bool> {
        let n = on_writer!(self, pool => {
            sqlx::query("UPDATE outbox SET status = 'cancelled', last_error = $1, claimed_until = NULL, claim_token = NULL WHERE organisation_id = $2 AND id = $3 AND claim_token = $4 AND status = 'pending'")
                .bind(why).bind(c.scope.key()).bind(&c.message.id).bind(&c.token).execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// A session reminder's recipient as they are now (`None`: no such session).
    pub async fn reminder_now(&self, scope: &OrgScope, session: SessionId, now: i64) -> Result<Option<ReminderNow>> {
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, ReminderRow>("SELECT s.status AS session_status, s.starts_at, r.status AS referral_status, p.consent_contact, p.preferred_channel, p.phone, p.email \
                 FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id \
                 JOIN people p ON p.organisation_id = r.organisation_id AND p.id = r.person_id \
                 WHERE s.organisation_id = $1 AND s.id = $2")
                .bind(scope.key()).bind(session.to_string()).fetch_optional(pool).await?;
            let Some(r) = r else { return Ok(None) };
            Ok(Some(ReminderNow {
                session_ahead: r.session_status == "booked" && r.starts_at > now,
                referral_open: !matches!(r.referral_status.as_str(), "discharged" | "declined" | "redirected" | "unable_to_contact"),
                consent_contact: r.consent_contact,
                preferred_channel: r.preferred_channel,
                phone: r.phone,
                email: r.email,
            }))
        })
    }

    /// The organisation's messages, newest first, `limit` at a time before `before` (an id).
    pub async fn outbox_page(&self, scope: &OrgScope, before: Option<&str>, limit: usize) -> Result<Page<Message>> {
        let sql =
            format!("SELECT {COLUMNS} FROM outbox WHERE organisation_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3");
        let rows: Vec<Message> = on_db!(self, pool => {
            let rows = sqlx::query_as::<_, MessageRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(before.unwrap_or("~")).bind((limit + 1) as i64).fetch_all(pool).await?;
            rows.into_iter().map(Message::try_from).collect::<Result<Vec<_>>>()
        })?;
        Ok(Page::from_overfetch(rows, limit, |m| m.id.clone()))
    }

    /// The messages about one session.
    pub async fn messages_for_session(&self, scope: &OrgScope, session: SessionId) -> Result<Vec<Message>> {
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE organisation_id = $1 AND session_id = $2 ORDER BY id");
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, MessageRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(session.to_string()).fetch_all(pool).await?;
            rows.into_iter().map(Message::try_from).collect()
        })
    }

    /// The organisation's messaging settings (defaults until an admin saves some).
    pub async fn messaging_settings(&self, scope: &OrgScope) -> Result<MessagingSettings> {
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, MessagingSettingsRow>("SELECT smtp_host, smtp_port, smtp_security, smtp_username, smtp_password, smtp_from, sms_url, sms_api_key, sms_sender, reminder_hours, version FROM messaging_settings WHERE organisation_id = $1")
                .bind(scope.key()).fetch_optional(pool).await?;
            match r {
                None => Ok(MessagingSettings::default()),
                Some(r) => r.try_into(),
            }
        })
    }

    /// Save messaging settings if they are still at `expected` (0 when none were saved).
    /// An empty secret keeps the stored one, so a form never has to show it — but only
    /// while it goes to the same server the same way: a new SMTP host, port or security
    /// (a password must not go in clear where it went by TLS), or a new SMS gateway
    /// address, clears a secret not given again, so no one can point the settings at their
    /// own server and have the stored password sent there.
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
                 smtp_password = CASE WHEN $5 = '' AND smtp_host = $1 AND smtp_port = $2 AND smtp_security = $3 THEN smtp_password ELSE $5 END, smtp_from = $6, sms_url = $7, \
                 sms_api_key = CASE WHEN $8 = '' AND sms_url = $7 THEN sms_api_key ELSE $8 END, sms_sender = $9, reminder_hours = $10, version = version + 1 \
                 WHERE organisation_id = $11 AND version = $12")
                .bind(&s.smtp_host).bind(i64::from(s.smtp_port)).bind(&s.smtp_security).bind(&s.smtp_username).bind(&s.smtp_password)
                .bind(&s.smtp_from).bind(&s.sms_url).bind(&s.sms_api_key).bind(&s.sms_sender).bind(s.reminder_hours)
                .bind(scope.key()).bind(expected)
                .execute(&mut *conn).await?.rows_affected()
        });
        // Not expect_version (this row has no id, and was made above if missing): no row changed is Conflict.
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::SettingsChanged, "messaging_settings", scope.organisation_id(), None),
        );
        tx.commit().await
    }
}

impl Db {
    /// The messages sent to the person about a referral's sessions, oldest first.
    pub async fn messages_sent_for_referral(&self, scope: &OrgScope, referral: ReferralId) -> Result<Vec<SentMessage>> {
        let rows: Vec<(String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT o.channel, o.purpose, o.sent_at FROM outbox o JOIN sessions s ON s.organisation_id = o.organisation_id AND s.id = o.session_id \
                 WHERE o.organisation_id = $1 AND s.referral_id = $2 AND o.status = 'sent' AND o.sent_at IS NOT NULL ORDER BY o.sent_at",
            )
            .bind(scope.key()).bind(referral.to_string()).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(channel, purpose, sent_at)| {
                Ok(SentMessage { channel: Channel::stored(&channel)?, purpose, sent_at })
            })
            .collect()
    }
}
