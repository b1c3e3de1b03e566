//! The role × route authorization matrix. `EXPECTED` is written here independently of the
//! route table; a route missing from it (or listed here but not served) fails the test.

use std::collections::BTreeSet;

use linkwell_domain::identity::Role;
use linkwell_domain::identity::Role::*;
use linkwell_store::Engine;
use linkwell_web::{AppState, Config};

use crate::support::{Client, TestApp, concrete, location, spawn};

#[derive(Debug, Clone, Copy)]
enum Expect {
    Public,
    SignedIn,
    Roles(&'static [Role]),
}

use Expect::*;

const STAFF: &[Role] = &[Admin, Coordinator, LinkWorker, Referrer];
/// Those who refer and follow referrals.
const REFERRING: &[Role] = &[Coordinator, LinkWorker, Referrer];
/// Those who work cases (a link worker only their own: the matrix's case is theirs).
const CASEWORK: &[Role] = &[Coordinator, LinkWorker];
const TRIAGE: &[Role] = &[Coordinator];
/// Registers: the team, and facilitators (their own groups only).
const REGISTERS: &[Role] = &[Coordinator, LinkWorker, Facilitator];
/// Reports: the team's coordinators, and commissioners (suppressed).
const REPORTS: &[Role] = &[Coordinator, Commissioner];
/// Defining the organisation's own questionnaires, and the person-level dataset extract.
const DEFINE: &[Role] = &[Coordinator];

const EXPECTED: &[(&str, &str, Expect)] = &[
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", Public),
    ("GET", "/assets/{*path}", Public),
    ("GET", "/api/v1/openapi.json", Public),
    ("GET", "/sign-in", Public),
    ("POST", "/sign-in", Public),
    ("GET", "/reset-password/{token}", Public),
    ("POST", "/reset-password/{token}", Public),
    ("GET", "/accessibility", Public),
    ("GET", "/privacy", Public),
    ("GET", "/self-referral/{slug}", Public),
    ("POST", "/self-referral/{slug}", Public),
    ("GET", "/calendar/{file}", Public),
    ("GET", "/group-links/{token}", Public),
    ("POST", "/group-links/{token}", Public),
    ("GET", "/group-feedback/{token}", Public),
    ("POST", "/group-feedback/{token}", Public),
    ("GET", "/questionnaire/{token}", Public),
    ("POST", "/questionnaire/{token}", Public),
    ("GET", "/admin/settings", Roles(&[Admin])),
    ("POST", "/admin/settings", Roles(&[Admin])),
    ("POST", "/admin/settings/messaging", Roles(&[Admin])),
    ("POST", "/admin/settings/directory", Roles(&[Admin])),
    ("GET", "/community/{slug}", Public),
    ("GET", "/community/{slug}/services/{id}", Public),
    ("POST", "/community/{slug}/services/{id}/join", Public),
    ("GET", "/community/{slug}/services/{id}/calendar.ics", Public),
    ("GET", "/oruk/{slug}", Public),
    ("GET", "/oruk/{slug}/", Public),
    ("GET", "/oruk/{slug}/services", Public),
    ("GET", "/oruk/{slug}/services/{id}", Public),
    ("GET", "/oruk/{slug}/service_at_locations", Public),
    ("GET", "/oruk/{slug}/service_at_locations/{id}", Public),
    ("GET", "/oruk/{slug}/taxonomies", Public),
    ("GET", "/oruk/{slug}/taxonomies/{id}", Public),
    ("GET", "/oruk/{slug}/taxonomy_terms", Public),
    ("GET", "/oruk/{slug}/taxonomy_terms/{id}", Public),
    ("GET", "/oruk/{slug}/organizations", Public),
    ("GET", "/oruk/{slug}/organizations/{id}", Public),
    ("GET", "/admin/outbox", Roles(&[Admin])),
    ("GET", "/api/v1/settings", Roles(&[Admin])),
    ("PUT", "/api/v1/settings/self-referral", Roles(&[Admin])),
    ("PUT", "/api/v1/settings/directory", Roles(&[Admin])),
    ("PUT", "/api/v1/settings/messaging", Roles(&[Admin])),
    ("GET", "/api/v1/outbox", Roles(&[Admin])),
    ("GET", "/diary", Roles(CASEWORK)),
    ("GET", "/diary/book", Roles(CASEWORK)),
    ("GET", "/rooms", Roles(CASEWORK)),
    ("GET", "/rooms/{id}/diary", Roles(CASEWORK)),
    ("GET", "/account/hours", Roles(CASEWORK)),
    ("POST", "/account/hours", Roles(CASEWORK)),
    ("GET", "/api/v1/working-hours", Roles(CASEWORK)),
    ("PUT", "/api/v1/working-hours", Roles(CASEWORK)),
    ("GET", "/api/v1/diary", Roles(CASEWORK)),
    ("GET", "/api/v1/rooms/{id}/diary", Roles(CASEWORK)),
    ("POST", "/api/v1/calendar-feed", Roles(CASEWORK)),
    ("DELETE", "/api/v1/calendar-feed", Roles(CASEWORK)),
    ("GET", "/account/calendar", Roles(CASEWORK)),
    ("POST", "/account/calendar", Roles(CASEWORK)),
    ("POST", "/account/calendar/revoke", Roles(CASEWORK)),
    ("GET", "/", SignedIn),
    ("GET", "/account", SignedIn),
    ("POST", "/account/password", SignedIn),
    ("GET", "/api/v1/me", SignedIn),
    ("GET", "/api/v1/home", SignedIn),
    ("GET", "/practices", Roles(STAFF)),
    ("GET", "/practices/new", Roles(&[Admin])),
    ("POST", "/practices", Roles(&[Admin])),
    ("GET", "/practices/{id}/edit", Roles(&[Admin])),
    ("POST", "/practices/{id}", Roles(&[Admin])),
    ("GET", "/api/v1/practices", Roles(STAFF)),
    ("POST", "/api/v1/practices", Roles(&[Admin])),
    ("GET", "/api/v1/practices/{id}", Roles(STAFF)),
    ("PUT", "/api/v1/practices/{id}", Roles(&[Admin])),
    ("GET", "/admin/sites", Roles(&[Admin])),
    ("POST", "/admin/sites", Roles(&[Admin])),
    ("POST", "/admin/sites/{id}/rooms", Roles(&[Admin])),
    ("GET", "/api/v1/sites", Roles(CASEWORK)),
    ("POST", "/api/v1/sites", Roles(&[Admin])),
    ("POST", "/api/v1/sites/{id}/rooms", Roles(&[Admin])),
    ("GET", "/admin/users", Roles(&[Admin, Coordinator])),
    ("GET", "/admin/users/new", Roles(&[Admin])),
    ("POST", "/admin/users", Roles(&[Admin])),
    ("GET", "/admin/users/{id}", Roles(&[Admin, Coordinator])),
    ("POST", "/admin/users/{id}/disable", Roles(&[Admin])),
    ("POST", "/admin/users/{id}/enable", Roles(&[Admin])),
    ("POST", "/admin/users/{id}/reset-link", Roles(&[Admin])),
    ("POST", "/admin/users/{id}/role", Roles(&[Admin])),
    ("GET", "/api/v1/users", Roles(&[Admin, Coordinator])),
    ("POST", "/api/v1/users", Roles(&[Admin])),
    ("GET", "/api/v1/users/{id}", Roles(&[Admin, Coordinator])),
    ("PUT", "/api/v1/users/{id}/role", Roles(&[Admin])),
    ("POST", "/api/v1/users/{id}/disable", Roles(&[Admin])),
    ("POST", "/api/v1/users/{id}/enable", Roles(&[Admin])),
    ("GET", "/admin/tools", Roles(&[Admin])),
    ("POST", "/admin/tools", Roles(&[Admin])),
    ("POST", "/admin/tools/{id}/retire", Roles(&[Admin])),
    ("GET", "/admin/programmes", Roles(&[Admin])),
    ("POST", "/admin/programmes", Roles(&[Admin])),
    ("POST", "/api/v1/programmes", Roles(&[Admin])),
    ("GET", "/referrals", Roles(REFERRING)),
    ("GET", "/referrals/new", Roles(REFERRING)),
    ("POST", "/referrals", Roles(REFERRING)),
    ("GET", "/referrals/{id}", Roles(REFERRING)),
    ("POST", "/referrals/{id}/accept", Roles(TRIAGE)),
    ("POST", "/referrals/{id}/assign", Roles(TRIAGE)),
    ("POST", "/referrals/{id}/decline", Roles(TRIAGE)),
    ("POST", "/referrals/{id}/redirect", Roles(TRIAGE)),
    ("POST", "/referrals/{id}/extend", Roles(TRIAGE)),
    ("POST", "/referrals/{id}/contact", Roles(CASEWORK)),
    ("GET", "/waiting-list", Roles(TRIAGE)),
    ("GET", "/caseload", Roles(CASEWORK)),
    ("GET", "/caseloads", Roles(TRIAGE)),
    ("GET", "/people", Roles(CASEWORK)),
    ("GET", "/people/{id}", Roles(CASEWORK)),
    ("POST", "/people/{id}/merge", Roles(TRIAGE)),
    ("GET", "/people/{id}/edit", Roles(CASEWORK)),
    ("POST", "/people/{id}", Roles(CASEWORK)),
    ("GET", "/api/v1/people", Roles(CASEWORK)),
    ("GET", "/api/v1/people/{id}", Roles(CASEWORK)),
    ("PUT", "/api/v1/people/{id}", Roles(CASEWORK)),
    ("GET", "/referrals/{id}/sessions/new", Roles(CASEWORK)),
    ("POST", "/referrals/{id}/sessions", Roles(CASEWORK)),
    ("GET", "/sessions/{id}/outcome", Roles(CASEWORK)),
    ("POST", "/sessions/{id}/outcome", Roles(CASEWORK)),
    ("GET", "/sessions/{id}/move", Roles(CASEWORK)),
    ("POST", "/sessions/{id}/move", Roles(CASEWORK)),
    ("GET", "/sessions/{id}/questionnaires/new", Roles(CASEWORK)),
    ("POST", "/sessions/{id}/questionnaires", Roles(CASEWORK)),
    ("GET", "/people/{id}/outcomes", Roles(CASEWORK)),
    ("GET", "/questionnaires", Roles(DEFINE)),
    ("POST", "/questionnaires", Roles(DEFINE)),
    ("GET", "/questionnaires/new", Roles(DEFINE)),
    ("GET", "/questionnaires/thresholds", Roles(DEFINE)),
    ("POST", "/questionnaires/thresholds", Roles(DEFINE)),
    ("GET", "/questionnaires/{code}", Roles(DEFINE)),
    ("POST", "/questionnaires/{code}", Roles(DEFINE)),
    ("GET", "/questionnaires/{code}/edit", Roles(DEFINE)),
    ("POST", "/questionnaires/{code}/retire", Roles(DEFINE)),
    ("GET", "/reports", Roles(REPORTS)),
    ("GET", "/reports/export.csv", Roles(REPORTS)),
    ("GET", "/reports/export.xlsx", Roles(REPORTS)),
    ("GET", "/reports/dataset.csv", Roles(DEFINE)),
    ("POST", "/referrals/{id}/questionnaire-links", Roles(CASEWORK)),
    ("GET", "/referrals/{id}/plan", Roles(CASEWORK)),
    ("GET", "/referrals/{id}/plan/edit", Roles(CASEWORK)),
    ("POST", "/referrals/{id}/plan", Roles(CASEWORK)),
    ("GET", "/referrals/{id}/plan/versions/{version}", Roles(CASEWORK)),
    ("GET", "/referrals/{id}/plan/versions/{version}/pdf", Roles(CASEWORK)),
    ("GET", "/referrals/{id}/timeline", Roles(CASEWORK)),
    ("POST", "/referrals/{id}/notes", Roles(CASEWORK)),
    ("GET", "/referrals/{id}/notes/{note}", Roles(CASEWORK)),
    ("POST", "/referrals/{id}/notes/{note}", Roles(CASEWORK)),
    ("GET", "/api/v1/referrals/{id}/timeline", Roles(CASEWORK)),
    ("POST", "/api/v1/referrals/{id}/notes", Roles(CASEWORK)),
    ("GET", "/api/v1/referrals/{id}/notes/{note}", Roles(CASEWORK)),
    ("POST", "/api/v1/referrals/{id}/notes/{note}/corrections", Roles(CASEWORK)),
    ("GET", "/referrals/{id}/discharge", Roles(CASEWORK)),
    ("POST", "/referrals/{id}/discharge", Roles(CASEWORK)),
    ("GET", "/referrals/{id}/discharge-summary", Roles(REFERRING)),
    ("GET", "/referrals/{id}/discharge-summary.txt", Roles(REFERRING)),
    ("GET", "/api/v1/programmes", Roles(REFERRING)),
    ("GET", "/api/v1/referrals", Roles(REFERRING)),
    ("POST", "/api/v1/referrals", Roles(REFERRING)),
    ("GET", "/api/v1/referrals/{id}", Roles(REFERRING)),
    ("POST", "/api/v1/referrals/{id}/triage", Roles(TRIAGE)),
    ("POST", "/api/v1/referrals/{id}/follow-up-extension", Roles(TRIAGE)),
    ("POST", "/api/v1/referrals/{id}/contact-attempts", Roles(CASEWORK)),
    ("POST", "/api/v1/referrals/{id}/discharge", Roles(CASEWORK)),
    ("GET", "/api/v1/waiting-list", Roles(TRIAGE)),
    ("GET", "/api/v1/caseload", Roles(CASEWORK)),
    ("GET", "/api/v1/caseloads", Roles(TRIAGE)),
    ("GET", "/api/v1/referrals/{id}/sessions", Roles(CASEWORK)),
    ("POST", "/api/v1/referrals/{id}/sessions", Roles(CASEWORK)),
    ("GET", "/api/v1/sessions/{id}", Roles(CASEWORK)),
    ("POST", "/api/v1/sessions/{id}/outcome", Roles(CASEWORK)),
    ("POST", "/api/v1/sessions/{id}/reschedule", Roles(CASEWORK)),
    ("GET", "/api/v1/questionnaires", Roles(CASEWORK)),
    ("POST", "/api/v1/questionnaires", Roles(DEFINE)),
    ("POST", "/api/v1/questionnaires/{code}/versions", Roles(DEFINE)),
    ("POST", "/api/v1/questionnaires/{code}/retire", Roles(DEFINE)),
    ("GET", "/api/v1/questionnaires/thresholds", Roles(DEFINE)),
    ("PUT", "/api/v1/questionnaires/thresholds", Roles(DEFINE)),
    ("GET", "/api/v1/questionnaires/{code}/versions/{version}", Roles(CASEWORK)),
    ("GET", "/api/v1/reports", Roles(REPORTS)),
    ("GET", "/api/v1/reports/export.csv", Roles(REPORTS)),
    ("GET", "/api/v1/reports/export.xlsx", Roles(REPORTS)),
    ("GET", "/api/v1/reports/dataset.csv", Roles(DEFINE)),
    ("POST", "/api/v1/sessions/{id}/questionnaires", Roles(CASEWORK)),
    ("GET", "/api/v1/people/{id}/outcomes", Roles(CASEWORK)),
    ("POST", "/api/v1/referrals/{id}/questionnaire-links", Roles(CASEWORK)),
    ("GET", "/api/v1/referrals/{id}/plan", Roles(CASEWORK)),
    ("PUT", "/api/v1/referrals/{id}/plan", Roles(CASEWORK)),
    ("GET", "/directory", Roles(STAFF)),
    ("GET", "/directory/check", Roles(STAFF)),
    ("GET", "/directory/export.csv", Roles(STAFF)),
    ("GET", "/directory/template.csv", Roles(STAFF)),
    ("GET", "/directory/import", Roles(CASEWORK)),
    ("POST", "/directory/import", Roles(CASEWORK)),
    ("GET", "/directory/providers", Roles(STAFF)),
    ("POST", "/directory/providers", Roles(CASEWORK)),
    ("GET", "/directory/providers/{id}/edit", Roles(CASEWORK)),
    ("POST", "/directory/providers/{id}", Roles(CASEWORK)),
    ("GET", "/directory/services/new", Roles(CASEWORK)),
    ("POST", "/directory/services", Roles(CASEWORK)),
    ("GET", "/directory/services/{id}", Roles(STAFF)),
    ("GET", "/directory/services/{id}/edit", Roles(CASEWORK)),
    ("POST", "/directory/services/{id}", Roles(CASEWORK)),
    ("GET", "/directory/services/{id}/pause", Roles(CASEWORK)),
    ("POST", "/directory/services/{id}/pause", Roles(CASEWORK)),
    ("GET", "/directory/services/{id}/close", Roles(CASEWORK)),
    ("POST", "/directory/services/{id}/close", Roles(CASEWORK)),
    ("POST", "/directory/services/{id}/reopen", Roles(CASEWORK)),
    ("POST", "/directory/services/{id}/verify", Roles(CASEWORK)),
    ("POST", "/directory/services/{id}/exceptions", Roles(CASEWORK)),
    ("GET", "/groups", Roles(CASEWORK)),
    ("POST", "/groups", Roles(CASEWORK)),
    ("GET", "/groups/figures.csv", Roles(CASEWORK)),
    ("GET", "/groups/{id}", Roles(CASEWORK)),
    ("POST", "/groups/{id}", Roles(CASEWORK)),
    ("POST", "/groups/{id}/facilitators", Roles(CASEWORK)),
    ("GET", "/api/v1/groups", Roles(CASEWORK)),
    ("POST", "/api/v1/groups", Roles(CASEWORK)),
    ("GET", "/api/v1/groups/{id}", Roles(CASEWORK)),
    ("PUT", "/api/v1/groups/{id}", Roles(CASEWORK)),
    ("PUT", "/api/v1/groups/{id}/facilitators", Roles(CASEWORK)),
    ("POST", "/groups/{id}/members", Roles(CASEWORK)),
    ("POST", "/groups/{id}/members/{member}/remove", Roles(CASEWORK)),
    ("POST", "/groups/{id}/stories", Roles(CASEWORK)),
    ("POST", "/groups/{id}/stories/{story}/withdraw", Roles(CASEWORK)),
    ("GET", "/groups/{id}/sessions/{session}", Roles(CASEWORK)),
    ("POST", "/groups/{id}/sessions/{session}", Roles(CASEWORK)),
    ("GET", "/api/v1/groups/{id}/figures", Roles(CASEWORK)),
    ("GET", "/api/v1/groups/{id}/members", Roles(CASEWORK)),
    ("POST", "/api/v1/groups/{id}/members", Roles(CASEWORK)),
    ("DELETE", "/api/v1/groups/{id}/members/{member}", Roles(CASEWORK)),
    ("POST", "/api/v1/groups/{id}/sessions/{session}/change", Roles(CASEWORK)),
    ("GET", "/api/v1/groups/{id}/feedback", Roles(CASEWORK)),
    ("GET", "/api/v1/groups/{id}/stories", Roles(CASEWORK)),
    ("POST", "/api/v1/groups/{id}/stories", Roles(CASEWORK)),
    ("POST", "/api/v1/groups/{id}/stories/{story}/withdraw", Roles(CASEWORK)),
    ("GET", "/registers", Roles(REGISTERS)),
    ("GET", "/registers/{session}", Roles(REGISTERS)),
    ("POST", "/registers/{session}", Roles(REGISTERS)),
    ("POST", "/registers/{session}/feedback", Roles(REGISTERS)),
    ("GET", "/api/v1/registers", Roles(REGISTERS)),
    ("GET", "/api/v1/registers/{session}", Roles(REGISTERS)),
    ("POST", "/api/v1/registers/{session}", Roles(REGISTERS)),
    ("POST", "/api/v1/registers/{session}/feedback", Roles(REGISTERS)),
    ("GET", "/api/v1/directory/providers", Roles(STAFF)),
    ("POST", "/api/v1/directory/providers", Roles(CASEWORK)),
    ("GET", "/api/v1/directory/providers/{id}", Roles(STAFF)),
    ("PUT", "/api/v1/directory/providers/{id}", Roles(CASEWORK)),
    ("GET", "/api/v1/directory/services", Roles(STAFF)),
    ("POST", "/api/v1/directory/services", Roles(CASEWORK)),
    ("GET", "/api/v1/directory/services/{id}", Roles(STAFF)),
    ("PUT", "/api/v1/directory/services/{id}", Roles(CASEWORK)),
    ("POST", "/api/v1/directory/services/{id}/status", Roles(CASEWORK)),
    ("POST", "/api/v1/directory/services/{id}/verify", Roles(CASEWORK)),
    ("PUT", "/api/v1/directory/services/{id}/dates-off/{date}", Roles(CASEWORK)),
    ("DELETE", "/api/v1/directory/services/{id}/dates-off/{date}", Roles(CASEWORK)),
    ("GET", "/api/v1/directory/to-check", Roles(STAFF)),
    ("GET", "/api/v1/directory/services.csv", Roles(STAFF)),
    ("POST", "/api/v1/directory/services.csv", Roles(CASEWORK)),
    ("PUT", "/api/v1/people/{id}/free-times", Roles(CASEWORK)),
    ("GET", "/api/v1/referrals/{id}/prescriptions", Roles(CASEWORK)),
    ("POST", "/api/v1/referrals/{id}/prescriptions", Roles(CASEWORK)),
    ("GET", "/api/v1/prescriptions/{id}", Roles(CASEWORK)),
    ("POST", "/api/v1/prescriptions/{id}/outcome", Roles(CASEWORK)),
    ("GET", "/api/v1/unmet-needs", Roles(CASEWORK)),
    ("POST", "/api/v1/unmet-needs", Roles(CASEWORK)),
    ("POST", "/people/{id}/free-times", Roles(CASEWORK)),
    ("GET", "/referrals/{id}/prescriptions/new", Roles(CASEWORK)),
    ("POST", "/referrals/{id}/prescriptions", Roles(CASEWORK)),
    ("GET", "/prescriptions/{id}/outcome", Roles(CASEWORK)),
    ("POST", "/prescriptions/{id}/outcome", Roles(CASEWORK)),
    ("GET", "/unmet-needs", Roles(CASEWORK)),
    ("POST", "/unmet-needs", Roles(CASEWORK)),
    ("GET", "/admin/audit", Roles(&[Admin])),
    ("GET", "/api/v1/audit", Roles(&[Admin])),
    ("GET", "/api/v1/tools", Roles(&[Admin])),
    ("POST", "/api/v1/tools", Roles(&[Admin])),
    ("PUT", "/api/v1/tools/{id}/offered", Roles(&[Admin])),
    ("POST", "/api/v1/users/{id}/reset-link", Roles(&[Admin])),
    ("POST", "/api/v1/people/{id}/merge", Roles(TRIAGE)),
    ("GET", "/api/v1/referrals/{id}/plan/versions", Roles(CASEWORK)),
    ("GET", "/api/v1/referrals/{id}/plan/versions/{version}", Roles(CASEWORK)),
    ("GET", "/api/v1/referrals/{id}/plan/versions/{version}/pdf", Roles(CASEWORK)),
    ("GET", "/api/v1/referrals/{id}/discharge-summary", Roles(REFERRING)),
    // Signing out ends the session, so it is walked last.
    ("POST", "/sign-out", SignedIn),
];

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Sent to sign in (pages) or 401 (API).
    NeedsSignIn,
    Forbidden,
    NotFound,
    Allowed(u16),
}

fn classify(r: &reqwest::Response) -> Outcome {
    match r.status().as_u16() {
        401 => Outcome::NeedsSignIn,
        303 if location(r).starts_with("/sign-in?next=") => Outcome::NeedsSignIn,
        403 => Outcome::Forbidden,
        404 => Outcome::NotFound,
        s => Outcome::Allowed(s),
    }
}

enum Who<'a> {
    Anonymous,
    Session(&'a Client),
    Token(&'a str),
}

async fn send(app: &TestApp, who: &Who<'_>, method: &str, path: &str) -> reqwest::Response {
    let form: &[(&str, &str)] = &[("version", "1"), ("name", "Matrix Practice"), ("ods_code", "C81001")];
    let json = serde_json::json!({"name": "Matrix Practice", "ods_code": "C81002", "version": 1});
    let api = path.starts_with("/api/");
    match who {
        Who::Session(c) if method == "POST" && !api => c.post_form(path, form).await,
        Who::Session(c) => c.get(path).await,
        Who::Anonymous => {
            let c = app.client();
            if method == "POST" && !api {
                c.post_form(path, form).await
            } else {
                let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                c.http.request(m, app.url(path)).json(&json).send().await.unwrap()
            }
        }
        Who::Token(t) => {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            reqwest::Client::new().request(m, app.url(path)).bearer_auth(t).json(&json).send().await.unwrap()
        }
    }
}

fn allowed(expect: Expect, role: Role) -> bool {
    match expect {
        Public | SignedIn => true,
        Roles(rs) => rs.contains(&role),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_has_an_entry_in_the_matrix() {
    let t = linkwell_store::testing::TestDb::new(Engine::Sqlite).await.unwrap();
    let state = AppState::new(t.db.clone(), Config::default());
    let served: BTreeSet<(String, String)> =
        linkwell_web::routes(&state).into_iter().map(|r| (r.method.to_string(), r.path.to_owned())).collect();
    let expected: BTreeSet<(String, String)> =
        EXPECTED.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    let missing: Vec<_> = served.difference(&expected).collect();
    let stale: Vec<_> = expected.difference(&served).collect();
    assert!(missing.is_empty(), "routes with no line in the authorization matrix: {missing:?}");
    assert!(stale.is_empty(), "matrix lines for routes that are not served: {stale:?}");
}

both_engines!(role_by_route_matrix);

async fn role_by_route_matrix(engine: Engine) {
    let app = spawn(engine).await;
    let mut failures = Vec::new();
    let opened = crate::support::open_every_route(&app).await;

    // Anonymous.
    for (method, path, expect) in EXPECTED {
        let r = send(&app, &Who::Anonymous, method, &concrete(&app, path, &opened)).await;
        let got = classify(&r);
        let ok = match expect {
            Public => got != Outcome::NeedsSignIn && got != Outcome::Forbidden,
            _ => got == Outcome::NeedsSignIn,
        };
        if !ok {
            failures.push(format!("anonymous {method} {path}: {got:?}"));
        }
    }

    // Each role of organisation A, by session (pages) and by API token (API).
    for role in Role::ALL {
        let user = app.a.user(role).clone();
        let client = app.signed_in(&user.email).await;
        let token = app.token(&app.a, &user).await;
        for (method, path, expect) in EXPECTED {
            let concrete = concrete(&app, path, &opened);
            let who = if path.starts_with("/api/") { Who::Token(&token) } else { Who::Session(&client) };
            let got = classify(&send(&app, &who, method, &concrete).await);
            let ok = if allowed(*expect, role) {
                matches!(got, Outcome::Allowed(s) if s < 500)
            } else {
                got == Outcome::Forbidden
            };
            if !ok {
                failures.push(format!("{role} {method} {path}: {got:?}"));
            }
        }
    }

    // Organisation B: for every route that names a record, a user of B whose role may use
    // the route finds A's record simply not there.
    // Routes that name their organisation in the path ({slug}) show that organisation's
    // published directory to anyone, other organisations' users included.
    let names_a_record = |p: &str| ["{id}", "{session}", "{member}", "{code}"].iter().any(|r| p.contains(r));
    for (method, path, expect) in EXPECTED.iter().filter(|(_, p, _)| names_a_record(p) && !p.contains("{slug}")) {
        let role = match expect {
            Roles(rs) => rs[0],
            Public | SignedIn => Admin,
        };
        let user = app.b.user(role).clone();
        let client = app.signed_in(&user.email).await;
        let token = app.token(&app.b, &user).await;
        let concrete = concrete(&app, path, &opened);
        let who = if path.starts_with("/api/") { Who::Token(&token) } else { Who::Session(&client) };
        let got = classify(&send(&app, &who, method, &concrete).await);
        if got != Outcome::NotFound {
            failures.push(format!("other organisation's {role} {method} {path}: {got:?}"));
        }
    }
    assert!(failures.is_empty(), "authorization matrix failures:\n{}", failures.join("\n"));
}
