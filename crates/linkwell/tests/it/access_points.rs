//! The other ways in and out of casework, on both engines: the public self-referral form
//! (opened in settings), diaries of workers and rooms, and the worker's calendar feed.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;

use crate::support::{count, next_monday_at, spawn};

both_engines!(self_referral_is_opened_by_an_admin_and_flags_duplicates, diaries_and_the_calendar_feed);

async fn self_referral_is_opened_by_an_admin_and_flags_duplicates(engine: Engine) {
    let app = spawn(engine).await;
    let public = app.client();
    assert_eq!(public.get("/self-referral/a").await.status(), 404, "closed until an admin opens it");
    assert_eq!(public.get("/self-referral/nowhere").await.status(), 404);

    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let settings = admin.text("/admin/settings").await;
    let version = settings.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = admin.post_form("/admin/settings", &[("version", &version), ("self_referral", "on")]).await;
    assert_eq!(r.status(), 303);
    assert!(admin.text("/admin/settings").await.contains("checked"));
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'settings_changed' AND entity_type = 'organisation'"
        )
        .await,
        1
    );

    // Anyone may now refer themselves; bad input names the fields and stores nothing.
    let form = public.text("/self-referral/a").await;
    assert!(form.contains("Refer yourself to social prescribing") && form.contains("About you"));
    let before = count(&app.db, "SELECT COUNT(*) FROM referrals").await;
    let r = public.post_form("/self-referral/a", &[("given_name", "Margaret")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter your last name") && html.contains("Select what you would like help with"), "{html}");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM referrals").await, before);
    // The seeded Margaret Oakes refers herself: the form never says she is known.
    let r = public
        .post_form(
            "/self-referral/a",
            &[
                ("given_name", "Margaret"),
                ("family_name", "Oakes"),
                ("dob_day", "27"),
                ("dob_month", "3"),
                ("dob_year", "1951"),
                ("sex", "female"),
                ("phone", "07700 900982"),
                ("preferred_channel", "phone"),
                ("consent_contact", "true"),
                ("needs", "money_debt"),
                ("consent_confirmed", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Your referral has been sent") && !html.contains("already"));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM referrals").await, before + 1);
    assert_eq!(
        count(&app.db, "SELECT COUNT(*) FROM referrals WHERE source = 'self' AND referrer_user_id IS NULL").await,
        1
    );

    // The coordinator sees it on the waiting list, flagged as a possible duplicate to merge.
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let waiting = coordinator.text("/waiting-list").await;
    let id = waiting.split("href=\"/referrals/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let case = coordinator.text(&format!("/referrals/{id}")).await;
    assert!(
        case.contains("Self-referral") && case.contains("This person might already be known to the service"),
        "{case}"
    );

    // Closing it again.
    let settings = admin.text("/admin/settings").await;
    let version = settings.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    admin.post_form("/admin/settings", &[("version", &version)]).await;
    assert_eq!(public.get("/self-referral/a").await.status(), 404);
}

async fn diaries_and_the_calendar_feed(engine: Engine) {
    let app = spawn(engine).await;
    let monday = next_monday_at(10).to_zoned(linkwell_domain::time::london()).date();
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    // The seeded case's initial session, Monday 10:00, by telephone.
    let day = lw.text(&format!("/diary?date={monday}&view=day")).await;
    assert!(day.contains("10:00–10:45") && day.contains("Margaret Oakes") && day.contains("Telephone"), "{day}");
    let week = lw.text(&format!("/diary?date={}", monday.tomorrow().unwrap())).await;
    assert!(week.contains("Week of") && week.contains("Margaret Oakes"));
    let tuesday = lw.text(&format!("/diary?date={}&view=day", monday.tomorrow().unwrap())).await;
    assert!(
        tuesday.contains("0 sessions; 1 free period to book into.") && tuesday.contains("09:00–17:00"),
        "{tuesday}"
    );
    assert_eq!(lw.get("/diary?date=someday").await.status(), 400);
    // A coordinator opens anyone's diary; a link worker always gets their own.
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let worker = app.a.user(Role::LinkWorker).id;
    let theirs = coordinator.text(&format!("/diary?worker={worker}&date={monday}")).await;
    assert!(theirs.contains("Margaret Oakes"));
    let own = lw.text(&format!("/diary?worker={}&date={monday}", app.a.user(Role::Coordinator).id)).await;
    assert!(own.contains("Your diary"));
    let rooms = lw.text("/rooms").await;
    assert!(rooms.contains(&format!("/rooms/{}/diary", app.a.room.id)));
    assert_eq!(lw.get(&format!("/rooms/{}/diary", app.a.room.id)).await.status(), 200);

    // Working hours: bad times are named; a day off refuses bookings; a coordinator sets
    // a worker's week.
    let r = lw
        .post_form(
            "/account/hours",
            &[("starts_1", "9"), ("ends_1", "17:00"), ("starts_2", "17:00"), ("ends_2", "09:00")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter a time in 24-hour format") && html.contains("Tuesday must end after it starts"));
    let mut week: Vec<(String, String)> = Vec::new();
    for d in 1..=7 {
        if d == 1 || d >= 6 {
            week.push((format!("off_{d}"), "true".into()));
        } else {
            week.push((format!("starts_{d}"), "08:30".into()));
            week.push((format!("ends_{d}"), "16:30".into()));
        }
    }
    let fields: Vec<(&str, &str)> = week.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(lw.post_form("/account/hours", &fields).await.status(), 303);
    let hours = lw.text("/account/hours").await;
    assert!(
        hours.contains("id=\"off_1\" name=\"off_1\" type=\"checkbox\" value=\"true\" checked")
            && hours.contains("value=\"08:30\"")
    );
    let worker_token = app.token(&app.a, app.a.user(Role::LinkWorker)).await;
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/referrals/{}/sessions", app.a.case.referral)))
        .bearer_auth(&worker_token)
        .json(&serde_json::json!({"date": monday.checked_add(jiff::Span::new().weeks(1)).unwrap().to_string(), "time": "11:00", "mode": "telephone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "Monday is now a day off");
    let mut with_worker = fields.clone();
    let worker_id = worker.to_string();
    with_worker.push(("worker", &worker_id));
    with_worker.retain(|(k, _)| *k != "off_1");
    with_worker.push(("starts_1", "10:00"));
    with_worker.push(("ends_1", "14:00"));
    assert_eq!(coordinator.post_form("/account/hours", &with_worker).await.status(), 303);
    assert!(coordinator.text(&format!("/account/hours?worker={worker}")).await.contains("value=\"14:00\""));

    // The calendar feed: shown once, initials only, a new address retires the old one.
    let page = lw.post_form("/account/calendar", &[]).await.text().await.unwrap();
    let url = page.split("data-testid=\"feed-url\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with(".ics"), "{url}");
    let ics = reqwest::get(&url).await.unwrap();
    assert_eq!(ics.headers()["content-type"], "text/calendar; charset=utf-8");
    let ics = ics.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains("SUMMARY:Initial session with M. O.\r\n"), "{ics}");
    assert!(!ics.contains("Margaret") && !ics.contains("Oakes"), "initials only");
    assert!(lw.text("/account/calendar").await.contains("Your feed has been on since"));
    let page = lw.post_form("/account/calendar", &[]).await.text().await.unwrap();
    let newer = page.split("data-testid=\"feed-url\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404, "the old address stops working");
    assert_eq!(reqwest::get(&newer).await.unwrap().status(), 200);
    lw.post_form("/account/calendar/revoke", &[]).await;
    assert_eq!(reqwest::get(&newer).await.unwrap().status(), 404);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM calendar_feeds WHERE revoked_at IS NULL").await, 0);
}
