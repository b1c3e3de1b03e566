//! The hostile-input suite (issue 10, "prove it holds"): every route in the route table,
//! for every role allowed on it (and anyone, for public routes), is sent malformed input —
//! wrong types, missing and extra fields, 100 kB strings, huge and negative numbers, huge
//! row indexes, invalid UTF-8, NUL bytes, deep JSON, unknown enum values, impossible dates,
//! another organisation's ids — in its path, its query and its body.
//!
//! Every answer must be a 4xx that says what was wrong (problem details naming the field
//! in the API and ORUK, an error page or a form with its error summary on pages), never a
//! 5xx; the server must still answer; and nothing may be written: each route's requests
//! leave every table's row count (and, where rows are versioned, the sum of versions)
//! as it was. The forms are the ones the pages really show, read from the pages.
//!
//! Run with `--no-capture` to see how many requests went to each route.

use std::collections::{BTreeMap, BTreeSet};

use linkwell_domain::authz::allows;
use linkwell_domain::identity::Role;
use linkwell_store::{Db, Engine};
use linkwell_web::access::Access;
use linkwell_web::{AppState, Config, RouteSpec};
use serde_json::{Value, json};

use crate::support::{Client, TestApp, concrete, open_every_route, spawn};

both_engines!(every_route_holds_under_hostile_input);

/// Routes a hostile request may complete, and why: they take no input at all, or only
/// optional free text that any short string is (a note), so there may be nothing wrong
/// with what was sent. Their NUL bytes and over-long text are still refused.
const TAKE_NO_INPUT: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/api/v1/directory/services/{id}/verify",
        "records a check today; its one member, a note, is optional free text",
    ),
    (
        "PUT",
        "/api/v1/directory/services/{id}/dates-off/{date}",
        "the date is the address; its one member, a note, is optional free text",
    ),
    ("DELETE", "/api/v1/directory/services/{id}/dates-off/{date}", "takes no body: the date is the address"),
    ("POST", "/account/calendar", "makes a new calendar address; takes no fields"),
    ("POST", "/api/v1/calendar-feed", "makes a new calendar address; takes no body"),
    ("DELETE", "/api/v1/calendar-feed", "turns the calendar address off; takes no body"),
    ("POST", "/account/calendar/revoke", "turns the calendar address off; takes no fields"),
    ("POST", "/admin/users/{id}/reset-link", "issues a new reset link; takes no fields"),
    ("POST", "/groups/{id}/members/{member}/remove", "takes the member off (once); takes no fields"),
    ("DELETE", "/api/v1/groups/{id}/members/{member}", "takes the member off (once); takes no body"),
    ("POST", "/groups/{id}/stories/{story}/withdraw", "withdraws the story (once); takes no fields"),
    ("POST", "/api/v1/groups/{id}/stories/{story}/withdraw", "withdraws the story (once); takes no body"),
    ("POST", "/api/v1/users/{id}/reset-link", "issues a new reset link; takes no body"),
    ("PUT", "/api/v1/tools/{id}/offered", "its one member is true or false, and either is a fine answer"),
    (
        "POST",
        "/admin/tools/{id}/retire",
        "the 'stop offering' button sends no fields (only 'offer again' sends offer=true)",
    ),
    ("POST", "/questionnaires/{code}/retire", "stops offering the questionnaire (once); takes no fields"),
    ("POST", "/api/v1/questionnaires/{code}/retire", "stops offering the questionnaire (once); takes no body"),
    (
        "PUT",
        "/api/v1/questionnaires/thresholds",
        "its one member is a map by measure, and an empty one (every threshold the published one) is a fine answer",
    ),
];

/// Left out, and why.
const NOT_SENT: &[(&str, &str, &str)] = &[("POST", "/sign-out", "ends the session the suite runs in; takes no fields")];

/// Strings that should never get through a parser unnoticed.
fn hostile_strings() -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "-1".into(),
        "0".into(),
        "99999999999999999999999".into(),
        // Parses as a u64, and overflows anything it is multiplied by (a page's offset).
        "18446744073709551615".into(),
        "-9223372036854775809".into(),
        "1e309".into(),
        "NaN".into(),
        "2026-02-30".into(),
        "99999-01-01".into(),
        "31/02/2026".into(),
        "zzz-not-a-value".into(),
        "<script>alert(1)</script>".into(),
        "' OR '1'='1".into(),
        "a\u{0}b".into(),
        "\u{202e}\u{feff}😀".into(),
        "../../../../etc/passwd".into(),
        "x".repeat(4_000),
    ]
}

/// JSON values for every member of a body.
fn hostile_json() -> Vec<Value> {
    let mut deep = json!(1);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(0),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1.0e308),
        json!(""),
        json!("x".repeat(100_000)),
        json!("2026-02-30"),
        json!("99999-01-01"),
        json!("zzz-not-a-value"),
        json!("a\u{0}b"),
        json!([]),
        json!({}),
        Value::Array(vec![json!("x"); 60]),
        deep,
    ]
}

/// Whole bodies that are wrong before any member is read.
fn hostile_bodies() -> Vec<(&'static str, Vec<u8>)> {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    vec![
        ("application/json", b"null".to_vec()),
        ("application/json", b"[]".to_vec()),
        ("application/json", b"\"text\"".to_vec()),
        ("application/json", b"{\"a\":".to_vec()),
        ("application/json", deep.into_bytes()),
        ("application/json", vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']),
        ("application/json", b"{\"\\u0000\": \"\\u0000\"}".to_vec()),
        ("application/json", format!("{{\"x\": \"{}\"}}", "y".repeat(2 * 1024 * 1024)).into_bytes()),
        ("text/plain", b"hello".to_vec()),
        ("application/x-www-form-urlencoded", b"a=%FF%FE&b=%00".to_vec()),
    ]
}

/// Query parameter names the pages, the API and ORUK read.
const QUERY_NAMES: &[&str] = &[
    "q",
    "term",
    "day",
    "time",
    "age",
    "miles",
    "postcode",
    "free",
    "wheelchair",
    "show",
    "page",
    "per_page",
    "after",
    "before",
    "status",
    "worker",
    "person",
    "next",
    "reset",
    "service",
    "area",
    "need",
    "from",
    "to",
    "action",
    "user",
    "actor",
    "entity_type",
    "entity_id",
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "minimal",
    "full",
    "format",
    "proximity",
    "cursor",
    "limit",
    "date",
    "view",
    "week",
    "provider",
    "practice",
    "urgency",
    "assigned",
    "sort",
    "direction",
    "at",
    "referral",
    "window",
    "role",
];

/// Numbered rows the forms use, with indexes no form would send.
const ROW_NAMES: &[&str] = &[
    "goals[99999999999].text",
    "actions[18446744073709551615].what",
    "schedules[4294967296].day",
    "goals[-1].text",
    "goals[0x10].text",
];

#[derive(Clone, Copy)]
enum Principal {
    Anonymous,
    Role(Role),
}

impl std::fmt::Display for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Principal::Anonymous => f.write_str("anonymous"),
            Principal::Role(r) => write!(f, "{r}"),
        }
    }
}

fn principals(access: Access) -> Vec<Principal> {
    match access {
        Access::Public => vec![Principal::Anonymous, Principal::Role(Role::Coordinator)],
        Access::SignedIn => Role::ALL.iter().map(|r| Principal::Role(*r)).collect(),
        Access::Allowed(action) => {
            Role::ALL.iter().filter(|r| allows(**r, action)).map(|r| Principal::Role(*r)).collect()
        }
    }
}

/// The tables the suite watches, and for each its row count and sum of versions. The
/// audit trail (reads are audited), sessions and sign-in bookkeeping are left out: they
/// record that a request came, not what it changed.
async fn snapshot(db: &Db) -> BTreeMap<String, (i64, i64)> {
    let tables: Vec<String> = match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                .fetch_all(p)
                .await
                .unwrap()
        }
        Db::Postgres(p) => {
            sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'")
                .fetch_all(p)
                .await
                .unwrap()
        }
    };
    let ignored = ["audit_log", "audit_heads", "web_sessions", "sign_in_failures", "schema_migrations", "api_tokens"];
    let mut out = BTreeMap::new();
    for t in tables.into_iter().filter(|t| !ignored.contains(&t.as_str())) {
        let versioned = format!("SELECT COUNT(*), COALESCE(SUM(version), 0) FROM {t}");
        let counted = format!("SELECT COUNT(*), CAST(0 AS BIGINT) FROM {t}");
        let row: (i64, i64) = match db {
            Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
                match sqlx::query_as(sqlx::AssertSqlSafe(versioned)).fetch_one(p).await {
                    Ok(r) => r,
                    Err(_) => sqlx::query_as(sqlx::AssertSqlSafe(counted)).fetch_one(p).await.unwrap(),
                }
            }
            Db::Postgres(p) => {
                // A failed statement would abort nothing here (no transaction), but PostgreSQL
                // types SUM of BIGINT as NUMERIC: cast it back.
                let versioned = format!("SELECT COUNT(*), COALESCE(SUM(version), 0)::BIGINT FROM {t}");
                match sqlx::query_as(sqlx::AssertSqlSafe(versioned)).fetch_one(p).await {
                    Ok(r) => r,
                    Err(_) => sqlx::query_as(sqlx::AssertSqlSafe(counted)).fetch_one(p).await.unwrap(),
                }
            }
        };
        out.insert(t, row);
    }
    out
}

/// The fields of every form on a page, by the address the form posts to.
fn forms_of(html: &str, into: &mut BTreeMap<String, BTreeSet<String>>) {
    for part in html.split("<form").skip(1) {
        let Some(end) = part.find("</form>") else { continue };
        let form = &part[..end];
        let action = form.split("action=\"").nth(1).and_then(|a| a.split('"').next()).unwrap_or("");
        let action = action.split('?').next().unwrap_or("").replace("&amp;", "&");
        let names = form.split("name=\"").skip(1).filter_map(|n| n.split('"').next()).map(str::to_owned);
        into.entry(action).or_default().extend(names.filter(|n| n != "csrf_token"));
    }
}

struct Who {
    client: Client,
    token: Option<String>,
}

struct Outcome {
    status: u16,
    content_type: String,
    body: String,
}

async fn send(
    app: &TestApp,
    who: &Who,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Outcome {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut r = match &who.token {
        Some(t) if path.starts_with("/api/") => reqwest::Client::new().request(m, app.url(path)).bearer_auth(t),
        _ => who.client.http.request(m, app.url(path)),
    };
    // An answer that never comes is a failure of its own, named with its route.
    r = r.timeout(std::time::Duration::from_secs(60));
    if let Some(ct) = content_type {
        r = r.header("content-type", ct);
    }
    let retry = r.try_clone();
    let result = match r.body(body.clone()).send().await {
        // A connection the server closed after refusing an earlier body unread is gone
        // from the pool only once used: send again on a fresh one.
        Err(e) if e.is_request() || e.is_connect() => match retry {
            Some(r) => r.body(body).send().await,
            None => Err(e),
        },
        other => other,
    };
    match result {
        Ok(res) => {
            let status = res.status().as_u16();
            let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let body = res.text().await.unwrap_or_default();
            Outcome { status, content_type, body }
        }
        // The connection dropped, or no answer came in time.
        Err(e) => {
            Outcome { status: 599, content_type: String::new(), body: format!("{e} (timed out: {})", e.is_timeout()) }
        }
    }
}

/// Whether an answer says what was wrong in the way its caller can read.
fn judged(route: &RouteSpec, o: &Outcome) -> Result<(), String> {
    if o.status >= 500 {
        return Err(format!("{} {}", o.status, o.body.chars().take(200).collect::<String>()));
    }
    if !(400..500).contains(&o.status) || o.status == 405 {
        return Ok(());
    }
    let machine = route.path.starts_with("/api/") || route.path.starts_with("/oruk/");
    if machine {
        if !o.content_type.contains("json") {
            return Err(format!(
                "{} without problem details ({}): {}",
                o.status,
                o.content_type,
                o.body.chars().take(120).collect::<String>()
            ));
        }
        let p: Value = serde_json::from_str(&o.body).map_err(|_| format!("{}: the body is not JSON", o.status))?;
        if o.status == 422 {
            let named =
                p["errors"].as_array().is_some_and(|e| !e.is_empty() && e.iter().all(|f| f["field"].is_string()));
            if !named {
                return Err(format!("422 naming no field: {p}"));
            }
        }
    } else {
        if !o.content_type.starts_with("text/html") || !o.body.contains("nhsuk-") {
            return Err(format!(
                "{} is not a page ({}): {}",
                o.status,
                o.content_type,
                o.body.chars().take(120).collect::<String>()
            ));
        }
        if o.status == 422 && !(o.body.contains("There is a problem") && o.body.contains("<title>Error: ")) {
            return Err("422 without an error summary and an 'Error:' title".into());
        }
    }
    Ok(())
}

fn urlencoded(pairs: &[(String, String)]) -> Vec<u8> {
    serde_urlencoded::to_string(pairs).unwrap().into_bytes()
}

/// Every member of an OpenAPI schema set to `v`, nested objects filled the same way.
fn fill(doc: &Value, schema: &Value, v: &Value, depth: usize) -> Value {
    let schema = match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap_or("")],
        None => schema,
    };
    let Some(props) = schema["properties"].as_object() else { return v.clone() };
    let mut out = serde_json::Map::new();
    for (name, p) in props {
        let nested = p["$ref"].is_string() && depth < 3;
        out.insert(name.clone(), if nested { fill(doc, p, v, depth + 1) } else { v.clone() });
    }
    Value::Object(out)
}

async fn every_route_holds_under_hostile_input(engine: Engine) {
    let app = spawn(engine).await;
    let opened = open_every_route(&app).await;
    let routes = linkwell_web::routes(&AppState::new(app.db.clone(), Config::default()));
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();

    // Who sends: anyone, and a signed-in session and an API token for each role.
    let mut who: BTreeMap<String, Who> = BTreeMap::new();
    who.insert("anonymous".into(), Who { client: app.client(), token: None });
    for role in Role::ALL {
        let user = app.a.user(role).clone();
        let client = app.signed_in(&user.email).await;
        let token = Some(app.token(&app.a, &user).await);
        who.insert(role.to_string(), Who { client, token });
    }

    // The forms each principal is shown, read from every page it may open.
    let mut forms: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for route in
        routes.iter().filter(|r| r.method == "GET" && !r.path.starts_with("/api/") && !r.path.starts_with("/oruk/"))
    {
        for p in principals(route.access) {
            let w = &who[&p.to_string()];
            let path = concrete(&app, route.path, &opened);
            let html = w.client.text(&path).await;
            forms_of(&html, forms.entry(p.to_string()).or_default());
        }
    }
    let every_field: BTreeSet<String> = forms.values().flat_map(|f| f.values().flatten().cloned()).collect();

    // Another organisation's records, by the same route.
    let b_ids = [
        app.b.case.referral.to_string(),
        app.b.case.person.to_string(),
        app.b.case.session.to_string(),
        app.b.service.id.to_string(),
        app.b.practice.id.to_string(),
    ];

    let mut sent: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures: Vec<String> = vec![];
    for route in &routes {
        let key = format!("{} {}", route.method, route.path);
        if NOT_SENT.iter().any(|(m, p, _)| *m == route.method.as_str() && *p == route.path) {
            continue;
        }
        let before = snapshot(&app.db).await;
        let unsafe_method = route.method != "GET";
        let machine = route.path.starts_with("/api/") || route.path.starts_with("/oruk/");
        let good = concrete(&app, route.path, &opened);
        // The path: this organisation's record, another's, and ids that name nothing.
        let mut paths = vec![good.clone()];
        if route.path.contains("{id}") || route.path.contains("{slug}") || route.path.contains("{token}") {
            for bad in [
                "not-an-id".to_owned(),
                "%FF%FE".into(),
                "%00".into(),
                "..%2F..%2Fetc%2Fpasswd".into(),
                "x".repeat(10_000),
                b_ids[0].clone(),
                b_ids[1].clone(),
                b_ids[3].clone(),
            ] {
                let ids: Vec<&str> = route.path.split('/').filter(|s| s.starts_with('{')).collect();
                let mut p = route.path.to_owned();
                for id in ids {
                    p = p.replacen(id, &bad, 1);
                }
                paths.push(p);
            }
        }
        // Strict requests hold something no field of the route may take (a NUL byte, text
        // over every length limit, a body that is not what the route reads): a change must
        // refuse them, and the tables must be as they were afterwards. Lenient ones hold
        // values that may be right for some field (`-1` is a fine name for a tool): they
        // may be taken, and are sent after the tables are compared.
        let mut lenient: Vec<(String, Option<&'static str>, Vec<u8>, String)> = vec![];
        for principal in principals(route.access) {
            let w = &who[&principal.to_string()];
            let mut strict: Vec<(String, Option<&'static str>, Vec<u8>)> = vec![];
            for path in &paths {
                strict.push((path.clone(), None, vec![]));
            }
            // The query: every name the service reads, each hostile value.
            for v in hostile_strings() {
                // A long value goes in a few parameters: in all of them the address would
                // be longer than any client sends.
                let names = if v.len() > 100 { &QUERY_NAMES[..5] } else { QUERY_NAMES };
                let q: Vec<(String, String)> = names.iter().map(|n| ((*n).to_owned(), v.clone())).collect();
                let query = String::from_utf8(urlencoded(&q)).unwrap();
                if unsafe_method {
                    lenient.push((format!("{good}?{query}"), None, vec![], principal.to_string()));
                } else {
                    strict.push((format!("{good}?{query}"), None, vec![]));
                }
            }
            strict.push((format!("{good}?page=1&page=2&limit=1&limit=2&q=%FF%FE&next=%00"), None, vec![]));
            if unsafe_method && machine {
                // JSON bodies: the operation's members set to each hostile value, then whole
                // bodies that are wrong before any member is read.
                let op = &doc["paths"][route.path][route.method.as_str().to_lowercase()];
                let schema = &op["requestBody"]["content"]["application/json"]["schema"];
                for v in hostile_json() {
                    let body = fill(&doc, schema, &v, 0);
                    strict.push((good.clone(), Some("application/json"), serde_json::to_vec(&body).unwrap()));
                }
                let mut extra = fill(&doc, schema, &json!("x"), 0);
                if let Some(o) = extra.as_object_mut() {
                    o.insert("not_a_member".into(), json!(1));
                }
                strict.push((good.clone(), Some("application/json"), serde_json::to_vec(&extra).unwrap()));
                for (ct, body) in hostile_bodies() {
                    strict.push((good.clone(), Some(ct), body));
                }
            } else if unsafe_method {
                // Forms: the fields the page's own form sends (all fields seen anywhere when
                // no page shows one), with this session's token.
                let fields: BTreeSet<String> = forms
                    .get(&principal.to_string())
                    .and_then(|f| f.get(&good))
                    .cloned()
                    .unwrap_or_else(|| every_field.clone());
                let token = w.client.csrf().await;
                let with_token = |mut pairs: Vec<(String, String)>| {
                    pairs.insert(0, ("csrf_token".into(), token.clone()));
                    urlencoded(&pairs)
                };
                let form = Some("application/x-www-form-urlencoded");
                for v in ["a\u{0}b".to_owned(), "x".repeat(5_000)] {
                    let pairs = fields.iter().map(|f| (f.clone(), v.clone())).collect();
                    strict.push((good.clone(), form, with_token(pairs)));
                }
                let mut raw = format!("csrf_token={token}").into_bytes();
                for f in &fields {
                    raw.extend_from_slice(
                        format!(
                            "&{}=%FF%FE%00",
                            String::from_utf8(urlencoded(&[(f.clone(), String::new())])).unwrap().trim_end_matches('=')
                        )
                        .as_bytes(),
                    );
                }
                strict.push((good.clone(), form, raw));
                strict.push((good.clone(), form, with_token(vec![("name".to_owned(), "x".repeat(100_000))])));
                for v in hostile_strings() {
                    let pairs = fields.iter().map(|f| (f.clone(), v.clone())).collect();
                    lenient.push((good.clone(), form, with_token(pairs), principal.to_string()));
                }
                let rows = ROW_NAMES.iter().map(|n| ((*n).to_owned(), "x".to_owned())).collect();
                lenient.push((good.clone(), form, with_token(rows), principal.to_string()));
                let twice =
                    fields.iter().flat_map(|f| [(f.clone(), "a".to_owned()), (f.clone(), "b".to_owned())]).collect();
                lenient.push((good.clone(), form, with_token(twice), principal.to_string()));
                lenient.push((good.clone(), form, with_token(vec![]), principal.to_string()));
            }
            let may_accept =
                !unsafe_method || TAKE_NO_INPUT.iter().any(|(m, p, _)| *m == route.method.as_str() && *p == route.path);
            for (path, ct, body) in strict {
                let big = body.len() > 1024 * 1024;
                let o = send(&app, w, route.method.as_str(), &path, ct, body).await;
                *sent.entry(key.clone()).or_default() += 1;
                // A body over the limit may be cut off mid-send once the answer is given.
                if big && o.status == 599 {
                    continue;
                }
                if unsafe_method && (200..400).contains(&o.status) && !may_accept {
                    failures.push(format!(
                        "{principal} {key} ({}): accepted ({})",
                        path.chars().take(80).collect::<String>(),
                        o.status
                    ));
                } else if let Err(why) = judged(route, &o) {
                    failures.push(format!("{principal} {key} ({}): {why}", path.chars().take(80).collect::<String>()));
                }
            }
        }
        if !TAKE_NO_INPUT.iter().any(|(m, p, _)| *m == route.method.as_str() && *p == route.path) {
            let after = snapshot(&app.db).await;
            for (table, counts) in &after {
                if before.get(table) != Some(counts) {
                    failures.push(format!("{key}: changed {table}: {:?} → {counts:?}", before.get(table)));
                }
            }
        }
        for (path, ct, body, principal) in lenient {
            let o = send(&app, &who[&principal], route.method.as_str(), &path, ct, body).await;
            *sent.entry(key.clone()).or_default() += 1;
            if let Err(why) = judged(route, &o) {
                failures.push(format!("{principal} {key} ({}): {why}", path.chars().take(80).collect::<String>()));
            }
        }
        if reqwest::get(app.url("/healthz")).await.map(|r| r.status().as_u16()).unwrap_or(0) != 200 {
            failures.push(format!("{key}: the server stopped answering"));
            break;
        }
    }
    let total: usize = sent.values().sum();
    eprintln!("hostile requests on {engine:?}: {total} to {} routes", sent.len());
    for (route, n) in &sent {
        eprintln!("  {n:>5}  {route}");
    }
    failures.sort();
    failures.dedup();
    assert!(failures.is_empty(), "{} hostile answers were wrong:\n{}", failures.len(), failures.join("\n"));
}
