//! The community directory through the pages, on both engines: organisations and
//! listings added with every error named, edits and status changes kept in the listing's
//! history with who made them, dates off, and the listings due a check.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;

use crate::support::{location, spawn};

both_engines!(listings_are_added_changed_and_kept_true, search_finds_by_words_time_and_distance);

async fn search_finds_by_words_time_and_distance(engine: Engine) {
    let app = spawn(engine).await;
    crate::support::load_postcodes(
        &app.db,
        &[("LS6 2AB", 53.8195, -1.5762), ("LS6 4LD", 53.8330, -1.5690), ("LS17 5AA", 53.8580, -1.5300)],
    )
    .await;
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let provider = app.a.provider.id.to_string();
    let add = |name: &'static str, postcode: &'static str, day: &'static str| {
        let provider = provider.clone();
        let lw = &lw;
        async move {
            let fields = [
                ("provider_id", provider.as_str()),
                ("name", name),
                ("description", "A stroll and a chat."),
                ("cost", "free"),
                ("needs", "loneliness"),
                ("activities", "walking"),
                ("postcode", postcode),
                ("schedules[0].repeat", "weekly"),
                ("schedules[0].day", day),
                ("schedules[0].opens", "10:00"),
                ("schedules[0].closes", "11:00"),
            ];
            let r = lw.post_form("/directory/services", &fields).await;
            assert_eq!(r.status(), 303, "{name}");
            location(&r)
        }
    };
    let near = add("Meanwood Walkers", "LS6 4LD", "TU").await;
    add("Moortown Rambles", "LS17 5AA", "TU").await;
    add("Thursday Wanderers", "LS6 4LD", "TH").await;

    // Typos and stems: the seeded Walk and Talk was indexed when the server started.
    let found = lw.text("/directory?q=walkng").await;
    assert!(found.contains("Walk and Talk"), "{found}");
    // Tuesday mornings within 3 miles of LS6 2AB: near, not Moortown (3.2 miles), not Thursday.
    let found = lw.text("/directory?day=TU&time=morning&postcode=LS6+2AB&miles=3").await;
    assert!(found.contains("Meanwood Walkers") && found.contains("1.0 miles away"), "{found}");
    assert!(!found.contains("Moortown Rambles") && !found.contains("Thursday Wanderers"));
    assert!(!found.contains("Walk and Talk"), "its postcode is not loaded, so it is not known to be near");
    // Paused: not offered, unless asked for.
    let v = app
        .db
        .service(&app.a.scope, near.trim_start_matches("/directory/services/").parse().unwrap())
        .await
        .unwrap()
        .version
        .to_string();
    let r = lw.post_form(&format!("{near}/pause"), &[("version", &v)]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let found = lw.text("/directory?day=TU&time=morning&postcode=LS6+2AB&miles=3").await;
    assert!(!found.contains(">Meanwood Walkers</a>"), "a paused group is not offered");
    let found = lw.text("/directory?day=TU&time=morning&postcode=LS6+2AB&miles=3&show=all").await;
    assert!(found.contains("Meanwood Walkers") && found.contains("Paused"));
    // Bad input is named, not a server error.
    let r = lw.get("/directory?postcode=nowhere&miles=lots").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#postcode\"") && html.contains("Enter a distance in miles from 0.5 to 100"));
    let r = lw.get("/directory?postcode=YO1+7HH").await;
    assert!(r.text().await.unwrap().contains("Linkwell does not know where this postcode is"));
    // A change made elsewhere (another server, an import) is followed within seconds.
    let (_, elsewhere) = crate::support::seed_listing_named(&app.db, &app.a.scope, "Zumba Gold").await;
    let mut seen = false;
    for _ in 0..40 {
        if lw.text("/directory?q=zumba").await.contains("Zumba Gold") {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(seen, "the follower indexed {}", elsewhere.id);
    // Another organisation's search finds none of it.
    let other = app.signed_in(&app.b.email(Role::LinkWorker)).await;
    assert!(!other.text("/directory?q=meanwood&show=all").await.contains("Meanwood"));
}

async fn listings_are_added_changed_and_kept_true(engine: Engine) {
    let app = spawn(engine).await;
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let worker = app.a.user(Role::LinkWorker).display_name.clone();

    // An organisation: errors named, then added.
    let r = lw.post_form("/directory/providers", &[("name", ""), ("kind", "club")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for message in [
        "href=\"#name\"",
        "Enter the organisation",
        "Select what kind of organisation it is",
        "Enter what the organisation does",
    ] {
        assert!(html.contains(message), "{message}");
    }
    let r = lw
        .post_form(
            "/directory/providers",
            &[("name", "Seacroft Community Hub"), ("kind", "community"), ("description", "A community centre")],
        )
        .await;
    assert_eq!((r.status().as_u16(), location(&r).as_str()), (303, "/directory/providers"));
    let hub =
        app.db.providers(&app.a.scope).await.unwrap().into_iter().find(|p| p.name == "Seacroft Community Hub").unwrap();
    let hub_id = hub.id.to_string();

    // A listing: each bad field named inline, nothing stored.
    let bad = [
        ("provider_id", app.b.provider.id.to_string()),
        ("name", "Knit and Natter".into()),
        ("description", "".into()),
        ("cost", "paid".into()),
        ("cost_amount", "lots".into()),
        ("postcode", "".into()),
        ("location_name", "The Hub".into()),
        ("schedules[0].repeat", "weekly".into()),
        ("schedules[0].day", "TH".into()),
        ("schedules[0].opens", "14:00".into()),
        ("schedules[0].closes", "13:00".into()),
    ];
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = lw.post_form("/directory/services", &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for (field, message) in [
        ("description", "Enter a description of the service"),
        ("cost_amount", "Enter the cost in pounds, like 3.50"),
        ("needs", "Select at least one need it helps with, or an activity type"),
        ("postcode", "Enter the postcode of where it meets, so people can see how far it is"),
        ("schedules[0].closes", "The finishing time must be after the starting time"),
    ] {
        assert!(html.contains(&format!("href=\"#{field}\"")), "{field} is in the error summary");
        assert!(html.contains(message), "{message}");
    }
    assert!(html.contains("value=\"Knit and Natter\""), "what was typed is kept");
    // Another organisation's provider is not offered, and is refused by name.
    let mut good: Vec<(&str, &str)> = bad
        .iter()
        .map(|(k, v)| match *k {
            "description" => (*k, "Bring your needles; wool provided."),
            "cost_amount" => (*k, "1.50"),
            "postcode" => (*k, "LS14 6JB"),
            "schedules[0].closes" => (*k, "16:00"),
            _ => (*k, *v),
        })
        .collect();
    good.push(("needs", "loneliness"));
    good.push(("activities", "arts_crafts"));
    good.push(("wheelchair", "true"));
    let r = lw.post_form("/directory/services", &good).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Select the organisation that runs it"));
    for (k, v) in good.iter_mut() {
        if *k == "provider_id" {
            *v = &hub_id;
        }
    }
    let before = app.db.services_page(&app.a.scope, &Default::default(), 0, 100).await.unwrap().1;
    assert_eq!(before, 1, "the failed attempts stored nothing");
    let r = lw.post_form("/directory/services", &good).await;
    assert_eq!(r.status(), 303);
    let at = location(&r);
    assert!(at.starts_with("/directory/services/"), "{at}");
    let page = lw.text(&at).await;
    for shown in [
        "Knit and Natter",
        "Seacroft Community Hub",
        "Every Thursday, 14:00 to 16:00",
        "£1.50",
        "Wheelchair accessible",
        "The Hub, LS14 6JB",
        "Distance unknown",
    ] {
        assert!(page.contains(shown), "{shown} is on the page");
    }
    assert!(!page.contains("Never checked"), "a new listing counts as checked today");
    let id: linkwell_domain::ServiceId = at.trim_start_matches("/directory/services/").parse().unwrap();

    // Edit: the form holds the listing; the change is attributed in the history.
    let form = lw.text(&format!("{at}/edit")).await;
    assert!(
        form.contains("value=\"Knit and Natter\"")
            && form.contains("value=\"14:00\"")
            && form.contains("value=\"1.50\"")
    );
    let s = app.db.service(&app.a.scope, id).await.unwrap();
    let version = s.version.to_string();
    let mut edit: Vec<(&str, &str)> =
        good.iter().map(|(k, v)| if *k == "cost" { (*k, "free") } else { (*k, *v) }).collect();
    edit.push(("version", &version));
    let r = lw.post_form(&at, &edit).await;
    assert_eq!(r.status(), 303);
    let r = lw.post_form(&at, &edit).await;
    assert_eq!(r.status(), 409, "the same form again is stale");
    let page = lw.text(&at).await;
    assert!(
        page.contains("Changed: cost") && page.contains(&worker),
        "the history says what changed and who changed it"
    );

    // Pause: a restart date in the past is named; then paused, then closed, then running again.
    let s = app.db.service(&app.a.scope, id).await.unwrap();
    let v = s.version.to_string();
    let r = lw
        .post_form(
            &format!("{at}/pause"),
            &[("version", &v), ("restart_day", "1"), ("restart_month", "1"), ("restart_year", "2020")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("The restart date must be in the future"));
    let restart = crate::support::next_monday_at(9).to_zoned(linkwell_domain::time::london()).date();
    let (d, m, y) = (restart.day().to_string(), restart.month().to_string(), restart.year().to_string());
    let r = lw
        .post_form(
            &format!("{at}/pause"),
            &[
                ("version", &v),
                ("restart_day", &d),
                ("restart_month", &m),
                ("restart_year", &y),
                ("note", "Organiser unwell"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = lw.text(&at).await;
    assert!(page.contains("Paused, expected back") && page.contains("Organiser unwell"));
    let v = app.db.service(&app.a.scope, id).await.unwrap().version.to_string();
    let r = lw.post_form(&format!("{at}/close"), &[("version", &v), ("reason", " ")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Enter why it has closed"));
    let r =
        lw.post_form(&format!("{at}/close"), &[("version", &v), ("reason", "The hub has closed for repairs")]).await;
    assert_eq!(r.status(), 303);
    assert!(lw.text(&at).await.contains("Closed: The hub has closed for repairs"));
    let v = app.db.service(&app.a.scope, id).await.unwrap().version.to_string();
    let r = lw.post_form(&format!("{at}/reopen"), &[("version", &v)]).await;
    assert_eq!(r.status(), 303);

    // A date that cannot be read is shown against its field, with what was typed kept,
    // and changes nothing.
    let before = app.db.service(&app.a.scope, id).await.unwrap();
    let r = lw
        .post_form(
            &format!("{at}/exceptions"),
            &[
                ("exception_date_day", "31"),
                ("exception_date_month", "2"),
                ("exception_date_year", "2026"),
                ("exception_note", "Storm"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("href=\"#exception_date\""), "in the error summary");
    assert!(page.contains("id=\"exception_date-input-error\""), "beside the field");
    assert!(
        page.contains("name=\"exception_date_day\" type=\"text\" value=\"31\"") && page.contains("value=\"Storm\""),
        "as typed"
    );
    let after = app.db.service(&app.a.scope, id).await.unwrap();
    assert_eq!((after.version, after.exceptions.len()), (before.version, 0));

    // A date off, shown and then removed.
    let r = lw
        .post_form(
            &format!("{at}/exceptions"),
            &[
                ("exception_date_day", "24"),
                ("exception_date_month", "12"),
                ("exception_date_year", "2026"),
                ("exception_note", "Christmas Eve"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = lw.text(&at).await;
    assert!(page.contains("Thursday 24 December 2026: Christmas Eve"));
    let r = lw.post_form(&format!("{at}/exceptions"), &[("remove", "2026-12-24")]).await;
    assert_eq!(r.status(), 303);
    assert!(app.db.service(&app.a.scope, id).await.unwrap().exceptions.is_empty());

    // Checking: an imported (never verified) listing is listed; marking it checked clears it.
    let listed = lw.text("/directory/check").await;
    assert!(!listed.contains("Knit and Natter"), "checked today when added");
    app.db
        .save_service(
            &app.a.scope,
            &linkwell_store::Actor::system(),
            linkwell_domain::ServiceId::new(),
            None,
            &app.db.service(&app.a.scope, id).await.map(|s| listing_input(&s)).unwrap(),
            linkwell_store::directory::SaveOrigin::Import("feed.json"),
            None,
        )
        .await
        .unwrap();
    let listed = lw.text("/directory/check").await;
    assert!(listed.contains("Never checked"), "{listed}");
    let imported = app.db.services_to_check(&app.a.scope, linkwell_app::today(), 1000).await.unwrap().0;
    assert_eq!(imported.len(), 1);
    let r = lw
        .post_form(
            &format!("/directory/services/{}/verify", imported[0].id),
            &[("back", "/directory/check"), ("note", "Rang them")],
        )
        .await;
    assert_eq!(location(&r), "/directory/check");
    assert!(app.db.services_to_check(&app.a.scope, linkwell_app::today(), 1000).await.unwrap().0.is_empty());

    // The full history, newest first, each with who.
    let history = app.db.service_history(&app.a.scope, id).await.unwrap();
    let kinds: Vec<_> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["exception_removed", "exception_added", "reopened", "closed", "paused", "edited", "created"]);
    assert!(
        history
            .iter()
            .all(|e| e.actor_user_id.as_deref() == Some(app.a.user(Role::LinkWorker).id.to_string().as_str()))
    );

    // The list filters by need and organisation; another organisation sees none of it.
    let list = lw.text(&format!("/directory?term=activities:arts_crafts&provider={hub_id}")).await;
    assert!(list.contains("Knit and Natter") && !list.contains("Walk and Talk"));
    assert!(list.contains("Showing listings run by Seacroft Community Hub"), "{list}");
    // A search keeps the organisation; an organisation that is not this one's narrows nothing.
    let searched = lw.text(&format!("/directory?q=knit&provider={hub_id}")).await;
    assert!(searched.contains(&format!(r#"name="provider" value="{hub_id}""#)), "{searched}");
    let unknown = lw.text("/directory?provider=00000000-0000-7000-8000-000000000000").await;
    assert!(unknown.contains("Walk and Talk") && !unknown.contains("Showing listings run by"));
    let other = app.signed_in(&app.b.email(Role::LinkWorker)).await;
    assert_eq!(other.get(&at).await.status(), 404);
    assert!(!other.text("/directory").await.contains("Knit and Natter"));
    // A referrer may look but not change.
    let referrer = app.signed_in(&app.a.email(Role::Referrer)).await;
    let page = referrer.text(&at).await;
    assert!(page.contains("Knit and Natter") && !page.contains("Change the listing"));
}

fn listing_input(s: &linkwell_store::directory::Service) -> linkwell_domain::directory::ServiceInput {
    linkwell_domain::directory::ServiceInput {
        provider_id: s.provider_id,
        name: "Imported chair yoga".into(),
        description: s.description.clone(),
        url: None,
        email: None,
        phone: None,
        contact_name: String::new(),
        minimum_age: None,
        maximum_age: None,
        eligibility: String::new(),
        cost: s.cost.clone(),
        wheelchair: false,
        accessibility: String::new(),
        languages: vec![],
        terms: s.terms.clone(),
        capacity: None,
        full: false,
        locations: vec![],
        schedules: vec![],
    }
}

both_engines!(spreadsheets_round_trip_and_name_their_errors);

/// Export A's listings as CSV, import them into B through the upload page (all of them,
/// ids kept), again (updates), then a sheet with mistakes (nothing stored, each named by
/// line and column); and the command line's import and export.
async fn spreadsheets_round_trip_and_name_their_errors(engine: Engine) {
    use crate::cli::{linkwell, ok};
    let app = spawn(engine).await;
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    // A second time for Walk and Talk, so it exports as two rows.
    let s = app.db.service(&app.a.scope, app.a.service.id).await.unwrap();
    let mut input = linkwell_domain::directory::ServiceInput::parse(
        &linkwell_domain::directory::ServiceFields {
            provider_id: s.provider_id.to_string(),
            name: s.name.clone(),
            description: s.description.clone(),
            cost: "paid".into(),
            cost_amount: "2".into(),
            cost_description: "per walk".into(),
            needs: vec!["loneliness".into()],
            activities: vec!["walking".into()],
            postcode: "LS8 2HH".into(),
            location_name: "Roundhay Park".into(),
            schedules: vec![
                linkwell_domain::directory::ScheduleFields {
                    repeat: "weekly".into(),
                    day: "TU".into(),
                    opens: "10:00".into(),
                    closes: "11:30".into(),
                    starts: linkwell_domain::time::DateEntry::Iso("2026-12-01".into()),
                    ..Default::default()
                },
                linkwell_domain::directory::ScheduleFields {
                    rule: "FREQ=MONTHLY;BYDAY=-1FR".into(),
                    opens: "14:00".into(),
                    closes: "15:00".into(),
                    starts: linkwell_domain::time::DateEntry::Iso("2026-01-01".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        },
        linkwell_app::today(),
    )
    .unwrap();
    input.full = true;
    app.db
        .update_service(
            &app.a.scope,
            &linkwell_store::Actor::system(),
            s.id,
            linkwell_domain::Version(s.version),
            &input,
        )
        .await
        .unwrap();

    let r = lw.get("/directory/export.csv").await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "a header and a row per time: {csv}");
    assert!(lines[0].starts_with("id,organisation,name,description,status"));
    assert!(lines[1].contains("Walk and Talk") && lines[2].contains("monthly,FR,-1,"), "{csv}");
    assert!(lw.text("/directory/template.csv").await.contains("Riverside Ramblers,Walk and Talk"));

    // Into B through the upload page.
    let other = app.signed_in(&app.b.email(Role::LinkWorker)).await;
    let upload = |body: String| {
        let other = &other;
        async move {
            let token = other.csrf().await;
            let form = reqwest::multipart::Form::new()
                .part("file", reqwest::multipart::Part::bytes(body.into_bytes()).file_name("sheet.csv"));
            other
                .http
                .post(other.url(&format!("/directory/import?csrf_token={token}")))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let before = app.db.services_page(&app.b.scope, &Default::default(), 0, 100).await.unwrap().1;
    let r = upload(csv.clone()).await;
    assert_eq!(r.status(), 303);
    let copy = app.db.service(&app.b.scope, s.id).await.unwrap();
    assert_eq!(copy.schedules.len(), 2);
    assert_eq!(
        (copy.cost.summary().as_str(), copy.full, copy.provider_name.as_str()),
        ("£2.00 per walk", true, "Leeds Ramblers")
    );
    assert_eq!(app.db.services_page(&app.b.scope, &Default::default(), 0, 100).await.unwrap().1, before + 1);
    let r = upload(csv.clone()).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.db.services_page(&app.b.scope, &Default::default(), 0, 100).await.unwrap().1,
        before + 1,
        "updated, not added"
    );
    // Without the session's token, an upload is refused.
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.clone().into_bytes()).file_name("x.csv"));
    assert_eq!(other.http.post(other.url("/directory/import")).multipart(form).send().await.unwrap().status(), 403);

    // Mistakes: every one named by line and column; nothing stored.
    let bad = "organisation,name,description,cost,postcode,day,repeat,opens,closes,needs,status\n\
               Hub,Lunch Club,Hot meals,free,LS8 2HH,TH,weekly,12:00,13:00,loneliness,running\n\
               Hub,,No name,maybe,nowhere,TH,weekly,12:00,11:00,flying,running\n\
               Hub,Closed Club,Gone,free,,,,,,loneliness,closed\n";
    let r = upload(bad.into()).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for problem in [
        "line 3: needs: &quot;flying&quot; is not one Linkwell knows",
        "line 3: name: Enter the name of the service",
        "line 3: cost: Select whether it is free",
        "line 3: postcode: Enter a real postcode",
        "line 3: closes: The finishing time must be after the starting time",
        "line 4: closed_reason: Enter why it has closed",
    ] {
        assert!(html.contains(problem), "{problem} in the page");
    }
    assert!(!html.contains("line 2:"), "line 2 is good");
    assert_eq!(
        app.db.services_page(&app.b.scope, &Default::default(), 0, 100).await.unwrap().1,
        before + 1,
        "nothing stored"
    );

    // The command line: export, and a sheet with an unknown column.
    let out = ok(&linkwell(&["export", "services", "--database", app.db_url(), "--org", "a"], None));
    assert_eq!(out, csv);
    let file = std::env::temp_dir().join(format!("sheet-{}.csv", uuid::Uuid::now_v7()));
    std::fs::write(&file, "organisation,name,description,colour\nHub,Tea,Tea and chat,blue\n").unwrap();
    let out = linkwell(&["import", "services", "--database", app.db_url(), "--org", "b", file.to_str().unwrap()], None);
    let _ = std::fs::remove_file(&file);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: unknown column \"colour\""));
}
