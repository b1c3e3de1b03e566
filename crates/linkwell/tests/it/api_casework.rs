//! Casework through the JSON API, on both engines: the link worker's journey (a GP system
//! refers, a coordinator triages, the worker books and holds sessions, saves a plan and
//! discharges), and intake's rules on bad input and on who a referral is for.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use serde_json::{Value, json};

use crate::support::{api_call, count, next_monday_at, problem_fields, spawn};

both_engines!(the_journey_through_the_api);
both_engines!(bad_intake_names_every_field_and_stores_nothing);
both_engines!(the_same_nhs_number_is_the_same_person);

async fn bad_intake_names_every_field_and_stores_nothing(engine: Engine) {
    let app = spawn(engine).await;
    let before = count(&app.db, "SELECT COUNT(*) FROM referrals").await;
    let (status, p) = api_call(&app, reqwest::Method::POST, "/api/v1/referrals", Role::Referrer, Some(json!({
        "person": {"given_name": "", "nhs_number": "943 476 5918", "date_of_birth": "1951-02-30", "sex": "female", "preferred_channel": "phone", "phone": "07700 900982"},
        "referral": {"source": "gp", "needs": ["loneliness"], "urgency": "whenever", "consent_confirmed": true}
    }))).await;
    assert_eq!(status, 422);
    assert_eq!(
        problem_fields(&p),
        ["person.nhs_number", "person.given_name", "person.family_name", "person.date_of_birth", "referral.urgency"],
        "{p}"
    );
    let body = json!({"person": {"shoe_size": 9}, "referral": {}});
    let (status, _) = api_call(&app, reqwest::Method::POST, "/api/v1/referrals", Role::Referrer, Some(body)).await;
    assert_eq!(status, 422);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM referrals").await, before);
}

async fn the_same_nhs_number_is_the_same_person(engine: Engine) {
    use reqwest::Method as M;
    let app = spawn(engine).await;
    let refer = |given: &str, source: &str| {
        json!({
            "person": {"nhs_number": "9434765919", "given_name": given, "family_name": "Njoku", "date_of_birth": "1948-02-14", "sex": "male", "phone": "07700 900123", "preferred_channel": "phone"},
            "referral": {"source": source, "needs": ["money_debt"], "urgency": "routine", "consent_confirmed": true}
        })
    };
    let person_of = async |created: Value| -> Value {
        let path = format!("/api/v1/referrals/{}", created["id"].as_str().unwrap());
        api_call(&app, M::GET, &path, Role::Coordinator, None).await.1["case"]["person"].clone()
    };
    let (status, first) =
        api_call(&app, M::POST, "/api/v1/referrals", Role::Referrer, Some(refer("Albert", "gp"))).await;
    assert_eq!(status, 201, "{first}");
    let albert = person_of(first).await;
    // The same NHS number with the same details again is the same person.
    let (_, again) =
        api_call(&app, M::POST, "/api/v1/referrals", Role::Referrer, Some(refer("Albert", "practice_nurse"))).await;
    assert_eq!(person_of(again).await["id"], albert["id"]);
    // From a referrer, a name that differs is not the known record: it gets its own, with
    // the NHS number unconfirmed, for the coordinator to merge.
    let (_, other) =
        api_call(&app, M::POST, "/api/v1/referrals", Role::Referrer, Some(refer("Bert", "practice_nurse"))).await;
    let bert = person_of(other).await;
    assert_ne!(bert["id"], albert["id"]);
    assert!(bert.get("nhs_number").is_none(), "{bert}");
    // A coordinator referring gets the case back, with the person it was filed under.
    let (status, made) =
        api_call(&app, M::POST, "/api/v1/referrals", Role::Coordinator, Some(refer("Albert", "practice_nurse"))).await;
    assert_eq!(status, 201);
    assert_eq!(made["case"]["person"]["id"], albert["id"], "{made}");
    assert_eq!(made["case"]["source"], "practice_nurse");
}

async fn the_journey_through_the_api(engine: Engine) {
    let app = spawn(engine).await;
    let http = reqwest::Client::new();
    let referrer = app.token(&app.a, app.a.user(Role::Referrer)).await;
    let coordinator = app.token(&app.a, app.a.user(Role::Coordinator)).await;
    let worker = app.token(&app.a, app.a.user(Role::LinkWorker)).await;
    let call = |method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
        let mut r = http.request(method, app.url(path)).bearer_auth(token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send()
    };
    use reqwest::Method as M;

    // A GP system finds the programme to refer into, then refers.
    let programmes: Value = call(M::GET, "/api/v1/programmes", &referrer, None).await.unwrap().json().await.unwrap();
    assert_eq!(programmes["items"][0]["name"], "Primary Care Wellbeing Project");
    assert_eq!(
        (programmes["items"][0]["initial_minutes"].as_u64(), programmes["items"][0]["max_follow_ups"].as_u64()),
        (Some(45), Some(5))
    );
    let r = call(M::POST, "/api/v1/referrals", &referrer, Some(json!({
        "person": {"nhs_number": "943 476 5919", "given_name": "Albert", "family_name": "Njoku", "date_of_birth": "1948-02-14", "sex": "male", "postcode": "LS6 2AB", "phone": "07700 900123", "preferred_channel": "sms", "consent_contact": true},
        "referral": {"source": "gp", "needs": ["loneliness", "bereavement"], "urgency": "urgent", "free_text": "Recently bereaved.", "consent_confirmed": true}
    }))).await.unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "received");
    assert!(created.get("case").is_none(), "the referrer gets the status alone");
    let seen: Value =
        call(M::GET, &format!("/api/v1/referrals/{id}"), &referrer, None).await.unwrap().json().await.unwrap();
    assert!(seen.get("case").is_none() && seen["status"] == "received");

    // Triage: on the waiting list first (urgent), then accepted for the link worker.
    let waiting: Value = call(M::GET, "/api/v1/waiting-list", &coordinator, None).await.unwrap().json().await.unwrap();
    assert_eq!(waiting["items"][0]["id"], id.as_str());
    let full: Value =
        call(M::GET, &format!("/api/v1/referrals/{id}"), &coordinator, None).await.unwrap().json().await.unwrap();
    assert_eq!(full["case"]["person"]["nhs_number"], "9434765919");
    assert_eq!(full["case"]["free_text"], "Recently bereaved.");
    let worker_id = app.a.user(Role::LinkWorker).id.to_string();
    let r = call(
        M::POST,
        &format!("/api/v1/referrals/{id}/triage"),
        &coordinator,
        Some(json!({"action": "accept", "version": 1, "worker_id": "nobody"})),
    )
    .await
    .unwrap();
    assert_eq!(problem_fields(&r.json().await.unwrap()), ["worker_id"]);
    let r = call(
        M::POST,
        &format!("/api/v1/referrals/{id}/triage"),
        &coordinator,
        Some(json!({"action": "accept", "version": 1, "worker_id": worker_id})),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let accepted: Value = r.json().await.unwrap();
    assert_eq!(accepted["status"], "accepted");
    // An illegal move is a conflict that says why.
    let r = call(
        M::POST,
        &format!("/api/v1/referrals/{id}/triage"),
        &coordinator,
        Some(json!({"action": "decline", "version": accepted["version"], "reason": "x"})),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(r.json::<Value>().await.unwrap()["detail"], "This referral has already been triaged");

    // The worker: a failed attempt, contact made, sessions.
    let caseload: Value = call(M::GET, "/api/v1/caseload", &worker, None).await.unwrap().json().await.unwrap();
    assert!(caseload["items"].as_array().unwrap().iter().any(|r| r["id"] == id.as_str()));
    let r: Value = call(
        M::POST,
        &format!("/api/v1/referrals/{id}/contact-attempts"),
        &worker,
        Some(json!({"version": accepted["version"], "channel": "sms", "outcome": "not_delivered"})),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!((r["status"].as_str(), r["case"]["failed_contact_attempts"].as_u64()), (Some("contacting"), Some(1)));
    let r: Value = call(
        M::POST,
        &format!("/api/v1/referrals/{id}/contact-attempts"),
        &worker,
        Some(json!({"version": r["version"], "channel": "phone", "outcome": "reached"})),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(r["status"], "active");
    let monday = next_monday_at(15).to_zoned(linkwell_domain::time::london()).date();
    let book = |date: jiff::civil::Date| {
        call(
            M::POST,
            &format!("/api/v1/referrals/{id}/sessions"),
            &worker,
            Some(json!({"date": date.to_string(), "time": "15:00", "mode": "video"})),
        )
    };
    let r = call(
        M::POST,
        &format!("/api/v1/referrals/{id}/sessions"),
        &worker,
        Some(json!({"date": "2026-03-29", "time": "01:30", "mode": "telephone"})),
    )
    .await
    .unwrap();
    let p: Value = r.json().await.unwrap();
    assert_eq!(problem_fields(&p), ["time"]);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("does not exist"));
    let r = book(monday).await.unwrap();
    assert_eq!(r.status(), 201);
    let initial: Value = r.json().await.unwrap();
    assert_eq!((initial["kind"].as_str(), initial["mode"].as_str()), (Some("initial"), Some("video")));
    let r = call(
        M::POST,
        &format!("/api/v1/sessions/{}/outcome", initial["id"].as_str().unwrap()),
        &worker,
        Some(json!({"version": 1, "outcome": "attended", "notes": "Good first chat."})),
    )
    .await
    .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "attended");
    for week in 1..=5 {
        let r = book(monday.checked_add(jiff::Span::new().weeks(week)).unwrap()).await.unwrap();
        assert_eq!(r.status(), 201, "follow-up {week}");
    }
    let r = book(monday.checked_add(jiff::Span::new().weeks(6)).unwrap()).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.json::<Value>().await.unwrap()["errors"][0]["message"].as_str().unwrap().contains("all 5 follow-up sessions")
    );
    let sessions: Value =
        call(M::GET, &format!("/api/v1/referrals/{id}/sessions"), &worker, None).await.unwrap().json().await.unwrap();
    assert_eq!(sessions["items"].as_array().unwrap().len(), 6);

    // The plan: versioned, validated by row.
    let plan: Value =
        call(M::GET, &format!("/api/v1/referrals/{id}/plan"), &worker, None).await.unwrap().json().await.unwrap();
    assert_eq!(plan["version"], 0);
    let r = call(
        M::PUT,
        &format!("/api/v1/referrals/{id}/plan"),
        &worker,
        Some(json!({"based_on": 0, "plan": {"what_matters": "Company", "goals": [{"text": "", "target": "soon"}]}})),
    )
    .await
    .unwrap();
    assert_eq!(problem_fields(&r.json().await.unwrap()), ["goals[0].text", "goals[0].target"]);
    let body = json!({"based_on": 0, "plan": {"what_matters": "Company", "goals": [{"text": "Bereavement group", "progress": 3}, {"text": "Walk and Talk", "target": "2027-02-01"}]}});
    let saved: Value = call(M::PUT, &format!("/api/v1/referrals/{id}/plan"), &worker, Some(body.clone()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (saved["version"].as_i64(), saved["plan"]["goals"][1]["target"].as_str()),
        (Some(1), Some("2027-02-01"))
    );
    assert_eq!(call(M::PUT, &format!("/api/v1/referrals/{id}/plan"), &worker, Some(body)).await.unwrap().status(), 409);
    let r = call(
        M::PUT,
        &format!("/api/v1/referrals/{id}/plan"),
        &worker,
        Some(json!({"based_on": 1, "plan": {"what_matters": "Company", "tools": ["Crystal healing"]}})),
    )
    .await
    .unwrap();
    assert_eq!(problem_fields(&r.json().await.unwrap()), ["tools"]);

    // Discharge; the referrer then sees "discharged" and still nothing else.
    let current: Value =
        call(M::GET, &format!("/api/v1/referrals/{id}"), &worker, None).await.unwrap().json().await.unwrap();
    let r = call(
        M::POST,
        &format!("/api/v1/referrals/{id}/discharge"),
        &worker,
        Some(json!({"version": current["version"], "reason": "goals_met", "summary": "Joined two groups."})),
    )
    .await
    .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["discharge_reason"], "goals_met");
    let seen: Value =
        call(M::GET, &format!("/api/v1/referrals/{id}"), &referrer, None).await.unwrap().json().await.unwrap();
    assert_eq!((&seen["status"], &seen["discharge_reason"]), (&json!("discharged"), &json!("goals_met")));
    assert!(seen.get("case").is_none());
    let mine: Value = call(M::GET, "/api/v1/referrals", &referrer, None).await.unwrap().json().await.unwrap();
    assert!(mine["items"].as_array().unwrap().iter().any(|r| r["id"] == id.as_str() && r["status"] == "discharged"));
    let r = call(M::GET, "/api/v1/referrals?status=nonsense", &referrer, None).await.unwrap();
    assert_eq!(problem_fields(&r.json().await.unwrap()), ["status"]);
}
