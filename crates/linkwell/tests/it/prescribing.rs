//! Social prescribing through the pages, on both engines: suggestions for a person by
//! need, free time, age and distance (each saying why), a paused group never offered, the
//! connection recorded and followed up from the caseload until "still attending at 6
//! weeks", shown in the plan and the discharge summary; and an unmet need recorded.

use linkwell_domain::identity::Role;
use linkwell_store::Engine;

use crate::support::{Client, location, spawn};

both_engines!(a_person_is_connected_and_followed_up);

async fn add_listing(
    lw: &Client,
    provider: &str,
    name: &str,
    postcode: &str,
    opens: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut fields = vec![
        ("provider_id", provider),
        ("name", name),
        ("description", "A friendly group."),
        ("cost", "free"),
        ("needs", "loneliness"),
        ("needs", "physical_activity"),
        ("activities", "walking"),
        ("postcode", postcode),
        ("schedules[0].repeat", "weekly"),
        ("schedules[0].day", "TU"),
        ("schedules[0].starts_day", "6"),
        ("schedules[0].starts_month", "1"),
        ("schedules[0].starts_year", "2026"),
        ("schedules[0].opens", opens),
        ("schedules[0].closes", if opens < "12:00" { "11:30" } else { "19:30" }),
    ];
    fields.extend_from_slice(extra);
    let r = lw.post_form("/directory/services", &fields).await;
    assert_eq!(r.status(), 303, "{name}");
    location(&r)
}

/// A date `days` ago as the three boxes of the NHS date input: (day, month, year).
fn date_days_ago(days: i64) -> (String, String, String) {
    let d = linkwell_app::today().checked_sub(jiff::Span::new().days(days)).unwrap();
    (d.day().to_string(), d.month().to_string(), d.year().to_string())
}

async fn a_person_is_connected_and_followed_up(engine: Engine) {
    let app = spawn(engine).await;
    let points = [("LS1 4AP", 53.7997, -1.5492), ("LS2 9JT", 53.8067, -1.5550), ("LS17 5AA", 53.8580, -1.5300)];
    crate::support::load_postcodes(&app.db, &points).await;
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let provider = app.a.provider.id.to_string();
    let near = add_listing(&lw, &provider, "Tuesday Walk", "LS2 9JT", "10:00", &[]).await;
    let paused = add_listing(&lw, &provider, "Woodhouse Strollers", "LS2 9JT", "10:30", &[]).await;
    add_listing(&lw, &provider, "Evening Walkers", "LS2 9JT", "18:00", &[]).await;
    add_listing(&lw, &provider, "Moortown Walkers", "LS17 5AA", "10:00", &[]).await;
    add_listing(&lw, &provider, "Over 80s Walk", "LS2 9JT", "10:00", &[("minimum_age", "80")]).await;
    add_listing(&lw, &provider, "Buggy Walk", "LS2 9JT", "10:00", &[("audiences", "new_parents")]).await;
    add_listing(&lw, &provider, "Men's Walk", "LS2 9JT", "10:00", &[("audiences", "men")]).await;
    add_listing(&lw, &provider, "Women's Walk", "LS2 9JT", "10:00", &[("audiences", "women")]).await;
    let v = app
        .db
        .service(&app.a.scope, paused.rsplit('/').next().unwrap().parse().unwrap())
        .await
        .unwrap()
        .version
        .to_string();
    assert_eq!(lw.post_form(&format!("{paused}/pause"), &[("version", &v)]).await.status(), 303);

    // Margaret (75, lonely, wants to be more active) is free on Tuesday mornings.
    let person = app.a.case.person;
    let version = app.db.person(&app.a.scope, person).await.unwrap().version.to_string();
    let r =
        lw.post_form(&format!("/people/{person}/free-times"), &[("version", &version), ("free", "tu-morning")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.db.person(&app.a.scope, person).await.unwrap().free_times.len(), 1);
    let page = lw.text(&format!("/people/{person}?miles=3")).await;
    let suggestions = page.split("id=\"suggestions\"").nth(1).unwrap();
    for reason in [
        ">Tuesday Walk</a>",
        "Helps with loneliness and isolation and physical activity",
        "Runs Tuesday morning, when they are free",
        "0.5 miles from their postcode",
    ] {
        assert!(suggestions.contains(reason), "{reason} in {suggestions}");
    }
    for not_offered in ["Woodhouse Strollers", "Moortown Walkers", "Over 80s Walk", "Buggy Walk", "Men's Walk"] {
        assert!(!suggestions.contains(not_offered), "{not_offered} is not suggested");
    }
    // For women, and she is one; at a time she is not free, later and without saying so.
    assert!(suggestions.contains("Only for women"), "{suggestions}");
    let (walk, evening) =
        (suggestions.find(">Tuesday Walk</a>").unwrap(), suggestions.find(">Evening Walkers</a>").unwrap());
    assert!(walk < evening, "{suggestions}");
    assert!(!suggestions[evening..].split("</li>\n</ul>").next().unwrap().contains("when they are free"));
    // Recorded as a new parent (a grandmother raising a baby), the buggy walk is hers too.
    let version = app.db.person(&app.a.scope, person).await.unwrap().version.to_string();
    let r = lw
        .post_form(
            &format!("/people/{person}/free-times"),
            &[("version", &version), ("free", "tu-morning"), ("circumstances", "new_parents")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = lw.text(&format!("/people/{person}?miles=3")).await;
    assert!(page.split("id=\"suggestions\"").nth(1).unwrap().contains(">Buggy Walk</a>"), "{page}");
    let recorded = app.db.person(&app.a.scope, person).await.unwrap().circumstances;
    assert_eq!(recorded, [linkwell_domain::directory::Audience::NewParents].into());
    // A circumstance that is not one is refused and changes nothing.
    let version = app.db.person(&app.a.scope, person).await.unwrap().version.to_string();
    let r = lw
        .post_form(&format!("/people/{person}/free-times"), &[("version", &version), ("circumstances", "women")])
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(app.db.person(&app.a.scope, person).await.unwrap().free_times.len(), 1);
    // A wider distance brings in Moortown (4.1 miles).
    assert!(lw.text(&format!("/people/{person}?miles=5")).await.contains(">Moortown Walkers</a>"));

    // Connect her: from the suggestion's link, accompanied three weeks ago.
    let referral = app.a.case.referral;
    let service = near.rsplit('/').next().unwrap().to_owned();
    assert!(suggestions.contains(&format!("/referrals/{referral}/prescriptions/new?service={service}")));
    let form = lw.text(&format!("/referrals/{referral}/prescriptions/new?service={service}")).await;
    assert!(form.contains("Tuesday Walk") && form.contains("Accompanied to the first session"));
    let bad = lw
        .post_form(
            &format!("/referrals/{referral}/prescriptions"),
            &[("service_id", &service), ("date_day", "1"), ("date_month", "1"), ("date_year", "2090")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("The date must be today or in the past")
            && html.contains("Select how you connected the person to it")
    );
    let paused_id = paused.rsplit('/').next().unwrap();
    let r = lw
        .post_form(&format!("/referrals/{referral}/prescriptions"), &[("service_id", paused_id), ("kind", "referred")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Woodhouse Strollers is paused at the moment: choose another service"));
    let (d, m, y) = date_days_ago(21);
    let r = lw
        .post_form(
            &format!("/referrals/{referral}/prescriptions"),
            &[
                ("service_id", &service),
                ("kind", "accompanied"),
                ("date_day", &d),
                ("date_month", &m),
                ("date_year", &y),
                ("notes", "Met Sue at the gates"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);

    // Its two-week follow-up is due: it shows on the caseload.
    let caseload = lw.text("/caseload").await;
    let due = caseload.split("Follow-ups due").nth(1).unwrap();
    assert!(due.contains("Tuesday Walk") && due.contains("Did they start?"), "{due}");
    assert!(!due.contains("Walk and Talk"), "the seeded one is not due for another week");
    let rx = app
        .db
        .prescriptions_for_referral(&app.a.scope, referral)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.service_name == "Tuesday Walk")
        .unwrap();
    let outcome = format!("/prescriptions/{}/outcome", rx.id);
    let r = lw.post_form(&outcome, &[("version", &rx.version.to_string()), ("outcome", "did_not_start")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Enter why they did not start"));
    let r = lw.post_form(&outcome, &[("version", &rx.version.to_string()), ("outcome", "started")]).await;
    assert_eq!(r.status(), 303);
    // Started: the next question is at six weeks, three weeks from now.
    assert!(!lw.text("/caseload").await.split("Follow-ups due").nth(1).unwrap().contains("Tuesday Walk"));
    let r = lw.post_form(&outcome, &[("version", &rx.version.to_string()), ("outcome", "service_closed")]).await;
    assert_eq!(r.status(), 409, "a stale form");
    // Three weeks in, "still attending at 6 weeks" would contradict the calendar.
    let r =
        lw.post_form(&outcome, &[("version", &(rx.version + 1).to_string()), ("outcome", "attending_6_weeks")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Six weeks have not passed since the person was connected to it"));
    let case = lw.text(&format!("/referrals/{referral}")).await;
    assert!(case.contains("Started going") && case.contains("Met Sue at the gates"), "{case}");
    assert!(
        lw.text(&format!("/referrals/{referral}/plan"))
            .await
            .contains("Tuesday Walk (accompanied to the first session")
    );

    // Nothing suitable for her bereavement: an unmet need, kept by district only.
    let r = lw
        .post_form(
            "/unmet-needs",
            &[
                ("referral_id", &referral.to_string()),
                ("need", "bereavement"),
                ("area", "LS1 4AP"),
                ("notes", "No group in walking distance"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let list = lw.text("/unmet-needs").await;
    assert!(list.contains("Bereavement") && list.contains(">LS1<") && list.contains("No group in walking distance"));
    let r = lw.post_form("/unmet-needs", &[("need", ""), ("area", "")]).await;
    assert_eq!(r.status(), 422);

    // The discharge summary for the practice names the connection and what came of it.
    let r = app.db.referral(&app.a.scope, referral).await.unwrap();
    let r = lw
        .post_form(
            &format!("/referrals/{referral}/discharge"),
            &[("version", &r.version.to_string()), ("reason", "goals_met"), ("summary", "Walking every week.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let text = lw.text(&format!("/referrals/{referral}/discharge-summary.txt")).await;
    let services = text.split("COMMUNITY SERVICES\n").nth(1).unwrap().split("\n\n").next().unwrap();
    let lines: Vec<&str> = services.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("- Tuesday Walk: accompanied to the first session, ")
            && lines[0].ends_with("; started going"),
        "{text}"
    );
    assert!(lines[1].starts_with("- Walk and Talk: signposted, ") && lines[1].ends_with("; not known yet"), "{text}");
}
