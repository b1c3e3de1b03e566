//! Home pages that lead the day (issue 12), on both engines: a link worker's sessions and
//! tasks, a coordinator's waiting list in figures that match the lists they link to, a
//! referrer's referrals by status — on the page and through `GET /api/v1/home`.

use linkwell_domain::Version;
use linkwell_domain::identity::Role;
use linkwell_domain::referrals::ContactOutcome;
use linkwell_domain::time::london_day_start;
use linkwell_store::referrals::Change;
use linkwell_store::{Actor, Engine};
use reqwest::Method as M;

use crate::support::{
    Stage, TestApp, add_user, api_call, exec, person_referred, problem_fields, received_days_ago, spawn,
};

both_engines!(a_link_workers_home_leads_the_day);
both_engines!(a_coordinators_figures_are_the_lists_they_link_to);
both_engines!(a_referrers_home_counts_their_referrals_by_status);
both_engines!(the_home_lists_the_busiest_and_the_whole_team_is_a_page);

fn today() -> jiff::civil::Date {
    jiff::Zoned::now().with_time_zone(linkwell_domain::time::london()).date()
}

async fn a_link_workers_home_leads_the_day(engine: Engine) {
    let app = spawn(engine).await;
    let worker = app.a.user(Role::LinkWorker).id;
    let (_, albert) = person_referred(&app, "Albert", "Njoku", Stage::Accepted).await;
    let (_, carol) = person_referred(&app, "Carol", "Pike", Stage::Accepted).await;
    let r = app.db.referral(&app.a.scope, carol).await.unwrap();
    let attempt = Change::contact_attempt(linkwell_domain::people::ContactChannel::Phone, ContactOutcome::NoAnswer);
    app.db.change_referral(&app.a.scope, &Actor::system(), carol, Version(r.version), attempt).await.unwrap();
    let (_, dev) = person_referred(&app, "Dev", "Shah", Stage::Active).await;
    exec(&app.db, &format!("UPDATE referrals SET safeguarding = TRUE WHERE id = '{dev}'")).await;
    // The seeded case's review is in three days; Dev's was last week.
    let in_three = today().checked_add(jiff::Span::new().days(3)).unwrap();
    let last_week = today().checked_sub(jiff::Span::new().days(7)).unwrap();
    let margaret = app.a.case.referral;
    exec(&app.db, &format!("UPDATE referrals SET next_review = '{in_three}' WHERE id = '{margaret}'")).await;
    exec(&app.db, &format!("UPDATE referrals SET next_review = '{last_week}' WHERE id = '{dev}'")).await;
    // A session with Dev at midnight today (so it has started whenever this runs), and a
    // cancelled one with Albert.
    let midnight = london_day_start(today());
    let org = app.a.scope.organisation_id();
    for (id, referral, status) in [("01", dev, "booked"), ("02", albert, "cancelled_by_service")] {
        exec(&app.db, &format!(
            "INSERT INTO sessions (organisation_id, id, referral_id, worker_id, kind, mode, starts_at, ends_at, status, created_at, updated_at, version) \
             VALUES ('{org}', '00000000-0000-7000-a000-0000000000{id}', '{referral}', '{worker}', 'initial', 'telephone', {midnight}, {}, '{status}', {midnight}, {midnight}, 1)",
            midnight + 45 * 60_000
        )).await;
    }

    let (status, home) = api_call(&app, M::GET, "/api/v1/home", Role::LinkWorker, None).await;
    assert_eq!(status, 200, "{home}");
    assert_eq!(home["date"], today().to_string());
    assert!(home.get("team_day").is_none() && home.get("referrals").is_none(), "{home}");
    let day = &home["worker_day"];
    let ids = |list: &str| -> Vec<String> {
        day[list].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    };
    let sessions: Vec<&str> = day["sessions"].as_array().unwrap().iter().map(|s| s["with"].as_str().unwrap()).collect();
    assert_eq!(sessions, vec!["Dev Shah"], "cancelled sessions are left out: {day}");
    assert_eq!(ids("new_assignments"), vec![albert.to_string()]);
    assert_eq!(ids("contact_attempts"), vec![carol.to_string()]);
    assert_eq!(ids("reviews_due"), vec![dev.to_string(), margaret.to_string()], "soonest review first");
    assert_eq!(ids("safeguarding"), vec![dev.to_string()]);

    let page = app.signed_in(&app.a.email(Role::LinkWorker)).await.text("/").await;
    let sessions_at = page.find("id=\"today\"").expect("today's sessions");
    assert!(page[sessions_at..].contains("00:00 to 00:45"), "{page}");
    assert!(page.contains("/sessions/00000000-0000-7000-a000-000000000001/outcome\">Record how it went"), "{page}");
    assert!(page.contains(&format!("/referrals/{albert}#contact\">Contact them")), "{page}");
    assert!(page.contains(&format!("/referrals/{carol}#contact\">Contact them")), "{page}");
    assert!(page.contains("1 without reaching them"), "{page}");
    assert!(page.contains(&format!("/referrals/{dev}/plan/edit\">Review the plan")), "{page}");
    assert!(!page.contains("None"), "empty values never read None");

    // Another organisation's worker sees none of it.
    let (_, other) = api_call_b(&app).await;
    let day = &other["worker_day"];
    for list in ["sessions", "new_assignments", "contact_attempts", "safeguarding"] {
        assert_eq!(day[list].as_array().map(Vec::len), Some(0), "{list}: {other}");
    }
}

async fn api_call_b(app: &TestApp) -> (u16, serde_json::Value) {
    let token = app.token(&app.b, app.b.user(Role::LinkWorker)).await;
    let r = app.client().http.get(app.url("/api/v1/home")).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn a_coordinators_figures_are_the_lists_they_link_to(engine: Engine) {
    let app = spawn(engine).await;
    let (_, urgent) = person_referred(&app, "Una", "Urgent", Stage::Received).await;
    exec(&app.db, &format!("UPDATE referrals SET urgency = 'urgent', urgency_rank = 0 WHERE id = '{urgent}'")).await;
    received_days_ago(&app, urgent, 12).await;
    let (_, old) = person_referred(&app, "Olive", "Old", Stage::Received).await;
    received_days_ago(&app, old, 20).await;
    let (_, fresh) = person_referred(&app, "Fred", "Fresh", Stage::Received).await;
    let (_, assigned) = person_referred(&app, "Ada", "Assigned", Stage::Accepted).await;
    received_days_ago(&app, assigned, 11).await;

    let (status, home) = api_call(&app, M::GET, "/api/v1/home", Role::Coordinator, None).await;
    assert_eq!(status, 200, "{home}");
    let day = &home["team_day"];
    let figure = |name: &str| day[name].as_i64().unwrap();
    assert_eq!(
        (figure("waiting"), figure("unassigned"), figure("urgent"), figure("closing"), figure("missed")),
        (4, 3, 1, 2, 1),
        "{day}"
    );
    let first = |list: &str| -> Vec<String> {
        day[list].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(first("first_unassigned"), vec![urgent.to_string(), old.to_string(), fresh.to_string()]);
    assert_eq!(first("first_closing"), vec![urgent.to_string(), assigned.to_string()]);
    let worker = app.a.user(Role::LinkWorker);
    let load = day["caseloads"].as_array().unwrap().iter().find(|w| w["worker_id"] == worker.id.to_string()).unwrap();
    assert_eq!((load["open"].as_i64(), load["active"].as_i64()), (Some(2), Some(1)), "Margaret and Ada: {day}");

    // Each figure is the length of the list it links to, through the API and on the page.
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let page = coordinator.text("/").await;
    for (query, count, names, on_home) in [
        ("assigned=none", 3, vec!["Una Urgent", "Olive Old", "Fred Fresh"], true),
        ("urgency=urgent", 1, vec!["Una Urgent"], true),
        ("window=closing", 2, vec!["Una Urgent", "Ada Assigned"], true),
        ("window=missed", 1, vec!["Olive Old"], true),
        (&format!("assigned={}", worker.id), 1, vec!["Ada Assigned"], false),
        (&format!("practice={}&amp;need=loneliness", app.a.practice.id), 4, vec!["Una Urgent"], false),
    ] {
        let query = query.replace("&amp;", "&");
        let (status, list) =
            api_call(&app, M::GET, &format!("/api/v1/waiting-list?{query}"), Role::Coordinator, None).await;
        assert_eq!((status, list["items"].as_array().map(Vec::len)), (200, Some(count)), "{query}: {list}");
        let html = coordinator.text(&format!("/waiting-list?{query}")).await;
        for name in names {
            assert!(html.contains(name), "{query} lists {name}");
        }
        assert_eq!(html.matches("<tr class=\"nhsuk-table__row\" role=\"row\">").count(), count + 1, "{query}");
        assert_eq!(page.contains(&format!("href=\"/waiting-list?{query}\"")), on_home, "{query}");
    }
    assert!(page.contains(&format!("/caseload?worker={}\">{}</a>", worker.id, worker.display_name)), "{page}");
    assert!(page.contains(&format!("/referrals/{urgent}#triage\">Assign")), "{page}");

    // The assign chooser says how many cases each worker holds.
    let case = coordinator.text(&format!("/referrals/{fresh}")).await;
    assert!(case.contains(&format!("{} (2 open cases)", worker.display_name)), "{case}");

    // A filter that means nothing is refused, naming its field, on the page and in the API.
    let referrer = app.a.user(Role::Referrer).id;
    for (query, field) in
        [("urgency=very", "urgency"), (&format!("assigned={referrer}") as &str, "assigned"), ("window=soon", "window")]
    {
        let (status, p) =
            api_call(&app, M::GET, &format!("/api/v1/waiting-list?{query}"), Role::Coordinator, None).await;
        assert_eq!((status, problem_fields(&p)), (422, vec![field]), "{query}: {p}");
        let r = coordinator.get(&format!("/waiting-list?{query}")).await;
        assert_eq!(r.status(), 422, "{query}");
        assert!(r.text().await.unwrap().contains(&format!("href=\"#{field}\"")), "{query}");
    }
    // Another organisation's practice is not a filter here.
    let (status, p) = api_call(
        &app,
        M::GET,
        &format!("/api/v1/waiting-list?practice={}", app.b.practice.id),
        Role::Coordinator,
        None,
    )
    .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["practice"]), "{p}");
}

async fn a_referrers_home_counts_their_referrals_by_status(engine: Engine) {
    let app = spawn(engine).await;
    person_referred(&app, "Una", "Waiting", Stage::Received).await;
    person_referred(&app, "Vera", "Waiting", Stage::Received).await;
    let (status, home) = api_call(&app, M::GET, "/api/v1/home", Role::Referrer, None).await;
    assert_eq!(status, 200, "{home}");
    let counts: Vec<(String, i64)> = home["referrals"]["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["status"].as_str().unwrap().to_owned(), c["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(counts, vec![("received".into(), 2), ("active".into(), 1), ("discharged".into(), 1)]);
    let newest = &home["referrals"]["newest"];
    assert_eq!(newest[0]["given_name"], "Vera", "{newest}");
    assert!(newest[0].get("urgency").is_none(), "a referrer sees the status only: {newest}");

    let page = app.signed_in(&app.a.email(Role::Referrer)).await.text("/").await;
    assert!(page.contains("<p class=\"nhsuk-heading-l nhsuk-u-margin-bottom-1\">2</p>"), "{page}");
    assert!(page.contains("href=\"/referrals?status=received\">Received</a>"), "{page}");
    assert!(page.contains("Vera Waiting"), "{page}");
}

/// A team of 130 who can hold cases (the coordinator, the organisation's link worker and
/// 128 more): the home lists ten — the disabled worker still holding a case, then the
/// busiest, then by name — and links to the whole team, a hundred to a page.
async fn the_home_lists_the_busiest_and_the_whole_team_is_a_page(engine: Engine) {
    let app = spawn(engine).await;
    let mut added = Vec::new();
    for i in 0..128 {
        added.push(add_user(&app, Role::LinkWorker, &format!("w{i:03}@a.example")).await);
    }
    let worker = app.a.user(Role::LinkWorker).clone();
    for name in ["Ada", "Bea"] {
        person_referred(&app, name, "Busy", Stage::Accepted).await;
    }
    let (_, handed) = person_referred(&app, "Cy", "Handed", Stage::Accepted).await;
    let leaver = &added[77];
    exec(&app.db, &format!("UPDATE referrals SET assigned_worker_id = '{}' WHERE id = '{handed}'", leaver.id)).await;
    let scope = &app.a.scope;
    app.db.set_user_disabled(scope, &Actor::system(), leaver.id, Version(leaver.version), true).await.unwrap();
    // A disabled worker with no cases is not in the team's list.
    let gone = &added[5];
    app.db.set_user_disabled(scope, &Actor::system(), gone.id, Version(gone.version), true).await.unwrap();

    let (status, home) = api_call(&app, M::GET, "/api/v1/home", Role::Coordinator, None).await;
    assert_eq!(status, 200, "{home}");
    let day = &home["team_day"];
    assert_eq!(day["team_size"], 129, "{day}");
    let ids: Vec<&str> =
        day["caseloads"].as_array().unwrap().iter().map(|w| w["worker_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 10, "{day}");
    assert_eq!(ids[..2], [leaver.id.to_string(), worker.id.to_string()], "{day}");
    assert_eq!(day["caseloads"][0]["disabled"], true);

    let (status, all) = api_call(&app, M::GET, "/api/v1/caseloads", Role::Coordinator, None).await;
    assert_eq!(status, 200, "{all}");
    let names: Vec<&str> = all.as_array().unwrap().iter().map(|w| w["display_name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 129);
    assert!(names.windows(2).all(|w| w[0].to_lowercase() <= w[1].to_lowercase()), "by name: {names:?}");
    assert!(!all.as_array().unwrap().iter().any(|w| w["worker_id"] == gone.id.to_string()));

    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let page = coordinator.text("/").await;
    assert!(page.contains("<a href=\"/caseloads\">All 129 caseloads</a>"), "{page}");
    assert!(page.contains(&format!("/caseload?worker={}", leaver.id)) && page.contains("Disabled: hand on"));
    let rows = |html: &str| html.matches("<a href=\"/caseload?worker=").count();
    let first = coordinator.text("/caseloads").await;
    assert_eq!(rows(&first), 100);
    assert!(first.contains("1 to 100 of 129") && first.contains("href=\"/caseloads?page=2\""), "{first}");
    let second = coordinator.text("/caseloads?page=2").await;
    assert_eq!(rows(&second), 29);
    assert!(second.contains("101 to 129 of 129") && second.contains("href=\"/caseloads?page=1\""), "{second}");
    // A page that is not there is the first.
    for page in ["3", "0", "x", "99999999999999999999999"] {
        assert_eq!(rows(&coordinator.text(&format!("/caseloads?page={page}")).await), 100, "{page}");
    }
}
