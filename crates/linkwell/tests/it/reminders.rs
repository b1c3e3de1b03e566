//! Session reminders through real peers on loopback, on both engines: queued with the
//! booking, sent once by the person's preferred channel, retried when the server fails,
//! cancelled with the session, and shown (masked) to admins.

use std::time::Duration;

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use linkwell_web::Config;
use serde_json::{Value, json};

use crate::peers::{Peer, silent, sms_gateway, smtp};
use crate::support::{Client, count, next_monday_at, spawn_with};

both_engines!(
    reminders_go_by_text_and_email_once_with_retries,
    secrets_go_only_to_public_servers_they_were_given_for,
    a_reminder_goes_only_if_still_wanted_to_whoever_the_person_is_now,
    one_organisations_hung_server_does_not_hold_up_another,
);

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
        // The peers are on loopback.
        allow_private_messaging_hosts: true,
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
        linkwell_store::Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
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

/// Issue 10 item 7: saving with a blank secret kept the stored one even when the host
/// changed, and any address was accepted, so an admin could have the stored SMTP password
/// sent to a server of their own or aim the service at internal hosts.
async fn secrets_go_only_to_public_servers_they_were_given_for(engine: Engine) {
    let app = crate::support::spawn(engine).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let html = admin.text("/admin/settings").await;
    let v = html.split("name=\"messaging_version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    for (field, value, message) in [
        ("smtp_host", "127.0.0.1", "private, loopback or link-local address"),
        ("smtp_host", "localhost", "private, loopback or link-local address"),
        ("smtp_host", "169.254.169.254", "private, loopback or link-local address"),
        ("sms_url", "https://10.0.0.8/send", "private, loopback or link-local address"),
        ("sms_url", "http://sms.example/send", "starting https://"),
        ("smtp_host", "no-such-host.invalid", "could not find this server"),
    ] {
        let mut fields = vec![
            ("messaging_version", v.as_str()),
            ("smtp_port", "587"),
            ("smtp_security", "starttls"),
            ("reminder_hours", "24"),
            ("smtp_from", "W <w@a.example>"),
        ];
        fields.push((field, value));
        let r = admin.post_form("/admin/settings/messaging", &fields).await;
        assert_eq!(r.status(), 422, "{field}={value}");
        let html = r.text().await.unwrap();
        assert!(html.contains(message) && html.contains(&format!("href=\"#{field}\"")), "{field}={value}: {message}");
    }
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM messaging_settings").await, 0, "nothing saved");

    // Where private hosts are allowed, a stored password still goes only to its server.
    let config = Config {
        allow_private_messaging_hosts: true,
        sign_in_burst: 1000,
        sign_in_replenish_seconds: 1,
        ..Config::default()
    };
    let app = spawn_with(engine, config).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let base =
        [("smtp_security", "none"), ("smtp_from", "W <w@a.example>"), ("reminder_hours", "24"), ("sms_sender", "W")];
    let with = |extra: &[(&'static str, &'static str)]| base.iter().chain(extra).copied().collect::<Vec<_>>();
    save_settings(
        &admin,
        &with(&[
            ("smtp_host", "127.0.0.1"),
            ("smtp_port", "2525"),
            ("smtp_password", "s3cret"),
            ("sms_url", "http://127.0.0.1:9/send"),
            ("sms_api_key", "key"),
        ]),
    )
    .await;
    save_settings(
        &admin,
        &with(&[("smtp_host", "127.0.0.1"), ("smtp_port", "2525"), ("sms_url", "http://127.0.0.1:9/send")]),
    )
    .await;
    let html = admin.text("/admin/settings").await;
    let v = html.split("name=\"messaging_version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let mut moved = with(&[("smtp_host", "127.0.0.2"), ("smtp_port", "2525"), ("sms_url", "http://127.0.0.2:9/send")]);
    moved.push(("messaging_version", &v));
    let r = admin.post_form("/admin/settings/messaging", &moved).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter the password again: the SMTP server has changed"));
    assert!(html.contains("Enter the API key again: the gateway&#39;s address has changed"));
}

async fn outbox_messages(app: &crate::support::TestApp, sql: &'static str) -> i64 {
    count(&app.db, sql).await
}

/// Issue 10 item 8: reminders fixed their recipient at booking. The recipient, their
/// consent and the referral are read when the reminder goes.
async fn a_reminder_goes_only_if_still_wanted_to_whoever_the_person_is_now(engine: Engine) {
    // The background sender waits an hour between rounds: this test sends by hand.
    let config = Config {
        outbox_every: Duration::from_secs(3600),
        allow_private_messaging_hosts: true,
        sign_in_burst: 1000,
        sign_in_replenish_seconds: 1,
        ..Config::default()
    };
    let app = spawn_with(engine, config).await;
    let texts = sms_gateway(0).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let sms_url = format!("http://127.0.0.1:{}/send", texts.port);
    save_settings(
        &admin,
        &[
            ("smtp_port", "587"),
            ("smtp_security", "starttls"),
            ("sms_url", &sms_url),
            ("sms_api_key", "k"),
            ("sms_sender", "W"),
            ("reminder_hours", "336"),
        ],
    )
    .await;
    let worker = app.token(&app.a, app.a.user(Role::LinkWorker)).await;
    let http = reqwest::Client::new();
    // The seeded person prefers texts from now on.
    let person = app.a.case.person;
    crate::support::exec(
        &app.db,
        &format!("UPDATE people SET preferred_channel = 'sms', phone = '07700 900111' WHERE id = '{person}'"),
    )
    .await;
    // Within the 336 hours before each session, so each reminder is due at once.
    let book = async |week: i64, time: &str| {
        let day = next_monday_at(15)
            .to_zoned(linkwell_domain::time::london())
            .date()
            .checked_add(jiff::Span::new().weeks(week))
            .unwrap();
        let r = http
            .post(app.url(&format!("/api/v1/referrals/{}/sessions", app.a.case.referral)))
            .bearer_auth(&worker)
            .json(&json!({"date": day.to_string(), "time": time, "mode": "telephone"}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    };
    let send = async || linkwell_app::messaging::reminders::send_due(&app.db, true).await.unwrap();

    // Consent withdrawn after booking: nothing goes, and the message says why it did not.
    book(0, "15:00").await;
    crate::support::exec(&app.db, &format!("UPDATE people SET consent_contact = false WHERE id = '{person}'")).await;
    assert_eq!(send().await, 0);
    assert_eq!(outbox_messages(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'cancelled' AND last_error = 'the person no longer agrees to be contacted'").await, 1);

    // A new phone number after booking: the text goes to the number they have now.
    crate::support::exec(
        &app.db,
        &format!("UPDATE people SET consent_contact = true, phone = '07700 900999' WHERE id = '{person}'"),
    )
    .await;
    book(1, "15:00").await;
    assert_eq!(send().await, 1);
    let got = texts.messages();
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("07700 900999") && !got[0].contains("07700 900111"), "{got:?}");

    // Discharged after booking: nothing goes.
    book(0, "16:00").await;
    let r: Value = http
        .get(app.url(&format!("/api/v1/referrals/{}", app.a.case.referral)))
        .bearer_auth(&worker)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = http
        .post(app.url(&format!("/api/v1/referrals/{}/discharge", app.a.case.referral)))
        .bearer_auth(&worker)
        .json(&json!({"version": r["version"], "reason": "goals_met", "summary": "Done."}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(send().await, 0);
    assert_eq!(texts.messages().len(), 1);
    assert_eq!(outbox_messages(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'").await, 0);
}

/// Issue 10 item 17: fifty messages were sent one after another with 20-second timeouts,
/// so one organisation's slow SMTP server delayed everyone's.
async fn one_organisations_hung_server_does_not_hold_up_another(engine: Engine) {
    let config = Config {
        outbox_every: Duration::from_millis(100),
        allow_private_messaging_hosts: true,
        sign_in_burst: 1000,
        sign_in_replenish_seconds: 1,
        ..Config::default()
    };
    let app = spawn_with(engine, config).await;
    let hung = silent().await;
    let working = smtp(0).await;
    for (org, port) in [(&app.a, hung.port), (&app.b, working.port)] {
        let s = linkwell_store::outbox::MessagingSettings {
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            smtp_security: "none".into(),
            smtp_from: "W <w@example.org>".into(),
            ..Default::default()
        };
        app.db.save_messaging_settings(&org.scope, &linkwell_store::Actor::system(), &s, 0).await.unwrap();
        for i in 0..3 {
            let m = linkwell_store::outbox::NewMessage {
                channel: linkwell_store::outbox::Channel::Email,
                recipient: format!("person{i}@example.org"),
                subject: "Hello".into(),
                body: "A message".into(),
                purpose: "test",
                session_id: None,
                due_at: 0,
            };
            let mut tx = app.db.begin().await.unwrap();
            linkwell_store::outbox::enqueue_in(&mut tx, &org.scope, &m).await.unwrap();
            tx.commit().await.unwrap();
        }
    }
    // B's messages go while A's server still has not answered its first.
    let got = wait_for(&working, 3).await;
    assert_eq!(got.len(), 3);
    // The last is recorded just after the server took it.
    let mut sent = 0;
    for _ in 0..100 {
        sent = outbox_messages(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await;
        if sent == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sent, 3, "B's three, none of A's");
}
