//! Keeping the directory through the API, one behaviour each, on both engines: the
//! organisations that run listings, listings and their fields, status, checks and dates
//! off, the list and the CSV sheet in and out.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use reqwest::Method as M;
use serde_json::{Value, json};

use crate::support::{TestApp, api_call, problem_fields, spawn};

both_engines!(providers_added_read_and_changed);
both_engines!(a_listing_round_trips_its_typed_fields);
both_engines!(a_bad_listing_names_each_field_and_changes_nothing);
both_engines!(pausing_closing_and_reopening);
both_engines!(checks_and_dates_off);
both_engines!(the_list_filters_and_pages);
both_engines!(the_sheet_goes_out_and_comes_back);

fn walk(provider: &str) -> Value {
    json!({
        "provider_id": provider,
        "name": "Seated Exercise",
        "description": "Gentle exercise in a chair, with tea after.",
        "email": "seated@example.org",
        "minimum_age": 50,
        "cost": "paid",
        "cost_pence": 250,
        "cost_description": "per session",
        "wheelchair": true,
        "languages": ["English", "Punjabi"],
        "needs": ["physical_activity", "loneliness"],
        "activities": [],
        "capacity": 15,
        "location": {"name": "Church Hall", "address": "2 Church Lane", "town": "Leeds", "postcode": "LS8 2HH"},
        "schedules": [{"repeat": "weekly", "day": "TH", "starts": "2026-01-01", "opens": "10:00", "closes": "11:00", "description": "Side door"}],
    })
}

async fn providers_added_read_and_changed(engine: Engine) {
    let app = spawn(engine).await;
    let (status, p) =
        api_call(&app, M::POST, "/api/v1/directory/providers", Role::LinkWorker, Some(json!({"kind": "shop"}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["name", "kind", "description"]), "{p}");
    let body = json!({"name": "Chapeltown Men's Shed", "kind": "voluntary", "description": "Woodwork and company.", "website": "https://shed.example.org"});
    let (status, made) = api_call(&app, M::POST, "/api/v1/directory/providers", Role::LinkWorker, Some(body)).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        (made["kind"].as_str(), made["version"].as_i64(), made["source"].as_str()),
        (Some("voluntary"), Some(1), Some(""))
    );
    let path = format!("/api/v1/directory/providers/{}", made["id"].as_str().unwrap());
    let (status, read) = api_call(&app, M::GET, &path, Role::Referrer, None).await;
    assert_eq!((status, &read), (200, &made), "a referrer reads what was made");
    let change = |version: Option<i64>| {
        let mut b = json!({"name": "Chapeltown Shed", "kind": "community", "description": "Woodwork."});
        if let Some(v) = version {
            b["version"] = json!(v);
        }
        b
    };
    let (status, p) = api_call(&app, M::PUT, &path, Role::LinkWorker, Some(change(None))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["version"]), "{p}");
    let (status, saved) = api_call(&app, M::PUT, &path, Role::LinkWorker, Some(change(Some(1)))).await;
    assert_eq!((status, saved["name"].as_str(), saved["version"].as_i64()), (200, Some("Chapeltown Shed"), Some(2)));
    let (status, _) = api_call(&app, M::PUT, &path, Role::LinkWorker, Some(change(Some(1)))).await;
    assert_eq!(status, 409, "a stale version");
    let theirs = format!("/api/v1/directory/providers/{}", app.b.provider.id);
    assert_eq!(api_call(&app, M::PUT, &theirs, Role::LinkWorker, Some(change(Some(1)))).await.0, 404);
    let (_, list) = api_call(&app, M::GET, "/api/v1/directory/providers", Role::LinkWorker, None).await;
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "the seeded provider and this one: {names:?}");
    assert!(names.contains(&"Chapeltown Shed"));
}

async fn a_listing_round_trips_its_typed_fields(engine: Engine) {
    let app = spawn(engine).await;
    let provider = app.a.provider.id.to_string();
    let (status, s) =
        api_call(&app, M::POST, "/api/v1/directory/services", Role::LinkWorker, Some(walk(&provider))).await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(s["provider_name"], app.a.provider.name.as_str());
    assert_eq!(
        (s["cost"].as_str(), s["cost_pence"].as_u64(), s["cost_description"].as_str()),
        (Some("paid"), Some(250), Some("per session"))
    );
    assert_eq!(s["needs"], json!(["loneliness", "physical_activity"]));
    assert_eq!(s["languages"], json!(["English", "Punjabi"]));
    assert_eq!(
        (s["minimum_age"].as_u64(), s["capacity"].as_u64(), s["wheelchair"].as_bool()),
        (Some(50), Some(15), Some(true))
    );
    assert_eq!(
        (s["status"].as_str(), s["last_verified"].as_str().is_some()),
        (Some("active"), true),
        "a new listing is checked today"
    );
    assert_eq!(s["locations"][0]["postcode"], "LS8 2HH");
    assert_eq!(s["locations"][0]["name"], "Church Hall");
    let sched = &s["schedules"][0];
    assert_eq!(
        (sched["rule"].as_str(), sched["starts"].as_str(), sched["opens"].as_str(), sched["closes"].as_str()),
        (Some("FREQ=WEEKLY;BYDAY=TH"), Some("2026-01-01"), Some("10:00"), Some("11:00"))
    );
    let path = format!("/api/v1/directory/services/{}", s["id"].as_str().unwrap());
    let (status, read) = api_call(&app, M::GET, &path, Role::Referrer, None).await;
    assert_eq!((status, &read), (200, &s));
    // A change keeps the id and bumps the version; the RRULE form is accepted.
    let mut change = walk(&provider);
    change["version"] = json!(1);
    change["cost"] = json!("free");
    change["schedules"] =
        json!([{"rule": "FREQ=MONTHLY;BYDAY=1WE", "starts": "2026-01-07", "opens": "14:00", "closes": "15:30"}]);
    let (status, saved) = api_call(&app, M::PUT, &path, Role::LinkWorker, Some(change)).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        (saved["cost"].as_str(), saved["cost_pence"].as_u64(), saved["version"].as_i64()),
        (Some("free"), None, Some(2))
    );
    assert_eq!(saved["schedules"][0]["rule"], "FREQ=MONTHLY;BYDAY=1WE");
}

async fn a_bad_listing_names_each_field_and_changes_nothing(engine: Engine) {
    let app = spawn(engine).await;
    let provider = app.a.provider.id.to_string();
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        ("another organisation's provider", json!({"provider_id": app.b.provider.id.to_string()}), vec!["provider_id"]),
        ("a place with no postcode", json!({"location": {"name": "Hall", "postcode": ""}}), vec!["location.postcode"]),
        ("a postcode that is not one", json!({"location": {"postcode": "LS8"}}), vec!["location.postcode"]),
        (
            "no day in a weekly row",
            json!({"schedules": [{"repeat": "weekly", "opens": "10:00", "closes": "11:00"}]}),
            vec!["schedules[0].day"],
        ),
        (
            "a start date typed the page's way",
            json!({"schedules": [{"repeat": "weekly", "day": "TU", "starts": "1/1/2026", "opens": "10:00", "closes": "11:00"}]}),
            vec!["schedules[0].starts"],
        ),
        ("no need or activity", json!({"needs": [], "activities": []}), vec!["needs"]),
        ("a need that is not one", json!({"needs": ["wellbeing"]}), vec!["needs", "needs"]),
        ("an age over 120", json!({"minimum_age": 121}), vec!["minimum_age"]),
        ("an age that is not a number", json!({"minimum_age": "fifty"}), vec!["minimum_age"]),
        ("a language list in one string", json!({"languages": ["English, Urdu"]}), vec!["languages"]),
        ("a field the API does not have", json!({"colour": "blue"}), vec!["colour"]),
    ];
    let before = api_call(&app, M::GET, "/api/v1/directory/services", Role::LinkWorker, None).await.1["total"].clone();
    for (what, patch, fields) in cases {
        let mut body = walk(&provider);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, p) = api_call(&app, M::POST, "/api/v1/directory/services", Role::LinkWorker, Some(body)).await;
        assert_eq!((status, problem_fields(&p)), (422, fields), "{what}: {p}");
    }
    let after = api_call(&app, M::GET, "/api/v1/directory/services", Role::LinkWorker, None).await.1["total"].clone();
    assert_eq!(before, after, "nothing was added");
}

async fn status_of(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    api_call(app, M::POST, &format!("{path}/status"), Role::LinkWorker, Some(body)).await
}

async fn pausing_closing_and_reopening(engine: Engine) {
    let app = spawn(engine).await;
    let path = format!("/api/v1/directory/services/{}", app.a.service.id);
    let v = app.a.service.version;
    let (status, p) = status_of(&app, &path, json!({"status": "paused", "restart": "2020-01-01", "version": v})).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["restart"]), "a restart in the past: {p}");
    let (status, p) = status_of(&app, &path, json!({"status": "paused", "restart": "1/1/2030", "version": v})).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["restart"]), "not ISO: {p}");
    let (status, p) = status_of(&app, &path, json!({"status": "gone", "version": v})).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["status"]));
    let (status, s) = status_of(
        &app,
        &path,
        json!({"status": "paused", "restart": "2030-03-02", "note": "Leader away", "version": v}),
    )
    .await;
    assert_eq!((status, s["status"].as_str(), s["restart"].as_str()), (200, Some("paused"), Some("2030-03-02")), "{s}");
    let (status, _) = status_of(&app, &path, json!({"status": "active", "version": v})).await;
    assert_eq!(status, 409, "a stale version");
    let v = s["version"].as_i64().unwrap();
    let (status, p) = status_of(&app, &path, json!({"status": "closed", "version": v})).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["reason"]));
    let (status, s) =
        status_of(&app, &path, json!({"status": "closed", "reason": "Funding ended", "version": v})).await;
    assert_eq!(
        (status, s["status"].as_str(), s["closed_reason"].as_str()),
        (200, Some("closed"), Some("Funding ended"))
    );
    let (status, s) = status_of(&app, &path, json!({"status": "active", "version": s["version"]})).await;
    assert_eq!((status, s["status"].as_str(), s["closed_reason"].as_str()), (200, Some("active"), None));
    let theirs = format!("/api/v1/directory/services/{}", app.b.service.id);
    assert_eq!(status_of(&app, &theirs, json!({"status": "active", "version": 1})).await.0, 404);
}

async fn checks_and_dates_off(engine: Engine) {
    let app = spawn(engine).await;
    let path = format!("/api/v1/directory/services/{}", app.a.service.id);
    let (status, s) =
        api_call(&app, M::POST, &format!("{path}/verify"), Role::LinkWorker, Some(json!({"note": "Rang them"}))).await;
    assert_eq!((status, s["last_verified"].as_str()), (200, Some(linkwell_app::today().to_string().as_str())));
    let off = |date: &str| format!("{path}/dates-off/{date}");
    let (status, p) =
        api_call(&app, M::PUT, &off("25-12-2030"), Role::LinkWorker, Some(json!({"note": "Christmas"}))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["date"]), "{p}");
    let (status, s) =
        api_call(&app, M::PUT, &off("2030-12-25"), Role::LinkWorker, Some(json!({"note": "Christmas"}))).await;
    assert_eq!((status, &s["dates_off"]), (200, &json!([{"date": "2030-12-25", "note": "Christmas"}])));
    let (status, s) =
        api_call(&app, M::PUT, &off("2030-12-25"), Role::LinkWorker, Some(json!({"note": "Closed for Christmas"})))
            .await;
    assert_eq!(
        (status, &s["dates_off"][0]["note"]),
        (200, &json!("Closed for Christmas")),
        "setting it again changes the note"
    );
    let (status, s) = api_call(&app, M::DELETE, &off("2030-12-25"), Role::LinkWorker, None).await;
    assert_eq!((status, &s["dates_off"]), (200, &json!([])));
    // Checking a listing takes it off the list to check.
    let (status, list) = api_call(&app, M::GET, "/api/v1/directory/to-check", Role::Referrer, None).await;
    assert_eq!(status, 200);
    assert!(
        list["items"].as_array().unwrap().iter().all(|i| i["id"] != app.a.service.id.to_string().as_str()),
        "just checked: {list}"
    );
    assert_eq!(list["total"].as_u64(), Some(list["items"].as_array().unwrap().len() as u64));
}

async fn the_list_filters_and_pages(engine: Engine) {
    let app = spawn(engine).await;
    let provider = app.a.provider.id.to_string();
    for name in ["Alpha Walk", "Beta Walk", "Gamma Choir"] {
        let mut body = walk(&provider);
        body["name"] = json!(name);
        if name.contains("Choir") {
            body["needs"] = json!(["bereavement"]);
        }
        assert_eq!(api_call(&app, M::POST, "/api/v1/directory/services", Role::LinkWorker, Some(body)).await.0, 201);
    }
    let (status, all) = api_call(&app, M::GET, "/api/v1/directory/services?limit=", Role::Referrer, None).await;
    assert_eq!((status, all["items"].as_array().map(Vec::len)), (200, Some(4)), "an empty limit is the default");
    let (status, first) = api_call(&app, M::GET, "/api/v1/directory/services?limit=2", Role::Referrer, None).await;
    assert_eq!(status, 200);
    let names = |page: &Value| {
        page["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(
        (names(&first), first["total"].as_u64()),
        (vec!["Alpha Walk".to_owned(), "Beta Walk".to_owned()], Some(4))
    );
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) =
        api_call(&app, M::GET, &format!("/api/v1/directory/services?limit=2&cursor={cursor}"), Role::Referrer, None)
            .await;
    assert_eq!(names(&second), vec!["Gamma Choir".to_owned(), app.a.service.name.clone()]);
    assert!(second.get("next_cursor").is_none(), "the last page: {second}");
    let (_, choirs) = api_call(&app, M::GET, "/api/v1/directory/services?need=bereavement", Role::Referrer, None).await;
    assert_eq!(names(&choirs), vec!["Gamma Choir".to_owned()]);
    for (query, field) in [
        ("need=wellbeing", "need"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("cursor=abc", "cursor"),
        ("cursor=9223372036854775808", "cursor"),
        ("provider_id=x", "provider_id"),
    ] {
        let (status, p) =
            api_call(&app, M::GET, &format!("/api/v1/directory/services?{query}"), Role::Referrer, None).await;
        assert_eq!((status, problem_fields(&p)), (422, vec![field]), "{query}: {p}");
    }
}

async fn the_sheet_goes_out_and_comes_back(engine: Engine) {
    let app = spawn(engine).await;
    let token = app.token(&app.a, app.a.user(Role::LinkWorker)).await;
    let http = reqwest::Client::new();
    let r = http.get(app.url("/api/v1/directory/services.csv")).bearer_auth(&token).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap()), (200, "text/csv; charset=utf-8"));
    let sheet = r.text().await.unwrap();
    assert!(sheet.contains(&app.a.service.name), "{sheet}");
    let post = |body: String, content_type: &'static str| {
        http.post(app.url("/api/v1/directory/services.csv"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let r = post(sheet.clone(), "text/csv").await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let report: Value = r.json().await.unwrap();
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64()),
        (Some(0), Some(1)),
        "its own export updates in place: {report}"
    );
    let r = post(sheet.clone(), "application/json").await.unwrap();
    let p: Value = r.json().await.unwrap();
    assert_eq!(problem_fields(&p), vec!["body"]);
    // A sheet with a bad line changes nothing, and says where.
    let mut lines: Vec<&str> = sheet.lines().collect();
    let bad = lines[1].replacen(&app.a.service.name, "", 1);
    lines[1] = &bad;
    let r = post(lines.join("\n"), "text/csv").await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let p: Value = r.json().await.unwrap();
    assert!(problem_fields(&p).iter().all(|f| *f == "file"), "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().starts_with("line 2"), "{p}");
    let (_, s) =
        api_call(&app, M::GET, &format!("/api/v1/directory/services/{}", app.a.service.id), Role::LinkWorker, None)
            .await;
    assert_eq!(s["name"], app.a.service.name.as_str(), "unchanged");
}
