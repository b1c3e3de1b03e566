//! Groups the team runs (issue 13, first part), on both engines: one of the team's own
//! listings run as a group from its page and through the API, with its sessions to come,
//! its facilitators and its settings; bad input named, a stale version refused.

use linkwell_domain::directory::{ProviderFields, ProviderInput, ScheduleFields, ServiceFields, ServiceInput};
use linkwell_domain::identity::Role;
use linkwell_store::{Actor, Engine};
use reqwest::Method as M;
use serde_json::json;

use crate::support::{TestApp, api_call, location, spawn};

both_engines!(a_listing_of_the_teams_own_is_run_as_a_group);

/// A weekly Walk and Talk run by the organisation's own team.
async fn walk_and_talk(app: &TestApp) -> String {
    let provider = ProviderFields {
        name: "Our social prescribing team".into(),
        kind: "own".into(),
        description: "The PCN's link workers".into(),
        ..Default::default()
    };
    let provider =
        app.db.create_provider(&app.a.scope, &Actor::system(), &ProviderInput::parse(&provider).unwrap()).await;
    let fields = ServiceFields {
        provider_id: provider.unwrap().id.to_string(),
        name: "Walk and Talk".into(),
        description: "A walk in the park, then a warm drink and a quiz.".into(),
        cost: "free".into(),
        needs: vec!["loneliness".into()],
        capacity: "30".into(),
        schedules: vec![ScheduleFields {
            repeat: "weekly".into(),
            day: "TU".into(),
            starts: linkwell_domain::time::DateEntry::Iso("2026-01-06".into()),
            opens: "10:00".into(),
            closes: "11:30".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let input = ServiceInput::parse(&fields, linkwell_app::today()).unwrap();
    app.db.create_service(&app.a.scope, &Actor::system(), &input, linkwell_app::today()).await.unwrap().id.to_string()
}

async fn a_listing_of_the_teams_own_is_run_as_a_group(engine: Engine) {
    let app = spawn(engine).await;
    let walk = walk_and_talk(&app).await;
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;

    // The team's own listing is offered; another organisation's listing is not.
    let page = coordinator.text("/groups").await;
    assert!(page.contains("Your team runs no groups here yet."), "{page}");
    assert!(page.contains(&format!("<option value=\"{walk}\"")), "{page}");
    assert!(!page.contains(&format!("<option value=\"{}\"", app.a.service.id)), "not the team's own");

    // A bad date is named, and nothing is made.
    let r = coordinator.post_form("/groups", &[("service_id", &walk), ("risk_review_due", "next spring")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("href=\"#risk_review_due\"") && html.contains("Enter the review date as a date, like 2027-03-31"),
        "{html}"
    );
    let other = app.a.service.id.to_string();
    let r = coordinator.post_form("/groups", &[("service_id", &other)]).await;
    assert_eq!(r.status(), 422, "another organisation's kind of listing");
    for bad in ["", "not-an-id", "00000000-0000-7000-8000-000000000000"] {
        let r = coordinator.post_form("/groups", &[("service_id", bad)]).await;
        assert_eq!(r.status(), 422, "{bad:?}");
        assert!(r.text().await.unwrap().contains("href=\"#service_id\""), "{bad:?}");
    }

    // Run as a group: its sessions for 13 weeks, every Tuesday.
    let r = coordinator
        .post_form(
            "/groups",
            &[("service_id", &walk), ("public_join", "on"), ("wet_weather", "St Edmund's church hall")],
        )
        .await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, format!("/groups/{walk}")));
    let page = coordinator.text(&format!("/groups/{walk}")).await;
    assert!(page.contains("The listing is now run as a group"), "{page}");
    let sessions = page.matches("Going ahead").count();
    assert!((13..=14).contains(&sessions), "{sessions} sessions: {page}");
    assert!(page.contains("10:00 to 11:30"), "{page}");
    assert!(page.contains("value=\"St Edmund&#39;s church hall\""), "{page}");
    let list = coordinator.text("/groups").await;
    assert!(list.contains(&format!("<a href=\"/groups/{walk}\">Walk and Talk</a>")), "{list}");
    assert!(!list.contains(&format!("<option value=\"{walk}\"")), "a group is not offered again");

    // Facilitators: people with the facilitator role.
    let facilitator = app.a.user(Role::Facilitator).clone();
    let worker = app.a.user(Role::LinkWorker).id.to_string();
    let r = coordinator
        .post_form(&format!("/groups/{walk}/facilitators"), &[("version", "1"), ("facilitators", &worker)])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#facilitators\""));
    let id = facilitator.id.to_string();
    let r = coordinator
        .post_form(&format!("/groups/{walk}/facilitators"), &[("version", "1"), ("facilitators", &id)])
        .await;
    assert_eq!(r.status(), 303);
    assert!(coordinator.text(&format!("/groups/{walk}")).await.contains(&facilitator.display_name));

    // Settings at the version read; the same version again is stale.
    let settings = [("version", "2"), ("what_to_bring", "Water and a coat"), ("risk_review_due", "2027-03-31")];
    let r = coordinator.post_form(&format!("/groups/{walk}"), &settings).await;
    assert_eq!(r.status(), 303);
    assert_eq!(coordinator.post_form(&format!("/groups/{walk}"), &settings).await.status(), 409);
    // A form sent back with an error keeps the version it was sent with, so fixing the
    // field and saving is still checked against what was read.
    let r = coordinator.post_form(&format!("/groups/{walk}"), &[("version", "2"), ("risk_review_due", "soon")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"version\" value=\"2\"") && !html.contains("name=\"version\" value=\"3\""), "{html}");
    assert_eq!(
        coordinator.post_form(&format!("/groups/{walk}"), &[("risk_review_due", "")]).await.status(),
        400,
        "no version"
    );

    // The same through the API.
    let (status, groups) = api_call(&app, M::GET, "/api/v1/groups", Role::LinkWorker, None).await;
    assert_eq!(status, 200, "{groups}");
    assert_eq!(groups[0]["service_id"], walk.as_str());
    assert_eq!((groups[0]["name"].as_str(), groups[0]["facilitators"].as_u64()), (Some("Walk and Talk"), Some(1)));
    assert!(groups[0]["next_session"]["starts_at"].as_str().is_some(), "{groups}");
    let (status, group) = api_call(&app, M::GET, &format!("/api/v1/groups/{walk}"), Role::LinkWorker, None).await;
    assert_eq!(status, 200, "{group}");
    assert_eq!((group["version"].as_i64(), group["what_to_bring"].as_str()), (Some(3), Some("Water and a coat")));
    // The settings form sent no tick: the public may no longer join.
    assert_eq!((group["public_join"].as_bool(), group["risk_review_due"].as_str()), (Some(false), Some("2027-03-31")));
    assert_eq!(group["sessions"].as_array().map(Vec::len), Some(sessions));
    assert_eq!(group["sessions"][0]["status"], "scheduled");
    assert_eq!(group["facilitators"][0]["user_id"], id.as_str());
    let body = json!({"version": 3, "public_join": true, "what_to_bring": "", "risk_assessment": "Uneven paths: walk at the slowest pace", "wet_weather": ""});
    let (status, changed) =
        api_call(&app, M::PUT, &format!("/api/v1/groups/{walk}"), Role::Coordinator, Some(body.clone())).await;
    assert_eq!(
        (status, changed["version"].as_i64(), changed["public_join"].as_bool()),
        (200, Some(4), Some(true)),
        "{changed}"
    );
    let (status, stale) =
        api_call(&app, M::PUT, &format!("/api/v1/groups/{walk}"), Role::Coordinator, Some(body)).await;
    assert_eq!(status, 409, "{stale}");
    let (status, none) = api_call(
        &app,
        M::PUT,
        &format!("/api/v1/groups/{walk}/facilitators"),
        Role::Coordinator,
        Some(json!({"version": 4, "facilitators": []})),
    )
    .await;
    assert_eq!((status, none["facilitators"].as_array().map(Vec::len)), (200, Some(0)), "{none}");
    for (body, field) in [
        (json!({"service_id": walk}), "service_id"),
        (json!({"service_id": "nope"}), "service_id"),
        (json!({"service_id": other}), "service_id"),
        (json!({"service_id": walk, "risk_review_due": "31/03/2027"}), "risk_review_due"),
    ] {
        let (status, problem) = api_call(&app, M::POST, "/api/v1/groups", Role::Coordinator, Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
}
