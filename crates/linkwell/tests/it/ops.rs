//! Health, readiness, metrics and response headers.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;

use crate::support::spawn;

both_engines!(health_readiness_and_metrics, security_headers_on_every_response);

async fn health_readiness_and_metrics(engine: Engine) {
    let app = spawn(engine).await;
    let c = reqwest::Client::new();
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    let ready: serde_json::Value = c.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["schema_version"], linkwell_store::Db::latest_schema_version());
    assert_eq!(ready["engine"], if engine == Engine::Sqlite { "sqlite" } else { "postgres" });

    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let user = app.a.user(Role::Referrer).id;
    admin.get(&format!("/admin/users/{user}")).await;
    let metrics = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("linkwell_http_requests_total{method=\"GET\",route=\"/admin/users/{id}\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains(
        "linkwell_http_request_duration_seconds_bucket{method=\"POST\",route=\"/sign-in\",status=\"303\",le=\"+Inf\"}"
    ));
    // Route templates only: no ids, emails or names.
    assert!(!metrics.contains(&user.to_string()));
    assert!(!metrics.contains("@a.example"));
}

async fn security_headers_on_every_response(engine: Engine) {
    let app = spawn(engine).await;
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/sign-in", "/", "/api/v1/me", "/no-such-page", "/assets/nhsuk-frontend.min.css"] {
        let r = c.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline")
                && csp.contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
    let css = c.get(app.url("/assets/nhsuk-frontend.min.css")).send().await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(css.text().await.unwrap().contains(".nhsuk-header"));
    assert_eq!(c.get(app.url("/assets/../Cargo.toml")).send().await.unwrap().status(), 404);
}
