//! The JSON API against its own OpenAPI document, checked by Schemathesis (from PyPI, run
//! by `scripts/schemathesis`) on a running server with an API token for each role:
//! no server errors, every answer's status documented for its operation, and every body
//! valid against its schema. Schemathesis generates valid and invalid requests from the
//! document, and follows links between operations; the database is a throwaway one.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;

use crate::support::spawn;

both_engines!(the_api_answers_as_its_openapi_document_says);

async fn the_api_answers_as_its_openapi_document_says(engine: Engine) {
    let app = spawn(engine).await;
    let mut tokens = vec![];
    // The admin goes last: its run may disable other users or change their roles (it
    // finds their ids through listUsers), which would end the other roles' tokens.
    let mut roles = Role::ALL.to_vec();
    roles.sort_by_key(|r| *r == Role::Admin);
    for role in roles {
        tokens.push(format!("{role}={}", app.token(&app.a, app.a.user(role)).await));
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/schemathesis");
    let reports = std::env::temp_dir().join(format!("linkwell-schemathesis-{}", uuid::Uuid::now_v7()));
    let out = tokio::process::Command::new(script)
        .arg(&app.base)
        .env("LINKWELL_SCHEMATHESIS_TOKENS", tokens.join(" "))
        .env("LINKWELL_SCHEMATHESIS_REPORTS", &reports)
        .output()
        .await
        .expect("scripts/schemathesis runs");
    let _ = std::fs::remove_dir_all(&reports);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "Schemathesis found problems:\n{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("schemathesis: {} passed, 0 failed", Role::ALL.len())), "{stdout}");
}
