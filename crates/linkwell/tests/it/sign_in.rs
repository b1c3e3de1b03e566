//! Signing in and out: messages, lockout, per-client throttling, CSRF, session renewal.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use linkwell_web::Config;

use crate::support::{PASSWORD, count, eventually, location, spawn, spawn_with};

both_engines!(
    wrong_password_names_the_problem_and_changes_nothing,
    five_failures_lock_the_account,
    sign_in_renews_the_session_and_sign_out_ends_it,
    a_form_without_its_csrf_token_is_refused,
    too_many_attempts_from_one_client_are_slowed_down,
    blank_fields_are_named,
    sessions_end_after_idle_and_absolute_limits,
    changing_your_password,
    a_lock_holds_for_the_client_that_guessed_only,
    changing_a_password_ends_other_sessions_and_tokens_and_guesses_are_limited,
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
    // NHS service manual: a page with form errors says so first in its title.
    assert!(html.contains("<title>Error: Sign in – Linkwell</title>"), "{html}");
    assert!(app.client().text("/sign-in").await.contains("<title>Sign in – Linkwell</title>"));
    // An unknown email gets exactly the same answer.
    let r = c.sign_in("nobody@a.example", "not the password").await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("Enter a correct email address and password"));
    // Still signed out.
    assert!(location(&c.get("/").await).starts_with("/sign-in?next="));
    assert_eq!(eventually(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed'", 1).await, 1);
}

/// Five wrong passwords from one client lock the account for that client. Every failure
/// — unknown, wrong, locked, disabled — gets the one same answer (issue 10 item 12).
async fn five_failures_lock_the_account(engine: Engine) {
    let app = spawn(engine).await;
    let c = app.client();
    let email = app.a.email(Role::Coordinator);
    let answer = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let html = r.text().await.unwrap();
        let message = html
            .split("class=\"nhsuk-error-message\"")
            .nth(1)
            .unwrap_or("")
            .split("</span>")
            .nth(1)
            .unwrap_or("")
            .to_owned();
        (status, message)
    };
    let unknown = answer(c.sign_in("nobody@a.example", "wrong wrong wrong").await).await;
    assert_eq!(unknown.0, 401);
    assert!(unknown.1.contains("Enter a correct email address and password"), "{unknown:?}");
    for _ in 0..5 {
        assert_eq!(answer(c.sign_in(&email, "wrong wrong wrong").await).await, unknown);
    }
    assert_eq!(eventually(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'account_locked'", 1).await, 1);
    // Locked: the right password does not get in, and the answer is the unknown email's.
    assert_eq!(answer(c.sign_in(&email, PASSWORD).await).await, unknown);
    assert_eq!(
        eventually(
            &app.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed' AND detail = 'reason=locked'",
            1
        )
        .await,
        1
    );
    // Disabled: the same again.
    let disabled = app.a.user(Role::LinkWorker);
    app.db
        .set_user_disabled(
            &app.a.scope,
            &linkwell_store::Actor::system(),
            disabled.id,
            linkwell_domain::Version(disabled.version),
            true,
        )
        .await
        .unwrap();
    assert_eq!(answer(c.sign_in(&disabled.email, PASSWORD).await).await, unknown);
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

/// Only failures count against a client: a practice whose staff all sign in from one
/// address is never slowed by its own successful sign-ins (issue 10 item 12).
async fn too_many_attempts_from_one_client_are_slowed_down(engine: Engine) {
    let app = spawn_with(engine, Config { sign_in_burst: 3, sign_in_replenish_seconds: 60, ..Config::default() }).await;
    for _ in 0..6 {
        assert_eq!(app.client().sign_in(&app.a.email(Role::Admin), PASSWORD).await.status(), 303);
    }
    let c = app.client();
    let mut statuses = Vec::new();
    for i in 0..5 {
        statuses.push(c.sign_in(&format!("someone{i}@a.example"), "wrong wrong wrong").await.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    let r = c.sign_in(&app.a.email(Role::Admin), PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("too many failed attempts to sign in from this device"));
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

async fn sessions_end_after_idle_and_absolute_limits(engine: Engine) {
    let app = spawn(engine).await;
    // Idle: the stored session has expired (30 minutes without a request).
    let c = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    assert_eq!(c.get("/").await.status(), 200);
    crate::support::exec(&app.db, "UPDATE web_sessions SET expires_at = 0").await;
    assert!(location(&c.get("/").await).starts_with("/sign-in?next="));

    // Absolute: 12 hours after sign-in, however active.
    let c = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    assert_eq!(c.get("/").await.status(), 200);
    crate::support::exec(
        &app.db,
        "UPDATE web_sessions SET data = REPLACE(data, '\"signed_in_at\":', '\"signed_in_at\":-') ",
    )
    .await;
    assert!(location(&c.get("/").await).starts_with("/sign-in?next="));
}

async fn changing_your_password(engine: Engine) {
    let app = spawn(engine).await;
    let email = app.a.email(Role::Referrer);
    let c = app.signed_in(&email).await;
    let r = change_password(&c, "wrong", "password1234", "x").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Your current password is not correct"));
    assert!(html.contains("Password is too common"));
    let r = change_password(&c, PASSWORD, "willow copper kite", "willow copper kyte").await;
    assert!(r.text().await.unwrap().contains("The passwords do not match"));
    let r = change_password(&c, PASSWORD, "willow copper kite", "willow copper kite").await;
    assert_eq!(location(&r), "/account");
    assert!(c.text("/account").await.contains("Your password has been changed"));
    let fresh = app.client();
    assert_eq!(fresh.sign_in(&email, PASSWORD).await.status(), 401);
    assert_eq!(fresh.sign_in(&email, "willow copper kite").await.status(), 303);
}

/// Issue 10 item 12: one client guessing locked the account for everyone. Behind a trusted
/// proxy, clients are told apart by `X-Forwarded-For`; from anyone else it is ignored.
async fn a_lock_holds_for_the_client_that_guessed_only(engine: Engine) {
    let config = Config {
        sign_in_burst: 1000,
        sign_in_replenish_seconds: 1,
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..Config::default()
    };
    let app = spawn_with(engine, config).await;
    let email = app.a.email(Role::Coordinator);
    let from = |client: &'static str| {
        let c = app.client();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", client.parse().unwrap());
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        crate::support::Client { app_base: c.app_base, http }
    };
    let guesser = from("198.51.100.66");
    for _ in 0..5 {
        assert_eq!(guesser.sign_in(&email, "wrong wrong wrong").await.status(), 401);
    }
    assert_eq!(guesser.sign_in(&email, PASSWORD).await.status(), 401, "locked for the guesser");
    let owner = from("203.0.113.10");
    assert_eq!(owner.sign_in(&email, PASSWORD).await.status(), 303, "the owner still signs in");
    // A client that claims another address without going through the proxy is not believed.
    let forged = from("203.0.113.10, 198.51.100.66");
    assert_eq!(forged.sign_in(&email, PASSWORD).await.status(), 401, "the nearest hop is the guesser");
}

/// Issue 10 item 13: changing a password left the user's other sessions and API tokens
/// working, and wrong current passwords had no limit.
async fn changing_a_password_ends_other_sessions_and_tokens_and_guesses_are_limited(engine: Engine) {
    let app = spawn(engine).await;
    let user = app.a.user(Role::Coordinator).clone();
    // This session's cookies are kept where the test can copy them, as a thief would.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let here = crate::support::Client { app_base: app.base.clone(), http };
    assert_eq!(here.sign_in(&user.email, PASSWORD).await.status(), 303);
    let stolen = {
        use reqwest::cookie::CookieStore;
        jar.cookies(&app.url("/").parse().unwrap()).unwrap().to_str().unwrap().to_owned()
    };
    let elsewhere = app.signed_in(&user.email).await;
    let token = app.token(&app.a, &user).await;
    let me = app.url("/api/v1/me");
    let api = |t: String| {
        let me = me.clone();
        async move { reqwest::Client::new().get(me).bearer_auth(t).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(api(token.clone()).await, 200);
    let r = change_password(&here, PASSWORD, "willow copper kite", "willow copper kite").await;
    assert_eq!(location(&r), "/account");
    assert_eq!(here.get("/account").await.status(), 200, "this session carries on");
    let with_stolen = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = with_stolen.get(app.url("/account")).header("cookie", stolen).send().await.unwrap();
    assert!(location(&r).starts_with("/sign-in?next="), "the copied cookie is worth nothing after the change");
    assert!(location(&elsewhere.get("/account").await).starts_with("/sign-in?next="), "the other session ended");
    assert_eq!(api(token).await, 401, "the API token was revoked");

    // Guessing the current password from an open session is limited like signing in.
    for _ in 0..5 {
        let r = change_password(&here, "not it at all", "lantern meadow copper", "lantern meadow copper").await;
        assert_eq!(r.status(), 422);
    }
    let r = change_password(&here, "willow copper kite", "lantern meadow copper", "lantern meadow copper").await;
    assert_eq!(r.status(), 429, "locked after five wrong passwords, even the right one");
    assert!(app.client().sign_in(&user.email, "lantern meadow copper").await.status() == 401);
}

/// Post the change-password form.
async fn change_password(c: &crate::support::Client, current: &str, new: &str, confirm: &str) -> reqwest::Response {
    let fields = [("current_password", current), ("new_password", new), ("confirm_password", confirm)];
    c.post_form("/account/password", &fields).await
}
