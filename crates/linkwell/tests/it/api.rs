//! The JSON API: tokens, problem details naming fields, cursor pagination, conflicts,
//! and the OpenAPI document.

use linkwell_domain::identity::Role;
use linkwell_store::{Actor, Engine};
use serde_json::{Value, json};

use crate::support::{count, spawn};

both_engines!(
    token_authentication,
    practices_crud_with_problems_and_conflicts,
    cursor_pagination_walks_every_practice,
    users_and_audit_endpoints,
    openapi_describes_every_api_route,
);

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn token_authentication(engine: Engine) {
    let app = spawn(engine).await;
    let r = http().get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 401);
    assert_eq!(body["title"], "Authentication required");

    let user = app.a.user(Role::LinkWorker).clone();
    let token = app.token(&app.a, &user).await;
    let me: Value = http().get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["user"]["role"], "link_worker");
    assert_eq!(me["user"]["email"], user.email);
    assert_eq!(me["organisation"]["slug"], "a");
    assert!(me["user"].get("practice_id").is_none(), "absent, not null");

    assert_eq!(http().get(app.url("/api/v1/me")).bearer_auth("lw_wrong").send().await.unwrap().status(), 401);
    let tokens = app.db.api_tokens(&app.a.scope).await.unwrap();
    app.db.revoke_api_token(&app.a.scope, &Actor::system(), tokens[0].id).await.unwrap();
    assert_eq!(http().get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 401);
}

async fn practices_crud_with_problems_and_conflicts(engine: Engine) {
    let app = spawn(engine).await;
    let token = app.token(&app.a, app.a.user(Role::Admin)).await;
    let post = |body: Value| http().post(app.url("/api/v1/practices")).bearer_auth(&token).json(&body).send();
    let before = count(&app.db, "SELECT COUNT(*) FROM practices").await;

    let r = post(json!({"name": "", "ods_code": "XX"})).await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().await.unwrap();
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "ods_code"]);
    let r = post(json!({"name": "X", "ods_code": 7})).await.unwrap();
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "ods_code", "{p}");
    let r = post(json!({"name": "X", "ods_code": "C81001", "colour": "red"})).await.unwrap();
    let p: Value = r.json().await.unwrap();
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("colour is not a field this request takes"), "{p}");
    let r = http()
        .post(app.url("/api/v1/practices"))
        .bearer_auth(&token)
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = http().post(app.url("/api/v1/practices")).bearer_auth(&token).body("name=x").send().await.unwrap();
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "body");
    let r = post(json!({"name": "Dup", "ods_code": "A81001"})).await.unwrap();
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "ods_code");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM practices").await, before, "nothing changed");

    let r = post(json!({"name": "Hillside Surgery", "ods_code": "c81001"})).await.unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["ods_code"], "C81001");
    assert_eq!(created["version"], 1);
    let url = app.url(&format!("/api/v1/practices/{}", created["id"].as_str().unwrap()));
    let got: Value = http().get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(got, created);

    let put = |body: Value| http().put(&url).bearer_auth(&token).json(&body).send();
    let r = put(json!({"name": "Hillside Medical Centre", "ods_code": "C81001", "version": 1})).await.unwrap();
    assert_eq!(r.status(), 200);
    let r = put(json!({"name": "Lost update", "ods_code": "C81001", "version": 1})).await.unwrap();
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["title"], "Conflict");
    let r = put(json!({"name": "No version", "ods_code": "C81001"})).await.unwrap();
    let p: Value = r.json().await.unwrap();
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("version is required"), "{p}");
    let got: Value = http().get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(got["name"], "Hillside Medical Centre");

    // Another organisation's practice is 404, and a non-uuid id too.
    let other = app.token(&app.b, app.b.user(Role::Admin)).await;
    assert_eq!(http().get(&url).bearer_auth(&other).send().await.unwrap().status(), 404);
    assert_eq!(http().get(app.url("/api/v1/practices/nope")).bearer_auth(&token).send().await.unwrap().status(), 404);
    // Changes through the API need a token, not a browser session.
    let browser = app.signed_in(&app.a.email(Role::Admin)).await;
    let r = browser
        .http
        .post(browser.url("/api/v1/practices"))
        .json(&json!({"name": "Via cookie", "ods_code": "D81001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn cursor_pagination_walks_every_practice(engine: Engine) {
    let app = spawn(engine).await;
    let token = app.token(&app.a, app.a.user(Role::Coordinator)).await;
    for i in 0..6 {
        let input =
            linkwell_domain::organisations::PracticeInput::parse(&format!("P{i}"), &format!("E{:05}", i)).unwrap();
        app.db.create_practice(&app.a.scope, &Actor::system(), &input).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = app.url("/api/v1/practices?limit=3");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = http().get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        seen.extend(page["items"].as_array().unwrap().iter().map(|p| p["ods_code"].as_str().unwrap().to_owned()));
        match page.get("next_cursor").and_then(|c| c.as_str()) {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ["A81001", "E00000", "E00001", "E00002", "E00003", "E00004", "E00005"]);
    for bad in ["0", "201", "ten"] {
        let r =
            http().get(app.url(&format!("/api/v1/practices?limit={bad}"))).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "limit");
    }
}

async fn users_and_audit_endpoints(engine: Engine) {
    let app = spawn(engine).await;
    let token = app.token(&app.a, app.a.user(Role::Admin)).await;
    let r = http()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&json!({"display_name": "Dr Ada Khan", "email": "ada@a.example", "role": "referrer", "practice_id": app.a.practice.id.to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["role"], "referrer");
    assert!(body["password_reset_path"].as_str().unwrap().starts_with("/reset-password/rs_"));
    let r = http()
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&json!({"display_name": "X", "email": "x@a.example", "role": "referrer"}))
        .send()
        .await
        .unwrap();
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "practice_id");

    let users: Value =
        http().get(app.url("/api/v1/users?limit=200")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 7);

    let audit: Value = http()
        .get(app.url("/api/v1/audit?action=user_created&limit=2"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0]["seq"].as_i64() > items[1]["seq"].as_i64(), "newest first");
    assert_eq!(items[0]["entity_id"], body["user"]["id"]);
    assert!(audit["next_cursor"].is_string());
    let r = http().get(app.url("/api/v1/audit?cursor=abc&from=yesterday")).bearer_auth(&token).send().await.unwrap();
    let p: Value = r.json().await.unwrap();
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["from", "cursor"]);
}

async fn openapi_describes_every_api_route(engine: Engine) {
    let app = spawn(engine).await;
    let doc: Value = http().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let state = linkwell_web::AppState::new(app.db.clone(), linkwell_web::Config::default());
    for route in linkwell_web::routes(&state)
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
    {
        let op = &doc["paths"][route.path][route.method.as_str().to_lowercase()];
        assert!(op.is_object(), "{} {} is missing from the OpenAPI document", route.method, route.path);
    }
    // A client generator names a method after each operationId: each must be unique.
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|methods| methods.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().expect("every operation has an operationId"))
        .collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all, "operationIds repeat");
    if engine == Engine::Sqlite {
        insta::assert_json_snapshot!("openapi", doc);
    }
}
