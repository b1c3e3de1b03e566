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
    let person = db.person(scope, r.person_id).await?;
    let now = now_ms();
    let starts_ms = starts.as_millisecond();
    if !person.consent_contact || starts_ms <= now {
        return Ok(None);
    }
    let organisation = db.organisation(scope).await?;
    let place = match room {
        Some(id) => linkwell_store::practices::room_label(&db.sites_with_rooms(scope).await?, id),
        None => None,
    };
    let settings = db.messaging_settings(scope).await?;
    let when = starts.to_zoned(linkwell_domain::time::london()).strftime("%A %-d %B at %H:%M").to_string();
    let how = match mode {
        SessionMode::InPerson => format!("at {}", place.unwrap_or_else(|| "your GP surgery".into())),
        SessionMode::HomeVisit => "at your home".into(),
        SessionMode::Telephone => "by phone: we will call you".into(),
        SessionMode::Video => "by video call".into(),
    };
    let text = format!(
        "Reminder from {}: your social prescribing appointment is on {when}, {how}. If you cannot make it, please let us know.",
        organisation.name
    );
    let (channel, recipient) = match (person.preferred_channel, &person.phone, &person.email) {
        (ContactChannel::Sms, Some(phone), _) => (Channel::Sms, phone.clone()),
        (ContactChannel::Email, _, Some(email)) => (Channel::Email, email.clone()),
        _ => return Ok(None),
    };
    Ok(Some(NewMessage {
        channel,
        recipient,
        subject: format!("Your appointment on {when}"),
        body: text,
        purpose: "session_reminder",
        session_id: None,
        due_at: (starts_ms - settings.reminder_hours * 3_600_000).max(now),
    }))
}

/// Send what is due now, through each organisation's transports; returns how many went.
pub async fn send_due(db: &Db) -> Result<usize, StoreError> {
    let mut sent = 0;
    for (scope, m) in db.claim_due_messages(now_ms(), 50).await? {
        let settings = db.messaging_settings(&scope).await?;
        match deliver(&settings, &m).await {
            Ok(()) => {
                db.mark_message_sent(&scope, &m.id).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(message = %m.id, error = %e, "message not sent");
                db.mark_message_failed(&scope, &m.id, &e.to_string(), e.is_permanent()).await?;
            }
        }
    }
    Ok(sent)
}

async fn deliver(s: &MessagingSettings, m: &Message) -> Result<(), SendError> {
    match m.channel {
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
            send_email(&smtp, &m.recipient, &m.subject, &m.body).await
        }
        Channel::Sms => {
            if s.sms_url.is_empty() {
                return Err(SendError::Permanent("no SMS gateway is set up for this organisation".into()));
            }
            let gateway =
                SmsGateway { url: s.sms_url.clone(), api_key: s.sms_api_key.clone(), sender: s.sms_sender.clone() };
            send_sms(&gateway, &m.recipient, &m.body).await
        }
    }
}

/// Run the sender every `every` until the process ends.
pub async fn run(db: Db, every: std::time::Duration) {
    loop {
        if let Err(e) = send_due(&db).await {
            tracing::warn!(error = %e, "the outbox sender failed");
        }
        tokio::time::sleep(every).await;
    }
}
