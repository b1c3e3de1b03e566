//! Session reminders through real peers on loopback, on both engines: queued with the
//! booking, sent once by the person's preferred channel, retried when the server fails,
//! cancelled with the session, and shown (masked) to admins.

use std::time::Duration;

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use linkwell_web::Config;
use serde_json::{Value, json};

use crate::peers::{Peer, sms_gateway, smtp};
use crate::support::{Client, count, next_monday_at, spawn_with};

both_engines!(reminders_go_by_text_and_email_once_with_retries);

async fn wait_for(peer: &Peer, n: usize) -> Vec<String> {
    for _ in 0..200 {
        if peer.messages().len() >= n {
            return peer.messages();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the peer received {} of {n} messages", peer.messages().len());
}

async fn save_settings(admin: &Client, fields: &[(&str, &str)]) {
    let html = admin.text("/admin/settings").await;
    let v = html.split("name=\"messaging_version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let mut all = vec![("messaging_version", v.as_str())];
    all.extend_from_slice(fields);
    let r = admin.post_form("/admin/settings/messaging", &all).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
}

async fn reminders_go_by_text_and_email_once_with_retries(engine: Engine) {
    let config = Config {
        sign_in_burst: 1000,
        sign_in_replenish_seconds: 1,
        outbox_every: Duration::from_millis(100),
        ..Config::default()
    };
    let app = spawn_with(engine, config).await;
    let mail = smtp(1).await;
    let texts = sms_gateway(1).await;

    // Bad settings are refused field by field.
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let html = admin.text("/admin/settings").await;
    let v = html.split("name=\"messaging_version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = admin
        .post_form(
            "/admin/settings/messaging",
            &[
                ("messaging_version", &v),
                ("smtp_host", "mail"),
                ("smtp_port", "0"),
                ("smtp_security", "maybe"),
                ("smtp_from", "nobody"),
                ("sms_url", "ftp://x"),
                ("reminder_hours", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for m in [
        "Enter a port from 1 to 65535",
        "Select how to connect",
        "Enter the sender&#39;s address",
        "starting https://",
        "Enter hours from 1 to 336",
    ] {
        assert!(html.contains(m), "{m}");
    }
    let (smtp_port, sms_url) = (mail.port.to_string(), format!("http://127.0.0.1:{}/send", texts.port));
    let settings = [
        ("smtp_host", "127.0.0.1"),
        ("smtp_port", smtp_port.as_str()),
        ("smtp_security", "none"),
        ("smtp_from", "Riverside Wellbeing <wellbeing@a.example>"),
        ("sms_url", sms_url.as_str()),
        ("sms_api_key", "gateway-key"),
        ("sms_sender", "Riverside"),
        ("reminder_hours", "336"),
    ];
    save_settings(&admin, &settings).await;
    let page = admin.text("/admin/settings").await;
    assert!(!page.contains("gateway-key") && page.contains("A key is saved"), "secrets are never shown back");

    // Two people referred, one preferring texts and one email; each gets a session.
    let http = reqwest::Client::new();
    let token = |role| app.token(&app.a, app.a.user(role));
    let (referrer, coordinator, worker) =
        (token(Role::Referrer).await, token(Role::Coordinator).await, token(Role::LinkWorker).await);
    let call = async |token: &str, path: &str, body: Value| -> Value {
        let r = http.post(app.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(status.is_success(), "{path}: {v}");
        v
    };
    let monday = next_monday_at(15).to_zoned(linkwell_domain::time::london()).date().to_string();
    let mut sessions = Vec::new();
    for (given, channel, contact) in [
        ("Tess", "sms", json!({"phone": "07700 900111"})),
        ("Eli", "email", json!({"phone": "07700 900222", "email": "eli@people.example"})),
    ] {
        let mut person = json!({"given_name": given, "family_name": "Reminded", "date_of_birth": "1960-05-05", "sex": "female", "preferred_channel": channel, "consent_contact": true});
        person.as_object_mut().unwrap().extend(contact.as_object().unwrap().clone());
        let r = call(&referrer, "/api/v1/referrals", json!({"person": person, "referral": {"source": "gp", "needs": ["loneliness"], "urgency": "routine", "consent_confirmed": true}})).await;
        let id = r["id"].as_str().unwrap().to_owned();
        let worker_id = app.a.user(Role::LinkWorker).id.to_string();
        let r = call(
            &coordinator,
            &format!("/api/v1/referrals/{id}/triage"),
            json!({"action": "accept", "version": r["version"], "worker_id": worker_id}),
        )
        .await;
        call(
            &worker,
            &format!("/api/v1/referrals/{id}/contact-attempts"),
            json!({"version": r["version"], "channel": "phone", "outcome": "reached"}),
        )
        .await;
        let time = if channel == "sms" { "15:00" } else { "16:00" };
        let s = call(
            &worker,
            &format!("/api/v1/referrals/{id}/sessions"),
            json!({"date": monday, "time": time, "mode": "telephone"}),
        )
        .await;
        sessions.push((id, s));
    }

    // The text: refused once (503), retried, then sent once with the gateway's key.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let retrying =
        count(&app.db, "SELECT COUNT(*) FROM outbox WHERE channel = 'sms' AND status = 'pending' AND attempts = 1")
            .await;
    assert_eq!(retrying, 1, "the first attempt failed and waits for its retry");
    // Bring the retry forward instead of waiting its minute.
    match &app.db {
        linkwell_store::Db::Sqlite(p) => {
            sqlx::query("UPDATE outbox SET due_at = 0 WHERE status = 'pending'").execute(p).await.map(|_| ())
        }
        linkwell_store::Db::Postgres(p) => {
            sqlx::query("UPDATE outbox SET due_at = 0 WHERE status = 'pending'").execute(p).await.map(|_| ())
        }
    }
    .unwrap();
    let got = wait_for(&texts, 1).await;
    assert!(got[0].starts_with("Bearer gateway-key\n"), "{got:?}");
    let body: Value = serde_json::from_str(got[0].split_once('\n').unwrap().1).unwrap();
    assert_eq!((body["to"].as_str(), body["from"].as_str()), (Some("07700 900111"), Some("Riverside")));
    assert!(
        body["body"].as_str().unwrap().starts_with("Reminder from a PCN: your social prescribing appointment is on")
    );
    assert!(body["body"].as_str().unwrap().contains("at 15:00, by phone"));

    // The email: the SMTP server said 451 first; the retry delivered it.
    let mails = wait_for(&mail, 1).await;
    assert!(
        mails[0].contains("Subject: Your appointment on") && mails[0].contains("To: eli@people.example"),
        "{}",
        mails[0]
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!((texts.messages().len(), mail.messages().len()), (1, 1), "each sent once");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await, 2);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'message_sent'").await, 2);

    // Admins see what went, masked; the log of sends holds no recipient.
    let outbox = admin.text("/admin/outbox").await;
    assert!(outbox.contains("07•••••0111") && outbox.contains("e•••@people.example") && !outbox.contains("900111"));

    // A reminder not yet due is cancelled with its session.
    save_settings(
        &admin,
        &[
            ("smtp_host", "127.0.0.1"),
            ("smtp_port", smtp_port.as_str()),
            ("smtp_security", "none"),
            ("smtp_from", "Riverside Wellbeing <wellbeing@a.example>"),
            ("sms_url", sms_url.as_str()),
            ("sms_sender", "Riverside"),
            ("reminder_hours", "1"),
        ],
    )
    .await;
    let (id, _) = &sessions[0];
    let next = next_monday_at(15)
        .to_zoned(linkwell_domain::time::london())
        .date()
        .checked_add(jiff::Span::new().weeks(1))
        .unwrap()
        .to_string();
    let s = call(
        &worker,
        &format!("/api/v1/referrals/{id}/sessions"),
        json!({"date": next, "time": "15:00", "mode": "telephone"}),
    )
    .await;
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'").await, 1);
    call(
        &worker,
        &format!("/api/v1/sessions/{}/outcome", s["id"].as_str().unwrap()),
        json!({"version": 1, "outcome": "cancelled_by_person"}),
    )
    .await;
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM outbox WHERE status = 'cancelled'").await, 1);
}
