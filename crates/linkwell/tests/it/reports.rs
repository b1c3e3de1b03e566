//! Reports (issue 14) on both engines, over a small fixed data set whose figures were
//! worked out independently (NumPy 2 and SciPy 1.17, `scripts` in the comments): ten
//! people seen once and scored on SWEMWBS at baseline and discharge, three more referred
//! by themselves. The team sees every count; a commissioner sees small numbers hidden with
//! a partner, downloads the same as CSV and XLSX, and every view is audited.

use linkwell_domain::identity::Role;
use linkwell_domain::outcomes::instruments::Instrument;
use linkwell_domain::outcomes::questionnaire::Questionnaire;
use linkwell_domain::outcomes::responses::{NewResponse, ResponseFields};
use linkwell_domain::sessions::{SessionKind, SessionMode};
use linkwell_store::sessions::NewSession;
use linkwell_store::{Actor, Engine};
use reqwest::Method as M;
use serde_json::Value;

use crate::support::{Stage, api_call, count, exec, last_monday_at, problem_fields, spawn};

both_engines!(reports_give_the_figures_worked_out_independently_and_hide_small_numbers_from_commissioners);

/// SWEMWBS answers adding up to `raw` (7–35): every item 2, then ones added in turn.
fn swemwbs(raw: u8, timepoint: &str, on: jiff::civil::Date) -> NewResponse {
    let mut items = [2u8; 7];
    let mut left = i32::from(raw) - 14;
    let mut i = 0;
    while left != 0 {
        let step: i8 = if left > 0 { 1 } else { -1 };
        items[i % 7] = (items[i % 7] as i8 + step) as u8;
        left -= i32::from(step);
        i += 1;
    }
    let fields = ResponseFields {
        instrument: "swemwbs".into(),
        timepoint: timepoint.into(),
        answered_on: on.to_string(),
        answers: items.iter().map(|a| a.to_string()).collect(),
        version: String::new(),
    };
    let swemwbs = Questionnaire::BuiltIn(Instrument::Swemwbs);
    NewResponse::parse(Some(&swemwbs), &fields, linkwell_app::today()).expect("answers on the scale")
}

fn cell<'a>(report: &'a Value, key: &str, row: &str) -> &'a Value {
    let tables = report["counts"].as_array().unwrap().iter().chain(report["statistics"].as_array().unwrap());
    let table = tables.clone().find(|t| t["key"] == key).unwrap_or_else(|| panic!("no table {key}: {report}"));
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == row)
        .unwrap_or_else(|| panic!("no {row} in {table}"))
}

fn headline<'a>(report: &'a Value, label: &str) -> &'a Value {
    &report["headlines"].as_array().unwrap().iter().find(|h| h["label"] == label).unwrap()["value"]
}

async fn reports_give_the_figures_worked_out_independently_and_hide_small_numbers_from_commissioners(engine: Engine) {
    let app = spawn(engine).await;
    let (db, scope) = (&app.db, &app.a.scope);
    // The fixture's own cases arrived long before the period.
    exec(db, "UPDATE referrals SET received_at = 0").await;
    exec(db, "UPDATE sessions SET starts_at = 0, ends_at = 2700000").await;
    let today = linkwell_app::today();
    // Baseline raw scores and the rise to discharge: paired metric differences 2.66, 1.59,
    // 2.23, 0.52, 3.41, 1.07, 3.93, 2.14, 2.89, -0.57 (no ties, so the exact test).
    let base = [14u8, 15, 16, 14, 15, 16, 14, 15, 16, 14];
    let rise = [5i8, 3, 4, 1, 6, 2, 7, 4, 5, -1];
    for i in 0..10 {
        let person = app.a.person(db, &format!("Person{i}"), "Reported").await;
        let case = app.a.referral(db, person, Stage::Active).await;
        let new = NewSession {
            referral_id: case,
            worker_id: app.a.user(Role::LinkWorker).id,
            kind: SessionKind::Initial,
            mode: SessionMode::Telephone,
            room_id: None,
            starts: last_monday_at(9) + jiff::SignedDuration::from_mins(45 * i),
            reminder: None,
        };
        let s = db.book_session(scope, &Actor::system(), &new).await.unwrap();
        // Referred i + 1 days before the session, which they came to.
        let received = s.starts_at - (i + 1) * 86_400_000;
        exec(db, &format!("UPDATE referrals SET received_at = {received} WHERE id = '{case}'")).await;
        exec(db, &format!("UPDATE sessions SET status = 'attended' WHERE id = '{}'", s.id)).await;
        let day = linkwell_domain::time::london_date(s.starts_at);
        let before = swemwbs(base[i as usize], "baseline", day);
        let after = swemwbs((base[i as usize] as i8 + rise[i as usize]) as u8, "discharge", today);
        db.record_questionnaire(scope, &Actor::system(), person, case, Some(s.id), &before, None).await.unwrap();
        db.record_questionnaire(scope, &Actor::system(), person, case, None, &after, None).await.unwrap();
        // Four GP appointments in the three months before, two at discharge; nine of ten
        // found the service good or very good.
        for (instrument, timepoint, answer) in [
            ("gp_appointments", "baseline", "4"),
            ("gp_appointments", "discharge", "2"),
            ("fft", "discharge", if i == 0 { "3" } else { "1" }),
        ] {
            let fields = ResponseFields {
                instrument: instrument.into(),
                timepoint: timepoint.into(),
                answered_on: if timepoint == "baseline" { day.to_string() } else { today.to_string() },
                answers: vec![answer.into()],
                version: String::new(),
            };
            let q = Questionnaire::BuiltIn(Instrument::parse(instrument).unwrap());
            let r = NewResponse::parse(Some(&q), &fields, today).unwrap();
            db.record_questionnaire(scope, &Actor::system(), person, case, None, &r, None).await.unwrap();
        }
    }
    // The team runs Walk and Talk: yesterday's session had five.
    let settings = linkwell_domain::groups::GroupSettings::parse(&Default::default()).unwrap();
    db.create_group(scope, &Actor::system(), app.a.service.id, &settings).await.unwrap();
    linkwell_app::groups::keep_sessions(db, scope, &Actor::system(), &app.a.service, today, jiff::Timestamp::now())
        .await
        .unwrap();
    let yesterday = today.yesterday().unwrap();
    exec(db, &format!("UPDATE group_sessions SET on_date = '{yesterday}', came = 5, register_taken_at = 1 WHERE id = (SELECT MIN(id) FROM group_sessions)")).await;
    // Two people's need nobody met, in the same place.
    let lw = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    for _ in 0..2 {
        let fields = [
            ("referral_id", app.a.case.referral.to_string()),
            ("need", "loneliness".into()),
            ("area", "ls8".into()),
            ("notes", "Nothing near her".into()),
        ];
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(lw.post_form("/unmet-needs", &refs).await.status(), 303);
    }
    // Three more, who referred themselves and have not been seen yet.
    for i in 0..3 {
        let person = app.a.person(db, &format!("Self{i}"), "Reported").await;
        let case = app.a.referral(db, person, Stage::Accepted).await;
        exec(db, &format!("UPDATE referrals SET source = 'self' WHERE id = '{case}'")).await;
    }
    // Whole months, as a commissioner's report must be.
    let period =
        format!("from={}&to={}", (today - jiff::Span::new().days(300)).first_of_month(), today.last_of_month());

    // The team: every count as it is.
    let (status, body) = api_call(&app, M::GET, &format!("/api/v1/reports?{period}"), Role::Coordinator, None).await;
    assert_eq!(status, 200, "{body}");
    let r = &body["report"];
    assert_eq!(r["suppressed"], false);
    assert_eq!(headline(r, "People supported (came to a session)"), 10);
    assert_eq!(headline(r, "Referrals received"), 13);
    assert_eq!(headline(r, "Sessions attended"), 10);
    assert_eq!(headline(r, "Did-not-attend rate (%)"), 0.0);
    assert_eq!(cell(r, "referrals_by_source", "GP")["cells"], serde_json::json!([10]));
    assert_eq!(cell(r, "referrals_by_source", "Self-referral")["cells"], serde_json::json!([3]));
    assert_eq!(cell(r, "referrals_by_need", "Loneliness and isolation")["cells"], serde_json::json!([13]));
    assert_eq!(cell(r, "sessions", "Initial session, telephone")["cells"], serde_json::json!([10, 0, 0, 0, 0]));
    // numpy.percentile(range(1, 11), [50, 90]) == [5.5, 9.1]
    let waits = cell(r, "waits", "Referral to first session");
    assert_eq!((&waits["n"], &waits["values"]), (&Value::from(10), &serde_json::json!([5.5, 9.1])));
    assert_eq!(cell(r, "waits", "Referral to first contact")["values"], serde_json::json!([5.5, 9.1]));
    // d.mean() 1.987; the t interval (1.008479, 2.965521); 2 of 10 up by 3 or more;
    // scipy.stats.wilcoxon(d).pvalue == 0.005859375 (exact).
    let swemwbs_row = format!("SWEMWBS metric score ({})", Instrument::Swemwbs.code().to_uppercase());
    let change = cell(r, "outcomes", &swemwbs_row);
    assert_eq!(change["n"], 10);
    assert_eq!(change["values"], serde_json::json!([1.99, 1.01, 2.97, 20.0, 3.0, 0.0059]), "{change}");
    assert_eq!(cell(r, "outcomes_by_need", "SWEMWBS metric score: Loneliness and isolation")["n"], 10);
    assert_eq!(cell(r, "outcomes_by_practice", "SWEMWBS metric score: Riverside Surgery")["n"], 10);
    let gp = cell(r, "gp_appointments", "GP appointments in 3 months");
    assert_eq!(
        (&gp["n"], &gp["values"][0], &gp["values"][1], &gp["values"][2]),
        (&Value::from(10), &Value::from(4.0), &Value::from(2.0), &Value::from(-2.0))
    );
    assert_eq!(headline(r, "Friends and Family Test: positive (%)"), 90.0);
    assert_eq!(cell(r, "unmet_needs", "Loneliness and isolation, LS8")["cells"], serde_json::json!([2]));
    assert_eq!(
        cell(r, "connections_by_kind", "Signposted (gave them the details)")["cells"],
        serde_json::json!([1, 0, 0, 0, 0, 1])
    );
    assert!(!body.to_string().contains("Nothing near her"), "notes never reach a report");
    assert_eq!(cell(r, "groups", "Walk and Talk")["cells"], serde_json::json!([0, 1, 5]));
    let quarters = r["counts"].as_array().unwrap().iter().find(|t| t["key"] == "quarters").expect("by quarter");
    let attended: u64 = quarters["rows"].as_array().unwrap().iter().map(|q| q["cells"][2].as_u64().unwrap()).sum();
    assert_eq!((quarters["rows"].as_array().unwrap().len() >= 4, attended), (true, 10), "{quarters}");

    // The minimum dataset extract: a row a referral received in the period, pseudonymised,
    // with each measure's baseline and latest; the team's alone, and audited.
    let dataset = format!("/api/v1/reports/dataset.csv?{period}");
    let token = app.token(&app.a, app.a.user(Role::Coordinator)).await;
    let r = reqwest::Client::new().get(app.url(&dataset)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"linkwell-dataset-")
    );
    let csv = r.text().await.unwrap();
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let col = |name: &str| lines[0].iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name}"));
    assert_eq!(lines.len(), 1 + 13, "{csv}");
    assert!(
        !csv.contains("Reported") && !csv.contains("Person0") && !csv.contains(app.a.practice.name.as_str()),
        "no names"
    );
    let (b, l) = (col("swemwbs_baseline"), col("swemwbs_latest"));
    let mut pairs: Vec<(&str, &str)> =
        lines[1..].iter().map(|row| (row[b], row[l])).filter(|p| !p.0.is_empty()).collect();
    pairs.sort_unstable();
    // Raw 14 to 19, 14 to 15, 14 to 21 and 14 to 13, …: the official table's metric scores.
    assert_eq!(pairs.len(), 10);
    assert!(pairs.contains(&("15.32", "17.98")) && pairs.contains(&("15.32", "14.75")), "{pairs:?}");
    let seen = lines[1..]
        .iter()
        .filter(|row| row[col("sessions_attended")] == "1" && !row[col("first_session_date")].is_empty());
    assert_eq!(seen.count(), 10);
    let gp: Vec<(&str, &str)> = lines[1..]
        .iter()
        .map(|row| (row[col("gp_appointments_baseline")], row[col("gp_appointments_latest")]))
        .collect();
    assert_eq!(gp.iter().filter(|p| **p == ("4", "2")).count(), 10);
    assert_eq!(lines[1..].iter().filter(|row| row[col("referral_source")] == "self").count(), 3);
    assert!(
        lines[1..]
            .iter()
            .all(|row| row[col("person_pseudonym")].len() == 16
                && row[col("gp_practice_code")] == app.a.practice.ods_code)
    );
    assert_eq!(
        api_call(&app, M::GET, &dataset, Role::Commissioner, None).await.0,
        403,
        "person-level: never a commissioner's"
    );
    let extracts = "SELECT COUNT(*) FROM audit_log WHERE action = 'report_viewed' AND detail LIKE 'dataset.csv %'";
    assert_eq!(count(db, extracts).await, 1);

    // A commissioner: the three self-referrals are hidden, and so is the GP count that
    // would give them away from the total.
    let (status, body) = api_call(&app, M::GET, &format!("/api/v1/reports?{period}"), Role::Commissioner, None).await;
    assert_eq!(status, 200, "{body}");
    let r = &body["report"];
    assert_eq!(r["suppressed"], true);
    assert_eq!(cell(r, "referrals_by_source", "Self-referral")["cells"], serde_json::json!(["*"]));
    assert_eq!(cell(r, "referrals_by_source", "GP")["cells"], serde_json::json!(["*"]));
    let by_source = r["counts"].as_array().unwrap().iter().find(|t| t["key"] == "referrals_by_source").unwrap();
    assert_eq!(by_source["totals"], serde_json::json!([15]), "13 to the nearest 5");
    assert_eq!(headline(r, "Referrals received"), 15);
    // Ten pairs are enough to show, more coarsely: the mean to a tenth; 2 of 10 improving
    // is a count of 1 to 7, so its share is hidden.
    assert_eq!(cell(r, "outcomes", &swemwbs_row)["values"], serde_json::json!([2.0, 1.0, 3.0, "*", 3.0, 0.0059]));
    assert_eq!(cell(r, "unmet_needs", "Loneliness and isolation, LS8")["cells"], serde_json::json!(["*"]));

    // The same on the page and in the downloads, each audited.
    let views = "SELECT COUNT(*) FROM audit_log WHERE action = 'report_viewed'";
    let before = count(db, views).await;
    let commissioner = app.signed_in(&app.a.email(Role::Commissioner)).await;
    let page = commissioner.text(&format!("/reports?{period}")).await;
    assert!(page.contains("Small numbers are suppressed") && page.contains("<svg"), "{page}");
    let csv = commissioner.get(&format!("/reports/export.csv?{period}")).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("Referrals received by source\nSource,Referrals\nGP,*\nSelf-referral,*\nTotal,15\n"), "{csv}");
    let xlsx = commissioner.get(&format!("/reports/export.xlsx?{period}")).await;
    assert!(xlsx.headers()["content-disposition"].to_str().unwrap().ends_with(".xlsx\""));
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK\x03\x04"), "a zip: the workbook");
    assert_eq!(count(db, views).await, before + 3);
    // The API gives the same files.
    let token = app.token(&app.a, app.a.user(Role::Commissioner)).await;
    let csv = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/reports/export.csv?{period}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.text().await.unwrap().contains("Self-referral,*\n"));
    let xlsx = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/reports/export.xlsx?{period}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
    assert_eq!(count(db, views).await, before + 5);
    // A commissioner's periods are whole months, for every link worker.
    let (status, p) = api_call(
        &app,
        M::GET,
        &format!("/api/v1/reports?from=2026-04-02&to=2026-05-30&worker={}", app.a.user(Role::LinkWorker).id),
        Role::Commissioner,
        None,
    )
    .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["from", "to", "worker"]));
    // Bad filters are named, and a commissioner never opens a person.
    let (status, p) =
        api_call(&app, M::GET, "/api/v1/reports?from=31/12/2026&practice=nope", Role::Coordinator, None).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["from", "practice"]));
    assert_eq!(commissioner.get(&format!("/people/{}", app.a.case.person)).await.status(), 403);

    // The team agrees a meaningful change of 2 for SWEMWBS with its commissioner: 6 of the
    // 10 differences are 2 or more. A wrong threshold is named and changes nothing.
    let (status, p) = api_call(
        &app,
        M::PUT,
        "/api/v1/questionnaires/thresholds",
        Role::Coordinator,
        Some(serde_json::json!({"thresholds": {"swemwbs": 0, "anxiety": 11, "fft_positive": 1}})),
    )
    .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["anxiety", "fft_positive", "swemwbs"]), "{p}");
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let form = coordinator.text("/questionnaires/thresholds").await;
    assert!(form.contains("SWEMWBS metric score (Short Warwick-Edinburgh") && form.contains("Published: 3."), "{form}");
    let typed = [("swemwbs", "2"), ("ucla3", "")];
    let page = coordinator.post_form("/questionnaires/thresholds", &[("swemwbs", "two"), ("ucla3", "")]).await;
    assert_eq!(page.status(), 422);
    assert!(page.text().await.unwrap().contains("Enter the meaningful change for SWEMWBS metric score as a number"));
    assert_eq!(coordinator.post_form("/questionnaires/thresholds", &typed).await.status(), 303);
    let (_, body) = api_call(&app, M::GET, &format!("/api/v1/reports?{period}"), Role::Coordinator, None).await;
    assert_eq!(
        cell(&body["report"], "outcomes", &swemwbs_row)["values"],
        serde_json::json!([1.99, 1.01, 2.97, 60.0, 2.0, 0.0059])
    );
    let (status, t) = api_call(&app, M::GET, "/api/v1/questionnaires/thresholds", Role::Coordinator, None).await;
    let swemwbs = t["thresholds"].as_array().unwrap().iter().find(|m| m["measure"] == "swemwbs").unwrap().clone();
    assert_eq!(
        (status, &swemwbs["published"], &swemwbs["set"], &swemwbs["in_use"]),
        (200, &Value::from(3.0), &Value::from(2.0), &Value::from(2.0))
    );
    let changes = "SELECT COUNT(*) FROM audit_log WHERE entity_type = 'meaningful_changes'";
    assert_eq!(count(db, changes).await, 1);
    // Back to the published ones: left out.
    let (status, t) = api_call(
        &app,
        M::PUT,
        "/api/v1/questionnaires/thresholds",
        Role::Coordinator,
        Some(serde_json::json!({"thresholds": {}})),
    )
    .await;
    assert_eq!(status, 200);
    assert!(t["thresholds"].as_array().unwrap().iter().all(|m| m["set"].is_null()), "{t}");
    let (_, body) = api_call(&app, M::GET, &format!("/api/v1/reports?{period}"), Role::Coordinator, None).await;
    assert_eq!(cell(&body["report"], "outcomes", &swemwbs_row)["values"][3], 20.0);
}
