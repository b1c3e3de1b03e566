//! What the API's answers look like, as snapshots: a change in a body's shape shows up as
//! a reviewed diff in `snapshots/`. Ids, instants and today's dates vary from run to run,
//! so they are replaced by placeholders first.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use reqwest::Method as M;
use serde_json::Value;

use crate::support::{TestApp, api_call, spawn};

/// `value` with what varies between runs replaced: ids (UUIDs) by `[id]`, instants by
/// `[instant]`, and dates within about a year of today by `[today±N]`.
fn stable(value: Value) -> Value {
    let today = linkwell_app::today();
    match value {
        Value::String(s) => Value::String(if uuid::Uuid::parse_str(&s).is_ok() {
            "[id]".into()
        } else if s.parse::<jiff::Timestamp>().is_ok() {
            "[instant]".into()
        } else if let Some(days) =
            s.parse::<jiff::civil::Date>().ok().map(|d| (d - today).get_days()).filter(|n| n.abs() <= 400)
        {
            // Dates made relative to the run's day; a date of birth stays as it is.
            match days {
                0 => "[today]".into(),
                n if n > 0 => format!("[today+{n}]"),
                n => format!("[today{n}]"),
            }
        } else if linkwell_domain::referrals::reference::Reference::parse(&s).is_ok() && s.starts_with("LW-") {
            // A reference is drawn at random; its shape is what is kept.
            "LW-[ref]".into()
        } else if let Some(i) = s.find("/calendar/") {
            format!("{}[secret]", &s[..i + "/calendar/".len()])
        } else {
            s
        }),
        Value::Array(items) => Value::Array(items.into_iter().map(stable).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, stable(v))).collect()),
        other => other,
    }
}

async fn body(app: &TestApp, path: &str, role: Role) -> Value {
    let (status, body) = api_call(app, M::GET, path, role, None).await;
    assert_eq!(status, 200, "{path}: {body}");
    stable(body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_bodies_keep_their_shape() {
    let app = spawn(Engine::Sqlite).await;
    let listing = body(&app, &format!("/api/v1/directory/services/{}", app.a.service.id), Role::LinkWorker).await;
    insta::assert_json_snapshot!("directory_service", listing);
    let referral = body(&app, &format!("/api/v1/referrals/{}", app.a.case.referral), Role::LinkWorker).await;
    insta::assert_json_snapshot!("referral_case", referral);
    let status_only = body(&app, &format!("/api/v1/referrals/{}", app.a.case.referral), Role::Referrer).await;
    insta::assert_json_snapshot!("referral_status_only", status_only);
    let plan = body(&app, &format!("/api/v1/referrals/{}/plan", app.a.case.referral), Role::LinkWorker).await;
    insta::assert_json_snapshot!("plan", plan);
    let rx = body(&app, &format!("/api/v1/prescriptions/{}", app.a.prescription), Role::LinkWorker).await;
    insta::assert_json_snapshot!("prescription", rx);
}
