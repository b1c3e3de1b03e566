//! One case timeline and versioned case notes (issue 12), on both engines.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use reqwest::Method as M;
use serde_json::json;

use crate::support::{add_user, api_call, problem_fields, spawn};

both_engines!(a_case_tells_its_story_newest_first);
both_engines!(a_note_is_corrected_never_edited);

fn today() -> jiff::civil::Date {
    jiff::Zoned::now().with_time_zone(linkwell_domain::time::london()).date()
}

async fn a_case_tells_its_story_newest_first(engine: Engine) {
    let app = spawn(engine).await;
    let r = app.a.case.referral;
    let path = format!("/api/v1/referrals/{r}/timeline");
    let (status, t) = api_call(&app, M::GET, &path, Role::LinkWorker, None).await;
    assert_eq!(status, 200, "{t}");
    let items = t["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in ["session", "note", "plan", "connection", "contact", "referral"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let at: Vec<jiff::Timestamp> = items.iter().map(|e| e["at"].as_str().unwrap().parse().unwrap()).collect();
    let mut sorted = at.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(at, sorted, "newest first");
    assert!(items.iter().any(|e| e["what"] == "Referral received"), "{t}");
    let note = items.iter().find(|e| e["kind"] == "note").unwrap();
    assert_eq!(note["note"]["id"], app.a.case.note.to_string());
    assert_eq!(note["by"], serde_json::Value::Null, "the seeded note was written by the system");

    let (_, only) = api_call(&app, M::GET, &format!("{path}?show=note"), Role::LinkWorker, None).await;
    assert!(only["items"].as_array().unwrap().iter().all(|e| e["kind"] == "note"), "{only}");
    let (status, p) = api_call(&app, M::GET, &format!("{path}?show=gossip"), Role::LinkWorker, None).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["show"]), "{p}");

    // A note from the page, with the date in three boxes, marked safeguarding.
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let d = today();
    let (day, month, year) = (d.day().to_string(), d.month().to_string(), d.year().to_string());
    let form = |text: &'static str, day: &str| {
        vec![
            ("day".to_owned(), day.to_owned()),
            ("month".to_owned(), month.clone()),
            ("year".to_owned(), year.clone()),
            ("kind".to_owned(), "meeting".to_owned()),
            ("text".to_owned(), text.to_owned()),
            ("safeguarding".to_owned(), "true".to_owned()),
        ]
    };
    let pairs = form("Met at the library: her neighbour worries about her.", &day);
    let fields: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = lw.post_form(&format!("/referrals/{r}/notes"), &fields).await;
    assert_eq!(res.status(), 303);
    let page = lw.text(&format!("/referrals/{r}/timeline")).await;
    assert!(page.contains("Met at the library: her neighbour worries about her."), "{page}");
    assert!(page.contains("Meeting or visit") && page.contains("Safeguarding"), "{page}");
    let case = lw.text(&format!("/referrals/{r}")).await;
    assert!(case.contains(&format!("/referrals/{r}/timeline\">Timeline and case notes")), "{case}");

    // A note of tomorrow, or of nothing, is refused on its fields and adds nothing.
    let tomorrow = d.tomorrow().unwrap();
    let res = lw
        .post_form(
            &format!("/referrals/{r}/notes"),
            &[
                ("day", &tomorrow.day().to_string()),
                ("month", &tomorrow.month().to_string()),
                ("year", &tomorrow.year().to_string()),
                ("kind", "call"),
                ("text", " "),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#date\"") && html.contains("href=\"#text\""), "{html}");
    let (_, notes) = api_call(&app, M::GET, &format!("{path}?show=note"), Role::LinkWorker, None).await;
    assert_eq!(notes["items"].as_array().unwrap().len(), 2, "{notes}");

    // Only the team working the case reads its timeline.
    let other = add_user(&app, Role::LinkWorker, "other@a.example").await;
    let token = app.token(&app.a, &other).await;
    let res = app.client().http.get(app.url(&path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let (status, _) = api_call(&app, M::GET, &path, Role::Coordinator, None).await;
    assert_eq!(status, 200);
    let b_token = app.token(&app.b, app.b.user(Role::Coordinator)).await;
    let res = app.client().http.get(app.url(&path)).bearer_auth(b_token).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

async fn a_note_is_corrected_never_edited(engine: Engine) {
    let app = spawn(engine).await;
    let (r, note) = (app.a.case.referral, app.a.case.note);
    let path = format!("/api/v1/referrals/{r}/notes/{note}/corrections");
    let body = |version: i64, reason: &str| json!({"version": version, "date": today().to_string(), "kind": "call", "text": "Called: she would like the Tuesday walk.", "reason": reason});
    let (status, p) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(body(1, "  "))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["reason"]), "{p}");
    let (status, v2) =
        api_call(&app, M::POST, &path, Role::LinkWorker, Some(body(1, "Wrong walk: it was Tuesday's"))).await;
    assert_eq!((status, v2["version"].as_i64()), (200, Some(2)), "{v2}");
    assert_eq!(v2["correction_reason"], "Wrong walk: it was Tuesday's");
    let (status, _) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(body(1, "again"))).await;
    assert_eq!(status, 409, "a correction of an old version is refused");
    let (status, p) = api_call(
        &app,
        M::POST,
        &format!("/api/v1/referrals/{r}/notes"),
        Role::LinkWorker,
        Some(json!({"date": "2026-02-30", "kind": "call", "text": "x"})),
    )
    .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["date"]), "{p}");

    let (_, versions) =
        api_call(&app, M::GET, &format!("/api/v1/referrals/{r}/notes/{note}"), Role::LinkWorker, None).await;
    let texts: Vec<(i64, &str)> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        texts,
        vec![
            (2, "Called: she would like the Tuesday walk."),
            (1, "Called to say hello; she is looking forward to the first session.")
        ]
    );
    // The timeline shows the current version, saying it was corrected and why.
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let page = lw.text(&format!("/referrals/{r}/timeline?show=note")).await;
    assert!(page.contains("Called: she would like the Tuesday walk."), "{page}");
    assert!(!page.contains("looking forward to the first session"), "{page}");
    assert!(page.contains("corrected: Wrong walk: it was Tuesday&#39;s"), "{page}");
    // The note's page lists every version and corrects through a form too.
    let note_page = lw.text(&format!("/referrals/{r}/notes/{note}")).await;
    assert!(note_page.contains("looking forward to the first session") && note_page.contains("Current version"));
    let d = today();
    let res = lw
        .post_form(
            &format!("/referrals/{r}/notes/{note}"),
            &[
                ("version", "2"),
                ("day", &d.day().to_string()),
                ("month", &d.month().to_string()),
                ("year", &d.year().to_string()),
                ("kind", "call"),
                ("text", "Called: Tuesday walk, and the lunch club."),
                ("reason", "Forgot the lunch club"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, versions) =
        api_call(&app, M::GET, &format!("/api/v1/referrals/{r}/notes/{note}"), Role::LinkWorker, None).await;
    assert_eq!(versions["versions"].as_array().unwrap().len(), 3);
}
