//! The outbox on both engines: messages leased to one sender at a time, retried with
//! backoff, failed after the last attempt, cancelled with their session, and settings.

use linkwell_store::outbox::{Channel, LEASE_MS, MAX_ATTEMPTS, MessagingSettings, NewMessage, enqueue_in};
use linkwell_store::testing::TestDb;
use linkwell_store::{Actor, Db, Engine, OrgScope, StoreError, both_engines, now_ms};

both_engines!(each_message_is_leased_to_one_sender, failures_back_off_then_give_up, settings_keep_secrets);

async fn org(db: &Db, slug: &str) -> OrgScope {
    OrgScope::new(db.create_organisation(slug, slug, false).await.unwrap().id)
}

async fn queue(db: &Db, scope: &OrgScope, due_at: i64) -> String {
    let m = NewMessage {
        channel: Channel::Sms,
        recipient: "07700 900123".into(),
        subject: String::new(),
        body: "Reminder".into(),
        purpose: "session_reminder",
        session_id: None,
        due_at,
    };
    let mut tx = db.begin().await.unwrap();
    let id = enqueue_in(&mut tx, scope, &m).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn each_message_is_leased_to_one_sender(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let b = org(db, "b").await;
    let now = now_ms();
    let due = queue(db, &a, now - 1000).await;
    let other_org = queue(db, &b, now - 500).await;
    let later = queue(db, &a, now + 3_600_000).await;
    // Two senders at the same moment: each message goes to exactly one.
    let (first, second) = tokio::join!(db.claim_due_messages(now, 10), db.claim_due_messages(now, 10));
    let (first, second) = (first.unwrap(), second.unwrap());
    let mut ids: Vec<String> = first.iter().chain(second.iter()).map(|c| c.message.id.clone()).collect();
    ids.sort();
    let mut expected = vec![due.clone(), other_org.clone()];
    expected.sort();
    assert_eq!(ids, expected, "not the one due later, and none twice");
    // While leased, nobody else takes them; after the lease lapses, they can be taken again.
    assert!(db.claim_due_messages(now + 1000, 10).await.unwrap().is_empty());
    let retaken = db.claim_due_messages(now + LEASE_MS + 1, 10).await.unwrap();
    assert_eq!(retaken.len(), 2);
    // The first sender's lease passed to another: it can no longer record the message.
    let stale = first.iter().chain(second.iter()).find(|c| c.message.id == due).unwrap();
    assert!(
        !db.mark_message_sent(stale, Channel::Sms, "07700 900123").await.unwrap(),
        "a lapsed lease records nothing"
    );
    let fresh = retaken.iter().find(|c| c.message.id == due).unwrap();
    assert!(db.mark_message_sent(fresh, Channel::Sms, "07700 900123").await.unwrap());
    assert!(!db.mark_message_sent(fresh, Channel::Sms, "07700 900123").await.unwrap(), "sent once");
    let page = db.outbox_page(&a, None, 10).await.unwrap();
    let sent = page.items.iter().find(|m| m.id == due).unwrap();
    assert_eq!((sent.status.as_str(), sent.attempts), ("sent", 1));
    assert!(page.items.iter().all(|m| m.id != other_org), "each organisation sees its own");
    assert!(page.items.iter().any(|m| m.id == later && m.status == "pending"));
    // A sent message is never taken again.
    assert!(db.claim_due_messages(now + 10 * LEASE_MS, 10).await.unwrap().iter().all(|c| c.message.id != due));
}

async fn failures_back_off_then_give_up(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let id = queue(db, &a, now_ms() - 1).await;
    for attempt in 1..=MAX_ATTEMPTS {
        let claimed = db.claim_due_messages(now_ms() + 86_400_000, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt}");
        assert!(db.mark_message_failed(&claimed[0], "the SMS gateway failed (HTTP 503)", false).await.unwrap());
        let m = db.outbox_page(&a, None, 1).await.unwrap().items.remove(0);
        assert_eq!((m.id.as_str(), m.attempts), (id.as_str(), attempt));
        if attempt < MAX_ATTEMPTS {
            assert_eq!(m.status, "pending");
            assert!(m.due_at > now_ms(), "retried later, not at once");
        } else {
            assert_eq!(m.status, "failed");
        }
    }
    assert!(db.claim_due_messages(now_ms() + 86_400_000, 10).await.unwrap().is_empty());
    // A permanent failure gives up at once.
    queue(db, &a, now_ms() - 1).await;
    let claimed = db.claim_due_messages(now_ms(), 10).await.unwrap();
    db.mark_message_failed(&claimed[0], "the SMS gateway refused the message (HTTP 400)", true).await.unwrap();
    let m = db.outbox_page(&a, None, 1).await.unwrap().items.remove(0);
    assert_eq!(
        (m.status.as_str(), m.last_error.as_deref()),
        ("failed", Some("the SMS gateway refused the message (HTTP 400)"))
    );
}

async fn settings_keep_secrets(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let defaults = db.messaging_settings(&a).await.unwrap();
    assert_eq!((defaults.reminder_hours, defaults.version, defaults.smtp_port), (24, 0, 587));
    let s = MessagingSettings {
        smtp_host: "smtp.example.org".into(),
        smtp_password: "s3cret".into(),
        smtp_from: "Wellbeing <w@example.org>".into(),
        sms_url: "https://sms.example.org/send".into(),
        sms_api_key: "key".into(),
        reminder_hours: 48,
        ..MessagingSettings::default()
    };
    db.save_messaging_settings(&a, &Actor::system(), &s, 0).await.unwrap();
    assert!(matches!(db.save_messaging_settings(&a, &Actor::system(), &s, 0).await, Err(StoreError::Conflict)));
    // Saving without secrets keeps the stored ones.
    let blank = MessagingSettings { smtp_password: String::new(), sms_api_key: String::new(), reminder_hours: 12, ..s };
    db.save_messaging_settings(&a, &Actor::system(), &blank, 1).await.unwrap();
    let saved = db.messaging_settings(&a).await.unwrap();
    assert_eq!(
        (saved.smtp_password.as_str(), saved.sms_api_key.as_str(), saved.reminder_hours, saved.version),
        ("s3cret", "key", 12, 2)
    );
    // Issue 10 item 7: a blank secret is not carried to a new server.
    let elsewhere = MessagingSettings {
        smtp_host: "mail.attacker.example".into(),
        sms_url: "https://sms.attacker.example/send".into(),
        ..blank.clone()
    };
    db.save_messaging_settings(&a, &Actor::system(), &elsewhere, 2).await.unwrap();
    let saved = db.messaging_settings(&a).await.unwrap();
    assert_eq!((saved.smtp_password.as_str(), saved.sms_api_key.as_str()), ("", ""));
    let other_port = MessagingSettings { smtp_port: 2525, smtp_password: "again".into(), ..elsewhere.clone() };
    db.save_messaging_settings(&a, &Actor::system(), &other_port, 3).await.unwrap();
    let moved = MessagingSettings { smtp_port: 25, smtp_password: String::new(), ..other_port };
    db.save_messaging_settings(&a, &Actor::system(), &moved, 4).await.unwrap();
    assert_eq!(db.messaging_settings(&a).await.unwrap().smtp_password, "", "a new port is a new server");
}
