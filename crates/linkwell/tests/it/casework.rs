//! The link worker's journey through the pages, on both engines: a referrer refers, a
//! coordinator triages, the link worker makes contact, books and holds sessions within
//! the programme's limit, agrees a plan and discharges; the referrer sees only the status.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;

use crate::support::{Client, TestApp, count, location, spawn};

both_engines!(
    the_whole_journey_through_the_pages,
    staff_see_possible_duplicates_before_creating_a_person,
    details_and_consents_change_with_who_and_when,
    the_plan_downloads_as_a_pdf_for_the_person
);

/// A version of the plan as a PDF: the plan as agreed, whose it is, a footer; only a version
/// that exists, and only for those who work the case.
async fn the_plan_downloads_as_a_pdf_for_the_person(engine: Engine) {
    let app = spawn(engine).await;
    let referral = app.a.case.referral;
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let plan = lw.text(&format!("/referrals/{referral}/plan")).await;
    let href = format!("/referrals/{referral}/plan/versions/1/pdf");
    assert!(plan.contains(&format!("href=\"{href}\"")) && plan.contains("Download as PDF"), "{plan}");
    let r = lw.get(&href).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"care-and-support-plan-version-1.pdf\"");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&bytes);
    for shown in [
        "(Personalised care and support plan) Tj",
        "(Margaret Oakes) Tj",
        "(What matters to me) Tj",
        "(Getting out again) Tj",
        "(My goals) Tj",
        "(No goals yet.) Tj",
    ] {
        assert!(text.contains(shown), "{shown} in {text}");
    }
    assert!(text.contains("(Version 1, agreed ") && text.contains("(Walk and Talk: signposted "), "{text}");
    // The footer has en dashes (WinAnsi 0x96), so it is written as a hex string.
    let footer: String = "Margaret Oakes \u{96} Personalised care and support plan \u{96} page 1 of 1"
        .chars()
        .map(|c| format!("{:02X}", u32::from(c)))
        .collect();
    assert!(text.contains(&format!("<{footer}> Tj")), "{text}");
    // No such version; another organisation's case; a role that does not work cases.
    assert_eq!(lw.get(&format!("/referrals/{referral}/plan/versions/2/pdf")).await.status(), 404);
    assert_eq!(lw.get(&format!("/referrals/{}/plan/versions/1/pdf", app.b.case.referral)).await.status(), 404);
    let referrer = app.signed_in(&app.a.email(Role::Referrer)).await;
    assert_eq!(referrer.get(&href).await.status(), 403);
    // A link worker whose case it is not: as if there were no such case.
    let lena = crate::support::add_user(&app, Role::LinkWorker, "lena@a.example").await;
    let other_worker = app.signed_in("lena@a.example").await;
    assert_eq!(other_worker.get(&href).await.status(), 404);
    // Hostile versions: too large for a number, negative, not a number.
    for version in ["99999999999999999999999", "-1", "one"] {
        let r = lw.get(&format!("/referrals/{referral}/plan/versions/{version}/pdf")).await;
        assert_eq!(r.status(), 404, "{version}");
    }

    // The API gives the same file to an integration, under the same rules.
    let api = format!("/api/v1{href}");
    let token = app.token(&app.a, app.a.user(Role::LinkWorker)).await;
    let r = reqwest::Client::new().get(app.url(&api)).bearer_auth(&token).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap()), (200, "application/pdf"));
    assert_eq!(r.bytes().await.unwrap(), bytes, "the page's file, byte for byte");
    let lena_token = app.token(&app.a, &lena).await;
    let r = reqwest::Client::new().get(app.url(&api)).bearer_auth(&lena_token).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/referrals/{referral}/plan/versions/7/pdf")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn details_and_consents_change_with_who_and_when(engine: Engine) {
    let app = spawn(engine).await;
    let person = app.a.case.person;
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let form = lw.text(&format!("/people/{person}/edit")).await;
    assert!(
        form.contains("value=\"Margaret\"") && form.contains("value=\"07700 900982\""),
        "the form holds the details"
    );
    let fields = vec![
        ("version", "1"),
        ("given_name", "Margaret"),
        ("family_name", "Oakes"),
        ("dob_day", "27"),
        ("dob_month", "3"),
        ("dob_year", "1951"),
        ("sex", "female"),
        ("postcode", "LS1 4AP"),
        ("phone", "07700 900555"),
        ("preferred_channel", "sms"),
        ("consent_contact", "true"),
        ("consent_share", "true"),
        ("consent_share_practice", "true"),
    ];
    let bad: Vec<_> = fields.iter().map(|(k, v)| if *k == "postcode" { (*k, "nowhere") } else { (*k, *v) }).collect();
    let r = lw.post_form(&format!("/people/{person}"), &bad).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Enter a real postcode, like LS1 4AP"));
    // A practice that is not the organisation's is named, not a server error.
    let elsewhere = app.b.practice.id.to_string();
    let mut foreign = fields.clone();
    foreign.push(("practice_id", &elsewhere));
    let r = lw.post_form(&format!("/people/{person}"), &foreign).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Select a practice from the list"));
    let r = lw.post_form(&format!("/people/{person}"), &fields).await;
    assert_eq!(r.status(), 303);
    let shown = lw.text(&format!("/people/{person}")).await;
    assert!(shown.contains("07700 900555") && shown.contains("share with community services: yes"));
    assert!(shown.contains("share a summary with their GP practice: yes"), "{shown}");
    assert!(shown.contains(&format!(" by {}", app.a.user(Role::LinkWorker).display_name)), "who recorded the consents");
    // The same form again is stale.
    let r = lw.post_form(&format!("/people/{person}"), &fields).await;
    assert_eq!(r.status(), 409);
    // Through the API: read (audited) and change with the version read.
    let token = app.token(&app.a, app.a.user(Role::LinkWorker)).await;
    let http = reqwest::Client::new();
    let got: serde_json::Value = http
        .get(app.url(&format!("/api/v1/people/{person}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((got["phone"].as_str(), got["version"].as_i64()), (Some("07700 900555"), Some(2)));
    let body = serde_json::json!({"version": 2, "person": {"given_name": "Margaret", "family_name": "Oakes", "date_of_birth": "1951-03-27", "sex": "female", "phone": "07700 900556", "preferred_channel": "phone", "consent_contact": true}});
    let mut foreign = body.clone();
    foreign["person"]["practice_id"] = serde_json::json!(elsewhere);
    let r =
        http.put(app.url(&format!("/api/v1/people/{person}"))).bearer_auth(&token).json(&foreign).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["errors"][0]["field"], "person.practice_id");
    let r =
        http.put(app.url(&format!("/api/v1/people/{person}"))).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let changed = r.json::<serde_json::Value>().await.unwrap();
    assert_eq!(
        (&changed["consent_share"], &changed["consent_share_practice"]),
        (&serde_json::json!(false), &serde_json::json!(false))
    );
    let r =
        http.put(app.url(&format!("/api/v1/people/{person}"))).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(
        count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE entity_type = 'person' AND action = 'record_changed'")
            .await
            >= 2
    );
}

/// The referral form's fields for a new person.
fn referral_form<'a>(given: &'a str, family: &'a str) -> Vec<(&'a str, &'a str)> {
    let extra = [
        ("sex", "male"),
        ("postcode", "ls6 2ab"),
        ("consent_contact", "true"),
        ("needs", "physical_activity"),
        ("urgency", "soon"),
        ("free_text", "Recently bereaved, rarely leaves the house."),
    ];
    let mut f = crate::support::referral_form(given, family, ("14", "2", "1948"), &extra);
    // The later fields win where a form names one twice (sex, urgency): drop the first.
    for name in ["sex", "urgency"] {
        if let Some(i) = f.iter().position(|(n, _)| *n == name) {
            f.remove(i);
        }
    }
    f
}

/// The id in a `/referrals/{id}` redirect.
fn referral_id(r: &reqwest::Response) -> String {
    let l = location(r);
    assert!(l.starts_with("/referrals/"), "expected a redirect to the referral, got {l:?}");
    l.trim_start_matches("/referrals/").to_owned()
}

/// The hidden `version` of the form posting to `action` on `html`.
fn version_in(html: &str, action: &str) -> String {
    let form = html.split(&format!("action=\"{action}\"")).nth(1).unwrap_or_else(|| panic!("no form for {action}"));
    form.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

async fn post_ok(c: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let r = c.post_form(path, fields).await;
    assert_eq!(r.status(), 303, "{path}: {}", r.text().await.unwrap());
    r
}

/// Book a session on `date` (d, m, y) at `time`, by telephone.
async fn book(c: &Client, referral: &str, (d, m, y): (&str, &str, &str), time: &str) -> reqwest::Response {
    c.post_form(
        &format!("/referrals/{referral}/sessions"),
        &[("day", d), ("month", m), ("year", y), ("time", time), ("mode", "telephone")],
    )
    .await
}

async fn the_whole_journey_through_the_pages(engine: Engine) {
    let app = spawn(engine).await;
    let referrer = app.signed_in(&app.a.email(Role::Referrer)).await;

    // Bad input names every field and changes nothing.
    let before = count(&app.db, "SELECT COUNT(*) FROM referrals").await;
    let r = referrer.post_form("/referrals", &[("nhs_number", "123"), ("needs", "astrology")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for message in [
        "NHS number must be 10 digits",
        "Enter the person&#39;s first name",
        "Enter the date of birth",
        "Select a need from the list",
        "Select who made the referral",
        "Confirm that the person agreed to be referred",
    ] {
        assert!(html.contains(message), "{message} in\n{html}");
    }
    assert!(html.contains("href=\"#given_name\""), "the error summary links to the field");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM referrals").await, before);

    // The referrer refers; the practice is theirs whatever the form says.
    let r = post_ok(&referrer, "/referrals", &referral_form("Albert", "Njoku")).await;
    let id = referral_id(&r);
    let status = referrer.text(&format!("/referrals/{id}")).await;
    assert!(status.contains("Referral for Albert Njoku") && status.contains("Riverside Surgery"));
    assert!(status.contains("waiting to be triaged"));
    assert!(!status.contains("Recently bereaved"), "referrers never see the notes");

    // The coordinator sees it on the waiting list and assigns it.
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let waiting = coordinator.text("/waiting-list").await;
    assert!(waiting.contains("Albert Njoku"));
    let case = coordinator.text(&format!("/referrals/{id}")).await;
    assert!(case.contains("Recently bereaved"), "the case page shows the referral's notes");
    let worker = app.a.user(Role::LinkWorker).id.to_string();
    let v = version_in(&case, &format!("/referrals/{id}/accept"));
    post_ok(&coordinator, &format!("/referrals/{id}/accept"), &[("version", &v), ("worker_id", &worker)]).await;
    // The same form again is stale: refused, nothing changed.
    let r = coordinator.post_form(&format!("/referrals/{id}/accept"), &[("version", &v), ("worker_id", &worker)]).await;
    assert_eq!(r.status(), 409);

    // The link worker: a failed contact attempt, then the initial session.
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let caseload = lw.text("/caseload").await;
    assert!(caseload.contains("Albert Njoku") && caseload.contains("Waiting for contact"));
    let case = lw.text(&format!("/referrals/{id}")).await;
    let v = version_in(&case, &format!("/referrals/{id}/contact"));
    post_ok(
        &lw,
        &format!("/referrals/{id}/contact"),
        &[("version", &v), ("contact_channel", "phone"), ("contact_outcome", "no_answer")],
    )
    .await;
    let case = lw.text(&format!("/referrals/{id}")).await;
    assert!(case.contains("1 failed contact attempt of 3"), "{case}");
    assert!(case.contains("Contact attempt failed (Phone call: No answer)"));

    // Booking: a time that does not exist is refused; an ambiguous one asks which.
    let r = book(&lw, &id, ("29", "3", "2026"), "01:30").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("does not exist: the clocks go forward"));
    let r = book(&lw, &id, ("25", "10", "2026"), "01:30").await;
    assert!(r.text().await.unwrap().contains("happens twice"));
    // Mondays from last week (the initial session has happened when its outcome is
    // recorded), in working hours.
    let first = crate::support::last_monday_at(10).to_zoned(linkwell_domain::time::london()).date();
    let day = |weeks: i64| {
        let d = first.checked_add(jiff::Span::new().weeks(weeks)).unwrap();
        (d.day().to_string(), d.month().to_string(), d.year().to_string())
    };
    let (d, m, y) = day(0);
    let r = book(&lw, &id, (&d, &m, &y), "14:00").await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = book(&lw, &id, (&d, &m, &y), "14:15").await;
    assert!(r.text().await.unwrap().contains("The link worker already has a session at that time"));
    let r = book(&lw, &id, (&d, &m, &y), "07:00").await;
    assert!(r.text().await.unwrap().contains("outside the link worker&#39;s working hours"));
    let case = lw.text(&format!("/referrals/{id}")).await;
    assert!(case.contains("Initial session, 45 minutes"), "{case}");
    let session = case.split("/sessions/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let r = lw
        .post_form(
            &format!("/sessions/{session}/outcome"),
            &[("version", "1"), ("outcome", "attended"), ("notes", "Talked about his allotment.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let case = lw.text(&format!("/referrals/{id}")).await;
    assert!(case.contains(">Active<"), "attending made the referral active");

    // What matters and a plan with two goals.
    let r = lw
        .post_form(
            &format!("/referrals/{id}/plan"),
            &[
                ("based_on", "0"),
                ("what_matters", "Getting back to the allotment and seeing people"),
                ("needs", "loneliness"),
                ("goals[0].text", "Join the Walk and Talk group"),
                ("goals[0].target_day", "31"),
                ("goals[0].target_month", "1"),
                ("goals[0].target_year", "2027"),
                ("goals[0].progress", "2"),
                ("goals[1].text", "Visit the allotment weekly"),
                ("goals[1].progress", "11"),
                ("goals[1].target_day", "31"),
                ("goals[1].target_month", "2"),
                ("goals[1].target_year", "2027"),
                ("next_review_day", "5"),
                ("next_review_month", "1"),
                ("next_review_year", "2027"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "progress 11 is refused");
    let refused = r.text().await.unwrap();
    assert!(refused.contains("Progress must be a whole number from 0 to 10"));
    // Dates in the three boxes, with the one message every form gives, linked to the day box.
    assert!(refused.contains("<a href=\"#goals[1].target\">Enter a real date, like 27 3 2027</a>"), "{refused}");
    assert!(refused.contains("id=\"goals[1].target\" name=\"goals[1].target_day\""), "{refused}");
    // "Add another goal" without JavaScript: the form again with a third goal, nothing saved.
    let plans_before = count(&app.db, "SELECT COUNT(*) FROM plan_versions").await;
    let r = lw
        .post_form(
            &format!("/referrals/{id}/plan"),
            &[
                ("based_on", "0"),
                ("what_matters", "Getting back to the allotment"),
                ("goals[0].text", "Join the Walk and Talk group"),
                ("goals[1].text", "Visit the allotment weekly"),
                ("add", "goal"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let more = r.text().await.unwrap();
    assert!(more.contains("name=\"goals[2].text\"") && !more.contains("name=\"goals[3].text\""), "{more}");
    assert!(more.contains("value=\"Visit the allotment weekly\"") && more.contains("Goal 3"), "{more}");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM plan_versions").await, plans_before, "nothing saved");
    let plan_fields = [
        ("based_on", "0"),
        ("what_matters", "Getting back to the allotment and seeing people"),
        ("needs", "loneliness"),
        ("goals[0].text", "Join the Walk and Talk group"),
        ("goals[0].target_day", "31"),
        ("goals[0].target_month", "1"),
        ("goals[0].target_year", "2027"),
        ("goals[0].progress", "2"),
        ("goals[1].text", "Visit the allotment weekly"),
        ("goals[1].progress", "4"),
        ("actions[0].who", "Sam"),
        ("actions[0].what", "Send the Walk and Talk details"),
        ("next_review_day", "5"),
        ("next_review_month", "1"),
        ("next_review_year", "2027"),
    ];
    post_ok(&lw, &format!("/referrals/{id}/plan"), &plan_fields).await;
    let plan = lw.text(&format!("/referrals/{id}/plan")).await;
    assert!(
        plan.contains("Join the Walk and Talk group") && plan.contains("4 out of 10") && plan.contains("5 Jan 2027")
    );
    // Saving from the same old version again conflicts instead of overwriting.
    let r = lw.post_form(&format!("/referrals/{id}/plan"), &plan_fields).await;
    assert_eq!(r.status(), 409);
    // Tools come from the organisation's list.
    let edit = lw.text(&format!("/referrals/{id}/plan/edit")).await;
    assert!(edit.contains("value=\"Five ways to wellbeing\""), "the list is offered");
    // The saved dates come back in their boxes, and one blank goal and action to add.
    assert!(edit.contains("name=\"next_review_day\" type=\"text\" value=\"5\""), "{edit}");
    assert!(edit.contains("name=\"goals[2].text\"") && edit.contains("name=\"actions[1].who\""), "{edit}");
    let mut with_tool = plan_fields.to_vec();
    with_tool[0] = ("based_on", "1");
    with_tool.push(("tools", "Crystal healing"));
    let r = lw.post_form(&format!("/referrals/{id}/plan"), &with_tool).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not on it: Crystal healing"));
    with_tool.pop();
    with_tool.push(("tools", "Five ways to wellbeing"));
    post_ok(&lw, &format!("/referrals/{id}/plan"), &with_tool).await;
    let plan = lw.text(&format!("/referrals/{id}/plan")).await;
    assert!(plan.contains("Version 2") && plan.contains("<li>Five ways to wellbeing</li>"), "{plan}");

    // Five follow-ups, then a sixth is refused with the reason.
    for week in 1..=5 {
        let (d, m, y) = day(week);
        let r = book(&lw, &id, (&d, &m, &y), "11:00").await;
        assert_eq!(r.status(), 303, "follow-up {week}: {}", r.text().await.unwrap());
    }
    let (d, m, y) = day(6);
    let r = book(&lw, &id, (&d, &m, &y), "11:00").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("This person has had all 5 follow-up sessions the programme allows"));

    // Discharge, and the summary for the practice.
    let case = lw.text(&format!("/referrals/{id}")).await;
    assert!(!case.contains(&format!("/referrals/{id}/extend")), "only coordinators extend the limit");
    let form = lw.text(&format!("/referrals/{id}/discharge")).await;
    assert!(form.contains("Discharging cancels the sessions still booked, and their reminders"), "{form}");
    let v = version_in(&form, &format!("/referrals/{id}/discharge"));
    let r = lw.post_form(&format!("/referrals/{id}/discharge"), &[("version", &v), ("reason", "goals_met")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Enter a summary for the practice"));
    post_ok(
        &lw,
        &format!("/referrals/{id}/discharge"),
        &[("version", &v), ("reason", "goals_met"), ("summary", "Walks with the group every Tuesday.")],
    )
    .await;
    let summary = lw.text(&format!("/referrals/{id}/discharge-summary")).await;
    assert!(summary.contains("871731000000106") && summary.contains("1 attended, 0 did not attend"));
    let doc = lw.get(&format!("/referrals/{id}/discharge-summary.txt")).await;
    assert!(doc.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let doc = doc.text().await.unwrap();
    assert!(
        doc.contains("Patient: Albert Njoku")
            && doc.contains("Reason: Goals met")
            && doc.contains("- Join the Walk and Talk group: progress 2/10")
    );

    // The referrer sees "Discharged" and nothing else of the case.
    let status = referrer.text(&format!("/referrals/{id}")).await;
    assert!(
        status.contains(">Discharged<") && !status.contains("Walks with the group") && !status.contains("allotment")
    );
    assert_eq!(referrer.get(&format!("/referrals/{id}/plan")).await.status(), 403);
    // The practice reads the discharge summary: without consent to share, codes and dates only.
    let summary = referrer.text(&format!("/referrals/{id}/discharge-summary")).await;
    assert!(summary.contains("codes, dates and outcomes only") && !summary.contains("allotment"), "{summary}");

    // Every read of the record is in the audit trail, and the other organisation finds nothing.
    let views = count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'record_viewed'").await;
    assert!(views >= 10, "{views} reads audited");
    let other = app.signed_in(&app.b.email(Role::Coordinator)).await;
    assert_eq!(other.get(&format!("/referrals/{id}")).await.status(), 404);
    // Another link worker of the same organisation may not open it: to them it is not there.
    let colleague = another_link_worker(&app).await;
    assert_eq!(colleague.get(&format!("/referrals/{id}")).await.status(), 404);
}

async fn another_link_worker(app: &TestApp) -> Client {
    crate::support::add_user(app, Role::LinkWorker, "colleague@a.example").await;
    app.signed_in("colleague@a.example").await
}

async fn staff_see_possible_duplicates_before_creating_a_person(engine: Engine) {
    let app = spawn(engine).await;
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let mut form = referral_form("Albert", "Njoku");
    form.push(("practice_id", ""));
    let first = referral_id(&post_ok(&coordinator, "/referrals", &form).await);
    let people = count(&app.db, "SELECT COUNT(*) FROM people").await;

    // The same person again, misspelt: nothing is created until the coordinator chooses.
    let mut again = referral_form("Albert", "Njokku");
    let r = coordinator.post_form("/referrals", &again).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("This person might already be known to the service")
            && html.contains("Albert Njoku, born 14 Feb 1948")
    );
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM people").await, people);
    let existing =
        html.split("name=\"duplicate\" type=\"radio\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    again.push(("duplicate", &existing));
    let second = referral_id(&post_ok(&coordinator, "/referrals", &again).await);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM people").await, people, "added to the existing record");
    let person = coordinator.text(&format!("/people/{existing}")).await;
    assert!(person.contains(&format!("/referrals/{first}")) && person.contains(&format!("/referrals/{second}")));

    // A referrer cannot see other people's records, so the coordinator merges at triage.
    let referrer = app.signed_in(&app.a.email(Role::Referrer)).await;
    let third = referral_id(&post_ok(&referrer, "/referrals", &referral_form("Bert", "Njoku")).await);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM people").await, people + 1);
    let case = coordinator.text(&format!("/referrals/{third}")).await;
    assert!(case.contains("This person might already be known to the service"), "{case}");
    let duplicate = case.split("action=\"/people/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let v = case
        .split(&format!("action=\"/people/{duplicate}/merge\""))
        .nth(1)
        .unwrap()
        .split("name=\"version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = coordinator
        .post_form(
            &format!("/people/{duplicate}/merge"),
            &[("version", &v), ("into", &existing), ("back", &format!("/referrals/{third}"))],
        )
        .await;
    assert_eq!(location(&r), format!("/referrals/{third}"));
    let person = coordinator.text(&format!("/people/{existing}")).await;
    assert!(person.contains(&format!("/referrals/{third}")), "the referral moved to the kept record");
    let caseload_people = count(&app.db, "SELECT COUNT(DISTINCT person_id) FROM referrals WHERE organisation_id IN (SELECT id FROM organisations WHERE slug = 'a')").await;
    assert_eq!(caseload_people, 2, "the seeded person and Albert, counted once");
}
