//! Sessions through the API, one behaviour each, on both engines: an outcome's notes read
//! back, attending makes a waiting referral active, moving a session is one change, and
//! dates are ISO 8601 with ISO examples.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use reqwest::Method as M;
use serde_json::json;

use crate::support::{api_call, last_monday_at, london_date, next_monday_at, problem_fields, spawn};

both_engines!(attending_makes_a_waiting_referral_active_and_the_notes_read_back);
both_engines!(moving_a_session_cancels_it_and_books_the_same_kind_in_one_change);
both_engines!(a_move_that_cannot_be_booked_changes_nothing);
both_engines!(api_dates_are_iso_and_say_so);
both_engines!(diaries_show_names_only_on_the_callers_cases);

async fn attending_makes_a_waiting_referral_active_and_the_notes_read_back(engine: Engine) {
    let app = spawn(engine).await;
    let (status, created) = api_call(&app, M::POST, "/api/v1/referrals", Role::Coordinator, Some(json!({
        "person": {"given_name": "Albert", "family_name": "Njoku", "date_of_birth": "1948-02-14", "sex": "male", "phone": "07700 900123", "preferred_channel": "phone"},
        "referral": {"source": "gp", "needs": ["loneliness"], "urgency": "routine", "consent_confirmed": true}
    }))).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let worker = app.a.user(Role::LinkWorker).id.to_string();
    let triage = json!({"action": "accept", "version": created["version"], "worker_id": worker});
    let (_, accepted) =
        api_call(&app, M::POST, &format!("/api/v1/referrals/{id}/triage"), Role::Coordinator, Some(triage)).await;
    assert_eq!(accepted["status"], "accepted");
    let when = last_monday_at(14);
    let (status, session) = api_call(
        &app,
        M::POST,
        &format!("/api/v1/referrals/{id}/sessions"),
        Role::LinkWorker,
        Some(json!({"date": london_date(when), "time": "14:00", "mode": "telephone"})),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    let sid = session["id"].as_str().unwrap().to_owned();
    assert_eq!((session["status"].as_str(), session["notes"].as_str()), (Some("booked"), Some("")));

    let outcome = json!({"version": 1, "outcome": "attended", "notes": "  Talked about the walking group.  "});
    let (status, held) =
        api_call(&app, M::POST, &format!("/api/v1/sessions/{sid}/outcome"), Role::LinkWorker, Some(outcome)).await;
    assert_eq!(status, 200, "{held}");
    let (status, read) = api_call(&app, M::GET, &format!("/api/v1/sessions/{sid}"), Role::LinkWorker, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (read["status"].as_str(), read["notes"].as_str()),
        (Some("attended"), Some("Talked about the walking group."))
    );
    let (_, referral) = api_call(&app, M::GET, &format!("/api/v1/referrals/{id}"), Role::LinkWorker, None).await;
    assert_eq!(referral["status"], "active", "coming to a session is contact made");

    // Once only; and too long notes are refused by name.
    let again = json!({"version": 2, "outcome": "did_not_attend"});
    let (status, _) =
        api_call(&app, M::POST, &format!("/api/v1/sessions/{sid}/outcome"), Role::LinkWorker, Some(again)).await;
    assert_eq!(status, 409);
    let long = json!({"version": 2, "outcome": "attended", "notes": "x".repeat(8001)});
    let (status, p) =
        api_call(&app, M::POST, &format!("/api/v1/sessions/{sid}/outcome"), Role::LinkWorker, Some(long)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["notes"]));
    // Another organisation's session is not there.
    let (status, _) =
        api_call(&app, M::GET, &format!("/api/v1/sessions/{}", app.b.case.session), Role::LinkWorker, None).await;
    assert_eq!(status, 404);
}

async fn moving_a_session_cancels_it_and_books_the_same_kind_in_one_change(engine: Engine) {
    let app = spawn(engine).await;
    let sid = app.a.case.session;
    let path = format!("/api/v1/sessions/{sid}/reschedule");
    let later = next_monday_at(11);
    let to = |version: i64| json!({"version": version, "asked_by": "person", "to": {"date": london_date(later), "time": "11:30", "mode": "telephone"}});

    let (status, p) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(json!({"version": 1, "asked_by": "nobody", "to": {"date": "31/12/2026", "time": "11:30", "mode": "carrier_pigeon"}}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["asked_by", "to.date", "to.mode"]), "{p}");
    assert_eq!(p["errors"][1]["message"], "Enter a real date, like 2027-03-27");
    let (status, _) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(to(7))).await;
    assert_eq!(status, 409, "a stale version");

    let (status, moved) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(to(1))).await;
    assert_eq!(status, 201, "{moved}");
    assert_eq!((moved["kind"].as_str(), moved["status"].as_str()), (Some("initial"), Some("booked")));
    assert_ne!(moved["id"], sid.to_string());
    let (_, old) = api_call(&app, M::GET, &format!("/api/v1/sessions/{sid}"), Role::LinkWorker, None).await;
    assert_eq!(old["status"], "cancelled_by_person");
    assert!(old["notes"].as_str().unwrap().starts_with("Moved to "), "{old}");
    let (_, all) =
        api_call(&app, M::GET, &format!("/api/v1/referrals/{}/sessions", app.a.case.referral), Role::LinkWorker, None)
            .await;
    let statuses: Vec<_> = all["items"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["cancelled_by_person", "booked"]);
    // The old one cannot be moved again.
    let (status, _) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(to(2))).await;
    assert_eq!(status, 409);
}

async fn a_move_that_cannot_be_booked_changes_nothing(engine: Engine) {
    let app = spawn(engine).await;
    let sid = app.a.case.session;
    // A Sunday is outside the worker's default hours.
    let sunday = next_monday_at(11).checked_add(jiff::Span::new().hours(24 * 6)).unwrap();
    let body = json!({"version": 1, "asked_by": "service", "to": {"date": london_date(sunday), "time": "11:00", "mode": "telephone"}});
    let (status, p) =
        api_call(&app, M::POST, &format!("/api/v1/sessions/{sid}/reschedule"), Role::LinkWorker, Some(body)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["to.time"]), "{p}");
    let (_, old) = api_call(&app, M::GET, &format!("/api/v1/sessions/{sid}"), Role::LinkWorker, None).await;
    assert_eq!((old["status"].as_str(), old["version"].as_i64()), (Some("booked"), Some(1)));
    let (_, all) =
        api_call(&app, M::GET, &format!("/api/v1/referrals/{}/sessions", app.a.case.referral), Role::LinkWorker, None)
            .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

async fn api_dates_are_iso_and_say_so(engine: Engine) {
    let app = spawn(engine).await;
    for (dob, message) in [
        ("1961-02-30", "Date of birth must be a real date, like 1961-03-27"),
        ("27 3 1961", "Date of birth must be a real date, like 1961-03-27"),
        ("", "Enter the date of birth"),
        ("2999-01-01", "Date of birth must be in the past"),
        ("1900-01-01", "Date of birth must be no more than 120 years ago"),
    ] {
        let body = json!({
            "person": {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": dob, "sex": "female", "phone": "07700 900123", "preferred_channel": "phone"},
            "referral": {"source": "gp", "needs": ["loneliness"], "urgency": "routine", "consent_confirmed": true}
        });
        let (status, p) = api_call(&app, M::POST, "/api/v1/referrals", Role::Referrer, Some(body)).await;
        assert_eq!((status, problem_fields(&p)), (422, vec!["person.date_of_birth"]), "{dob}: {p}");
        assert_eq!(p["errors"][0]["message"], message, "{dob}");
    }
}

async fn diaries_show_names_only_on_the_callers_cases(engine: Engine) {
    let app = spawn(engine).await;
    let monday = london_date(next_monday_at(10));
    let session = app.a.case.session.to_string();
    let diary = format!("/api/v1/diary?from={monday}&days=1");
    let (status, own) = api_call(&app, M::GET, &diary, Role::LinkWorker, None).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(
        (own["from"].as_str(), own["items"].as_array().map(Vec::len)),
        (Some(monday.as_str()), Some(1)),
        "{own}"
    );
    let item = &own["items"][0];
    assert_eq!(
        (
            item["session_id"].as_str(),
            item["with"].as_str(),
            item["kind"].as_str(),
            item["mode"].as_str(),
            item["status"].as_str()
        ),
        (Some(session.as_str()), Some("Margaret Oakes"), Some("initial"), Some("telephone"), Some("booked"))
    );
    assert_eq!(item["referral_id"], app.a.case.referral.to_string().as_str());
    // A coordinator reads the link worker's diary by naming them.
    let worker = app.a.user(Role::LinkWorker).id;
    let (_, theirs) = api_call(&app, M::GET, &format!("{diary}&worker_id={worker}"), Role::Coordinator, None).await;
    assert_eq!(
        (theirs["name"].as_str(), theirs["items"][0]["session_id"].as_str()),
        (Some(app.a.user(Role::LinkWorker).display_name.as_str()), Some(session.as_str()))
    );
    // A coordinator's own diary is empty; the day before holds nothing.
    let (_, mine) = api_call(&app, M::GET, &diary, Role::Coordinator, None).await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(0));
    for (query, field) in [("from=1/1/2027", "from"), ("days=0", "days"), ("days=32", "days"), ("days=many", "days")] {
        let (status, p) = api_call(&app, M::GET, &format!("/api/v1/diary?{query}"), Role::LinkWorker, None).await;
        assert_eq!((status, problem_fields(&p)), (422, vec![field]), "{query}: {p}");
    }
    let (status, room) =
        api_call(&app, M::GET, &format!("/api/v1/rooms/{}/diary", app.a.room.id), Role::LinkWorker, None).await;
    assert_eq!(
        (status, room["items"].as_array().map(Vec::len)),
        (200, Some(0)),
        "a telephone session takes no room: {room}"
    );
    assert_eq!(
        api_call(&app, M::GET, &format!("/api/v1/rooms/{}/diary", app.b.room.id), Role::LinkWorker, None).await.0,
        404
    );
    // The calendar feed: a new secret address, then turned off.
    let (status, feed) = api_call(&app, M::POST, "/api/v1/calendar-feed", Role::LinkWorker, None).await;
    let url = feed["url"].as_str().unwrap().to_owned();
    assert_eq!(status, 201);
    let path = &url[url.find("/calendar/").unwrap()..];
    let ics = reqwest::get(app.url(path)).await.unwrap().text().await.unwrap();
    assert!(ics.contains("SUMMARY:Initial session with M. O."), "{ics}");
    assert_eq!(api_call(&app, M::DELETE, "/api/v1/calendar-feed", Role::LinkWorker, None).await.0, 204);
    assert_eq!(reqwest::get(app.url(path)).await.unwrap().status().as_u16(), 404);
}
