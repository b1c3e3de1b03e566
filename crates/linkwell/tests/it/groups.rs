//! Groups the team runs (issue 13, first part), on both engines: one of the team's own
//! listings run as a group from its page and through the API, with its sessions to come,
//! its facilitators and its settings; bad input named, a stale version refused.

use linkwell_domain::directory::{ProviderFields, ProviderInput, ScheduleFields, ServiceFields, ServiceInput};
use linkwell_domain::identity::Role;
use linkwell_store::{Actor, Engine};
use reqwest::Method as M;
use serde_json::json;

use crate::support::{TestApp, api_call, location, spawn};

both_engines!(a_listing_of_the_teams_own_is_run_as_a_group);

/// A weekly Walk and Talk run by the organisation's own team.
pub(crate) async fn walk_and_talk(app: &TestApp) -> String {
    let provider = ProviderFields {
        name: "Our social prescribing team".into(),
        kind: "own".into(),
        description: "The PCN's link workers".into(),
        ..Default::default()
    };
    let provider =
        app.db.create_provider(&app.a.scope, &Actor::system(), &ProviderInput::parse(&provider).unwrap()).await;
    let fields = ServiceFields {
        provider_id: provider.unwrap().id.to_string(),
        name: "Walk and Talk".into(),
        description: "A walk in the park, then a warm drink and a quiz.".into(),
        cost: "free".into(),
        needs: vec!["loneliness".into()],
        capacity: "30".into(),
        schedules: vec![ScheduleFields {
            repeat: "weekly".into(),
            day: "TU".into(),
            starts: linkwell_domain::time::DateEntry::Iso("2026-01-06".into()),
            opens: "10:00".into(),
            closes: "11:30".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let input = ServiceInput::parse(&fields, linkwell_app::today()).unwrap();
    app.db.create_service(&app.a.scope, &Actor::system(), &input, linkwell_app::today()).await.unwrap().id.to_string()
}

async fn a_listing_of_the_teams_own_is_run_as_a_group(engine: Engine) {
    let app = spawn(engine).await;
    let walk = walk_and_talk(&app).await;
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;

    // The team's own listing is offered; another organisation's listing is not.
    let page = coordinator.text("/groups").await;
    assert!(page.contains("Your team runs no groups here yet."), "{page}");
    assert!(page.contains(&format!("<option value=\"{walk}\"")), "{page}");
    assert!(!page.contains(&format!("<option value=\"{}\"", app.a.service.id)), "not the team's own");

    // A bad date is named, and nothing is made.
    let r = coordinator.post_form("/groups", &[("service_id", &walk), ("risk_review_due", "next spring")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("href=\"#risk_review_due\"") && html.contains("Enter the review date as a date, like 2027-03-31"),
        "{html}"
    );
    let other = app.a.service.id.to_string();
    let r = coordinator.post_form("/groups", &[("service_id", &other)]).await;
    assert_eq!(r.status(), 422, "another organisation's kind of listing");
    for bad in ["", "not-an-id", "00000000-0000-7000-8000-000000000000"] {
        let r = coordinator.post_form("/groups", &[("service_id", bad)]).await;
        assert_eq!(r.status(), 422, "{bad:?}");
        assert!(r.text().await.unwrap().contains("href=\"#service_id\""), "{bad:?}");
    }

    // Run as a group: its sessions for 13 weeks, every Tuesday.
    let r = coordinator
        .post_form(
            "/groups",
            &[("service_id", &walk), ("public_join", "on"), ("wet_weather", "St Edmund's church hall")],
        )
        .await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, format!("/groups/{walk}")));
    let page = coordinator.text(&format!("/groups/{walk}")).await;
    assert!(page.contains("The listing is now run as a group"), "{page}");
    let sessions = page.matches("Going ahead").count();
    assert!((13..=14).contains(&sessions), "{sessions} sessions: {page}");
    assert!(page.contains("10:00 to 11:30"), "{page}");
    assert!(page.contains("value=\"St Edmund&#39;s church hall\""), "{page}");
    let list = coordinator.text("/groups").await;
    assert!(list.contains(&format!("<a href=\"/groups/{walk}\">Walk and Talk</a>")), "{list}");
    assert!(!list.contains(&format!("<option value=\"{walk}\"")), "a group is not offered again");

    // Facilitators: people with the facilitator role.
    let facilitator = app.a.user(Role::Facilitator).clone();
    let worker = app.a.user(Role::LinkWorker).id.to_string();
    let r = coordinator
        .post_form(&format!("/groups/{walk}/facilitators"), &[("version", "1"), ("facilitators", &worker)])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#facilitators\""));
    let id = facilitator.id.to_string();
    let r = coordinator
        .post_form(&format!("/groups/{walk}/facilitators"), &[("version", "1"), ("facilitators", &id)])
        .await;
    assert_eq!(r.status(), 303);
    assert!(coordinator.text(&format!("/groups/{walk}")).await.contains(&facilitator.display_name));

    // Settings at the version read; the same version again is stale.
    let settings = [("version", "2"), ("what_to_bring", "Water and a coat"), ("risk_review_due", "2027-03-31")];
    let r = coordinator.post_form(&format!("/groups/{walk}"), &settings).await;
    assert_eq!(r.status(), 303);
    assert_eq!(coordinator.post_form(&format!("/groups/{walk}"), &settings).await.status(), 409);
    // A form sent back with an error keeps the version it was sent with, so fixing the
    // field and saving is still checked against what was read.
    let r = coordinator.post_form(&format!("/groups/{walk}"), &[("version", "2"), ("risk_review_due", "soon")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"version\" value=\"2\"") && !html.contains("name=\"version\" value=\"3\""), "{html}");
    assert_eq!(
        coordinator.post_form(&format!("/groups/{walk}"), &[("risk_review_due", "")]).await.status(),
        400,
        "no version"
    );

    // The same through the API.
    let (status, groups) = api_call(&app, M::GET, "/api/v1/groups", Role::LinkWorker, None).await;
    assert_eq!(status, 200, "{groups}");
    assert_eq!(groups[0]["service_id"], walk.as_str());
    assert_eq!((groups[0]["name"].as_str(), groups[0]["facilitators"].as_u64()), (Some("Walk and Talk"), Some(1)));
    assert!(groups[0]["next_session"]["starts_at"].as_str().is_some(), "{groups}");
    let (status, group) = api_call(&app, M::GET, &format!("/api/v1/groups/{walk}"), Role::LinkWorker, None).await;
    assert_eq!(status, 200, "{group}");
    assert_eq!((group["version"].as_i64(), group["what_to_bring"].as_str()), (Some(3), Some("Water and a coat")));
    // The settings form sent no tick: the public may no longer join.
    assert_eq!((group["public_join"].as_bool(), group["risk_review_due"].as_str()), (Some(false), Some("2027-03-31")));
    assert_eq!(group["sessions"].as_array().map(Vec::len), Some(sessions));
    assert_eq!(group["sessions"][0]["status"], "scheduled");
    assert_eq!(group["facilitators"][0]["user_id"], id.as_str());
    let body = json!({"version": 3, "public_join": true, "what_to_bring": "", "risk_assessment": "Uneven paths: walk at the slowest pace", "wet_weather": ""});
    let (status, changed) =
        api_call(&app, M::PUT, &format!("/api/v1/groups/{walk}"), Role::Coordinator, Some(body.clone())).await;
    assert_eq!(
        (status, changed["version"].as_i64(), changed["public_join"].as_bool()),
        (200, Some(4), Some(true)),
        "{changed}"
    );
    let (status, stale) =
        api_call(&app, M::PUT, &format!("/api/v1/groups/{walk}"), Role::Coordinator, Some(body)).await;
    assert_eq!(status, 409, "{stale}");
    let (status, none) = api_call(
        &app,
        M::PUT,
        &format!("/api/v1/groups/{walk}/facilitators"),
        Role::Coordinator,
        Some(json!({"version": 4, "facilitators": []})),
    )
    .await;
    assert_eq!((status, none["facilitators"].as_array().map(Vec::len)), (200, Some(0)), "{none}");
    for (body, field) in [
        (json!({"service_id": walk}), "service_id"),
        (json!({"service_id": "nope"}), "service_id"),
        (json!({"service_id": other}), "service_id"),
        (json!({"service_id": walk, "risk_review_due": "31/03/2027"}), "risk_review_due"),
    ] {
        let (status, problem) = api_call(&app, M::POST, "/api/v1/groups", Role::Coordinator, Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
}

both_engines!(people_join_three_ways_and_a_cancellation_reaches_each_member_once);

/// The link's secret in a message body.
fn link_in(body: &str) -> String {
    let at = body.find("/group-links/").expect("a link") + "/group-links/".len();
    body[at..].split(|c: char| c.is_whitespace() || c == '"').next().expect("a secret").to_owned()
}

/// An app whose organisation A sends email and texts to real peers on loopback, with its
/// directory published.
pub(crate) async fn with_messaging(engine: Engine) -> (TestApp, crate::peers::Peer, crate::peers::Peer) {
    use crate::peers::{sms_gateway, smtp};
    use std::time::Duration;

    let config = linkwell_web::Config {
        sign_in_burst: 1000,
        sign_in_replenish_seconds: 1,
        outbox_every: Duration::from_millis(100),
        allow_private_messaging_hosts: true,
        ..Default::default()
    };
    let app = crate::support::spawn_with(engine, config).await;
    let (mail, texts) = (smtp(0).await, sms_gateway(0).await);
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let html = admin.text("/admin/settings").await;
    let v = html.split("name=\"messaging_version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let (smtp_port, sms_url) = (mail.port.to_string(), format!("http://127.0.0.1:{}/send", texts.port));
    let settings = [
        ("messaging_version", v.as_str()),
        ("smtp_host", "127.0.0.1"),
        ("smtp_port", smtp_port.as_str()),
        ("smtp_security", "none"),
        ("smtp_from", "Riverside Wellbeing <wellbeing@a.example>"),
        ("sms_url", sms_url.as_str()),
        ("sms_api_key", "gateway-key"),
        ("sms_sender", "Riverside"),
        ("reminder_hours", "24"),
    ];
    assert_eq!(admin.post_form("/admin/settings/messaging", &settings).await.status(), 303);
    crate::support::switch_on(&app, linkwell_store::organisations::PublicSwitch::Directory).await;
    (app, mail, texts)
}

async fn people_join_three_ways_and_a_cancellation_reaches_each_member_once(engine: Engine) {
    use std::time::Duration;

    let (app, mail, texts) = with_messaging(engine).await;

    let walk = walk_and_talk(&app).await;
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let r = coordinator.post_form("/groups", &[("service_id", &walk), ("public_join", "on")]).await;
    assert_eq!(r.status(), 303);

    // 1. From the public directory: consent is needed; the same contact twice is one member,
    // and the page says the same either way.
    let public = app.client();
    let listing = format!("/community/a/services/{walk}");
    let page = public.text(&listing).await;
    assert!(page.contains("Join this group"), "{page}");
    let join = format!("{listing}/join");
    let r = public.post_form(&join, &[("first_name", "Pat"), ("email", "pat@people.example")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#consent_contact\""));
    let pat =
        [("first_name", "Pat"), ("last_name", "o'Neil"), ("email", "pat@people.example"), ("consent_contact", "on")];
    let first = public.post_form(&join, &pat).await.text().await.unwrap();
    let second = public.post_form(&join, &pat).await.text().await.unwrap();
    assert!(first.contains("Thank you for joining"), "{first}");
    assert_eq!(first.replace(char::is_whitespace, "").len(), second.replace(char::is_whitespace, "").len());

    // 2. Added by the team on the day, by text; and one who wants no messages.
    let group_page = format!("/groups/{walk}");
    let walk_in = [("first_name", "Sam"), ("phone", "07700 900333"), ("consent_contact", "on"), ("walk_in", "on")];
    let r = coordinator.post_form(&format!("{group_page}/members"), &walk_in).await;
    assert_eq!(r.status(), 303);
    let r = coordinator.post_form(&format!("{group_page}/members"), &[("first_name", "Quiet"), ("phone", "12")]).await;
    assert_eq!(r.status(), 422, "a bad number is named");
    assert!(r.text().await.unwrap().contains("href=\"#phone\""));
    let r = coordinator
        .post_form(&format!("{group_page}/members"), &[("first_name", "Quiet"), ("email", "q@people.example")])
        .await;
    assert_eq!(r.status(), 303);

    // 3. A social prescription to the group signs the person up.
    let rx = format!("/api/v1/referrals/{}/prescriptions", app.a.case.referral);
    let (status, body) =
        api_call(&app, M::POST, &rx, Role::LinkWorker, Some(json!({"service_id": walk, "kind": "referred"}))).await;
    assert_eq!(status, 201, "{body}");

    let (status, members) =
        api_call(&app, M::GET, &format!("/api/v1/groups/{walk}/members"), Role::LinkWorker, None).await;
    assert_eq!(status, 200, "{members}");
    let routes: Vec<(&str, &str)> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["first_name"].as_str().unwrap(), m["route"].as_str().unwrap()))
        .collect();
    assert_eq!(routes.len(), 4, "{members}");
    assert_eq!(routes[..3], [("Pat", "public"), ("Sam", "walk_in"), ("Quiet", "staff")]);
    assert_eq!(routes[3].1, "prescription");
    assert_eq!(members[0]["last_initial"], "O");
    let page = coordinator.text(&group_page).await;
    assert!(page.contains("Pat O.") && page.contains("4 members of 30 places"), "{page}");

    // Welcomes went to Pat (email) and Sam (text) with a link each.
    let mails = {
        for _ in 0..200 {
            if !mail.messages().is_empty() && !texts.messages().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Quoted-printable bodies break long lines with a soft `=` at the end.
        mail.messages().iter().map(|m| m.replace("=\n", "")).collect::<Vec<_>>()
    };
    let welcome = mails.iter().find(|m| m.contains("you are a member of Walk and Talk")).expect("Pat's welcome");
    assert!(texts.messages().iter().any(|m| m.contains("you are a member of Walk and Talk")), "{:?}", texts.messages());
    let (mails_before, texts_before) = (mail.messages().len(), texts.messages().len());

    // The next session is cancelled from its page: each member who agreed is told once.
    let (_, group) = api_call(&app, M::GET, &format!("/api/v1/groups/{walk}"), Role::Coordinator, None).await;
    let next = &group["sessions"][0];
    let session = format!("{group_page}/sessions/{}", next["id"].as_str().unwrap());
    let version = next["version"].to_string();
    let r = coordinator.post_form(&session, &[("version", &version), ("action", "cancel")]).await;
    assert_eq!(r.status(), 422, "a cancellation needs its reason");
    assert!(r.text().await.unwrap().contains("href=\"#reason\""));
    let cancel = [("version", version.as_str()), ("action", "cancel"), ("reason", "Storm warning")];
    let r = coordinator.post_form(&session, &cancel).await;
    assert_eq!(r.status(), 303);
    assert_eq!(coordinator.post_form(&session, &cancel).await.status(), 409, "sent twice, done once");
    let told = |m: &String| m.replace("=\n", "").contains("is cancelled (Storm warning)");
    for _ in 0..200 {
        if mail.messages().iter().filter(|m| told(m)).count() >= 1
            && texts.messages().iter().filter(|m| told(m)).count() >= 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cancelled_mails: Vec<String> = mail.messages()[mails_before..].iter().filter(|m| told(m)).cloned().collect();
    let cancelled_texts: Vec<String> = texts.messages()[texts_before..].iter().filter(|m| told(m)).cloned().collect();
    // Pat by email, Sam by text; Quiet agreed to nothing; the prescribed person by their
    // own preference and consent.
    let prescribed = &members[3];
    let (by_mail, by_text) = match (prescribed["consent_contact"].as_bool(), prescribed["channel"].as_str()) {
        (Some(true), Some("email")) => (2, 1),
        (Some(true), Some("sms")) => (1, 2),
        _ => (1, 1),
    };
    assert_eq!(
        (cancelled_mails.len(), cancelled_texts.len()),
        (by_mail, by_text),
        "{cancelled_mails:?} {cancelled_texts:?}"
    );
    let page = coordinator.text(&group_page).await;
    assert!(page.contains("Storm warning"), "{page}");
    // The group's public calendar follows the cancellation.
    let feed = public.get(&format!("{listing}/calendar.ics")).await;
    assert_eq!(feed.status(), 200);
    assert_eq!(feed.headers()["content-type"], "text/calendar; charset=utf-8");
    let ics = feed.text().await.unwrap();
    assert!(ics.contains("SUMMARY:Cancelled: Walk and Talk") && ics.contains("STATUS:CANCELLED"), "{ics}");
    assert!(ics.contains("DESCRIPTION:Storm warning"), "{ics}");
    assert!(ics.matches("BEGIN:VEVENT").count() >= 13, "{ics}");
    assert_eq!(public.get(&format!("/community/a/services/{}/calendar.ics", app.a.service.id)).await.status(), 404);

    // Pat leaves by the link in the welcome: once, without signing in.
    let link = format!("/group-links/{}", link_in(welcome));
    let page = public.text(&link).await;
    assert!(page.contains("Leave the group") && page.contains("Hello Pat"), "{page}");
    let r = public.post_form(&link, &[("action", "leave")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("You have left the group"));
    assert_eq!(public.post_form(&link, &[("action", "leave")]).await.status(), 200);
    assert_eq!(public.get("/group-links/gm_nothing").await.status(), 404);
    let (_, members) = api_call(&app, M::GET, &format!("/api/v1/groups/{walk}/members"), Role::LinkWorker, None).await;
    assert_eq!(members.as_array().map(Vec::len), Some(3), "{members}");
}

both_engines!(a_facilitator_takes_todays_register_once_and_sees_only_their_groups);

/// A session of `walk` today that began an hour ago (whatever day of the week it is).
pub(crate) async fn session_today(app: &TestApp, walk: &str) -> String {
    session_today_ending(app, walk, 1_800_000).await
}

/// A session of `walk` today that began an hour ago and ends `ends_in` ms from now.
pub(crate) async fn session_today_ending(app: &TestApp, walk: &str, ends_in: i64) -> String {
    let today = linkwell_app::today();
    let id = linkwell_domain::ids::GroupSessionId::new().to_string();
    let now = linkwell_store::now_ms();
    let org = app.a.scope.organisation_id();
    crate::support::exec(
        &app.db,
        &format!(
            "DELETE FROM group_sessions WHERE service_id = '{walk}' AND on_date = '{today}'; \
             INSERT INTO group_sessions (organisation_id, id, service_id, on_date, starts_at, ends_at, status, created_at, updated_at) \
             VALUES ('{org}', '{id}', '{walk}', '{today}', {}, {}, 'scheduled', {now}, {now})",
            now - 3_600_000,
            now + ends_in
        ),
    )
    .await;
    id
}

async fn a_facilitator_takes_todays_register_once_and_sees_only_their_groups(engine: Engine) {
    let app = spawn(engine).await;
    let walk = walk_and_talk(&app).await;
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    assert_eq!(coordinator.post_form("/groups", &[("service_id", &walk)]).await.status(), 303);
    let facilitator = app.a.user(Role::Facilitator).clone();
    let id = facilitator.id.to_string();
    let r = coordinator
        .post_form(&format!("/groups/{walk}/facilitators"), &[("version", "1"), ("facilitators", &id)])
        .await;
    assert_eq!(r.status(), 303);
    // Seven members, one with access needs and an emergency contact they agreed to show,
    // and the case's person by prescription.
    for n in 0..7 {
        let mut body =
            json!({"first_name": format!("Member{n}"), "last_name": "Khan", "email": format!("m{n}@people.example")});
        if n == 0 {
            body["access_needs"] = json!(true);
            body["emergency_contact"] = json!("Raj 07700 900001");
            body["consent_emergency"] = json!(true);
        }
        let (status, m) =
            api_call(&app, M::POST, &format!("/api/v1/groups/{walk}/members"), Role::Coordinator, Some(body)).await;
        assert_eq!(status, 201, "{m}");
    }
    let rx = format!("/api/v1/referrals/{}/prescriptions", app.a.case.referral);
    let (status, rx) =
        api_call(&app, M::POST, &rx, Role::LinkWorker, Some(json!({"service_id": walk, "kind": "referred"}))).await;
    assert_eq!(status, 201, "{rx}");
    let session = session_today(&app, &walk).await;

    // The facilitator's list and register: names as first name and initial, the access
    // flag and the consented emergency contact, and nothing of anyone's case.
    let f = app.signed_in(&facilitator.email).await;
    let list = f.text("/registers").await;
    assert!(list.contains(&format!("<a href=\"/registers/{session}\">Walk and Talk</a>, today")), "{list}");
    assert_eq!(f.get("/groups").await.status(), 403, "a facilitator does not run groups");
    let page = f.text(&format!("/registers/{session}")).await;
    assert!(page.len() < 50_000, "{} bytes", page.len());
    assert!(
        page.contains("Member0 K.") && page.contains("Access needs") && page.contains("Raj 07700 900001"),
        "{page}"
    );
    assert!(!page.contains("people.example") && !page.contains("Khan"), "no contact details or full names");
    let ids: Vec<String> = page
        .split("name=\"attended\" type=\"checkbox\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 8, "seven members and the prescribed person");
    let key = page.split("name=\"key\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();

    // Six ticked, the prescribed person among them, and a walk-in; sent twice.
    let (_, members) = api_call(&app, M::GET, &format!("/api/v1/groups/{walk}/members"), Role::Coordinator, None).await;
    let prescribed = members.as_array().unwrap().iter().find(|m| m["route"] == "prescription").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ticked: Vec<&str> = ids.iter().map(String::as_str).filter(|i| *i != prescribed).take(5).collect();
    ticked.push(&prescribed);
    let mut form: Vec<(&str, &str)> =
        vec![("key", &key), ("note", "Sunny"), ("walk_in_first_name", "Wendy"), ("walk_in_phone", "07700 900444")];
    form.extend(ticked.iter().map(|t| ("attended", *t)));
    let path = format!("/registers/{session}");
    let r = f.post_form(&path, &form).await;
    assert_eq!(r.status(), 303);
    let again = f.post_form(&path, &form).await;
    assert_eq!(again.status(), 303);
    assert!(f.text("/registers").await.contains("This register was saved already: 7 came"));
    let (_, register) = api_call(&app, M::GET, &format!("/api/v1/registers/{session}"), Role::Coordinator, None).await;
    let came = register["members"].as_array().unwrap().iter().filter(|m| m["attended"] == true).count();
    assert_eq!(came, 7, "{register}");
    assert_eq!(register["note"], "Sunny");
    let group = coordinator.text(&format!("/groups/{walk}")).await;
    assert!(group.contains("7 came (Sunny)"), "{group}");
    // The group's figures count it: nine signed up (seven, the prescribed person and the
    // walk-in), one session held with seven there, one in nine by prescription.
    let (status, figures) =
        api_call(&app, M::GET, &format!("/api/v1/groups/{walk}/figures"), Role::Coordinator, None).await;
    assert_eq!(status, 200, "{figures}");
    assert_eq!(
        (figures["signed_up"].as_u64(), figures["members"].as_u64(), figures["sessions_held"].as_u64()),
        (Some(9), Some(9), Some(1))
    );
    assert_eq!(figures["average_attendance"].as_f64(), Some(7.0));
    assert_eq!(figures["attendance_rate"].as_f64(), Some(7.0 / 9.0));
    assert_eq!(figures["prescribed_share"].as_f64(), Some(1.0 / 9.0));
    let csv = coordinator.text("/groups/figures.csv").await;
    assert!(
        csv.starts_with("group,signed_up,members,waiting,sessions_held") && csv.contains("Walk and Talk,9,9,0,1,"),
        "{csv}"
    );
    // The prescription's "did they start?" is answered from the register.
    let (_, answered) = api_call(
        &app,
        M::GET,
        &format!("/api/v1/prescriptions/{}", rx["id"].as_str().unwrap()),
        Role::LinkWorker,
        None,
    )
    .await;
    assert_eq!(answered["outcome"], "started", "{answered}");

    // Bad input is named and changes nothing; a walk-in needs a contact.
    let r = f.post_form(&path, &[("key", "<bad>"), ("attended", "not-an-id")]).await;
    assert_eq!(r.status(), 422);
    let r = f.post_form(&path, &[("key", &key), ("action", "walk_in"), ("walk_in_first_name", "Nobody")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#walk_in_email\""));

    // Another facilitator, not of this group, finds nothing; nor does another organisation.
    let other = crate::support::add_user(&app, Role::Facilitator, "other-facilitator@a.example").await;
    let o = app.signed_in(&other.email).await;
    assert_eq!(o.get(&path).await.status(), 404);
    assert!(!o.text("/registers").await.contains("Walk and Talk"));
    let token = app.token(&app.a, &other).await;
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/registers/{session}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let b = app.signed_in(&app.b.email(Role::Coordinator)).await;
    assert_eq!(b.get(&path).await.status(), 404);

    // Through the API with the facilitator's token, the same key records nothing again.
    let token = app.token(&app.a, &facilitator).await;
    let body = json!({"key": key, "attended": ticked, "note": "Sunny"});
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/registers/{session}")))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["recorded"], false, "{v}");
}

both_engines!(members_who_came_are_asked_how_it_was_once_and_a_withdrawn_story_leaves_every_page);

/// The secret after `path` in a message body.
fn secret_after(body: &str, path: &str) -> String {
    let at = body.find(path).unwrap_or_else(|| panic!("{path} in {body}")) + path.len();
    body[at..].split(|c: char| c.is_whitespace() || c == '"').next().expect("a secret").to_owned()
}

async fn members_who_came_are_asked_how_it_was_once_and_a_withdrawn_story_leaves_every_page(engine: Engine) {
    use std::time::Duration;

    let (app, mail, _texts) = with_messaging(engine).await;
    let walk = walk_and_talk(&app).await;
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    assert_eq!(coordinator.post_form("/groups", &[("service_id", &walk)]).await.status(), 303);
    let facilitator = app.a.user(Role::Facilitator).clone();
    let r = coordinator
        .post_form(
            &format!("/groups/{walk}/facilitators"),
            &[("version", "1"), ("facilitators", &facilitator.id.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mut ids = vec![];
    for (name, consent) in [("Ann", true), ("Bob", false)] {
        let body = json!({"first_name": name, "email": format!("{}@people.example", name.to_lowercase()), "consent_contact": consent});
        let (status, m) =
            api_call(&app, M::POST, &format!("/api/v1/groups/{walk}/members"), Role::Coordinator, Some(body)).await;
        assert_eq!(status, 201, "{m}");
        ids.push(m["id"].as_str().unwrap().to_owned());
    }
    // A session that ended ten minutes ago; its register saved twice.
    let session = session_today_ending(&app, &walk, -600_000).await;
    let f = app.signed_in(&facilitator.email).await;
    let path = format!("/registers/{session}");
    let page = f.text(&path).await;
    let key = page.split("name=\"key\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let form = [("key", key.as_str()), ("attended", ids[0].as_str()), ("attended", ids[1].as_str())];
    assert_eq!(f.post_form(&path, &form).await.status(), 303);
    assert_eq!(f.post_form(&path, &form).await.status(), 303);

    // Ann, who agreed to messages, is asked once; Bob is not asked at all.
    let asked = |m: &String| m.contains("How was Walk and Talk");
    for _ in 0..200 {
        if mail.messages().iter().any(asked) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let follow_ups: Vec<String> = mail.messages().iter().map(|m| m.replace("=\n", "")).filter(asked).collect();
    assert_eq!(follow_ups.len(), 1, "{follow_ups:?}");
    assert!(follow_ups[0].contains("ann@people.example"), "{}", follow_ups[0]);
    let feedback = format!("/group-feedback/{}", secret_after(&follow_ups[0], "/group-feedback/"));
    let own = format!("/group-links/{}", secret_after(&follow_ups[0], "/group-links/"));

    // The link works once, without signing in; a rating out of range is named.
    let public = app.client();
    let page = public.text(&feedback).await;
    assert!(page.contains("How was Walk and Talk?") && page.contains("name=\"rating\""), "{page}");
    let r = public.post_form(&feedback, &[("rating", "7")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#rating\""));
    let r = public.post_form(&feedback, &[("rating", "5"), ("comment", "Lovely, thank you")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Your feedback has been sent"));
    assert_eq!(public.post_form(&feedback, &[("rating", "1")]).await.status(), 409, "once only");
    assert!(public.text(&feedback).await.contains("given with this link already"));
    assert_eq!(public.get("/group-feedback/gf_never-made").await.status(), 404);

    // The facilitator records what someone said on the day, from the register.
    let r = f.post_form(&format!("{path}/feedback"), &[("rating", "")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#rating\""));
    let said = [("rating", "2"), ("comment", "Too cold"), ("key", key.as_str())];
    assert_eq!(f.post_form(&format!("{path}/feedback"), &said).await.status(), 303);
    assert_eq!(f.post_form(&format!("{path}/feedback"), &said).await.status(), 303, "sent twice, recorded once");
    let (status, summary) =
        api_call(&app, M::GET, &format!("/api/v1/groups/{walk}/feedback"), Role::Coordinator, None).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!((summary["count"].as_i64(), summary["average"].as_f64()), (Some(2), Some(3.5)));
    let sources: Vec<&str> =
        summary["newest"].as_array().unwrap().iter().map(|f| f["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["facilitator", "link"]);
    let group = coordinator.text(&format!("/groups/{walk}")).await;
    assert!(group.contains("2 ratings, 3.5 out of 5") && group.contains("Lovely, thank you"), "{group}");
    let token = app.token(&app.a, &facilitator).await;
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/groups/{walk}/feedback")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a facilitator reads no group's feedback");

    // Stories: none without consent; Ann's with her first name, Bob's for the team only.
    let stories = format!("/groups/{walk}/stories");
    let ann_story = "Tuesday is the day I plan my week around now.";
    let r =
        coordinator.post_form(&stories, &[("member", &ids[0]), ("story", ann_story), ("display", "first_name")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#consent\""));
    let ann_form = [("member", ids[0].as_str()), ("story", ann_story), ("display", "first_name"), ("consent", "on")];
    assert_eq!(coordinator.post_form(&stories, &ann_form).await.status(), 303);
    let body =
        json!({"member_id": ids[1], "story": "Only for the team's report.", "display": "not_shown", "consent": true});
    let (status, bob_story) =
        api_call(&app, M::POST, &format!("/api/v1/groups/{walk}/stories"), Role::Coordinator, Some(body)).await;
    assert_eq!(status, 201, "{bob_story}");
    let listing = format!("/community/a/services/{walk}");
    let page = public.text(&listing).await;
    assert!(page.contains("What members say") && page.contains(ann_story), "{page}");
    assert!(!page.contains("Only for the team"), "a story not to be shown is not");

    // Ann withdraws hers by the link in her message: it leaves every page and the API.
    let page = public.text(&own).await;
    assert!(page.contains("Your stories") && page.contains(ann_story), "{page}");
    let (_, listed) = api_call(&app, M::GET, &format!("/api/v1/groups/{walk}/stories"), Role::Coordinator, None).await;
    let ann_id = listed.as_array().unwrap().iter().find(|s| s["first_name"] == "Ann").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob_id = bob_story["id"].as_str().unwrap();
    let r = public.post_form(&own, &[("action", "withdraw_story"), ("story", bob_id)]).await;
    assert_eq!(r.status(), 404, "only her own");
    let r = public.post_form(&own, &[("action", "withdraw_story"), ("story", &ann_id)]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Your story is withdrawn"));
    assert!(!public.text(&listing).await.contains(ann_story));
    assert!(!coordinator.text(&format!("/groups/{walk}")).await.contains(ann_story));
    assert!(!public.text(&own).await.contains(ann_story));
    let (_, listed) = api_call(&app, M::GET, &format!("/api/v1/groups/{walk}/stories"), Role::Coordinator, None).await;
    let ann = listed.as_array().unwrap().iter().find(|s| s["id"] == ann_id.as_str()).unwrap();
    assert_eq!(ann["story"], "");
    assert!(ann["withdrawn_at"].is_string(), "{ann}");
    // The team withdraws Bob's for him; twice withdraws once.
    let withdraw = format!("/api/v1/groups/{walk}/stories/{bob_id}/withdraw");
    let (status, first) = api_call(&app, M::POST, &withdraw, Role::Coordinator, None).await;
    assert_eq!(status, 200, "{first}");
    let (_, second) = api_call(&app, M::POST, &withdraw, Role::Coordinator, None).await;
    assert_eq!((first["story"].as_str(), &second["withdrawn_at"]), (Some(""), &first["withdrawn_at"]));
    // Another organisation finds none of it.
    let token = app.token(&app.b, app.b.user(Role::Coordinator)).await;
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/groups/{walk}/stories")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

both_engines!(a_register_of_five_hundred_members_reaches_a_phone_in_under_50_kb);

/// A register for a group of 500 is about three times 50 kB of HTML; gzipped, as every
/// phone browser asks for it, it is well under.
async fn a_register_of_five_hundred_members_reaches_a_phone_in_under_50_kb(engine: Engine) {
    use linkwell_domain::groups::members::{JoinRoute, MemberChannel, NewMember};
    let app = spawn(engine).await;
    let walk = walk_and_talk(&app).await;
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    assert_eq!(coordinator.post_form("/groups", &[("service_id", &walk)]).await.status(), 303);
    let quiet = |_: &linkwell_store::group_members::Member, _: &linkwell_domain::identity::Secret| {
        linkwell_store::group_members::Notice { subject: String::new(), body: String::new(), purpose: "group_joined" }
    };
    // No limit on places, so all 500 are members.
    crate::support::exec(&app.db, &format!("UPDATE services SET capacity = NULL WHERE id = '{walk}'")).await;
    let service = walk.parse().unwrap();
    for n in 0..500 {
        let new = NewMember {
            first_name: format!("Member{n}"),
            last_initial: "K".into(),
            email: Some(format!("m{n}@people.example")),
            phone: None,
            channel: MemberChannel::Email,
            consent_contact: false,
            access_needs: n % 9 == 0,
            emergency_contact: (n % 5 == 0).then(|| "Next of kin on 07700 900123".into()),
        };
        let joining = linkwell_store::group_members::Joining {
            member: &new,
            route: JoinRoute::Staff,
            person: None,
            once_per_contact: false,
        };
        app.db.join_group(&app.a.scope, &Actor::system(), service, &joining, &quiet).await.unwrap();
    }
    let session = session_today(&app, &walk).await;
    let url = app.url(&format!("/registers/{session}"));
    let plain = coordinator.http.get(&url).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    let html = plain.text().await.unwrap();
    assert_eq!(html.matches("name=\"attended\"").count(), 500);
    assert!(html.len() > 50_000, "{} bytes: this test would show nothing", html.len());
    let zipped = coordinator.http.get(&url).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let sent = zipped.bytes().await.unwrap().len();
    assert!(sent < 50_000, "{sent} bytes sent of {} bytes", html.len());
    eprintln!("a register of 500 members: {} bytes of HTML, {sent} bytes sent gzipped", html.len());

    // The group's page lists its members a hundred at a time; a page past the last is the
    // last, and anything else the first.
    let page = coordinator.text(&format!("/groups/{walk}")).await;
    assert!(page.contains("500 members.") && page.contains("Members 1 to 100 are shown"), "{page}");
    assert_eq!(page.matches("/remove\"").count(), 100);
    assert!(page.contains(&format!("href=\"/groups/{walk}?members=2#members\"")) && !page.contains("Previous members"));
    for (asked, shown) in
        [("5", "401 to 500"), ("999999999999999999999", "1 to 100"), ("9999", "401 to 500"), ("x", "1 to 100")]
    {
        let page = coordinator.text(&format!("/groups/{walk}?members={asked}")).await;
        assert!(page.contains(&format!("Members {shown} are shown")), "{asked}: {page}");
    }
}
