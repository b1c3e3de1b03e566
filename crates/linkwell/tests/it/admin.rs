//! Admin pages: users (add, set password by link, disable), practices, sites and rooms,
//! the audit page — with bad input named and nothing changed.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;

use crate::support::{count, location, spawn};

both_engines!(
    users_admin_flow,
    bad_user_input_is_named_and_changes_nothing,
    practices_bad_input_and_concurrent_edits,
    sites_and_rooms,
    users_list_pages_by_name,
    users_filter_by_role_and_status_with_a_search_and_show_the_last_sign_in,
    audit_page_filters,
    every_page_renders_for_its_roles,
    programmes_hold_rules_and_funding,
);

async fn programmes_hold_rules_and_funding(engine: Engine) {
    let app = spawn(engine).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let before = count(&app.db, "SELECT COUNT(*) FROM programmes").await;
    let r = admin
        .post_form(
            "/admin/programmes",
            &[
                ("name", ""),
                ("initial_minutes", "0"),
                ("follow_up_minutes", "30"),
                ("max_follow_ups", "99"),
                ("contact_attempt_limit", "0"),
                ("funded_from", "2027-04-01"),
                ("funded_to", "2026-04-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for m in [
        "Enter the programme name",
        "Enter a length from 1 minute to 24 hours",
        "from 0 to 50",
        "Allow at least 1 contact attempt",
        "The funding must end after it starts",
    ] {
        assert!(html.contains(m), "{m}");
    }
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM programmes").await, before);
    let r = admin
        .post_form(
            "/admin/programmes",
            &[
                ("name", "Pain Café pathway"),
                ("initial_minutes", "60"),
                ("follow_up_minutes", "20"),
                ("max_follow_ups", "3"),
                ("contact_attempt_limit", "2"),
                ("commissioner", "Riverside ICB"),
                ("funded_from", "2026-04-01"),
                ("funded_to", "2028-03-31"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let list = admin.text("/admin/programmes").await;
    assert!(
        list.contains("60 minutes first, then up to 3 of 20 minutes")
            && list.contains("Funded 1 Apr 2026 to 31 Mar 2028"),
        "{list}"
    );
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).map(|i| i + start.len()).unwrap_or(0);
    let j = html[i..].find(end).map(|j| i + j).unwrap_or(html.len());
    &html[i..j]
}

async fn users_admin_flow(engine: Engine) {
    let app = spawn(engine).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let r = admin
        .post_form(
            "/admin/users",
            &[("display_name", "Nia Brooks"), ("email", "nia@a.example"), ("role", "link_worker"), ("practice_id", "")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Nia Brooks has been added"));
    let link = between(&html, "data-testid=\"reset-link\"><a href=\"", "\"").to_owned();
    assert!(link.starts_with("/reset-password/rs_"), "{link}");

    // The new user sets a password through the link (which works once), then signs in.
    let nia = app.client();
    let page = nia.text(&link).await;
    assert!(page.contains("Hello Nia Brooks"));
    let r = nia.post_form(&link, &[("new_password", "short"), ("confirm_password", "short")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Password must be 12 characters or more"));
    let r = nia
        .post_form(&link, &[("new_password", "lantern meadow copper"), ("confirm_password", "lantern meadow copper")])
        .await;
    assert_eq!(location(&r), "/sign-in?reset=done");
    assert!(nia.text("/sign-in?reset=done").await.contains("Your password has been set"));
    assert_eq!(nia.get(&link).await.status(), 400, "the link works once");
    assert_eq!(nia.sign_in("nia@a.example", "lantern meadow copper").await.status(), 303);
    assert!(nia.text("/").await.contains("Hello, Nia Brooks"));

    // Disabling ends her session at the next request.
    assert!(admin.text("/admin/users").await.contains(">Nia Brooks<"));
    let user = app
        .db
        .user_for_sign_in(&linkwell_domain::identity::EmailAddress::parse("nia@a.example").unwrap())
        .await
        .unwrap()
        .0;
    let r =
        admin.post_form(&format!("/admin/users/{}/disable", user.id), &[("version", &user.version.to_string())]).await;
    assert_eq!(location(&r), format!("/admin/users/{}", user.id));
    assert!(admin.text(&format!("/admin/users/{}", user.id)).await.contains("has been disabled"));
    assert!(location(&nia.get("/").await).starts_with("/sign-in?next="));
    assert_eq!(nia.sign_in("nia@a.example", "lantern meadow copper").await.status(), 401);
    // A stale version is a conflict, not a silent overwrite.
    let r =
        admin.post_form(&format!("/admin/users/{}/enable", user.id), &[("version", &user.version.to_string())]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("Someone else changed this record"));

    // Changing a role is versioned, validated and audited.
    let user = app.db.user(&app.a.scope, user.id).await.unwrap();
    let path = format!("/admin/users/{}/role", user.id);
    let v = user.version.to_string();
    let r = admin.post_form(&path, &[("version", &v), ("role", "referrer"), ("practice_id", "")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Select the practice this referrer refers for"));
    let practice = app.a.practice.id.to_string();
    let r = admin.post_form(&path, &[("version", &v), ("role", "referrer"), ("practice_id", &practice)]).await;
    assert_eq!(location(&r), format!("/admin/users/{}", user.id));
    let changed = app.db.user(&app.a.scope, user.id).await.unwrap();
    assert_eq!((changed.role, changed.practice_id), (Role::Referrer, Some(app.a.practice.id)));
    assert_eq!(admin.post_form(&path, &[("version", &v), ("role", "admin"), ("practice_id", "")]).await.status(), 409);
    let own = format!("/admin/users/{}/role", app.a.user(Role::Admin).id);
    assert_eq!(admin.post_form(&own, &[("version", "1"), ("role", "commissioner")]).await.status(), 400);
    assert_eq!(
        count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'role_changed' AND detail = 'role=referrer'")
            .await,
        1
    );

    let actions = count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action IN ('user_created', 'password_reset_issued', 'password_changed', 'user_disabled')").await;
    // 12 seeded users + Nia created; one reset issued; one password set; one disable.
    assert_eq!(actions, 12 + 1 + 1 + 1 + 1);
}

async fn bad_user_input_is_named_and_changes_nothing(engine: Engine) {
    let app = spawn(engine).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let before = count(&app.db, "SELECT COUNT(*) FROM users").await;
    let r =
        admin.post_form("/admin/users", &[("display_name", ""), ("email", "not-an-email"), ("role", "wizard")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for (field, message) in [
        ("display_name", "Enter the person&#39;s full name"),
        ("email", "Enter an email address in the correct format"),
        ("role", "Select a role"),
    ] {
        assert!(html.contains(&format!("href=\"#{field}\"")), "{field} linked from the summary");
        assert!(html.contains(&format!("id=\"{field}-error\"")), "{field} has an inline error");
        assert!(html.contains(message), "{message}");
    }
    assert!(html.contains("value=\"not-an-email\""), "what was typed is kept");
    // A referrer needs a practice; a duplicate email is named.
    let r = admin
        .post_form("/admin/users", &[("display_name", "Dr Who"), ("email", "gp@a.example"), ("role", "referrer")])
        .await;
    assert!(r.text().await.unwrap().contains("Select the practice this referrer refers for"));
    let r = admin
        .post_form(
            "/admin/users",
            &[("display_name", "Copy"), ("email", &app.a.email(Role::Coordinator)), ("role", "coordinator")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("A user with this email address already exists"));
    // Another organisation's practice is not a valid choice.
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("display_name", "Dr B"),
                ("email", "drb@a.example"),
                ("role", "referrer"),
                ("practice_id", &app.b.practice.id.to_string()),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("Select a practice from the list"));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM users").await, before);
}

async fn practices_bad_input_and_concurrent_edits(engine: Engine) {
    let app = spawn(engine).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let r = admin.post_form("/practices", &[("name", ""), ("ods_code", "12345")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Enter the practice name") && html.contains("ODS code must be a letter followed by 5 digits")
    );
    let r = admin.post_form("/practices", &[("name", "Copy"), ("ods_code", "a81001")]).await;
    assert!(r.text().await.unwrap().contains("A practice with this ODS code already exists"));
    let r = admin.post_form("/practices", &[("name", "Hillside Surgery"), ("ods_code", "b82002")]).await;
    assert_eq!(location(&r), "/practices");
    assert!(admin.text("/practices").await.contains("B82002"));

    // Two admins edit the same practice: the second save is refused with the current data shown.
    let id = app.a.practice.id;
    let form = admin.text(&format!("/practices/{id}/edit")).await;
    assert!(form.contains("name=\"version\" value=\"1\""));
    let r = admin
        .post_form(
            &format!("/practices/{id}"),
            &[("version", "1"), ("name", "Riverside Medical Centre"), ("ods_code", "A81001")],
        )
        .await;
    assert_eq!(location(&r), "/practices");
    let r = admin
        .post_form(&format!("/practices/{id}"), &[("version", "1"), ("name", "Lost Update"), ("ods_code", "A81001")])
        .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Someone else changed this practice"));
    assert!(html.contains("value=\"Riverside Medical Centre\""));
    assert_eq!(app.db.practice(&app.a.scope, id).await.unwrap().name, "Riverside Medical Centre");
}

async fn users_list_pages_by_name(engine: Engine) {
    let app = spawn(engine).await;
    for i in 0..120 {
        let new = linkwell_store::users::NewUser {
            email: linkwell_domain::identity::EmailAddress::parse(&format!("p{i}@a.example")).unwrap(),
            display_name: format!("Person {i:03}"),
            role: Role::LinkWorker,
            practice_id: None,
            password_hash: linkwell_domain::identity::PasswordHash("unused".into()),
        };
        app.db.create_user(&app.a.scope, &linkwell_store::Actor::system(), &new).await.unwrap();
    }
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let first = admin.text("/admin/users").await;
    // 5 seeded users sort before "Person …" (the referrer after): the first page ends at Person 094.
    assert!(first.contains(">Person 094<") && !first.contains(">Person 095<"));
    let next = between(&first, "nhsuk-pagination__link--next\" href=\"", "\"").replace("&amp;", "&");
    let second = admin.text(&next).await;
    assert!(second.contains(">Person 095<") && second.contains(">Person 119<") && !second.contains(">Person 094<"));
    assert!(second.contains(">Referrer of a<"));
    assert!(!second.contains("nhsuk-pagination__link--next"));
    assert_eq!(admin.get("/admin/users?after=nonsense").await.status(), 404);
}

async fn users_filter_by_role_and_status_with_a_search_and_show_the_last_sign_in(engine: Engine) {
    let app = spawn(engine).await;
    for i in 0..120 {
        crate::support::add_user(&app, Role::LinkWorker, &format!("walker{i:03}@a.example")).await;
    }
    let quiet = crate::support::add_user(&app, Role::Coordinator, "quiet_one@a.example").await;
    crate::support::exec(
        &app.db,
        &format!("UPDATE users SET disabled = TRUE, version = version + 1 WHERE id = '{}'", quiet.id),
    )
    .await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;

    // A search of names and email addresses, any case, with the filters kept from page to page.
    let found = admin.text("/admin/users?search=WALKER11&role=link_worker").await;
    let rows = found.matches("<tr class=\"nhsuk-table__row\" role=\"row\">").count() - 1;
    assert_eq!(rows, 10, "walker110 to walker119: {found}");
    let all_workers = admin.text("/admin/users?role=link_worker").await;
    let next = between(&all_workers, "nhsuk-pagination__link--next\" href=\"", "\"").replace("&amp;", "&");
    assert!(next.starts_with("/admin/users?role=link_worker&after="), "{next}");
    let second = admin.text(&next).await;
    assert!(!second.contains(">Admin of a<") && second.contains("walker119@a.example"), "{second}");
    // `%` and `_` typed are themselves, not wildcards.
    let none = admin.text("/admin/users?search=%25").await;
    assert!(none.contains("No one matches the search and filters."), "{none}");
    let underscore = admin.text("/admin/users?search=_one").await;
    assert!(underscore.contains("quiet_one@a.example") && !underscore.contains("walker0"), "{underscore}");
    // Disabled users on their own.
    let disabled = admin.text("/admin/users?status=disabled").await;
    assert!(disabled.contains("quiet_one@a.example") && !disabled.contains("walker000"), "{disabled}");
    // The admin has signed in; the new users never have.
    let admins = admin.text("/admin/users?role=admin").await;
    assert!(!admins.contains("Never") && admins.contains("Last signed in </span>"), "{admins}");
    let walker = admin.text("/admin/users?search=walker000").await;
    assert!(walker.contains("Last signed in </span>Never"), "{walker}");
    // Bad filters are named and find no one.
    let r = admin.get("/admin/users?role=wizard&status=gone").await;
    assert_eq!(r.status(), 422);
    let bad = r.text().await.unwrap();
    assert!(bad.contains("Select a role from the list") && bad.contains("Select active or disabled"), "{bad}");
    // The API filters alike.
    let (status, page) = crate::support::api_call(
        &app,
        reqwest::Method::GET,
        "/api/v1/users?role=admin&status=active",
        Role::Admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert!(items[0]["last_signed_in_at"].as_str().is_some_and(|t| t.starts_with("20")), "{page}");
    let (status, page) = crate::support::api_call(
        &app,
        reqwest::Method::GET,
        "/api/v1/users?search=walker11&limit=100",
        Role::Admin,
        None,
    )
    .await;
    assert_eq!((status, page["items"].as_array().map(Vec::len)), (200, Some(10)), "{page}");
    assert!(page["items"][0].get("last_signed_in_at").is_none(), "never signed in: {page}");
    let (status, p) =
        crate::support::api_call(&app, reqwest::Method::GET, "/api/v1/users?status=sleeping", Role::Admin, None).await;
    assert_eq!((status, crate::support::problem_fields(&p)), (422, vec!["status"]), "{p}");
}

async fn sites_and_rooms(engine: Engine) {
    let app = spawn(engine).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let r = admin.post_form("/admin/sites", &[("name", ""), ("address", ""), ("practice_id", "")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Enter the site name"));
    let r = admin
        .post_form("/admin/sites", &[("name", "Community Hub"), ("address", "1 Canal Wharf"), ("practice_id", "")])
        .await;
    assert_eq!(location(&r), "/admin/sites");
    let site = app.a.site.id;
    let r = admin.post_form(&format!("/admin/sites/{site}/rooms"), &[("name", "Room 4")]).await;
    assert_eq!(location(&r), "/admin/sites");
    let r = admin.post_form(&format!("/admin/sites/{site}/rooms"), &[("name", "Room 4")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("This site already has a room with that name"));
    let html = admin.text("/admin/sites").await;
    assert!(html.contains("Community Hub") && html.contains("Room 4"));
}

async fn audit_page_filters(engine: Engine) {
    let app = spawn(engine).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let html = admin.text("/admin/audit?action=sign_in").await;
    assert!(html.contains("Action </span>sign in</td>"), "{html}");
    assert!(!html.contains("Action </span>user created</td>"));
    // Filter by a person's email.
    let by_email = admin.text(&format!("/admin/audit?email={}", app.a.email(Role::Admin))).await;
    assert!(by_email.contains("Action </span>sign in</td>"));
    assert!(!by_email.contains("Action </span>user created</td>"), "seeded by the system, not the admin");
    let r = admin.get(&format!("/admin/audit?email={}", app.b.email(Role::Admin))).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("No user in your organisation has this email address"));
    let all = admin.text("/admin/audit").await;
    assert!(all.contains("Action </span>user created</td>"));
    // Records by name: a user by theirs.
    assert!(all.contains(&format!("User: {}", app.a.user(Role::LinkWorker).display_name)), "{all}");
    // Dates in the NHS date input, with its messages; an end before the start is named.
    let r = admin.get("/admin/audit?from_day=30&from_month=2&from_year=2026&action=nonsense").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter a real date, like 27 3 2027") && html.contains("Select an action from the list"));
    let r = admin.get("/admin/audit?from_day=2&from_month=12&from_year=2026&to_day=1&to_month=12&to_year=2026").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("The end date must be the same as or after the start date"));
    let today = jiff::Zoned::now().with_time_zone(linkwell_domain::time::london()).date();
    let (d, m, y) = (today.day(), today.month(), today.year());
    let today_only = admin
        .text(&format!(
            "/admin/audit?from_day={d}&from_month={m}&from_year={y}&to_day={d}&to_month={m}&to_year={y}&action=sign_in"
        ))
        .await;
    assert!(today_only.contains("Action </span>sign in</td>"), "{today_only}");
    // A link worker opening one case three times is one row; the referral is named by its
    // reference, and the person not at all (admins do not see cases).
    let worker = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    for _ in 0..3 {
        assert_eq!(worker.get(&format!("/referrals/{}", app.a.case.referral)).await.status(), 200);
    }
    let views = admin.text(&format!("/admin/audit?action=record_viewed&entity_id={}", app.a.case.referral)).await;
    assert_eq!(views.matches("data-testid=\"repeats\">(3 times)").count(), 1, "{views}");
    assert!(views.contains("Record </span><span>Referral: LW-"), "{views}");
    assert!(!views.contains("Margaret") && !views.contains("Oakes"), "{views}");
    // Organisation B's entries never show in A's trail.
    app.signed_in(&app.b.email(Role::Admin)).await;
    let html = admin.text(&format!("/admin/audit?user={}", app.b.user(Role::Admin).id)).await;
    assert!(html.contains("No entries match"));
}

async fn every_page_renders_for_its_roles(engine: Engine) {
    let app = spawn(engine).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let pages = [
        "/".to_string(),
        "/account".into(),
        "/practices".into(),
        "/practices/new".into(),
        format!("/practices/{}/edit", app.a.practice.id),
        "/admin/users".into(),
        "/admin/users/new".into(),
        format!("/admin/users/{}", app.a.user(Role::Referrer).id),
        "/admin/sites".into(),
        "/admin/audit".into(),
        "/admin/programmes".into(),
        "/admin/settings".into(),
        "/admin/outbox".into(),
        "/admin/tools".into(),
        "/accessibility".into(),
        "/privacy".into(),
        "/no-such-page".into(),
    ];
    for p in pages {
        let r = admin.get(&p).await;
        let status = r.status().as_u16();
        let html = r.text().await.unwrap();
        assert!(status == 200 || (p == "/no-such-page" && status == 404), "{p}: {status}");
        assert!(html.contains("<main class=\"nhsuk-main-wrapper\" id=\"maincontent\">"), "{p} uses the layout");
        assert!(html.contains("<h1"), "{p} has a heading");
        assert!(html.contains("Sign out"), "{p} shows the account menu");
    }
    // The casework pages, for the roles that work cases and refer.
    let case = &app.a.case;
    for role in [Role::Coordinator, Role::LinkWorker] {
        let c = app.signed_in(&app.a.email(role)).await;
        for p in [
            "/caseload".to_string(),
            "/referrals".into(),
            "/referrals/new".into(),
            format!("/referrals/{}", case.referral),
            format!("/referrals/{}/sessions/new", case.referral),
            format!("/sessions/{}/outcome", case.session),
            format!("/referrals/{}/plan", case.referral),
            format!("/referrals/{}/plan/edit", case.referral),
            format!("/referrals/{}/plan/versions/1", case.referral),
            format!("/referrals/{}/discharge", case.referral),
            format!("/referrals/{}/discharge-summary", case.discharged),
            format!("/referrals/{}", case.discharged),
            format!("/people/{}", case.person),
            format!("/people/{}/edit", case.person),
            "/diary".into(),
            "/diary?view=day".into(),
            "/rooms".into(),
            format!("/rooms/{}/diary", app.a.room.id),
            "/account/calendar".into(),
            "/account/hours".into(),
            "/directory".into(),
            "/directory?q=walk&day=TU&time=morning".into(),
            "/unmet-needs".into(),
            format!("/referrals/{}/prescriptions/new", case.referral),
            format!("/referrals/{}/prescriptions/new?q=walk", case.referral),
            format!("/referrals/{}/prescriptions/new?service={}", case.referral, app.a.service.id),
            format!("/prescriptions/{}/outcome", app.a.prescription),
            "/directory/check".into(),
            "/directory/import".into(),
            "/directory/providers".into(),
            format!("/directory/providers/{}/edit", app.a.provider.id),
            "/directory/services/new".into(),
            format!("/directory/services/{}", app.a.service.id),
            format!("/directory/services/{}/edit", app.a.service.id),
            format!("/directory/services/{}/pause", app.a.service.id),
            format!("/directory/services/{}/close", app.a.service.id),
        ]
        .into_iter()
        .chain((role == Role::Coordinator).then(|| "/waiting-list".to_string()))
        {
            let r = c.get(&p).await;
            let status = r.status().as_u16();
            let html = r.text().await.unwrap();
            assert_eq!(status, 200, "{role} {p}: {html}");
            assert!(html.contains("<h1"), "{role} {p} has a heading");
        }
    }
    let referrer = app.signed_in(&app.a.email(Role::Referrer)).await;
    for p in ["/referrals".to_string(), "/referrals/new".into(), format!("/referrals/{}", case.referral)] {
        let r = referrer.get(&p).await;
        assert_eq!(r.status(), 200, "referrer {p}");
    }
    let form = admin.text("/admin/users/new").await;
    assert!(form.contains("<option value=\"coordinator\">Coordinator</option>"), "role choices listed");
    assert!(
        form.contains(&format!("<option value=\"{}\">Riverside Surgery (A81001)</option>", app.a.practice.id)),
        "practices listed"
    );
    let audit = admin.text("/admin/audit?action=sign_in").await;
    assert!(audit.contains("<option value=\"sign_in\" selected>sign in</option>"), "the chosen filter stays selected");
    // Each role's home page and navigation.
    for (role, nav) in [
        (
            Role::Admin,
            vec![
                "Home",
                "Directory",
                "Practices",
                "Users",
                "Sites and rooms",
                "Programmes",
                "Settings",
                "Messages",
                "Audit trail",
            ],
        ),
        (
            Role::Coordinator,
            vec![
                "Home",
                "Caseload",
                "Diary",
                "Waiting list",
                "Referrals",
                "Directory",
                "Groups",
                "Reports",
                "Practices",
                "Team",
            ],
        ),
        (Role::LinkWorker, vec!["Home", "Caseload", "Diary", "Referrals", "Directory", "Groups", "Practices"]),
        (Role::Referrer, vec!["Home", "Referrals", "Directory", "Practices"]),
        (Role::Facilitator, vec!["Home", "Registers"]),
        (Role::Commissioner, vec!["Home", "Reports"]),
    ] {
        let c = app.signed_in(&app.a.email(role)).await;
        let html = c.text("/").await;
        let links: Vec<&str> = html
            .split("class=\"nhsuk-header__navigation-link\" href=\"")
            .skip(1)
            .map(|s| between(s, ">", "<"))
            .collect();
        assert_eq!(links, nav, "{role}");
        if role == Role::Referrer {
            assert!(html.contains("You refer for Riverside Surgery (A81001)"));
        }
    }
}
