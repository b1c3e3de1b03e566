//! The diary as a link worker works it (issue 12), on both engines: a week in one table
//! with the free time in it, booking from a free period, and moving a session — recorded
//! as cancelled by whoever asked, booked again by the usual rules, its reminder moved and
//! the person told once.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;

use crate::support::{count, exec, location, london_date, next_monday_at, spawn};

both_engines!(a_week_is_one_table_with_the_free_time_to_book_into);
both_engines!(moving_a_session_from_the_diary_tells_the_person_once);

fn day_of(iso: &str) -> jiff::civil::Date {
    iso.parse().unwrap()
}

/// The rows of the first table on a page (its heading row left out).
fn rows(html: &str) -> usize {
    html.matches("<tr class=\"nhsuk-table__row").count() - 1
}

async fn a_week_is_one_table_with_the_free_time_to_book_into(engine: Engine) {
    let app = spawn(engine).await;
    let worker = app.a.user(Role::LinkWorker);
    let monday = london_date(next_monday_at(10));
    let link_worker = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let html = link_worker.text(&format!("/diary?date={monday}")).await;
    assert_eq!(html.matches("<table").count(), 1, "the week in one table: {html}");
    assert!(!html.contains(">Link worker</th>"), "no worker column in one's own diary");
    // Monday: the seeded 45-minute initial session at 10:00, and free time around it; the
    // other weekdays free all day (the default hours, 09:00 to 17:00); the weekend not.
    assert!(html.contains("10:00–10:45"), "{html}");
    assert!(html.contains("09:00–10:00") && html.contains("10:45–17:00"), "{html}");
    assert_eq!(rows(&html), 1 + 2 + 4, "a session, two free periods on Monday, four free days");
    assert!(html.contains("1 session; 6 free periods to book into."), "{html}");
    let book = format!("/diary/book?worker={}&amp;at={monday}T10:45", worker.id);
    assert!(html.contains(&format!("href=\"{book}\"")), "{html}");
    assert!(html.contains(&format!("href=\"/sessions/{}/move\"", app.a.case.session)), "{html}");

    // The API gives the same free time.
    let (status, api) = crate::support::api_call(
        &app,
        reqwest::Method::GET,
        &format!("/api/v1/diary?from={monday}&days=7"),
        Role::LinkWorker,
        None,
    )
    .await;
    assert_eq!(status, 200, "{api}");
    let free = api["free"].as_array().unwrap();
    assert_eq!(free.len(), 6, "{api}");
    let nine = jiff::civil::date(day_of(&monday).year(), day_of(&monday).month(), day_of(&monday).day()).at(9, 0, 0, 0);
    let nine = nine.to_zoned(linkwell_domain::time::london()).unwrap().timestamp();
    assert_eq!(free[0]["starts_at"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap(), nine, "{api}");

    // Booking from the free period: whose session, then the booking form filled in.
    let book = book.replace("&amp;", "&");
    let choose = link_worker.text(&book).await;
    assert!(choose.contains("Margaret Oakes"), "{choose}");
    let r = link_worker.get(&format!("{book}&referral={}", app.a.case.referral)).await;
    assert_eq!(r.status(), 303);
    let form = location(&r);
    assert_eq!(form, format!("/referrals/{}/sessions/new?date={monday}&time=10:45", app.a.case.referral));
    let html = link_worker.text(&form).await;
    let day: jiff::civil::Date = monday.parse().unwrap();
    for (name, value) in [("day", day.day().to_string()), ("year", day.year().to_string()), ("time", "10:45".into())] {
        assert!(html.contains(&format!("name=\"{name}\" type=\"text\" value=\"{value}\"")), "{name}: {html}");
    }
    // The rooms offered are those where the person goes: their practice's sites.
    assert!(html.contains("Riverside Surgery – Wellbeing room"), "{html}");
    let actor = linkwell_store::Actor::system();
    let hall = app.db.create_site(&app.a.scope, &actor, None, "Church hall", "2 Low St", None).await.unwrap();
    app.db.create_room(&app.a.scope, &actor, hall.id, "Back room").await.unwrap();
    let html = link_worker.text(&form).await;
    assert!(html.contains("Riverside Surgery – Wellbeing room") && !html.contains("Church hall"), "{html}");
    // A case at a practice with no rooms of its own is offered every room.
    exec(&app.db, &format!("UPDATE referrals SET practice_id = NULL WHERE id = '{}'", app.a.case.referral)).await;
    let html = link_worker.text(&form).await;
    assert!(html.contains("Church hall – Back room"), "{html}");

    // A case that is not theirs is not one to choose; nor is another organisation's.
    for other in [app.a.case.discharged.to_string(), app.b.case.referral.to_string()] {
        let r = link_worker.get(&format!("{book}&referral={other}")).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("href=\"#referral\""));
    }
    let r = link_worker.get("/diary/book?at=soon").await;
    assert_eq!(r.status(), 400);

    // A room's diary says whose each session is.
    let (room, sid) = (app.a.room.id, app.a.case.session);
    exec(&app.db, &format!("UPDATE sessions SET mode = 'in_person', room_id = '{room}' WHERE id = '{sid}'")).await;
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let html = coordinator.text(&format!("/rooms/{}/diary?date={monday}", app.a.room.id)).await;
    assert!(html.contains(">Link worker</th>"), "{html}");
    assert!(!html.contains("free period"), "a room has no working hours: {html}");
}

async fn moving_a_session_from_the_diary_tells_the_person_once(engine: Engine) {
    let app = spawn(engine).await;
    let person = app.a.case.person;
    exec(&app.db, &format!("UPDATE people SET preferred_channel = 'sms' WHERE id = '{person}'")).await;
    let sid = app.a.case.session;
    let link_worker = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let html = link_worker.text(&format!("/sessions/{sid}/move")).await;
    assert!(html.contains("Move the initial session"), "{html}");
    assert!(html.contains("name=\"time\" type=\"text\" value=\"10:00\""), "the form starts where it is: {html}");

    let tuesday: jiff::civil::Date =
        london_date(next_monday_at(10)).parse::<jiff::civil::Date>().unwrap().tomorrow().unwrap();
    let (d, m, y) = (tuesday.day().to_string(), tuesday.month().to_string(), tuesday.year().to_string());
    let fields = |asked_by: &'static str, time: &'static str| {
        let (d, m, y) = (d.clone(), m.clone(), y.clone());
        move |version: &'static str| {
            vec![
                ("version", version.to_owned()),
                ("day", d.clone()),
                ("month", m.clone()),
                ("year", y.clone()),
                ("time", time.to_owned()),
                ("mode", "telephone".to_owned()),
                ("asked_by", asked_by.to_owned()),
            ]
        }
    };
    let post = async |fields: Vec<(&str, String)>| {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        link_worker.post_form(&format!("/sessions/{sid}/move"), &f).await
    };
    // Who asked is required, and a time outside the worker's hours is refused: nothing moves.
    let r = post(fields("", "14:00")("1")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#asked_by\""));
    let r = post(fields("service", "20:00")("1")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#time\""));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM sessions WHERE status = 'booked'").await, 2, "Margaret's, and B's");

    let r = post(fields("service", "14:00")("1")).await;
    assert_eq!(r.status(), 303);
    let worker = app.a.user(Role::LinkWorker).id;
    assert_eq!(location(&r), format!("/diary?worker={worker}&date={tuesday}"));
    let diary = link_worker.text(&location(&r)).await;
    assert!(diary.contains("Session moved to") && diary.contains("14:00–14:45"), "{diary}");
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM sessions WHERE status = 'cancelled_by_service' AND notes LIKE 'Moved to %'"
        )
        .await,
        1
    );
    // Told once, now; reminded before the new time.
    assert_eq!(
        count(&app.db, "SELECT COUNT(*) FROM outbox WHERE purpose = 'session_moved' AND status = 'pending'").await,
        1
    );
    assert_eq!(
        count(&app.db, "SELECT COUNT(*) FROM outbox WHERE purpose = 'session_reminder' AND status = 'pending'").await,
        1
    );
    let body: String = {
        let sql = "SELECT body FROM outbox WHERE purpose = 'session_moved'";
        match &app.db {
            linkwell_store::Db::Sqlite(d) => sqlx::query_scalar(sql).fetch_one(&d.writes).await.unwrap(),
            linkwell_store::Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        }
    };
    assert!(body.contains("has moved") && body.contains("at 14:00") && body.contains("by phone"), "{body}");
    // The old form again is stale: the session moved already.
    let r = post(fields("service", "15:00")("1")).await;
    assert_ne!(r.status(), 303);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM outbox WHERE purpose = 'session_moved'").await, 1);
}
