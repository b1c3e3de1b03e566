//! Casework through the JSON API, on both engines, one step of the link worker's work per
//! test (a GP system refers, a coordinator triages, the worker reaches the person, books
//! and holds sessions, saves a plan and discharges), and intake's rules on bad input and
//! on who a referral is for. The browser tests walk the same work as one journey.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use reqwest::Method as M;
use serde_json::{Value, json};

use crate::support::{Stage, TestApp, api_call, count, last_monday_at, problem_fields, spawn};

both_engines!(a_gp_system_refers_and_sees_the_status_alone);
both_engines!(triage_names_a_bad_worker_and_refuses_an_illegal_move);
both_engines!(contact_attempts_take_a_case_through_contacting_to_active);
both_engines!(sessions_keep_to_the_programme_limits);
both_engines!(the_plan_is_versioned_and_checked_row_by_row);
both_engines!(the_referrer_sees_the_discharge_and_nothing_else);
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

/// A case made by the harness, taken to `stage`, and its current version as the API reads it.
async fn case_at(app: &TestApp, stage: Stage) -> (String, Value) {
    let person = app.a.person(&app.db, "Albert", "Njoku").await;
    let id = app.a.referral(&app.db, person, stage).await.to_string();
    let (status, case) = api_call(app, M::GET, &format!("/api/v1/referrals/{id}"), Role::Coordinator, None).await;
    assert_eq!(status, 200, "{case}");
    (id, case["version"].clone())
}

async fn a_gp_system_refers_and_sees_the_status_alone(engine: Engine) {
    let app = spawn(engine).await;
    // A GP system finds the programme to refer into, then refers.
    let (_, programmes) = api_call(&app, M::GET, "/api/v1/programmes", Role::Referrer, None).await;
    assert_eq!(programmes["items"][0]["name"], "Primary Care Wellbeing Project");
    assert_eq!(
        (programmes["items"][0]["initial_minutes"].as_u64(), programmes["items"][0]["max_follow_ups"].as_u64()),
        (Some(45), Some(5))
    );
    let (status, created) = api_call(&app, M::POST, "/api/v1/referrals", Role::Referrer, Some(json!({
        "person": {"nhs_number": "943 476 5919", "given_name": "Albert", "family_name": "Njoku", "date_of_birth": "1948-02-14", "sex": "male", "postcode": "LS6 2AB", "phone": "07700 900123", "preferred_channel": "sms", "consent_contact": true},
        "referral": {"source": "gp", "needs": ["loneliness", "bereavement"], "urgency": "urgent", "free_text": "Recently bereaved.", "consent_confirmed": true}
    }))).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "received");
    assert!(created.get("case").is_none(), "the referrer gets the status alone: {created}");
    let (_, seen) = api_call(&app, M::GET, &format!("/api/v1/referrals/{id}"), Role::Referrer, None).await;
    assert!(seen.get("case").is_none() && seen["status"] == "received", "{seen}");
    // The coordinator: first on the waiting list (urgent), with the whole case.
    let (_, waiting) = api_call(&app, M::GET, "/api/v1/waiting-list", Role::Coordinator, None).await;
    assert_eq!(waiting["items"][0]["id"], id.as_str());
    let (_, full) = api_call(&app, M::GET, &format!("/api/v1/referrals/{id}"), Role::Coordinator, None).await;
    assert_eq!(full["case"]["person"]["nhs_number"], "9434765919");
    assert_eq!(full["case"]["free_text"], "Recently bereaved.");
}

async fn triage_names_a_bad_worker_and_refuses_an_illegal_move(engine: Engine) {
    let app = spawn(engine).await;
    let (id, version) = case_at(&app, Stage::Received).await;
    let triage = format!("/api/v1/referrals/{id}/triage");
    let accept = |worker_id: &str| json!({"action": "accept", "version": version, "worker_id": worker_id});
    let (status, problem) = api_call(&app, M::POST, &triage, Role::Coordinator, Some(accept("nobody"))).await;
    assert_eq!((status, problem_fields(&problem)), (422, vec!["worker_id"]));
    let worker_id = app.a.user(Role::LinkWorker).id.to_string();
    let (status, accepted) = api_call(&app, M::POST, &triage, Role::Coordinator, Some(accept(&worker_id))).await;
    assert_eq!((status, accepted["status"].as_str()), (200, Some("accepted")), "{accepted}");
    // An illegal move is a conflict that says why.
    let decline = json!({"action": "decline", "version": accepted["version"], "reason": "x"});
    let (status, problem) = api_call(&app, M::POST, &triage, Role::Coordinator, Some(decline)).await;
    assert_eq!((status, problem["detail"].as_str()), (409, Some("This referral has already been triaged")));
}

async fn contact_attempts_take_a_case_through_contacting_to_active(engine: Engine) {
    let app = spawn(engine).await;
    let (id, version) = case_at(&app, Stage::Accepted).await;
    let (_, caseload) = api_call(&app, M::GET, "/api/v1/caseload", Role::LinkWorker, None).await;
    assert!(caseload["items"].as_array().unwrap().iter().any(|r| r["id"] == id.as_str()), "{caseload}");
    let attempts = format!("/api/v1/referrals/{id}/contact-attempts");
    let failed = json!({"version": version, "channel": "sms", "outcome": "not_delivered"});
    let (_, r) = api_call(&app, M::POST, &attempts, Role::LinkWorker, Some(failed)).await;
    assert_eq!((r["status"].as_str(), r["case"]["failed_contact_attempts"].as_u64()), (Some("contacting"), Some(1)));
    let reached = json!({"version": r["version"], "channel": "phone", "outcome": "reached"});
    let (_, r) = api_call(&app, M::POST, &attempts, Role::LinkWorker, Some(reached)).await;
    assert_eq!(r["status"], "active");
}

async fn sessions_keep_to_the_programme_limits(engine: Engine) {
    let app = spawn(engine).await;
    let (id, _) = case_at(&app, Stage::Active).await;
    let sessions = format!("/api/v1/referrals/{id}/sessions");
    let book = async |date: jiff::civil::Date| {
        let body = json!({"date": date.to_string(), "time": "15:00", "mode": "video"});
        api_call(&app, M::POST, &sessions, Role::LinkWorker, Some(body)).await
    };
    // A time the clocks skip does not exist.
    let skipped = json!({"date": "2026-03-29", "time": "01:30", "mode": "telephone"});
    let (status, p) = api_call(&app, M::POST, &sessions, Role::LinkWorker, Some(skipped)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["time"]));
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("does not exist"), "{p}");
    // The first session is the initial one; then five follow-ups, and no sixth.
    let monday = last_monday_at(15).to_zoned(linkwell_domain::time::london()).date();
    let (status, initial) = book(monday).await;
    assert_eq!(status, 201, "{initial}");
    assert_eq!((initial["kind"].as_str(), initial["mode"].as_str()), (Some("initial"), Some("video")));
    let outcome = format!("/api/v1/sessions/{}/outcome", initial["id"].as_str().unwrap());
    let attended = json!({"version": 1, "outcome": "attended", "notes": "Good first chat."});
    let (_, held) = api_call(&app, M::POST, &outcome, Role::LinkWorker, Some(attended)).await;
    assert_eq!(held["status"], "attended");
    for week in 1..=5 {
        let (status, _) = book(monday.checked_add(jiff::Span::new().weeks(week)).unwrap()).await;
        assert_eq!(status, 201, "follow-up {week}");
    }
    let (status, p) = book(monday.checked_add(jiff::Span::new().weeks(6)).unwrap()).await;
    assert_eq!(status, 422);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("all 5 follow-up sessions"), "{p}");
    let (_, listed) = api_call(&app, M::GET, &sessions, Role::LinkWorker, None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 6);
}

async fn the_plan_is_versioned_and_checked_row_by_row(engine: Engine) {
    let app = spawn(engine).await;
    let (id, _) = case_at(&app, Stage::Active).await;
    let path = format!("/api/v1/referrals/{id}/plan");
    let (_, plan) = api_call(&app, M::GET, &path, Role::LinkWorker, None).await;
    assert_eq!(plan["version"], 0);
    let bad = json!({"based_on": 0, "plan": {"what_matters": "Company", "goals": [{"text": "", "target": "soon"}]}});
    let (status, p) = api_call(&app, M::PUT, &path, Role::LinkWorker, Some(bad)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["goals[0].text", "goals[0].target"]));
    let body = json!({"based_on": 0, "plan": {"what_matters": "Company", "goals": [{"text": "Bereavement group", "progress": 3}, {"text": "Walk and Talk", "target": "2027-02-01"}]}});
    let (_, saved) = api_call(&app, M::PUT, &path, Role::LinkWorker, Some(body.clone())).await;
    assert_eq!(
        (saved["version"].as_i64(), saved["plan"]["goals"][1]["target"].as_str()),
        (Some(1), Some("2027-02-01"))
    );
    // Saved again on the version it replaced: someone else's change would be lost.
    assert_eq!(api_call(&app, M::PUT, &path, Role::LinkWorker, Some(body)).await.0, 409);
    let unknown_tool = json!({"based_on": 1, "plan": {"what_matters": "Company", "tools": ["Crystal healing"]}});
    let (status, p) = api_call(&app, M::PUT, &path, Role::LinkWorker, Some(unknown_tool)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["tools"]));
}

async fn the_referrer_sees_the_discharge_and_nothing_else(engine: Engine) {
    let app = spawn(engine).await;
    let (id, version) = case_at(&app, Stage::Active).await;
    let discharge = json!({"version": version, "reason": "goals_met", "summary": "Joined two groups."});
    let path = format!("/api/v1/referrals/{id}/discharge");
    let (_, r) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(discharge)).await;
    assert_eq!(r["discharge_reason"], "goals_met", "{r}");
    let (_, seen) = api_call(&app, M::GET, &format!("/api/v1/referrals/{id}"), Role::Referrer, None).await;
    assert_eq!((&seen["status"], &seen["discharge_reason"]), (&json!("discharged"), &json!("goals_met")));
    assert!(seen.get("case").is_none(), "{seen}");
    let (_, mine) = api_call(&app, M::GET, "/api/v1/referrals", Role::Referrer, None).await;
    assert!(mine["items"].as_array().unwrap().iter().any(|r| r["id"] == id.as_str() && r["status"] == "discharged"));
    let (status, p) = api_call(&app, M::GET, "/api/v1/referrals?status=nonsense", Role::Referrer, None).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["status"]));
}
