//! Social prescribing through the API, one behaviour each, on both engines: connecting
//! the person on a case to a listing, following it up, free times and unmet needs.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use reqwest::Method as M;
use serde_json::{Value, json};

use crate::support::{Stage, api_call, problem_fields, spawn};

both_engines!(a_connection_is_recorded_on_an_open_case);
both_engines!(a_connection_is_followed_up);
both_engines!(free_times_are_set);
both_engines!(unmet_needs_are_recorded_and_listed);

async fn a_connection_is_recorded_on_an_open_case(engine: Engine) {
    let app = spawn(engine).await;
    let path = format!("/api/v1/referrals/{}/prescriptions", app.a.case.referral);
    let service = app.a.service.id.to_string();
    let tomorrow = linkwell_app::today().tomorrow().unwrap().to_string();
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        ("nothing chosen", json!({"service_id": "", "kind": ""}), vec!["service_id", "kind"]),
        (
            "a date typed the page's way",
            json!({"service_id": service, "kind": "referred", "date": "1/1/2026"}),
            vec!["date"],
        ),
        ("a date to come", json!({"service_id": service, "kind": "referred", "date": tomorrow}), vec!["date"]),
        (
            "another organisation's listing",
            json!({"service_id": app.b.service.id.to_string(), "kind": "referred"}),
            vec!["service_id"],
        ),
    ];
    for (what, body, fields) in cases {
        let (status, p) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(body)).await;
        assert_eq!((status, problem_fields(&p)), (422, fields), "{what}: {p}");
    }
    let (_, before) = api_call(&app, M::GET, &path, Role::LinkWorker, None).await;
    assert_eq!(before["items"].as_array().unwrap().len(), 1, "the seeded one only: {before}");
    let body = json!({"service_id": service, "kind": "accompanied", "date": "2026-11-30", "notes": "Went with her"});
    let (status, rx) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(body)).await;
    assert_eq!(status, 201, "{rx}");
    assert_eq!(
        (rx["service_name"].as_str(), rx["date"].as_str(), rx["kind"].as_str(), rx["outcome"].as_str()),
        (Some(app.a.service.name.as_str()), Some("2026-11-30"), Some("accompanied"), None)
    );
    assert!(rx["follow_up_due"].is_string(), "a new connection is due a follow-up: {rx}");
    let (status, read) = api_call(
        &app,
        M::GET,
        &format!("/api/v1/prescriptions/{}", rx["id"].as_str().unwrap()),
        Role::Coordinator,
        None,
    )
    .await;
    assert_eq!((status, &read), (200, &rx));
    let (_, after) = api_call(&app, M::GET, &path, Role::LinkWorker, None).await;
    assert_eq!(after["items"].as_array().unwrap().len(), 2);
    // A paused listing cannot be offered.
    let v = app.a.service.version;
    let paused = json!({"status": "paused", "version": v});
    let (status, _) = api_call(
        &app,
        M::POST,
        &format!("/api/v1/directory/services/{service}/status"),
        Role::LinkWorker,
        Some(paused),
    )
    .await;
    assert_eq!(status, 200);
    let (status, p) =
        api_call(&app, M::POST, &path, Role::LinkWorker, Some(json!({"service_id": service, "kind": "referred"})))
            .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["service_id"]));
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("paused"), "{p}");
    // A discharged case takes no new connections.
    let closed = format!("/api/v1/referrals/{}/prescriptions", app.a.case.discharged);
    let (status, p) =
        api_call(&app, M::POST, &closed, Role::Coordinator, Some(json!({"service_id": service, "kind": "referred"})))
            .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["service_id"]), "{p}");
    // Open for connections from acceptance on; not while waiting for triage.
    let albert = app.a.person(&app.db, "Albert", "Njoku").await;
    let to = |r: linkwell_domain::ids::ReferralId| format!("/api/v1/referrals/{r}/prescriptions");
    let body = json!({"service_id": app.b.service.id.to_string(), "kind": "referred"});
    let waiting = app.a.referral(&app.db, albert, Stage::Received).await;
    let (status, p) = api_call(&app, M::POST, &to(waiting), Role::Coordinator, Some(body.clone())).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["service_id"]), "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("not open"), "{p}");
    let accepted = app.a.referral(&app.db, albert, Stage::Accepted).await;
    let (status, p) = api_call(&app, M::POST, &to(accepted), Role::LinkWorker, Some(body)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["service_id"]), "open, but not their listing: {p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("Select the service"), "{p}");
    let theirs = format!("/api/v1/referrals/{}/prescriptions", app.b.case.referral);
    assert_eq!(api_call(&app, M::GET, &theirs, Role::Coordinator, None).await.0, 404);
}

async fn a_connection_is_followed_up(engine: Engine) {
    let app = spawn(engine).await;
    let path = format!("/api/v1/prescriptions/{}", app.a.prescription);
    let (_, rx) = api_call(&app, M::GET, &path, Role::LinkWorker, None).await;
    let v = rx["version"].as_i64().unwrap();
    let outcome_path = format!("{path}/outcome");
    let outcome = |body: Value| api_call(&app, M::POST, &outcome_path, Role::LinkWorker, Some(body));
    let (status, p) = outcome(json!({"outcome": "went", "version": v})).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["outcome"]));
    let (status, p) = outcome(json!({"outcome": "did_not_start", "version": v})).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["reason"]), "why is required: {p}");
    let (status, saved) = outcome(json!({"outcome": "did_not_start", "reason": "Too far to walk", "version": v})).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        (saved["outcome"].as_str(), saved["outcome_reason"].as_str(), saved["outcome_on"].as_str()),
        (Some("did_not_start"), Some("Too far to walk"), Some(linkwell_app::today().to_string().as_str()))
    );
    let (status, _) = outcome(json!({"outcome": "started", "version": v})).await;
    assert_eq!(status, 409, "a stale version");
    let theirs = format!("/api/v1/prescriptions/{}/outcome", app.b.prescription);
    assert_eq!(
        api_call(&app, M::POST, &theirs, Role::Coordinator, Some(json!({"outcome": "started", "version": 1}))).await.0,
        404
    );
}

async fn free_times_are_set(engine: Engine) {
    let app = spawn(engine).await;
    let path = format!("/api/v1/people/{}/free-times", app.a.case.person);
    let (_, person) =
        api_call(&app, M::GET, &format!("/api/v1/people/{}", app.a.case.person), Role::LinkWorker, None).await;
    let v = person["version"].as_i64().unwrap();
    let (status, p) =
        api_call(&app, M::PUT, &path, Role::LinkWorker, Some(json!({"free": ["tu-morning", "tuesday"], "version": v})))
            .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["free[1]"]), "{p}");
    let (status, saved) = api_call(
        &app,
        M::PUT,
        &path,
        Role::LinkWorker,
        Some(json!({"free": ["th-afternoon", "tu-morning"], "version": v})),
    )
    .await;
    assert_eq!(
        (status, &saved["free"], saved["version"].as_i64()),
        (200, &json!(["tu-morning", "th-afternoon"]), Some(v + 1)),
        "{saved}"
    );
    let (status, _) = api_call(&app, M::PUT, &path, Role::LinkWorker, Some(json!({"free": [], "version": v}))).await;
    assert_eq!(status, 409);
}

async fn unmet_needs_are_recorded_and_listed(engine: Engine) {
    let app = spawn(engine).await;
    let (status, p) = api_call(
        &app,
        M::POST,
        "/api/v1/unmet-needs",
        Role::LinkWorker,
        Some(json!({"need": "wellbeing", "area": ""})),
    )
    .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["need", "area"]), "{p}");
    let theirs = json!({"need": "housing", "area": "LS8", "referral_id": app.b.case.referral.to_string()});
    let (status, p) = api_call(&app, M::POST, "/api/v1/unmet-needs", Role::LinkWorker, Some(theirs)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["referral_id"]), "{p}");
    let body = json!({"need": "housing", "area": "LS8 2HH", "notes": "No tenancy support nearby", "referral_id": app.a.case.referral.to_string()});
    let (status, u) = api_call(&app, M::POST, "/api/v1/unmet-needs", Role::LinkWorker, Some(body)).await;
    assert_eq!(status, 201, "{u}");
    assert_eq!(
        (u["area"].as_str(), u["referral_id"].as_str()),
        (Some("LS8"), Some(app.a.case.referral.to_string().as_str())),
        "a full postcode is cut to its district"
    );
    for area in ["Harehills", "Chapeltown"] {
        let (status, _) = api_call(
            &app,
            M::POST,
            "/api/v1/unmet-needs",
            Role::Coordinator,
            Some(json!({"need": "bereavement", "area": area})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (_, first) =
        api_call(&app, M::GET, "/api/v1/unmet-needs?need=bereavement&limit=1", Role::LinkWorker, None).await;
    assert_eq!(first["items"][0]["area"], "Chapeltown", "newest first: {first}");
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = api_call(
        &app,
        M::GET,
        &format!("/api/v1/unmet-needs?need=bereavement&limit=1&cursor={cursor}"),
        Role::LinkWorker,
        None,
    )
    .await;
    assert_eq!(second["items"][0]["area"], "Harehills");
    let (_, all) = api_call(&app, M::GET, "/api/v1/unmet-needs", Role::LinkWorker, None).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let (status, p) = api_call(&app, M::GET, "/api/v1/unmet-needs?need=x", Role::LinkWorker, None).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["need"]));
}
