//! Signing in and out: messages, lockout, per-client throttling, CSRF, session renewal.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use linkwell_web::Config;

use crate::support::{PASSWORD, count, location, spawn, spawn_with};

both_engines!(
    wrong_password_names_the_problem_and_changes_nothing,
    five_failures_lock_the_account,
    sign_in_renews_the_session_and_sign_out_ends_it,
    a_form_without_its_csrf_token_is_refused,
    too_many_attempts_from_one_client_are_slowed_down,
    blank_fields_are_named,
    sessions_end_after_idle_and_absolute_limits,
    changing_your_password,
);

async fn wrong_password_names_the_problem_and_changes_nothing(engine: Engine) {
    let app = spawn(engine).await;
    let c = app.client();
    let r = c.sign_in(&app.a.email(Role::LinkWorker), "not the password").await;
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"), "error summary shown");
    assert!(html.contains("Enter a correct email address and password"));
    assert!(html.contains("href=\"#email\""), "summary links to the field");
    // An unknown email gets exactly the same answer.
    let r = c.sign_in("nobody@a.example", "not the password").await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("Enter a correct email address and password"));
    // Still signed out.
    assert!(location(&c.get("/").await).starts_with("/sign-in?next="));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed'").await, 1);
}

async fn five_failures_lock_the_account(engine: Engine) {
    let app = spawn(engine).await;
    let c = app.client();
    let email = app.a.email(Role::Coordinator);
    for _ in 0..4 {
        assert_eq!(c.sign_in(&email, "wrong wrong wrong").await.status(), 401);
    }
    let r = c.sign_in(&email, "wrong wrong wrong").await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("This account is locked for 15 minutes"));
    // The right password does not get in while locked.
    let r = c.sign_in(&email, PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'account_locked'").await, 1);
}

async fn sign_in_renews_the_session_and_sign_out_ends_it(engine: Engine) {
    let app = spawn(engine).await;
    let c = app.client();
    let before = c.csrf().await;
    let r = c.sign_in(&app.a.email(Role::Admin), PASSWORD).await;
    assert_eq!(r.status(), 303);
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let home = c.text("/").await;
    assert!(home.contains("Hello, Admin of a"));
    // The CSRF token changed with the session.
    assert_ne!(crate::support::extract_csrf(&home).unwrap(), before);
    // `next` brings you back where you were going, but never to another site.
    let c2 = app.client();
    let r =
        c2.post_form("/sign-in?next=/practices", &[("email", &app.a.email(Role::Admin)), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/practices");
    let c3 = app.client();
    let r = c3
        .post_form("/sign-in?next=//evil.example/", &[("email", &app.a.email(Role::Admin)), ("password", PASSWORD)])
        .await;
    assert_eq!(location(&r), "/");

    let r = c.post_form("/sign-out", &[]).await;
    assert_eq!(location(&r), "/sign-in");
    assert!(location(&c.get("/").await).starts_with("/sign-in?next="));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'sign_out'").await, 1);
}

async fn a_form_without_its_csrf_token_is_refused(engine: Engine) {
    let app = spawn(engine).await;
    let c = app.signed_in(&app.a.email(Role::Admin)).await;
    let before = count(&app.db, "SELECT COUNT(*) FROM practices").await;
    let r = c.http.post(c.url("/practices")).form(&[("name", "Forged"), ("ods_code", "F81001")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("The form had expired or was not sent from this service"));
    let r = c
        .http
        .post(c.url("/practices"))
        .form(&[("csrf_token", "0000"), ("name", "Forged"), ("ods_code", "F81001")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A browser's cross-site request is refused even with a token.
    let token = c.csrf().await;
    let r = c
        .http
        .post(c.url("/practices"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", token.as_str()), ("name", "Forged"), ("ods_code", "F81001")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM practices").await, before);
}

async fn too_many_attempts_from_one_client_are_slowed_down(engine: Engine) {
    let app = spawn_with(engine, Config { sign_in_burst: 3, sign_in_replenish_seconds: 60, ..Config::default() }).await;
    let c = app.client();
    let mut statuses = Vec::new();
    for i in 0..5 {
        statuses.push(c.sign_in(&format!("someone{i}@a.example"), "wrong wrong wrong").await.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    let r = c.sign_in(&app.a.email(Role::Admin), PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("too many attempts to sign in from this device"));
}

async fn blank_fields_are_named(engine: Engine) {
    let app = spawn(engine).await;
    let c = app.client();
    let r = c.sign_in("", "").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter an email address") && html.contains("Enter your password"));
    assert!(html.contains("id=\"email-error\"") && html.contains("id=\"password-error\""));
}

async fn exec(db: &linkwell_store::Db, sql: &'static str) {
    match db {
        linkwell_store::Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        linkwell_store::Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

async fn sessions_end_after_idle_and_absolute_limits(engine: Engine) {
    let app = spawn(engine).await;
    // Idle: the stored session has expired (30 minutes without a request).
    let c = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    assert_eq!(c.get("/").await.status(), 200);
    exec(&app.db, "UPDATE web_sessions SET expires_at = 0").await;
    assert!(location(&c.get("/").await).starts_with("/sign-in?next="));

    // Absolute: 12 hours after sign-in, however active.
    let c = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    assert_eq!(c.get("/").await.status(), 200);
    exec(&app.db, "UPDATE web_sessions SET data = REPLACE(data, '\"signed_in_at\":', '\"signed_in_at\":-') ").await;
    assert!(location(&c.get("/").await).starts_with("/sign-in?next="));
}

async fn changing_your_password(engine: Engine) {
    let app = spawn(engine).await;
    let email = app.a.email(Role::Referrer);
    let c = app.signed_in(&email).await;
    let r = c
        .post_form(
            "/account/password",
            &[("current_password", "wrong"), ("new_password", "password1234"), ("confirm_password", "x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Your current password is not correct"));
    assert!(html.contains("Password is too common"));
    let r = c
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "willow copper kite"),
                ("confirm_password", "willow copper kyte"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("The passwords do not match"));
    let r = c
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "willow copper kite"),
                ("confirm_password", "willow copper kite"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/account");
    assert!(c.text("/account").await.contains("Your password has been changed"));
    let fresh = app.client();
    assert_eq!(fresh.sign_in(&email, PASSWORD).await.status(), 401);
    assert_eq!(fresh.sign_in(&email, "willow copper kite").await.status(), 303);
}
