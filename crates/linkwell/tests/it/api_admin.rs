//! Setting up the organisation through the API, one behaviour each, on both engines:
//! sites and rooms, working hours, programmes, users, and the follow-up extension.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use reqwest::Method as M;
use serde_json::{Value, json};

use crate::support::{api_call, problem_fields, spawn};

both_engines!(sites_and_rooms);
both_engines!(working_hours_read_and_set);
both_engines!(programmes_are_added_with_their_rules);
both_engines!(users_read_role_and_disable);
both_engines!(a_coordinator_extends_follow_ups);
both_engines!(settings_read_and_changed);
both_engines!(tools_and_reset_links);

async fn sites_and_rooms(engine: Engine) {
    let app = spawn(engine).await;
    let (status, p) =
        api_call(&app, M::POST, "/api/v1/sites", Role::Admin, Some(json!({"name": " ", "practice_id": "nope"}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["name", "practice_id"]), "{p}");
    let other_practice = app.b.practice.id.to_string();
    let (status, p) = api_call(
        &app,
        M::POST,
        "/api/v1/sites",
        Role::Admin,
        Some(json!({"name": "Hub", "practice_id": other_practice})),
    )
    .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["practice_id"]), "another organisation's practice: {p}");
    let body = json!({"name": "Riverside Hub", "address": "1 River Street\nLeeds", "practice_id": app.a.practice.id.to_string()});
    let (status, site) = api_call(&app, M::POST, "/api/v1/sites", Role::Admin, Some(body)).await;
    assert_eq!(status, 201, "{site}");
    let id = site["id"].as_str().unwrap().to_owned();
    let (status, room) =
        api_call(&app, M::POST, &format!("/api/v1/sites/{id}/rooms"), Role::Admin, Some(json!({"name": "Room 2"})))
            .await;
    assert_eq!(status, 201, "{room}");
    let (status, p) =
        api_call(&app, M::POST, &format!("/api/v1/sites/{id}/rooms"), Role::Admin, Some(json!({"name": "Room 2"})))
            .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["name"]));
    let (status, _) = api_call(
        &app,
        M::POST,
        &format!("/api/v1/sites/{}/rooms", app.b.site.id),
        Role::Admin,
        Some(json!({"name": "X"})),
    )
    .await;
    assert_eq!(status, 404, "another organisation's site");
    // A link worker finds the room to book a session in.
    let (status, list) = api_call(&app, M::GET, "/api/v1/sites", Role::LinkWorker, None).await;
    assert_eq!(status, 200);
    let hub = list["items"].as_array().unwrap().iter().find(|s| s["id"] == id.as_str()).unwrap();
    assert_eq!(
        (hub["rooms"][0]["id"].as_str(), hub["rooms"][0]["name"].as_str()),
        (room["id"].as_str(), Some("Room 2"))
    );
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "the seeded site and this one");
}

async fn working_hours_read_and_set(engine: Engine) {
    let app = spawn(engine).await;
    let (status, week) = api_call(&app, M::GET, "/api/v1/working-hours", Role::LinkWorker, None).await;
    assert_eq!(status, 200);
    assert_eq!(week["worker_id"], app.a.user(Role::LinkWorker).id.to_string());
    assert_eq!((week["days"][0]["starts"].as_str(), week["days"][6]["off"].as_bool()), (Some("09:00"), Some(true)));
    let day = |starts: &str, ends: &str| json!({"starts": starts, "ends": ends});
    let mut days: Vec<Value> = (0..7).map(|_| day("10:00", "16:00")).collect();
    days[1] = day("16:00", "10:00");
    days[4] = day("nine", "16:00");
    let (status, p) =
        api_call(&app, M::PUT, "/api/v1/working-hours", Role::LinkWorker, Some(json!({"days": days}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["days[1].ends", "days[4].starts"]), "{p}");
    assert_eq!(p["errors"][0]["message"], "Tuesday must end after it starts");
    let (status, _) = api_call(
        &app,
        M::PUT,
        "/api/v1/working-hours",
        Role::LinkWorker,
        Some(json!({"days": [day("9:00", "17:00")]})),
    )
    .await;
    assert_eq!(status, 422, "seven days or none");
    days[1] = day("08:00", "12:30");
    days[4] = json!({"off": true});
    let (status, saved) =
        api_call(&app, M::PUT, "/api/v1/working-hours", Role::LinkWorker, Some(json!({"days": days}))).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        (saved["days"][1]["starts"].as_str(), saved["days"][1]["ends"].as_str()),
        (Some("08:00"), Some("12:30"))
    );
    assert_eq!(saved["days"][4]["off"], true);
    // A coordinator reads a worker's; a link worker naming someone else gets their own
    // (as on the diary page), and changes only their own week.
    let worker = app.a.user(Role::LinkWorker).id;
    let (_, seen) =
        api_call(&app, M::GET, &format!("/api/v1/working-hours?worker_id={worker}"), Role::Coordinator, None).await;
    assert_eq!(seen["days"][1]["ends"], "12:30");
    let coordinator = app.a.user(Role::Coordinator).id;
    let theirs = format!("/api/v1/working-hours?worker_id={coordinator}");
    let (_, own) = api_call(&app, M::GET, &theirs, Role::LinkWorker, None).await;
    assert_eq!(own["worker_id"], worker.to_string());
    let (_, coordinators) = api_call(&app, M::GET, "/api/v1/working-hours", Role::Coordinator, None).await;
    assert_eq!(coordinators["days"][1]["starts"], "09:00", "the coordinator's own week is untouched");
    // A day named out of its place is refused, not stored a day out.
    let mut shifted = days.clone();
    shifted[0]["weekday"] = json!("Sunday");
    let (status, p) =
        api_call(&app, M::PUT, "/api/v1/working-hours", Role::LinkWorker, Some(json!({"days": shifted}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["days[0].weekday"]), "{p}");
    let referrer = app.a.user(Role::Referrer).id;
    let (status, _) =
        api_call(&app, M::GET, &format!("/api/v1/working-hours?worker_id={referrer}"), Role::Coordinator, None).await;
    assert_eq!(status, 404, "only link workers and coordinators have hours");
}

async fn programmes_are_added_with_their_rules(engine: Engine) {
    let app = spawn(engine).await;
    let body = json!({"name": "", "initial_minutes": 0, "follow_up_minutes": 30, "max_follow_ups": 60, "contact_attempt_limit": 3, "funded_from": "2026-04-01"});
    let (status, p) = api_call(&app, M::POST, "/api/v1/programmes", Role::Admin, Some(body)).await;
    assert_eq!(
        (status, problem_fields(&p)),
        (422, vec!["name", "initial_minutes", "max_follow_ups", "funded_to"]),
        "{p}"
    );
    let body = json!({"name": "Walk and Talk", "commissioner": "West Yorkshire ICB", "initial_minutes": 60, "follow_up_minutes": 30, "max_follow_ups": 3, "contact_attempt_limit": 2, "funded_from": "2026-04-01", "funded_to": "2027-03-31"});
    let (status, created) = api_call(&app, M::POST, "/api/v1/programmes", Role::Admin, Some(body.clone())).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!((created["initial_minutes"].as_u64(), created["funded_to"].as_str()), (Some(60), Some("2027-03-31")));
    let (status, p) = api_call(&app, M::POST, "/api/v1/programmes", Role::Admin, Some(body)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["name"]));
    let (_, list) = api_call(&app, M::GET, "/api/v1/programmes", Role::Referrer, None).await;
    assert!(list["items"].as_array().unwrap().iter().any(|p| p["name"] == "Walk and Talk"));
}

async fn users_read_role_and_disable(engine: Engine) {
    let app = spawn(engine).await;
    let worker = app.a.user(Role::LinkWorker);
    let (status, user) = api_call(&app, M::GET, &format!("/api/v1/users/{}", worker.id), Role::Coordinator, None).await;
    assert_eq!((status, user["role"].as_str(), user["disabled"].as_bool()), (200, Some("link_worker"), Some(false)));
    let (status, _) =
        api_call(&app, M::GET, &format!("/api/v1/users/{}", app.b.user(Role::LinkWorker).id), Role::Admin, None).await;
    assert_eq!(status, 404);
    let path = format!("/api/v1/users/{}/role", worker.id);
    let (status, p) =
        api_call(&app, M::PUT, &path, Role::Admin, Some(json!({"version": user["version"], "role": "referrer"}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["practice_id"]), "{p}");
    let (status, changed) =
        api_call(&app, M::PUT, &path, Role::Admin, Some(json!({"version": user["version"], "role": "coordinator"})))
            .await;
    assert_eq!((status, changed["role"].as_str()), (200, Some("coordinator")), "{changed}");
    let (status, _) =
        api_call(&app, M::PUT, &path, Role::Admin, Some(json!({"version": user["version"], "role": "link_worker"})))
            .await;
    assert_eq!(status, 409, "a stale version");
    let (status, off) = api_call(
        &app,
        M::POST,
        &format!("/api/v1/users/{}/disable", worker.id),
        Role::Admin,
        Some(json!({"version": changed["version"]})),
    )
    .await;
    assert_eq!((status, off["disabled"].as_bool()), (200, Some(true)));
    let (status, on) = api_call(
        &app,
        M::POST,
        &format!("/api/v1/users/{}/enable", worker.id),
        Role::Admin,
        Some(json!({"version": off["version"]})),
    )
    .await;
    assert_eq!((status, on["disabled"].as_bool()), (200, Some(false)));
    // Not one's own account.
    let admin = app.a.user(Role::Admin);
    let (status, p) = api_call(
        &app,
        M::POST,
        &format!("/api/v1/users/{}/disable", admin.id),
        Role::Admin,
        Some(json!({"version": admin.version})),
    )
    .await;
    assert_eq!((status, p["detail"].as_str()), (409, Some("You cannot disable your own account.")));
    let (status, _) = api_call(
        &app,
        M::PUT,
        &format!("/api/v1/users/{}/role", admin.id),
        Role::Admin,
        Some(json!({"version": admin.version, "role": "coordinator"})),
    )
    .await;
    assert_eq!(status, 409);
}

async fn a_coordinator_extends_follow_ups(engine: Engine) {
    let app = spawn(engine).await;
    let id = app.a.case.referral;
    let (_, r) = api_call(&app, M::GET, &format!("/api/v1/referrals/{id}"), Role::Coordinator, None).await;
    let path = format!("/api/v1/referrals/{id}/follow-up-extension");
    let (status, p) = api_call(
        &app,
        M::POST,
        &path,
        Role::Coordinator,
        Some(json!({"version": r["version"], "extra": 11, "reason": ""})),
    )
    .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["extra", "reason"]), "{p}");
    let body = json!({"version": r["version"], "extra": 2, "reason": "Needs support through the winter"});
    let (status, extended) = api_call(&app, M::POST, &path, Role::Coordinator, Some(body.clone())).await;
    assert_eq!((status, extended["case"]["follow_up_extension"].as_i64()), (200, Some(2)), "{extended}");
    let (status, _) = api_call(&app, M::POST, &path, Role::Coordinator, Some(body)).await;
    assert_eq!(status, 409, "a stale version");
}

async fn settings_read_and_changed(engine: Engine) {
    let app = spawn(engine).await;
    let (status, s) = api_call(&app, M::GET, "/api/v1/settings", Role::Admin, None).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["messaging"].get("smtp_password"), None, "a secret is never sent back");
    let v = s["organisation"]["version"].as_i64().unwrap();
    let was = s["organisation"]["self_referral_enabled"].as_bool().unwrap();
    let (status, org) = api_call(
        &app,
        M::PUT,
        "/api/v1/settings/self-referral",
        Role::Admin,
        Some(json!({"enabled": !was, "version": v})),
    )
    .await;
    assert_eq!(
        (status, org["self_referral_enabled"].as_bool(), org["version"].as_i64()),
        (200, Some(!was), Some(v + 1)),
        "{org}"
    );
    let (status, _) =
        api_call(&app, M::PUT, "/api/v1/settings/directory", Role::Admin, Some(json!({"enabled": true, "version": v})))
            .await;
    assert_eq!(status, 409, "a stale version");
    let (status, org) = api_call(
        &app,
        M::PUT,
        "/api/v1/settings/directory",
        Role::Admin,
        Some(json!({"enabled": true, "version": v + 1})),
    )
    .await;
    assert_eq!((status, org["directory_public"].as_bool()), (200, Some(true)));
    let mv = s["messaging"]["version"].as_i64().unwrap();
    let messaging = |port: u16, security: &str, hours: i64, version: i64| json!({"smtp_port": port, "smtp_security": security, "reminder_hours": hours, "sms_sender": "Riverside", "version": version});
    let (status, p) =
        api_call(&app, M::PUT, "/api/v1/settings/messaging", Role::Admin, Some(messaging(0, "ssl", 0, mv))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["smtp_port", "smtp_security", "reminder_hours"]), "{p}");
    let (status, saved) =
        api_call(&app, M::PUT, "/api/v1/settings/messaging", Role::Admin, Some(messaging(587, "starttls", 48, mv)))
            .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        (saved["reminder_hours"].as_i64(), saved["sms_sender"].as_str(), saved["has_smtp_password"].as_bool()),
        (Some(48), Some("Riverside"), Some(false))
    );
    let (status, _) =
        api_call(&app, M::PUT, "/api/v1/settings/messaging", Role::Admin, Some(messaging(587, "starttls", 24, mv)))
            .await;
    assert_eq!(status, 409, "a stale version");
    let (status, outbox) = api_call(&app, M::GET, "/api/v1/outbox?limit=5", Role::Admin, None).await;
    assert_eq!((status, outbox["items"].is_array()), (200, true), "{outbox}");
    let (status, p) = api_call(&app, M::GET, "/api/v1/outbox?cursor=%27%20OR%201", Role::Admin, None).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["cursor"]));
}

async fn tools_and_reset_links(engine: Engine) {
    let app = spawn(engine).await;
    let (status, p) = api_call(&app, M::POST, "/api/v1/tools", Role::Admin, Some(json!({"name": " "}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["name"]));
    let (status, tool) =
        api_call(&app, M::POST, "/api/v1/tools", Role::Admin, Some(json!({"name": "Sleep diary"}))).await;
    assert_eq!((status, tool["offered"].as_bool()), (201, Some(true)), "{tool}");
    let (status, p) = api_call(&app, M::POST, "/api/v1/tools", Role::Admin, Some(json!({"name": "Sleep diary"}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["name"]), "already on the list");
    let path = format!("/api/v1/tools/{}/offered", tool["id"].as_str().unwrap());
    let (status, t) = api_call(&app, M::PUT, &path, Role::Admin, Some(json!({"offered": false}))).await;
    assert_eq!((status, t["offered"].as_bool()), (200, Some(false)));
    let (_, list) = api_call(&app, M::GET, "/api/v1/tools", Role::Admin, None).await;
    let sleep = list["items"].as_array().unwrap().iter().find(|t| t["name"] == "Sleep diary").unwrap();
    assert_eq!(sleep["offered"].as_bool(), Some(false), "{list}");
    assert_eq!(
        api_call(&app, M::PUT, "/api/v1/tools/nope/offered", Role::Admin, Some(json!({"offered": true}))).await.0,
        404
    );
    // A reset link works once, for its user.
    let user = app.a.user(Role::Referrer).id;
    let (status, link) = api_call(&app, M::POST, &format!("/api/v1/users/{user}/reset-link"), Role::Admin, None).await;
    assert_eq!((status, link["expires_in_hours"].as_i64()), (201, Some(72)), "{link}");
    let page = reqwest::get(app.url(link["path"].as_str().unwrap())).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(
        api_call(
            &app,
            M::POST,
            &format!("/api/v1/users/{}/reset-link", app.b.user(Role::Referrer).id),
            Role::Admin,
            None
        )
        .await
        .0,
        404
    );
}
