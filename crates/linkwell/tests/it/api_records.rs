//! A case's record through the API, one behaviour each, on both engines: the plan's
//! versions, the discharge summary, and merging a duplicate person.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use reqwest::Method as M;
use serde_json::json;

use crate::support::{Stage, api_call, problem_fields, spawn};

both_engines!(every_plan_version_is_kept_and_read);
both_engines!(a_discharged_case_has_a_summary);
both_engines!(a_duplicate_person_is_merged);

async fn every_plan_version_is_kept_and_read(engine: Engine) {
    let app = spawn(engine).await;
    let plan = format!("/api/v1/referrals/{}/plan", app.a.case.referral);
    let body = json!({"based_on": 1, "plan": {"what_matters": "Seeing friends again"}});
    let (status, saved) = api_call(&app, M::PUT, &plan, Role::LinkWorker, Some(body)).await;
    assert_eq!((status, saved["version"].as_i64()), (200, Some(2)), "{saved}");
    let basic = json!({"based_on": 2, "plan": {"what_matters": "Seeing friends", "goals": [{"text": "Choir", "target": "20270201"}]}});
    let (status, p) = api_call(&app, M::PUT, &plan, Role::LinkWorker, Some(basic)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["goals[0].target"]), "only ISO 8601 dates: {p}");
    let (status, list) = api_call(&app, M::GET, &format!("{plan}/versions"), Role::LinkWorker, None).await;
    let versions: Vec<i64> = list["items"].as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!((status, versions), (200, vec![2, 1]));
    let (status, first) = api_call(&app, M::GET, &format!("{plan}/versions/1"), Role::LinkWorker, None).await;
    assert_eq!((status, first["plan"]["what_matters"].as_str()), (200, Some("Getting out again")));
    for missing in ["3", "0", "x"] {
        assert_eq!(api_call(&app, M::GET, &format!("{plan}/versions/{missing}"), Role::LinkWorker, None).await.0, 404);
    }
    let theirs = format!("/api/v1/referrals/{}/plan/versions", app.b.case.referral);
    assert_eq!(api_call(&app, M::GET, &theirs, Role::Coordinator, None).await.0, 404);
}

async fn a_discharged_case_has_a_summary(engine: Engine) {
    let app = spawn(engine).await;
    let path = |r: &dyn std::fmt::Display| format!("/api/v1/referrals/{r}/discharge-summary");
    let (status, doc) = api_call(&app, M::GET, &path(&app.a.case.discharged), Role::Coordinator, None).await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["summary"]["person_name"], "Margaret Oakes");
    assert_eq!(doc["summary"]["summary"], "Walks every week.");
    assert!(doc["text"].as_str().unwrap().contains("Walks every week."), "{doc}");
    assert_eq!(api_call(&app, M::GET, &path(&app.a.case.referral), Role::Coordinator, None).await.0, 404, "still open");
}

async fn a_duplicate_person_is_merged(engine: Engine) {
    let app = spawn(engine).await;
    let duplicate = app.a.person(&app.db, "Maggie", "Oakes").await;
    let referral = app.a.referral(&app.db, duplicate, Stage::Received).await;
    let (_, person) = api_call(&app, M::GET, &format!("/api/v1/people/{duplicate}"), Role::Coordinator, None).await;
    let v = person["version"].as_i64().unwrap();
    let merge = format!("/api/v1/people/{duplicate}/merge");
    let keep = app.a.case.person.to_string();
    let (status, p) =
        api_call(&app, M::POST, &merge, Role::Coordinator, Some(json!({"into": "x", "version": v}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["into"]));
    let theirs = app.b.case.person.to_string();
    let (status, p) =
        api_call(&app, M::POST, &merge, Role::Coordinator, Some(json!({"into": theirs, "version": v}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["into"]), "another organisation's record: {p}");
    let (status, p) =
        api_call(&app, M::POST, &merge, Role::Coordinator, Some(json!({"into": duplicate.to_string(), "version": v})))
            .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["into"]), "into itself: {p}");
    let (status, _) =
        api_call(&app, M::POST, &merge, Role::Coordinator, Some(json!({"into": keep, "version": v + 5}))).await;
    assert_eq!(status, 409, "a stale version");
    let (status, kept) =
        api_call(&app, M::POST, &merge, Role::Coordinator, Some(json!({"into": keep, "version": v}))).await;
    assert_eq!((status, kept["id"].as_str()), (200, Some(keep.as_str())), "{kept}");
    let (_, moved) = api_call(&app, M::GET, &format!("/api/v1/referrals/{referral}"), Role::Coordinator, None).await;
    assert_eq!(moved["case"]["person"]["id"].as_str(), Some(keep.as_str()), "the referral moved to the record kept");
}
