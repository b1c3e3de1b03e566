//! Outcomes in use (issue 14), on both engines: a link worker records questionnaires in
//! sessions on pages and through the API — each wrong answer named, a second tap nothing
//! new — the caseload says whose baseline is missing, the person's page charts their
//! scores with the same figures in a table, and a person answers once by a link sent by
//! text with their consent.

use linkwell_domain::identity::Role;
use linkwell_domain::ids::SessionId;
use linkwell_domain::sessions::{SessionKind, SessionMode};
use linkwell_store::sessions::NewSession;
use linkwell_store::{Actor, Engine};
use reqwest::Method as M;
use serde_json::json;

use crate::support::{Stage, TestApp, api_call, count, exec, last_monday_at, location, problem_fields, spawn};

both_engines!(a_link_worker_records_questionnaires_in_sessions_and_sees_them_over_time);
both_engines!(questionnaires_through_the_api);
both_engines!(a_person_answers_by_the_link_they_were_sent_once);

/// A session of `kind` last Monday at `hour` in case `referral`, with the link worker.
async fn past_session(
    app: &TestApp,
    referral: linkwell_domain::ids::ReferralId,
    kind: SessionKind,
    hour: i8,
) -> SessionId {
    let new = NewSession {
        referral_id: referral,
        worker_id: app.a.user(Role::LinkWorker).id,
        kind,
        mode: SessionMode::Telephone,
        room_id: None,
        starts: last_monday_at(hour),
        reminder: None,
    };
    app.db.book_session(&app.a.scope, &Actor::system(), &new).await.unwrap().id
}

/// The table row of the caseload page naming `name`.
fn row_of<'a>(html: &'a str, name: &str) -> &'a str {
    html.split("<tr").find(|row| row.contains(name)).unwrap_or_else(|| panic!("no row for {name}"))
}

fn answers(values: [&str; 7]) -> Vec<(String, String)> {
    values.iter().enumerate().map(|(i, v)| (format!("answers[{i}]"), (*v).to_owned())).collect()
}

async fn a_link_worker_records_questionnaires_in_sessions_and_sees_them_over_time(engine: Engine) {
    let app = spawn(engine).await;
    let person = app.a.person(&app.db, "Albert", "Njoku").await;
    let case = app.a.referral(&app.db, person, Stage::Active).await;
    let first = past_session(&app, case, SessionKind::Initial, 10).await;
    let worker = app.signed_in(&app.a.email(Role::LinkWorker)).await;

    let caseload = worker.text("/caseload").await;
    assert!(row_of(&caseload, "Albert Njoku").contains("No baseline"), "an active case without one");

    // Choose, then answer: the first session's questionnaire is a baseline.
    let choose = worker.text(&format!("/sessions/{first}/questionnaires/new")).await;
    assert!(choose.contains("Which questionnaire?") && choose.contains("value=\"swemwbs\""), "{choose}");
    let form = worker.text(&format!("/sessions/{first}/questionnaires/new?instrument=swemwbs")).await;
    assert_eq!(form.matches("name=\"answers[").count(), 7 * 5, "seven items of five answers");
    assert!(form.contains("value=\"baseline\" checked"), "the first session's is a baseline");
    assert_eq!(worker.get(&format!("/sessions/{first}/questionnaires/new?instrument=pam13")).await.status(), 422);

    let post = |fields: Vec<(String, String)>| {
        let worker = &worker;
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            worker.post_form(&format!("/sessions/{first}/questionnaires"), &refs).await
        }
    };
    let with = |timepoint: &str, values: [&str; 7]| {
        let mut f =
            vec![("instrument".to_owned(), "swemwbs".to_owned()), ("timepoint".to_owned(), timepoint.to_owned())];
        f.extend(answers(values));
        f
    };
    // A wrong answer is named, inline and in the summary, and nothing is kept.
    let r = post(with("baseline", ["2", "9", "2", "3", "2", "3", "2"])).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#answers[1]\"") && html.contains("Choose one of the answers given"), "{html}");
    assert!(html.contains("value=\"2\" checked"), "the answers given are kept on the form");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM questionnaire_responses").await, 0);

    let r = post(with("baseline", ["2", "3", "2", "3", "2", "3", "2"])).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, format!("/referrals/{case}#outcomes")));
    let page = worker.text(&format!("/referrals/{case}")).await;
    assert!(page.contains("SWEMWBS metric score 16.88"), "the flash and the table say the score");
    assert!(page.contains("See Albert's outcomes over time"));
    // A second tap records nothing new; other answers in the same session are refused.
    let again = post(with("baseline", ["2", "3", "2", "3", "2", "3", "2"])).await;
    assert_eq!(again.status(), 303);
    assert!(worker.text(&format!("/referrals/{case}")).await.contains("recorded in this session already"));
    assert_eq!(post(with("baseline", ["3", "3", "3", "3", "3", "3", "3"])).await.status(), 409);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM questionnaire_responses").await, 1);
    assert!(!row_of(&worker.text("/caseload").await, "Albert Njoku").contains("No baseline"));

    // Discharge in a later session, then the person's page: a chart and the same figures.
    let last = past_session(&app, case, SessionKind::FollowUp, 15).await;
    let mut f = with("discharge", ["4", "4", "3", "4", "3", "4", "4"]);
    f[0].1 = "swemwbs".into();
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(worker.post_form(&format!("/sessions/{last}/questionnaires"), &refs).await.status(), 303);
    let outcomes = worker.text(&format!("/people/{person}/outcomes")).await;
    assert!(outcomes.contains("<svg") && outcomes.contains("role=\"img\""), "{outcomes}");
    assert!(outcomes.contains("<title id=\"swemwbs-title\">SWEMWBS metric score: Short Warwick-Edinburgh"));
    assert!(outcomes.contains("2 scores from 16.88 on") && outcomes.contains("to 23.21 on"), "the description");
    assert_eq!(outcomes.matches("Score </span>16.88<").count(), 1, "the table too");
    assert_eq!(outcomes.matches("Score </span>23.21<").count(), 1);

    // The discharge summary for the practice gives the change.
    let (_, read) = api_call(&app, M::GET, &format!("/api/v1/referrals/{case}"), Role::LinkWorker, None).await;
    let discharge = json!({"version": read["version"], "reason": "goals_met", "summary": "Walks every week."});
    let (status, _) =
        api_call(&app, M::POST, &format!("/api/v1/referrals/{case}/discharge"), Role::LinkWorker, Some(discharge))
            .await;
    assert_eq!(status, 200);
    let doc = worker.text(&format!("/referrals/{case}/discharge-summary.txt")).await;
    let line =
        doc.lines().find(|l| l.starts_with("- SWEMWBS metric score: 16.88 on ")).unwrap_or_else(|| panic!("{doc}"));
    assert!(line.ends_with("(up 6.33, better)") && line.contains("at baseline, 23.21 on "), "{line}");

    // A session still to come takes none; a referrer reaches no outcomes.
    let upcoming = app.a.case.session;
    let closed = worker.text(&format!("/sessions/{upcoming}/questionnaires/new?instrument=swemwbs")).await;
    assert!(closed.contains("This session has not started yet") && !closed.contains("Save questionnaire"), "no form");
    let mut f = with("review", ["3", "3", "3", "3", "3", "3", "3"]);
    f[0].1 = "swemwbs".into();
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = worker.post_form(&format!("/sessions/{upcoming}/questionnaires"), &refs).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("has not started yet"));
    let referrer = app.signed_in(&app.a.email(Role::Referrer)).await;
    assert_eq!(referrer.get(&format!("/people/{person}/outcomes")).await.status(), 403);
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM questionnaire_responses").await, 2);
}

async fn questionnaires_through_the_api(engine: Engine) {
    let app = spawn(engine).await;
    let person = app.a.person(&app.db, "Albert", "Njoku").await;
    let case = app.a.referral(&app.db, person, Stage::Active).await;
    let session = past_session(&app, case, SessionKind::Initial, 10).await;
    let path = format!("/api/v1/sessions/{session}/questionnaires");

    let (status, list) = api_call(&app, M::GET, "/api/v1/questionnaires", Role::LinkWorker, None).await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = list["items"].as_array().unwrap().iter().map(|q| q["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["ons4", "swemwbs", "wemwbs", "ucla3", "loneliness_direct", "mycaw", "fft", "gp_appointments"]);
    let gp = &list["items"][7]["items"][0];
    assert_eq!(
        (gp["answers"].as_array().map(Vec::len), gp["kind"].as_str(), gp["min"].as_f64(), gp["max"].as_f64()),
        (Some(0), Some("count"), Some(0.0), Some(99.0))
    );

    let ons4 = |answers: serde_json::Value| json!({"instrument": "ons4", "timepoint": "baseline", "answers": answers});
    let (status, p) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(ons4(json!([11, 7, null, -1])))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["answers[0]", "answers[3]"]), "{p}");
    let (status, p) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(ons4(json!([5])))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["answers"]));

    let (status, made) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(ons4(json!([4, 6, null, 8])))).await;
    assert_eq!(status, 201, "{made}");
    let monday = crate::support::london_date(last_monday_at(10));
    assert_eq!((made["timepoint"].as_str(), made["answered_on"].as_str()), (Some("baseline"), Some(monday.as_str())));
    let scores: Vec<(&str, f64)> = made["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["measure"].as_str().unwrap(), s["value"].as_f64().unwrap()))
        .collect();
    assert_eq!(scores, [("life_satisfaction", 4.0), ("worthwhile", 6.0), ("anxiety", 8.0)], "each ONS4 item alone");
    let (status, same) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(ons4(json!([4, 6, null, 8])))).await;
    assert_eq!((status, &same["id"]), (200, &made["id"]), "the same answers again: the one recorded");
    let (status, _) = api_call(&app, M::POST, &path, Role::LinkWorker, Some(ons4(json!([5, 6, null, 8])))).await;
    assert_eq!(status, 409);

    let (status, read) =
        api_call(&app, M::GET, &format!("/api/v1/people/{person}/outcomes"), Role::LinkWorker, None).await;
    assert_eq!(status, 200);
    assert_eq!(read["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(read["items"][0]["referral_id"].as_str(), Some(case.to_string().as_str()));
    // Another organisation's session and person are not there; a commissioner works no case.
    let other = format!("/api/v1/sessions/{}/questionnaires", app.b.case.session);
    assert_eq!(api_call(&app, M::POST, &other, Role::LinkWorker, Some(ons4(json!([4, 6, 5, 8])))).await.0, 404);
    let theirs = format!("/api/v1/people/{}/outcomes", app.b.case.person);
    assert_eq!(api_call(&app, M::GET, &theirs, Role::LinkWorker, None).await.0, 404);
    assert_eq!(
        api_call(&app, M::GET, &format!("/api/v1/people/{person}/outcomes"), Role::Commissioner, None).await.0,
        403
    );
}

/// The secret in the newest questionnaire link message of organisation A, with its recipient.
async fn sent_link(app: &TestApp) -> (String, String) {
    let page = app.db.outbox_page(&app.a.scope, None, 50).await.unwrap();
    let m = page.items.iter().find(|m| m.purpose == "questionnaire_link").expect("a link message");
    let at = m.body.find("/questionnaire/").expect("a link") + "/questionnaire/".len();
    (m.body[at..].split_whitespace().next().unwrap().to_owned(), m.recipient.clone())
}

async fn a_person_answers_by_the_link_they_were_sent_once(engine: Engine) {
    let app = spawn(engine).await;
    let worker = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let ask = [("instrument", "swemwbs"), ("timepoint", "follow_up")];
    // The fixture's person prefers a phone call: no link, and the form says why.
    let r = worker.post_form(&format!("/referrals/{}/questionnaire-links", app.a.case.referral), &ask).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("cannot be sent a link"));
    let (status, p) = api_call(
        &app,
        M::POST,
        &format!("/api/v1/referrals/{}/questionnaire-links", app.a.case.referral),
        Role::LinkWorker,
        Some(json!({"instrument": "swemwbs", "timepoint": "later"})),
    )
    .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["timepoint"]), "{p}");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM questionnaire_links").await, 0);

    // Someone who prefers texts is sent one.
    let person = app.a.person(&app.db, "Albert", "Njoku").await;
    exec(&app.db, &format!("UPDATE people SET preferred_channel = 'sms' WHERE id = '{person}'")).await;
    let case = app.a.referral(&app.db, person, Stage::Active).await;
    let r = worker.post_form(&format!("/referrals/{case}/questionnaire-links"), &ask).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, format!("/referrals/{case}#outcomes")));
    // A second click sends nothing while the first link still works.
    let again = worker.post_form(&format!("/referrals/{case}/questionnaire-links"), &ask).await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("has a link to this questionnaire that still works"));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM outbox WHERE purpose = 'questionnaire_link'").await, 1);
    let (secret, to) = sent_link(&app).await;
    assert_eq!(to, "07700 900982");
    assert!(secret.starts_with("qn_"), "{secret}");

    // The page: the questions and who asks, never whose link it is.
    let public = app.client();
    let page = public.text(&format!("/questionnaire/{secret}")).await;
    assert!(page.contains("Short Warwick-Edinburgh") && page.contains("a PCN"), "{page}");
    assert!(!page.contains("Albert") && !page.contains("Njoku"), "a forwarded link names nobody");
    assert_eq!(public.get("/questionnaire/qn_not-a-link").await.status(), 404);

    let answers =
        |v: &str| -> Vec<(String, String)> { (0..7).map(|i| (format!("answers[{i}]"), v.to_owned())).collect() };
    let send = |fields: Vec<(String, String)>| {
        let (public, secret) = (&public, &secret);
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            public.post_form(&format!("/questionnaire/{secret}"), &refs).await
        }
    };
    let r = send(answers("6")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#answers[0]\""));
    let r = send(answers("4")).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Thank you. Your answers have been sent"));
    let again = send(answers("2")).await;
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("answered with this link already"));
    assert_eq!(
        count(&app.db, "SELECT COUNT(*) FROM questionnaire_responses WHERE timepoint = 'follow_up' AND session_id IS NULL AND recorded_by IS NULL").await,
        1
    );
    let case_page = worker.text(&format!("/referrals/{case}")).await;
    assert!(case_page.contains("Follow-up after discharge") && case_page.contains("Answered"), "listed on the case");

    // A link past its time says so and records nothing; eight answers at once record once.
    let late = crate::support::questionnaire_link(&app, "Late", "Answerer").await;
    exec(&app.db, "UPDATE questionnaire_links SET expires_at = 0 WHERE used_at IS NULL").await;
    assert!(public.text(&format!("/questionnaire/{late}")).await.contains("This link has expired"));
    let raced = crate::support::questionnaire_link(&app, "Raced", "Answerer").await;
    let ons4: Vec<(String, String)> = (0..4).map(|i| (format!("answers[{i}]"), "7".to_owned())).collect();
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (c, path, ons4) = (app.client(), format!("/questionnaire/{raced}"), ons4.clone());
        tries.spawn(async move {
            let refs: Vec<(&str, &str)> = ons4.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            c.post_form(&path, &refs).await.status().as_u16()
        });
    }
    let statuses = tries.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM questionnaire_responses WHERE instrument = 'ons4'").await, 1);
}
