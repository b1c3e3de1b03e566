//! Session reminders: composed when a session is booked (queued in the same transaction,
//! by the person's preferred channel, only with their consent to be contacted), and sent
//! by a background task through the organisation's own SMTP server or SMS gateway.

use jiff::Timestamp;
use linkwell_domain::people::ContactChannel;
use linkwell_domain::sessions::SessionMode;
use linkwell_messaging::{Security, SendError, SmsGateway, Smtp, send_email, send_sms};
use linkwell_store::outbox::{Channel, Message, MessagingSettings, NewMessage};
use linkwell_store::referrals::Referral;
use linkwell_store::{Db, OrgScope, StoreError, now_ms};

/// The reminder for a session starting at `starts`, or none: the person prefers a phone
/// call or a letter (not sent automatically), has not agreed to be contacted, or the
/// session is already past.
pub async fn reminder_for(
    db: &Db,
    scope: &OrgScope,
    r: &Referral,
    starts: Timestamp,
    mode: SessionMode,
    room: Option<linkwell_domain::RoomId>,
) -> Result<Option<NewMessage>, StoreError> {
    let Some(to) = appointment(db, scope, r, starts, mode, room).await? else { return Ok(None) };
    let settings = db.messaging_settings(scope).await?;
    let text = format!(
        "Reminder from {}: your social prescribing appointment is on {}, {}. If you cannot make it, please let us know.",
        to.organisation, to.when, to.how
    );
    let subject = format!("Your appointment on {}", to.when);
    let due_at = (starts.as_millisecond() - settings.reminder_hours * 3_600_000).max(now_ms());
    Ok(Some(to.message(subject, text, "session_reminder", due_at)))
}

/// The one message that tells the person their appointment has moved, sent now (by the
/// same channel and consent as reminders, or none); the moved session's own reminder
/// follows before it, as for any booking.
pub async fn move_notice_for(
    db: &Db,
    scope: &OrgScope,
    r: &Referral,
    starts: Timestamp,
    mode: SessionMode,
    room: Option<linkwell_domain::RoomId>,
) -> Result<Option<NewMessage>, StoreError> {
    let Some(to) = appointment(db, scope, r, starts, mode, room).await? else { return Ok(None) };
    let text = format!(
        "From {}: your social prescribing appointment has moved. It is now on {}, {}. If you cannot make it, please let us know.",
        to.organisation, to.when, to.how
    );
    let subject = format!("Your appointment has moved to {}", to.when);
    Ok(Some(to.message(subject, text, "session_moved", now_ms())))
}

/// Whom to tell about an appointment, how, and what to say of it.
struct Appointment {
    channel: Channel,
    recipient: String,
    organisation: String,
    /// "Monday 7 December at 10:00"
    when: String,
    /// "at Wellbeing room, Abbey Lane Surgery", "by phone: we will call you"…
    how: String,
}

impl Appointment {
    /// A message about this appointment to the person, by their channel.
    fn message(self, subject: String, body: String, purpose: &'static str, due_at: i64) -> NewMessage {
        NewMessage {
            channel: self.channel,
            recipient: self.recipient,
            subject,
            body,
            purpose,
            session_id: None,
            due_at,
        }
    }
}

/// The appointment as the person is told of it, or `None` when nothing is sent: they have
/// not agreed to be contacted, prefer a call or a letter, or it is already past.
async fn appointment(
    db: &Db,
    scope: &OrgScope,
    r: &Referral,
    starts: Timestamp,
    mode: SessionMode,
    room: Option<linkwell_domain::RoomId>,
) -> Result<Option<Appointment>, StoreError> {
    let person = db.person(scope, r.person_id).await?;
    if !person.consent_contact || starts.as_millisecond() <= now_ms() {
        return Ok(None);
    }
    let (channel, recipient) = match (person.preferred_channel, &person.phone, &person.email) {
        (ContactChannel::Sms, Some(phone), _) => (Channel::Sms, phone.clone()),
        (ContactChannel::Email, _, Some(email)) => (Channel::Email, email.clone()),
        _ => return Ok(None),
    };
    let organisation = db.organisation(scope).await?.name;
    let place = match room {
        Some(id) => linkwell_store::practices::room_label(&db.sites_with_rooms(scope).await?, id),
        None => None,
    };
    let when = starts.to_zoned(linkwell_domain::time::london()).strftime("%A %-d %B at %H:%M").to_string();
    let how = match mode {
        SessionMode::InPerson => format!("at {}", place.unwrap_or_else(|| "your GP surgery".into())),
        SessionMode::HomeVisit => "at your home".into(),
        SessionMode::Telephone => "by phone: we will call you".into(),
        SessionMode::Video => "by video call".into(),
    };
    Ok(Some(Appointment { channel, recipient, organisation, when, how }))
}

/// Send what is due now, each organisation's messages in a task of its own, and wait for
/// them all; returns how many went. One round of what `run` keeps doing without waiting
/// (for tests, and anyone sending by hand).
pub async fn send_due(db: &Db, allow_private: bool) -> Result<usize, StoreError> {
    let mut tasks = tokio::task::JoinSet::new();
    for scope in db.organisations_with_due_messages(now_ms(), MAX_ORGANISATIONS_A_ROUND, &[]).await? {
        let db = db.clone();
        tasks.spawn(async move { send_for(&db, &scope, allow_private).await });
    }
    let mut sent = 0;
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(n)) => sent += n,
            Ok(Err(e)) => tracing::warn!(error = %e, "an organisation's messages could not be sent"),
            Err(e) => tracing::warn!(error = %e, "an organisation's sender stopped"),
        }
    }
    Ok(sent)
}

/// Organisations served in one round of the sender; the rest wait for the next round.
const MAX_ORGANISATIONS_A_ROUND: usize = 64;
/// Messages one organisation sends in one round, one after another.
const MAX_MESSAGES_A_ROUND: usize = 50;

/// Send `scope`'s due messages, one lease at a time: a message is claimed just before it
/// goes, so its lease (`LEASE_MS`) covers one send, bounded by `SEND_DEADLINE_MS`.
async fn send_for(db: &Db, scope: &OrgScope, allow_private: bool) -> Result<usize, StoreError> {
    let settings = db.messaging_settings(scope).await?;
    let mut sent = 0;
    for _ in 0..MAX_MESSAGES_A_ROUND {
        let Some(claimed) = db.claim_next_message(scope, now_ms()).await? else { break };
        let m = &claimed.message;
        // Who it goes to is decided now, not at booking: consent may have been withdrawn,
        // the contact details changed, the session cancelled or the referral closed.
        let to = match m.session_id {
            Some(session) => match recipient_now(db, scope, session).await? {
                Ok(to) => to,
                Err(why) => {
                    db.cancel_claimed_message(&claimed, why).await?;
                    continue;
                }
            },
            None => (m.channel, m.recipient.clone()),
        };
        let deadline = std::time::Duration::from_millis(linkwell_store::outbox::SEND_DEADLINE_MS as u64);
        let outcome = match tokio::time::timeout(deadline, deliver(&settings, allow_private, to.0, &to.1, m)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(SendError::Temporary("the server did not answer in time".into())),
        };
        let recorded = match outcome {
            Ok(()) => {
                let recorded = db.mark_message_sent(&claimed, to.0, &to.1).await?;
                sent += usize::from(recorded);
                recorded
            }
            Err(e) => {
                tracing::warn!(message = %m.id, error = %e, "message not sent");
                let recorded = db.mark_message_failed(&claimed, &e.to_string(), e.is_permanent()).await?;
                if !e.is_permanent() {
                    // The server is down or slow: the rest wait for their retry, not for it.
                    break;
                }
                recorded
            }
        };
        if !recorded {
            tracing::warn!(message = %m.id, "the message's lease passed to another sender before it was recorded");
        }
    }
    Ok(sent)
}

/// Where a session reminder goes now, or why it no longer goes (no personal data).
async fn recipient_now(
    db: &Db,
    scope: &OrgScope,
    session: linkwell_domain::ids::SessionId,
) -> Result<Result<(Channel, String), &'static str>, StoreError> {
    let Some(now) = db.reminder_now(scope, session, now_ms()).await? else {
        return Ok(Err("the session no longer exists"));
    };
    if !now.session_ahead {
        return Ok(Err("the session is no longer booked ahead"));
    }
    if !now.referral_open {
        return Ok(Err("the referral has closed"));
    }
    if !now.consent_contact {
        return Ok(Err("the person no longer agrees to be contacted"));
    }
    Ok(match (ContactChannel::parse(&now.preferred_channel), now.phone, now.email) {
        (Ok(ContactChannel::Sms), Some(phone), _) => Ok((Channel::Sms, phone)),
        (Ok(ContactChannel::Email), _, Some(email)) => Ok((Channel::Email, email)),
        _ => Err("the person no longer prefers texts or email"),
    })
}

async fn deliver(
    s: &MessagingSettings,
    allow_private: bool,
    channel: Channel,
    recipient: &str,
    m: &Message,
) -> Result<(), SendError> {
    match channel {
        Channel::Email => {
            if s.smtp_host.is_empty() || s.smtp_from.is_empty() {
                return Err(SendError::Permanent("no SMTP server is set up for this organisation".into()));
            }
            let smtp = Smtp {
                host: s.smtp_host.clone(),
                port: s.smtp_port,
                security: Security::parse(&s.smtp_security).map_err(|e| SendError::Permanent(e.into()))?,
                username: s.smtp_username.clone(),
                password: s.smtp_password.clone(),
                from: s.smtp_from.clone(),
            };
            send_email(&smtp, allow_private, recipient, &m.subject, &m.body).await
        }
        Channel::Sms => {
            if s.sms_url.is_empty() {
                return Err(SendError::Permanent("no SMS gateway is set up for this organisation".into()));
            }
            let gateway =
                SmsGateway { url: s.sms_url.clone(), api_key: s.sms_api_key.clone(), sender: s.sms_sender.clone() };
            send_sms(&gateway, allow_private, recipient, &m.body).await
        }
    }
}

/// Run the sender every `every` until the process ends. Each organisation with messages
/// due gets a task of its own; a round does not wait for organisations still sending, and
/// an organisation still sending is not started twice.
pub async fn run(db: Db, every: std::time::Duration, allow_private: bool) {
    let mut running: std::collections::HashMap<linkwell_domain::OrganisationId, tokio::task::JoinHandle<()>> =
        Default::default();
    loop {
        running.retain(|_, task| !task.is_finished());
        let busy: Vec<_> = running.keys().copied().collect();
        match db.organisations_with_due_messages(now_ms(), MAX_ORGANISATIONS_A_ROUND, &busy).await {
            Ok(scopes) => {
                for scope in scopes {
                    if running.contains_key(&scope.organisation_id()) {
                        continue;
                    }
                    let db = db.clone();
                    let task = tokio::spawn(async move {
                        if let Err(e) = send_for(&db, &scope, allow_private).await {
                            tracing::warn!(error = %e, "an organisation's messages could not be sent");
                        }
                    });
                    running.insert(scope.organisation_id(), task);
                }
            }
            Err(e) => tracing::warn!(error = %e, "the outbox sender could not read what is due"),
        }
        tokio::time::sleep(every).await;
    }
}
