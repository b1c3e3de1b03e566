//! Regression tests for the hostile-input review (issue 10): each defect found, reproduced
//! as it was reported, on both engines. The whole-surface suite is `hostile_surface`.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use serde_json::{Value, json};

use crate::support::{count, location, problem_fields, spawn};

both_engines!(
    a_huge_row_index_is_refused_by_name_and_the_server_lives,
    anonymous_requests_write_no_session,
    signed_in_pages_touch_the_session_at_most_once_a_minute,
    sign_in_never_sends_you_to_another_site,
    invented_methods_share_one_metrics_label,
    api_changes_need_a_valid_bearer_token,
    a_client_request_id_is_kept_only_when_it_is_a_short_safe_token,
    cross_site_posts_are_refused_even_with_a_token,
    what_you_may_not_see_answers_as_if_it_did_not_exist,
    json_errors_name_the_field_in_the_products_words,
    a_referrer_never_learns_a_known_patients_details,
    the_public_never_learns_a_known_patients_details,
    a_referrer_sees_status_dates_and_outcome_only,
    possible_duplicates_shown_to_staff_are_audited,
    plan_versions_cannot_be_skipped_and_closed_plans_are_read_only,
    search_words_are_limited_and_named,
    a_sheet_is_saved_whole_or_not_at_all,
    exported_cells_never_run_as_formulas,
    the_oruk_feed_streams_by_keyset_and_pages_organisations_in_sql,
    sign_ins_sent_all_at_once_are_counted_all_at_once,
);

/// Issue 10 item 1: `goals[99999999999].text` made the server allocate 7.2 TB and abort.
async fn a_huge_row_index_is_refused_by_name_and_the_server_lives(engine: Engine) {
    let app = spawn(engine).await;
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let referral = app.a.case.referral;
    let versions = count(&app.db, "SELECT COUNT(*) FROM plan_versions").await;
    let r = lw
        .post_form(
            &format!("/referrals/{referral}/plan"),
            &[("based_on", "1"), ("what_matters", "Walking"), ("goals[99999999999].text", "x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter no more than 50 goals"), "{html}");
    assert!(html.contains("href=\"#goals\""), "the error summary links to the field");
    // usize::MAX as an index, too.
    let r = lw
        .post_form(
            &format!("/referrals/{referral}/plan"),
            &[("based_on", "1"), ("what_matters", "Walking"), ("actions[18446744073709551615].what", "x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Enter no more than 50 agreed actions"));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM plan_versions").await, versions);

    // A listing's schedules are numbered rows too.
    let services = count(&app.db, "SELECT COUNT(*) FROM services").await;
    let provider = app.a.provider.id.to_string();
    let r = lw
        .post_form(
            "/directory/services",
            &[
                ("provider_id", &provider),
                ("name", "Hostile walk"),
                ("description", "x"),
                ("needs", "loneliness"),
                ("cost", "free"),
                ("schedules[99999999999].day", "TU"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Enter no more than 50 times it runs"));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM services").await, services);
    assert_eq!(app.client().get("/healthz").await.status(), 200, "the server is still up");
}

/// Item 3: 200 cookie-less GETs of a missing page left 200 rows in `web_sessions`.
async fn anonymous_requests_write_no_session(engine: Engine) {
    let app = spawn(engine).await;
    let before = count(&app.db, "SELECT COUNT(*) FROM web_sessions").await;
    let http = reqwest::Client::new();
    for i in 0..50 {
        for path in ["/no-such-page", "/sign-in", "/privacy", "/community/a", "/oruk/a/services", "/caseload"] {
            let r = http.get(app.url(&format!("{path}?n={i}"))).send().await.unwrap();
            assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
        }
    }
    // A visitor who keeps their cookies, reads the sign-in page and fails to sign in.
    let c = app.client();
    for _ in 0..5 {
        assert_eq!(c.get("/sign-in").await.status(), 200);
    }
    assert_eq!(c.sign_in(&app.a.email(Role::Admin), "not the password").await.status(), 401);
    assert_eq!(
        count(&app.db, "SELECT COUNT(*) FROM web_sessions").await,
        before,
        "no anonymous request wrote a session"
    );
    // Signing in does write one.
    assert_eq!(c.sign_in(&app.a.email(Role::Admin), crate::support::PASSWORD).await.status(), 303);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM web_sessions").await, before + 1);
}

/// Item 3, signed in: reading the flash marked every session changed, so each page was a
/// write. Within a minute the session row is not written again.
async fn signed_in_pages_touch_the_session_at_most_once_a_minute(engine: Engine) {
    let app = spawn(engine).await;
    let c = app.signed_in(&app.a.email(Role::Coordinator)).await;
    assert_eq!(c.get("/").await.status(), 200);
    let stamp = || count(&app.db, "SELECT MAX(expires_at) FROM web_sessions");
    let first = stamp().await;
    for path in ["/", "/caseload", "/waiting-list", "/referrals", "/no-such-page", "/directory"] {
        let r = c.get(path).await;
        assert!(r.status().as_u16() < 500, "{path}");
    }
    assert_eq!(stamp().await, first, "no page wrote the session within the minute");
}

/// Item 4: `next=/%09/evil.example` answered `Location: /\t/evil.example`.
async fn sign_in_never_sends_you_to_another_site(engine: Engine) {
    let app = spawn(engine).await;
    for next in ["/%09/evil.example", "/%5Cevil.example", "//evil.example", "/%0A/evil.example", "https://evil.example"]
    {
        let c = app.client();
        let r = c
            .post_form(
                &format!("/sign-in?next={next}"),
                &[("email", &app.a.email(Role::Admin)), ("password", crate::support::PASSWORD)],
            )
            .await;
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(location(&r), "/", "{next}");
        // Signed in, the sign-in page sends you on at once: still never off the site.
        assert_eq!(location(&c.get(&format!("/sign-in?next={next}")).await), "/", "{next}");
    }
}

/// Item 11: metrics were keyed by the raw method, so invented methods grew them forever.
async fn invented_methods_share_one_metrics_label(engine: Engine) {
    let app = spawn(engine).await;
    let http = reqwest::Client::new();
    for i in 0..30 {
        let m = reqwest::Method::from_bytes(format!("FOO{i}").as_bytes()).unwrap();
        let r = http.request(m, app.url("/healthz")).send().await.unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    let metrics = http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(!metrics.contains("FOO"), "{metrics}");
    assert!(metrics.contains("method=\"OTHER\""), "{metrics}");
}

/// Item 16: any `Authorization` header let a cookie-authenticated request write through the API.
async fn api_changes_need_a_valid_bearer_token(engine: Engine) {
    let app = spawn(engine).await;
    let c = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let before = count(&app.db, "SELECT COUNT(*) FROM practices").await;
    for auth in ["Basic Zm9vOmJhcg==", "Token abc", "Bearer"] {
        let r = c
            .http
            .post(c.url("/api/v1/practices"))
            .header("authorization", auth)
            .json(&json!({"name": "Sneaky Surgery", "ods_code": "C81099"}))
            .send()
            .await
            .unwrap();
        assert!(r.status() == 401 || r.status() == 403, "{auth}: {}", r.status());
    }
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM practices").await, before);
}

/// Item 20: a client's `x-request-id` went into audit entries unchecked.
async fn a_client_request_id_is_kept_only_when_it_is_a_short_safe_token(engine: Engine) {
    let app = spawn(engine).await;
    let token = app.token(&app.a, app.a.user(Role::Coordinator)).await;
    let http = reqwest::Client::new();
    let id = app.a.case.referral;
    let bad = format!("<script>{}", "x".repeat(100));
    let r = http
        .get(app.url(&format!("/api/v1/referrals/{id}")))
        .bearer_auth(&token)
        .header("x-request-id", &bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let echoed = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(echoed, bad);
    assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "a fresh id replaces it: {echoed}");
    let r = http
        .get(app.url(&format!("/api/v1/referrals/{id}")))
        .bearer_auth(&token)
        .header("x-request-id", "gp-system:trace.42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "gp-system:trace.42");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE request_id LIKE '%script%'").await, 0);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE request_id = 'gp-system:trace.42'").await, 1);
}

/// Item 22: a POST with a valid token and `Origin: https://evil.example` was accepted.
async fn cross_site_posts_are_refused_even_with_a_token(engine: Engine) {
    let app = spawn(engine).await;
    let c = app.signed_in(&app.a.email(Role::Admin)).await;
    let token = c.csrf().await;
    let before = count(&app.db, "SELECT COUNT(*) FROM self_management_tools").await;
    let post = |origin: Option<&str>, fetch_site: Option<&str>| {
        let mut r =
            c.http.post(c.url("/admin/tools")).form(&[("csrf_token", token.as_str()), ("name", "Cross-site tool")]);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if let Some(s) = fetch_site {
            r = r.header("sec-fetch-site", s);
        }
        r.send()
    };
    for (origin, site) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        (None, Some("cross-site")),
        (None, Some("same-site")),
        (Some(app.base.as_str()), Some("cross-site")),
    ] {
        let r = post(origin, site).await.unwrap();
        assert_eq!(r.status(), 403, "{origin:?} {site:?}");
    }
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM self_management_tools").await, before);
    // The same form from this site is taken.
    let own = app.base.clone();
    let r = post(Some(&own), None).await.unwrap();
    assert_eq!(r.status(), 303);
    // Chromium says `Origin: null` on our own forms (no-referrer) and `Sec-Fetch-Site: same-origin`.
    let r = c
        .http
        .post(c.url("/admin/tools"))
        .form(&[("csrf_token", token.as_str()), ("name", "Same-site tool")])
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM self_management_tools").await, before + 2);
}

/// Item 23: another practice's referral answered 403 ("not on your caseload") while a
/// made-up id answered 404, so the difference said the referral existed.
async fn what_you_may_not_see_answers_as_if_it_did_not_exist(engine: Engine) {
    let app = spawn(engine).await;
    // A referrer of another practice in the same organisation.
    let other = crate::support::add_practice_referrer(&app, "B82002", "referrer2@a.example").await;
    let token = app.token(&app.a, &other).await;
    let http = reqwest::Client::new();
    let real = app.a.case.referral;
    let made_up = linkwell_domain::ids::ReferralId::new();
    let get = |id: String| http.get(app.url(&format!("/api/v1/referrals/{id}"))).bearer_auth(&token).send();
    let (a, b) = (get(real.to_string()).await.unwrap(), get(made_up.to_string()).await.unwrap());
    assert_eq!((a.status(), b.status()), (reqwest::StatusCode::NOT_FOUND, reqwest::StatusCode::NOT_FOUND));
    assert_eq!(a.text().await.unwrap(), b.text().await.unwrap(), "the two answers are the same");
    let page = app.signed_in("referrer2@a.example").await;
    let (a, b) = (page.get(&format!("/referrals/{real}")).await, page.get(&format!("/referrals/{made_up}")).await);
    assert_eq!((a.status(), b.status()), (reqwest::StatusCode::NOT_FOUND, reqwest::StatusCode::NOT_FOUND));
    // A link worker and a case not theirs: the same.
    let lw2 = crate::support::add_user(&app, Role::LinkWorker, "worker2@a.example").await;
    let token = app.token(&app.a, &lw2).await;
    for path in [format!("/api/v1/referrals/{real}/plan"), format!("/api/v1/people/{}", app.a.case.person)] {
        let r = http.get(app.url(&path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

/// Item 24: validation errors passed the JSON parser's text to clients.
async fn json_errors_name_the_field_in_the_products_words(engine: Engine) {
    let app = spawn(engine).await;
    let token = app.token(&app.a, app.a.user(Role::Referrer)).await;
    let http = reqwest::Client::new();
    let post = |body: Value| http.post(app.url("/api/v1/referrals")).bearer_auth(&token).json(&body).send();
    let person = json!({"given_name": "Ann", "family_name": "Lee", "date_of_birth": "1950-01-01", "sex": "female"});
    let cases = [
        (json!({"person": person, "referral": {"needs": "n"}}), "referral.needs", "needs must be a list"),
        (
            json!({"person": person, "referral": {"safeguarding": "yes"}}),
            "referral.safeguarding",
            "safeguarding must be true or false",
        ),
        (
            json!({"person": person, "referral": {}, "shoe_size": 9}),
            "shoe_size",
            "shoe_size is not a field this request takes",
        ),
        (json!({"person": person}), "referral", "referral is required"),
    ];
    for (body, field, message) in cases {
        let r = post(body).await.unwrap();
        assert_eq!(r.status(), 422);
        let p: Value = r.json().await.unwrap();
        assert_eq!(problem_fields(&p), [field], "{p}");
        assert_eq!(p["errors"][0]["message"], message, "{p}");
        let text = p.to_string();
        for parser_word in ["line ", "column", "expected", "invalid type"] {
            assert!(!text.contains(parser_word), "{text}");
        }
    }
    let r = http
        .post(app.url("/api/v1/referrals"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"person\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        (problem_fields(&p), p["errors"][0]["message"].as_str()),
        (vec!["body"], Some("The body is not valid JSON"))
    );
}

/// A known patient: Margaret Oakes, NHS number 943 476 5919, born 27 March 1951, of
/// practice A's list.
async fn known_patient(app: &crate::support::TestApp) -> linkwell_store::people::Person {
    let mut input = crate::support::person_input("Margaret", "Oakes");
    input.nhs_number = Some(linkwell_domain::people::NhsNumber::parse("9434765919", false).unwrap());
    app.db.create_person(&app.a.scope, &linkwell_store::Actor::system(), &input).await.unwrap()
}

fn api_referral(nhs: &str, given: &str, family: &str, dob: &str) -> Value {
    json!({
        "person": {"nhs_number": nhs, "given_name": given, "family_name": family, "date_of_birth": dob, "sex": "female",
                   "phone": "07700 900123", "preferred_channel": "phone", "consent_contact": true},
        "referral": {"source": "gp", "needs": ["loneliness"], "urgency": "routine", "consent_confirmed": true}
    })
}

/// Item 2: a referrer sent another practice's patient's NHS number with a made-up name and
/// date of birth; the referral joined the real record and the list showed the real name.
async fn a_referrer_never_learns_a_known_patients_details(engine: Engine) {
    let app = spawn(engine).await;
    let known = known_patient(&app).await;
    let gp2 = crate::support::add_practice_referrer(&app, "B82002", "gp2@a.example").await;
    let token = app.token(&app.a, &gp2).await;
    let http = reqwest::Client::new();
    let people = count(&app.db, "SELECT COUNT(*) FROM people").await;
    let r = http
        .post(app.url("/api/v1/referrals"))
        .bearer_auth(&token)
        .json(&api_referral("943 476 5919", "Made", "Up", "1990-01-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM people").await, people + 1, "a record of its own");
    let mine = http.get(app.url("/api/v1/referrals")).bearer_auth(&token).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("\"Made\"") && mine.contains("1990-01-01"), "{mine}");
    let one = http.get(app.url(&format!("/api/v1/referrals/{id}"))).bearer_auth(&token).send().await.unwrap();
    let one = one.text().await.unwrap();
    for leak in ["Margaret", "Oakes", "1951", &known.id.to_string()] {
        assert!(!mine.contains(leak) && !one.contains(leak), "{leak} leaked: {mine} {one}");
    }
    // The same referral through the referrer's page.
    let page = app.signed_in("gp2@a.example").await;
    let form = crate::support::referral_form("Someone", "Else", ("2", "2", "1980"), &[("nhs_number", "9434765919")]);
    let r = page.post_form("/referrals", &form).await;
    assert_eq!(r.status(), 303);
    let shown = page.text(&location(&r)).await;
    assert!(!shown.contains("Margaret") && !shown.contains("already known"), "{shown}");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM people").await, people + 2);
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM people WHERE unconfirmed_nhs_number = '9434765919' AND nhs_number IS NULL"
        )
        .await,
        2
    );

    // The coordinator is told at triage, and merges.
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let case = coordinator.text(&format!("/referrals/{id}")).await;
    assert!(case.contains("NHS number matches an existing record whose details differ"), "{case}");
    assert!(case.contains("Margaret Oakes") && case.contains("same NHS number"), "{case}");
    // The coordinator merges: the referral now belongs to the known record, and the
    // referrer still sees only the person as they named them.
    let made_up = count(&app.db, "SELECT COUNT(*) FROM people WHERE given_name = 'Made'").await;
    assert_eq!(made_up, 1);
    let merged_person = match &app.db {
        linkwell_store::Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            sqlx::query_as::<_, (String, i64)>("SELECT id, version FROM people WHERE given_name = 'Made'")
                .fetch_one(p)
                .await
                .unwrap()
        }
        linkwell_store::Db::Postgres(p) => {
            sqlx::query_as::<_, (String, i64)>("SELECT id, version FROM people WHERE given_name = 'Made'")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    let r = coordinator
        .post_form(
            &format!("/people/{}/merge", merged_person.0),
            &[("version", &merged_person.1.to_string()), ("into", &known.id.to_string()), ("back", "/")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mine = http.get(app.url("/api/v1/referrals")).bearer_auth(&token).send().await.unwrap().text().await.unwrap();
    let one = http.get(app.url(&format!("/api/v1/referrals/{id}"))).bearer_auth(&token).send().await.unwrap();
    let one = one.text().await.unwrap();
    let page_list = page.text("/referrals").await;
    let page_one = page.text(&format!("/referrals/{id}")).await;
    assert!(mine.contains("\"Made\"") && mine.contains("1990-01-01") && page_one.contains("Made Up"), "{mine}");
    for leak in ["Margaret", "Oakes", "1951"] {
        for (what, shown) in [("list", &mine), ("referral", &one), ("page list", &page_list), ("page", &page_one)] {
            assert!(!shown.contains(leak), "{leak} leaked in the {what} after the merge");
        }
    }

    // Details that agree to the letter join the known record: nothing learnt, nothing
    // doubled, and the referrer sees the names as they typed them.
    let r = http
        .post(app.url("/api/v1/referrals"))
        .bearer_auth(&token)
        .json(&api_referral("9434765919", "margaret", "OAKES", "1951-03-27"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM people").await, people + 2);
    let mine = http.get(app.url("/api/v1/referrals")).bearer_auth(&token).send().await.unwrap().text().await.unwrap();
    assert!(mine.contains("\"margaret\"") && mine.contains("\"OAKES\"") && !mine.contains("Margaret"), "{mine}");
    // Staff: the NHS number and date of birth are enough.
    let staff = app.token(&app.a, app.a.user(Role::Coordinator)).await;
    let r = http
        .post(app.url("/api/v1/referrals"))
        .bearer_auth(&staff)
        .json(&api_referral("9434765919", "Maggie", "Oakes", "1951-03-27"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM people").await, people + 2);
    assert_eq!(
        count(
            &app.db,
            "SELECT COUNT(*) FROM referrals WHERE person_id IN (SELECT id FROM people WHERE nhs_number = '9434765919')"
        )
        .await,
        3,
        "the merged one, the one whose details agreed, and the staff one"
    );
}

/// Item 2, the self-referral form: the person gets a record of their own, flagged.
async fn the_public_never_learns_a_known_patients_details(engine: Engine) {
    let app = spawn(engine).await;
    known_patient(&app).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let settings = admin.text("/admin/settings").await;
    let version = settings.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(
        admin.post_form("/admin/settings", &[("version", &version), ("self_referral", "on")]).await.status(),
        303
    );
    let people = count(&app.db, "SELECT COUNT(*) FROM people").await;
    let public = app.client();
    let r = public
        .post_form(
            "/self-referral/a",
            &[
                ("nhs_number", "943 476 5919"),
                ("given_name", "Pretend"),
                ("family_name", "Person"),
                ("dob_day", "1"),
                ("dob_month", "1"),
                ("dob_year", "1990"),
                ("sex", "female"),
                ("phone", "07700 900123"),
                ("preferred_channel", "phone"),
                ("needs", "loneliness"),
                ("consent_confirmed", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Your referral has been sent") && !html.contains("Margaret"), "{html}");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM people").await, people + 1);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM people WHERE unconfirmed_nhs_number = '9434765919'").await, 1);
}

/// Item 15: the API showed a referrer the next session, the next review, safeguarding and
/// the assigned worker.
async fn a_referrer_sees_status_dates_and_outcome_only(engine: Engine) {
    let app = spawn(engine).await;
    let token = app.token(&app.a, app.a.user(Role::Referrer)).await;
    let http = reqwest::Client::new();
    let list: Value =
        http.get(app.url("/api/v1/referrals")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        let keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "id",
                "given_name",
                "family_name",
                "date_of_birth",
                "practice_id",
                "received_at",
                "status",
                "status_changed_at"
            ],
            "{item}"
        );
    }
    let done = app.a.case.discharged;
    let one: Value = http
        .get(app.url(&format!("/api/v1/referrals/{done}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(one.get("case").is_none(), "{one}");
    assert_eq!(one["discharge_reason"], "goals_met");
    let statuses: Vec<&str> =
        one["status_history"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["accepted", "active", "discharged"], "{one}");
    // The team still gets the case.
    let staff = app.token(&app.a, app.a.user(Role::Coordinator)).await;
    let list: Value =
        http.get(app.url("/api/v1/referrals")).bearer_auth(&staff).send().await.unwrap().json().await.unwrap();
    assert!(list["items"][0].get("assigned_worker_id").is_some() && list["items"][0].get("needs").is_some());
}

/// Item 19: the duplicate check showed staff people outside their caseload, unaudited.
async fn possible_duplicates_shown_to_staff_are_audited(engine: Engine) {
    let app = spawn(engine).await;
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let before = count(
        &app.db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'record_viewed' AND detail = 'possible_duplicate'",
    )
    .await;
    // The seeded Margaret Oakes, referred again by staff under a near-identical name.
    let r =
        lw.post_form("/referrals", &crate::support::referral_form("Margret", "Oakes", ("27", "3", "1951"), &[])).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Margaret Oakes"));
    let after = count(
        &app.db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'record_viewed' AND detail = 'possible_duplicate'",
    )
    .await;
    assert_eq!(after, before + 1);
}

/// Item 14: `based_on` was not compared with the current version (a client could jump
/// versions; `i64::MAX` overflowed), and a discharged referral's plan could still change.
async fn plan_versions_cannot_be_skipped_and_closed_plans_are_read_only(engine: Engine) {
    let app = spawn(engine).await;
    let token = app.token(&app.a, app.a.user(Role::LinkWorker)).await;
    let http = reqwest::Client::new();
    let put = |referral: String, based_on: Value| {
        http.put(app.url(&format!("/api/v1/referrals/{referral}/plan")))
            .bearer_auth(&token)
            .json(&json!({"based_on": based_on, "plan": {"what_matters": "Getting out"}}))
            .send()
    };
    let versions = count(&app.db, "SELECT COUNT(*) FROM plan_versions").await;
    let open = app.a.case.referral.to_string();
    for based_on in [json!(5), json!(i64::MAX), json!(-1), json!(0)] {
        let r = put(open.clone(), based_on.clone()).await.unwrap();
        assert_eq!(r.status(), 409, "based on {based_on}");
    }
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM plan_versions").await, versions);
    assert_eq!(put(open, json!(1)).await.unwrap().status(), 200, "the current version saves");

    let closed = app.a.case.discharged.to_string();
    let r = put(closed.clone(), json!(0)).await.unwrap();
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("closed"), "{p}");
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let r = lw.post_form(&format!("/referrals/{closed}/plan"), &[("based_on", "0"), ("what_matters", "x")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("This referral is closed"));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM plan_versions").await, versions + 1);
}

/// Item 5: a 2,000-word `q=` on the public directory took 1.6 s, and grew with the directory.
async fn search_words_are_limited_and_named(engine: Engine) {
    let app = spawn(engine).await;
    crate::support::switch_on(&app, linkwell_store::organisations::PublicSwitch::Directory).await;
    let words = "walk ".repeat(2000);
    let http = reqwest::Client::new();
    let r = http.get(app.url("/community/a")).query(&[("q", words.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Search words must be 200 characters or fewer") && html.contains("href=\"#q\""), "{html}");
    let r = http.get(app.url("/community/a")).query(&[("q", "a b c d e f g h i j k")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Enter no more than 10 words to search for"));
    let r = http.get(app.url("/oruk/a/services")).query(&[("search", words.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(problem_fields(&p), ["search"], "{p}");
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let r = lw.get(&format!("/directory?q={}", "walk+".repeat(2000))).await;
    assert_eq!(r.status(), 422);
    // Ten words still search.
    let r = http
        .get(app.url("/community/a"))
        .query(&[("q", "walk and talk in the park with a cup of")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Walk and Talk"));
}

/// Item 9: a sheet was "all or nothing" only in its checks; its rows were saved one
/// transaction each, so a failure part way left half a sheet.
async fn a_sheet_is_saved_whole_or_not_at_all(engine: Engine) {
    let app = spawn(engine).await;
    // The database refuses the third listing as it is saved (its checks all pass).
    match engine {
        Engine::Sqlite => {
            crate::support::exec(&app.db, "CREATE TRIGGER refuse_boom BEFORE INSERT ON services WHEN NEW.name = 'Boom walk' BEGIN SELECT RAISE(ABORT, 'refused'); END").await
        }
        Engine::Postgres => {
            crate::support::exec(&app.db, "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN IF NEW.name = 'Boom walk' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER refuse_boom BEFORE INSERT ON services FOR EACH ROW EXECUTE FUNCTION refuse_boom()").await
        }
    }
    let services = count(&app.db, "SELECT COUNT(*) FROM services").await;
    let providers = count(&app.db, "SELECT COUNT(*) FROM providers").await;
    let sheet = "organisation,name,description,needs,cost\n\
                 New Walkers,First walk,A walk.,loneliness,free\n\
                 New Walkers,Second walk,A walk.,loneliness,free\n\
                 Newer Walkers,Boom walk,A walk.,loneliness,free\n";
    let today = linkwell_app::today();
    let result = linkwell_app::directory::csv::import(
        &app.db,
        &app.a.scope,
        &linkwell_store::Actor::system(),
        sheet.as_bytes(),
        today,
    )
    .await;
    assert!(result.is_err(), "the database refused a row");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM services").await, services, "no listing of the sheet was kept");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM providers").await, providers, "nor an organisation");
}

/// Item 10: a listing named `=HYPERLINK(...)` became a live formula in the export.
async fn exported_cells_never_run_as_formulas(engine: Engine) {
    let app = spawn(engine).await;
    crate::support::add_listing(
        &app.db,
        &app.a.scope,
        app.a.provider.id,
        "=HYPERLINK(\"http://evil.example\",\"Click\")",
        "LS8 2HH",
        |f| {
            f.description = "@SUM(1+1)".into();
            f.phone = "+44 113 496 0000".into();
        },
    )
    .await;
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let csv = lw.text("/directory/export.csv").await;
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\""), "{csv}");
    assert!(csv.contains(",'@SUM(1+1),") && csv.contains("'+44 113 496 0000"), "{csv}");
    for line in csv.lines().skip(1) {
        for cell in line.split(',') {
            assert!(!cell.starts_with(['=', '@']) && !cell.starts_with("\"="), "a live formula: {cell}");
        }
    }
    // Imported back, the sheet changes nothing: the marks come off.
    let (report, _) = linkwell_app::directory::csv::import(
        &app.db,
        &app.a.scope,
        &linkwell_store::Actor::system(),
        csv.as_bytes(),
        linkwell_app::today(),
    )
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let names = count(&app.db, "SELECT COUNT(*) FROM services WHERE name LIKE '=HYPERLINK%'").await;
    assert_eq!(names, 1);
}

/// Item 18: NDJSON paged with OFFSET (quadratic over a large feed) and `/organizations`
/// loaded every provider for each anonymous call.
async fn the_oruk_feed_streams_by_keyset_and_pages_organisations_in_sql(engine: Engine) {
    let app = spawn(engine).await;
    crate::support::switch_on(&app, linkwell_store::organisations::PublicSwitch::Directory).await;
    // More than two batches of listings, some sharing a name, from 30 organisations.
    let mut sheet = String::from("organisation,name,description,needs,cost\n");
    for i in 0..450 {
        sheet.push_str(&format!("Group {:02},Walk {:03},A walk.,loneliness,free\n", i % 30, i / 2));
    }
    let (report, _) = linkwell_app::directory::csv::import(
        &app.db,
        &app.a.scope,
        &linkwell_store::Actor::system(),
        sheet.as_bytes(),
        linkwell_app::today(),
    )
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let body = reqwest::get(app.url("/oruk/a/services?format=ndjson")).await.unwrap().text().await.unwrap();
    let rows: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let total = count(
        &app.db,
        "SELECT COUNT(*) FROM services WHERE organisation_id = (SELECT id FROM organisations WHERE slug = 'a')",
    )
    .await;
    assert_eq!(rows.len() as i64, total);
    let keys: Vec<(String, String)> =
        rows.iter().map(|r| (r["name"].as_str().unwrap().to_owned(), r["id"].as_str().unwrap().to_owned())).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted, "each listing once, in name order");

    let page: Value =
        reqwest::get(app.url("/oruk/a/organizations?per_page=10&page=2")).await.unwrap().json().await.unwrap();
    assert_eq!((page["total_items"].as_u64(), page["contents"].as_array().unwrap().len()), (Some(31), 10));
    assert_eq!(page["contents"][0]["name"], "Group 10", "by name, second page");
    let found: Value =
        reqwest::get(app.url("/oruk/a/organizations?search=group%2007")).await.unwrap().json().await.unwrap();
    assert_eq!(found["total_items"].as_u64(), Some(1));
    let none: Value = reqwest::get(app.url("/oruk/a/organizations?search=%25")).await.unwrap().json().await.unwrap();
    assert_eq!(none["total_items"].as_u64(), Some(0), "a % is a character, not a wildcard");
}

/// Review of issue 10: with the request throttle gone from sign-in, attempts sent all at
/// once passed the checks together (each hashing a password), outrunning both the client's
/// tries and the account's lock. Now each is counted before any password is checked.
async fn sign_ins_sent_all_at_once_are_counted_all_at_once(engine: Engine) {
    let config = linkwell_web::Config { sign_in_burst: 1000, sign_in_replenish_seconds: 1, ..Default::default() };
    let app = crate::support::spawn_with(engine, config).await;
    let email = app.a.email(Role::Coordinator);
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let c = app.client();
        let email = email.clone();
        tries.spawn(async move { c.sign_in(&email, "wrong wrong wrong").await.status().as_u16() });
    }
    let statuses = tries.join_all().await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    // The right password is refused now: the pair is locked.
    assert_eq!(app.client().sign_in(&email, crate::support::PASSWORD).await.status(), 401);
    // The audit says so: five passwords checked, the rest refused as locked (written as the
    // answers wait out their floor, so allow a moment).
    let mut checked = 0;
    for _ in 0..100 {
        checked = count(
            &app.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed' AND detail = 'reason=password'",
        )
        .await;
        let all = count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed'").await;
        if all == 21 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(checked, 5, "only five passwords were checked");

    // One client's tries are taken before any work: of 20 at once, `burst` get through.
    let config = linkwell_web::Config { sign_in_burst: 3, sign_in_replenish_seconds: 60, ..Default::default() };
    let app = crate::support::spawn_with(engine, config).await;
    let mut tries = tokio::task::JoinSet::new();
    for i in 0..20 {
        let c = app.client();
        tries.spawn(
            async move { c.sign_in(&format!("nobody{i}@a.example"), "wrong wrong wrong").await.status().as_u16() },
        );
    }
    let statuses = tries.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 17, "{statuses:?}");
}
