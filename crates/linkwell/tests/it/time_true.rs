//! Records that cannot contradict time (`linkwell_domain::chronology`), through the API
//! and the pages, on both engines: each refusal names its field and changes nothing.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use reqwest::Method as M;
use serde_json::json;

use crate::support::{add_listing, api_call, last_monday_at, london_date, next_monday_at, problem_fields, spawn};

both_engines!(an_outcome_waits_for_the_session_to_start);
both_engines!(the_initial_session_comes_first_in_time);
both_engines!(a_discharge_cancels_the_sessions_still_booked);
both_engines!(a_connection_is_followed_up_once_the_service_has_met);

async fn an_outcome_waits_for_the_session_to_start(engine: Engine) {
    let app = spawn(engine).await;
    // The seeded case's initial session is next Monday.
    let sid = app.a.case.session;
    let path = format!("/api/v1/sessions/{sid}/outcome");
    for outcome in ["attended", "did_not_attend"] {
        let (status, p) =
            api_call(&app, M::POST, &path, Role::LinkWorker, Some(json!({"version": 1, "outcome": outcome}))).await;
        assert_eq!((status, problem_fields(&p)), (422, vec!["outcome"]), "{outcome}: {p}");
        assert!(p["errors"][0]["message"].as_str().unwrap().starts_with("This session has not started yet"), "{p}");
    }
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let r = lw.post_form(&format!("/sessions/{sid}/outcome"), &[("version", "1"), ("outcome", "attended")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("This session has not started yet"));
    let (_, s) = api_call(&app, M::GET, &format!("/api/v1/sessions/{sid}"), Role::LinkWorker, None).await;
    assert_eq!((s["status"].as_str(), s["version"].as_i64()), (Some("booked"), Some(1)), "unchanged: {s}");
    // A cancellation is said before the session.
    let cancelled = json!({"version": 1, "outcome": "cancelled_by_person"});
    let (status, s) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(cancelled)).await;
    assert_eq!((status, s["status"].as_str()), (200, Some("cancelled_by_person")), "{s}");
}

async fn the_initial_session_comes_first_in_time(engine: Engine) {
    let app = spawn(engine).await;
    let sessions = format!("/api/v1/referrals/{}/sessions", app.a.case.referral);
    let book = |at: jiff::Timestamp| json!({"date": london_date(at), "time": "11:00", "mode": "telephone"});
    // The initial session is next Monday at 10:00: a follow-up last Monday would be before it.
    let (status, p) = api_call(&app, M::POST, &sessions, Role::LinkWorker, Some(book(last_monday_at(11)))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["date"]), "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("A follow-up must be after the initial session, which is on"),
        "{p}"
    );
    let week_after = next_monday_at(11).checked_add(jiff::Span::new().hours(24 * 7)).unwrap();
    let (status, follow_up) = api_call(&app, M::POST, &sessions, Role::LinkWorker, Some(book(week_after))).await;
    assert_eq!((status, follow_up["kind"].as_str()), (201, Some("follow_up")), "{follow_up}");
    // Nor is the initial session moved to after it.
    let fortnight = next_monday_at(11).checked_add(jiff::Span::new().hours(24 * 14)).unwrap();
    let moved = json!({"version": 1, "asked_by": "service", "to": book(fortnight)});
    let path = format!("/api/v1/sessions/{}/reschedule", app.a.case.session);
    let (status, p) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(moved)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["to.date"]), "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("The initial session must be before the first follow-up")
    );
    let (_, all) = api_call(&app, M::GET, &sessions, Role::LinkWorker, None).await;
    let statuses: Vec<_> = all["items"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["booked", "booked"], "the refused move changed nothing: {all}");
}

async fn a_discharge_cancels_the_sessions_still_booked(engine: Engine) {
    let app = spawn(engine).await;
    let referral = app.a.case.referral;
    let sessions = format!("/api/v1/referrals/{referral}/sessions");
    let week_after = next_monday_at(11).checked_add(jiff::Span::new().hours(24 * 7)).unwrap();
    let body = json!({"date": london_date(week_after), "time": "11:00", "mode": "telephone"});
    assert_eq!(api_call(&app, M::POST, &sessions, Role::LinkWorker, Some(body)).await.0, 201);
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let form = lw.text(&format!("/referrals/{referral}/discharge")).await;
    assert!(form.contains("Discharging cancels the sessions still booked, and their reminders"), "{form}");
    let (_, case) = api_call(&app, M::GET, &format!("/api/v1/referrals/{referral}"), Role::LinkWorker, None).await;
    let discharge = json!({"version": case["version"], "reason": "goals_met", "summary": "Walks every week."});
    let (status, done) =
        api_call(&app, M::POST, &format!("/api/v1/referrals/{referral}/discharge"), Role::LinkWorker, Some(discharge))
            .await;
    assert_eq!((status, done["status"].as_str()), (200, Some("discharged")), "{done}");
    let (_, all) = api_call(&app, M::GET, &sessions, Role::LinkWorker, None).await;
    let ended: Vec<_> =
        all["items"].as_array().unwrap().iter().map(|s| (s["status"].as_str(), s["notes"].as_str())).collect();
    let cancelled = (Some("cancelled_by_service"), Some("Cancelled when the case was discharged"));
    assert_eq!(ended, [cancelled, cancelled], "{all}");
}

async fn a_connection_is_followed_up_once_the_service_has_met(engine: Engine) {
    let app = spawn(engine).await;
    // A group that meets tomorrow's weekday, so not since a connection made today.
    let tomorrow = linkwell_app::today().tomorrow().unwrap();
    let day = linkwell_domain::directory::day_code(tomorrow.weekday());
    let group = add_listing(&app.db, &app.a.scope, app.a.provider.id, "Tomorrow Walkers", "LS8 2HH", |f| {
        f.schedules[0].day = day.into();
    })
    .await;
    let prescriptions = format!("/api/v1/referrals/{}/prescriptions", app.a.case.referral);
    let connect = async |date: jiff::civil::Date| {
        let body = json!({"service_id": group.id.to_string(), "kind": "referred", "date": date.to_string()});
        api_call(&app, M::POST, &prescriptions, Role::LinkWorker, Some(body)).await
    };
    let outcome = async |rx: &serde_json::Value, body: serde_json::Value| {
        let path = format!("/api/v1/prescriptions/{}/outcome", rx["id"].as_str().unwrap());
        api_call(&app, M::POST, &path, Role::LinkWorker, Some(body)).await
    };
    let (status, today) = connect(linkwell_app::today()).await;
    assert_eq!(status, 201, "{today}");
    let (status, p) = outcome(&today, json!({"version": today["version"], "outcome": "started"})).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["outcome"]), "{p}");
    let next = linkwell_domain::time::display_london_date(tomorrow);
    assert_eq!(
        p["errors"][0]["message"].as_str().unwrap(),
        format!("The service has not met since the person was connected to it. It next meets on {next}")
    );
    // What did not happen can be said at once.
    let (status, _) =
        outcome(&today, json!({"version": today["version"], "outcome": "did_not_start", "reason": "Changed her mind"}))
            .await;
    assert_eq!(status, 200);
    // Connected eight days ago: the group has met since, so "started" stands; six weeks have
    // not passed, so "still attending at 6 weeks" does not.
    let (_, earlier) = connect(linkwell_app::today().checked_sub(jiff::Span::new().days(8)).unwrap()).await;
    let (status, p) = outcome(&earlier, json!({"version": earlier["version"], "outcome": "attending_6_weeks"})).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["outcome"]), "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().starts_with("Six weeks have not passed"), "{p}");
    let (status, started) = outcome(&earlier, json!({"version": earlier["version"], "outcome": "started"})).await;
    assert_eq!((status, started["outcome"].as_str()), (200, Some("started")), "{started}");
}
