//! The organisation's own questionnaires (issue 14), on both engines: a coordinator defines
//! one on the page — a scale, a number, a single and a multiple choice — each wrong field
//! named; a licensed one through the API keeps its score and never its answers; a link
//! worker records both in a session and they are scored by their definition; a new version
//! leaves the answers given under the old one as they were; a retired one is no longer
//! offered; and the team's report shows its change.

use linkwell_domain::identity::Role;
use linkwell_domain::ids::SessionId;
use linkwell_domain::sessions::{SessionKind, SessionMode};
use linkwell_store::sessions::NewSession;
use linkwell_store::{Actor, Engine};
use reqwest::Method as M;
use serde_json::json;

use crate::support::{Stage, TestApp, api_call, count, last_monday_at, location, problem_fields, spawn};

both_engines!(a_coordinator_defines_a_questionnaire_and_a_link_worker_gives_it);
both_engines!(versions_keep_old_answers_and_licensed_scores_keep_no_answers);

async fn past_session(app: &TestApp, referral: linkwell_domain::ids::ReferralId, hour: i8) -> SessionId {
    let new = NewSession {
        referral_id: referral,
        worker_id: app.a.user(Role::LinkWorker).id,
        kind: if hour < 12 { SessionKind::Initial } else { SessionKind::FollowUp },
        mode: SessionMode::Telephone,
        room_id: None,
        starts: last_monday_at(hour),
        reminder: None,
    };
    app.db.book_session(&app.a.scope, &Actor::system(), &new).await.unwrap().id
}

/// The garden questionnaire's form, with `score` as the single choice's second answer's score.
fn garden(score: &str) -> Vec<(String, String)> {
    [
        ("name", "Garden confidence"),
        ("instructions", "Think about the last month."),
        ("scoring", "sum"),
        ("better", "higher"),
        ("meaningful_change", "2"),
        ("questions[0].text", "I feel confident outdoors"),
        ("questions[0].answer", "likert"),
        ("questions[0].options", "Never\nSometimes\nOften"),
        ("questions[0].first_score", "0"),
        ("questions[1].text", "Days outside last week"),
        ("questions[1].answer", "number"),
        ("questions[1].min", "0"),
        ("questions[1].max", "7"),
        ("questions[2].text", "Do you grow food?"),
        ("questions[2].answer", "single"),
        ("questions[2].options", &format!("Yes = 2\nNo = {score}")),
        ("questions[3].text", "What did you do?"),
        ("questions[3].answer", "multiple"),
        ("questions[3].options", "Dig = 1\nSow = 1\nHarvest = 2"),
        ("questions[3].optional", "true"),
        ("bands[0].from", "0"),
        ("bands[0].label", "Low"),
        ("bands[1].from", "10"),
        ("bands[1].label", "High"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

async fn a_coordinator_defines_a_questionnaire_and_a_link_worker_gives_it(engine: Engine) {
    let app = spawn(engine).await;
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let post = |path: &'static str, fields: Vec<(String, String)>| {
        let c = &coordinator;
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            c.post_form(path, &refs).await
        }
    };
    assert!(coordinator.text("/reports").await.contains("<a href=\"/questionnaires\">"), "reached from the reports");
    let list = coordinator.text("/questionnaires").await;
    assert!(list.contains("not defined a questionnaire of its own yet") && list.contains("swemwbs"), "{list}");

    // "Add another question" gives the form back with one more, nothing saved.
    let mut more = garden("0");
    more.push(("add".into(), "question".into()));
    let r = post("/questionnaires", more).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"questions[4].text\"") && html.contains("Often</textarea>"), "{html}");

    // Each wrong field is named on the form, an answer's on its question's box; nothing kept.
    let mut bad = garden("-1");
    bad[6].1 = "essay".into();
    let r = post("/questionnaires", bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#questions[0].answer\"") && html.contains("Select how the question is answered"));
    assert!(html.contains("href=\"#questions[2].options\"") && html.contains("Answer 2: Enter the answer&#39;s score"));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM own_questionnaires").await, 0);

    let r = post("/questionnaires", garden("0")).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/questionnaires/own_garden_confidence".to_owned()));
    let show = coordinator.text("/questionnaires/own_garden_confidence").await;
    assert!(show.contains("Garden confidence saved, version 1"), "the flash");
    assert!(
        show.contains("0 to 15. A higher score is better") && show.contains("Never (0), Sometimes (1), Often (2)"),
        "{show}"
    );
    assert!(show.contains("Any of: Dig (1), Sow (1), Harvest (2)") && show.contains("From 10: High"));
    // The same name again is refused: people choose by name.
    let r = post("/questionnaires", garden("0")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Another questionnaire has this name"));

    // A link worker gives it in a session: the form asks each question its own way.
    let person = app.a.person(&app.db, "Albert", "Njoku").await;
    let case = app.a.referral(&app.db, person, Stage::Active).await;
    let first = past_session(&app, case, 10).await;
    let worker = app.signed_in(&app.a.email(Role::LinkWorker)).await;
    let choose = worker.text(&format!("/sessions/{first}/questionnaires/new")).await;
    assert!(choose.contains("value=\"own_garden_confidence\""), "offered beside the built-in ones");
    let form = worker.text(&format!("/sessions/{first}/questionnaires/new?instrument=own_garden_confidence")).await;
    assert!(form.contains("Think about the last month."), "its instructions");
    assert_eq!(form.matches("name=\"answers[0]\" type=\"radio\"").count(), 3, "a scale of three");
    assert_eq!(form.matches("name=\"answers[2]\" type=\"radio\"").count(), 2, "a choice of two");
    assert_eq!(form.matches("name=\"answers[3]\" type=\"checkbox\"").count(), 3, "{form}");
    assert!(form.contains("id=\"answers[1]\" name=\"answers[1]\" type=\"text\""), "a number box");
    let fields = [
        ("instrument", "own_garden_confidence"),
        ("timepoint", "baseline"),
        ("answers[0]", "2"),
        ("answers[1]", "3"),
        ("answers[2]", "1"),
        ("answers[3]", "2"),
        ("answers[3]", "3"),
    ];
    let r = worker.post_form(&format!("/sessions/{first}/questionnaires"), &fields).await;
    assert_eq!(r.status(), 303);
    // Sometimes (1) + 3 days + Yes (2) + Sow (1) and Harvest (2).
    let page = worker.text(&format!("/referrals/{case}")).await;
    assert!(page.contains("Garden confidence recorded: Garden confidence 9"), "{page}");
    let later = past_session(&app, case, 15).await;
    let fields = [
        ("instrument", "own_garden_confidence"),
        ("timepoint", "discharge"),
        ("answers[0]", "3"),
        ("answers[1]", "6"),
        ("answers[2]", "1"),
        ("answers[3]", ""),
    ];
    assert_eq!(worker.post_form(&format!("/sessions/{later}/questionnaires"), &fields).await.status(), 303);
    let outcomes = worker.text(&format!("/people/{person}/outcomes")).await;
    assert!(outcomes.contains("2 scores from 9 on") && outcomes.contains("to 10 on"), "{outcomes}");
    assert!(outcomes.contains("Band </span>Low<") && outcomes.contains("Band </span>High<"), "its own bands");

    // The team's report: its change over the pairs, against its own threshold.
    let (status, report) = api_call(&app, M::GET, "/api/v1/reports?from=2020-01-01", Role::Coordinator, None).await;
    assert_eq!(status, 200, "{report}");
    let text = report.to_string();
    assert!(text.contains("\"Garden confidence\""), "{text}");
}

async fn versions_keep_old_answers_and_licensed_scores_keep_no_answers(engine: Engine) {
    let app = spawn(engine).await;
    let person = app.a.person(&app.db, "Albert", "Njoku").await;
    let case = app.a.referral(&app.db, person, Stage::Active).await;
    let session = past_session(&app, case, 10).await;
    let record = format!("/api/v1/sessions/{session}/questionnaires");

    // A licensed instrument: its score only. Questions with it are refused, by name.
    let pam = json!({"name": "Patient Activation Measure", "scoring": "licensed_score", "better": "higher",
        "score_min": 0, "score_max": 100, "meaningful_change": 3,
        "bands": [{"from": 0, "label": "Level 1"}, {"from": 47.1, "label": "Level 2"}, {"from": 55.2, "label": "Level 3"}, {"from": 67.1, "label": "Level 4"}]});
    let mut with_items = pam.clone();
    with_items["questions"] = json!([{"text": "I am responsible for my health", "answer": "likert", "options": [{"label": "Agree"}, {"label": "Disagree"}]}]);
    let (status, p) = api_call(&app, M::POST, "/api/v1/questionnaires", Role::Coordinator, Some(with_items)).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["questions"]), "{p}");
    let (status, made) = api_call(&app, M::POST, "/api/v1/questionnaires", Role::Coordinator, Some(pam)).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        (made["code"].as_str(), made["licensed"].as_bool()),
        (Some("own_patient_activation_measure"), Some(true))
    );
    assert_eq!(made["items"][0]["kind"].as_str(), Some("score"));
    let (status, p) = api_call(&app, M::POST, "/api/v1/questionnaires", Role::LinkWorker, Some(json!({}))).await;
    assert_eq!(status, 403, "{p}");

    let body = |code: &str, answers: serde_json::Value| json!({"instrument": code, "timepoint": "baseline", "answers": answers});
    let code = "own_patient_activation_measure";
    let (status, p) = api_call(&app, M::POST, &record, Role::LinkWorker, Some(body(code, json!([100.5])))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["answers[0]"]));
    let (status, given) = api_call(&app, M::POST, &record, Role::LinkWorker, Some(body(code, json!([55.2])))).await;
    assert_eq!(status, 201, "{given}");
    assert_eq!((given["scores"][0]["value"].as_f64(), given["version"].as_u64()), (Some(55.2), Some(1)));
    // Another score in the same session is not a second tap: refused, the first kept.
    let (status, _) = api_call(&app, M::POST, &record, Role::LinkWorker, Some(body(code, json!([60])))).await;
    assert_eq!(status, 409);
    let (status, again) = api_call(&app, M::POST, &record, Role::LinkWorker, Some(body(code, json!([55.2])))).await;
    assert_eq!((status, &again["id"]), (200, &given["id"]), "the same score again: the one recorded");
    let sql = "SELECT COUNT(*) FROM questionnaire_responses WHERE instrument = 'own_patient_activation_measure' AND answers = ''";
    let kept = count(&app.db, sql).await;
    assert_eq!(kept, 1, "its score is kept, no answers");
    // A licensed score is never asked of the person by a link.
    let (status, p) = api_call(
        &app,
        M::POST,
        &format!("/api/v1/referrals/{case}/questionnaire-links"),
        Role::LinkWorker,
        Some(json!({"instrument": code, "timepoint": "review"})),
    )
    .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["instrument"]), "{p}");

    // An own questionnaire with a multiple choice, answered through the API as values chosen.
    let walks = |label: &str| {
        json!({"name": "Walking", "scoring": "sum", "better": "higher",
        "questions": [{"text": "Walks last week", "answer": "number", "min": 0, "max": 14},
                      {"text": "Who with?", "answer": "multiple", "options": [{"label": label, "score": 1}, {"label": "A group", "score": 2}]}]})
    };
    let (status, v1) =
        api_call(&app, M::POST, "/api/v1/questionnaires", Role::Coordinator, Some(walks("A friend"))).await;
    assert_eq!((status, v1["version"].as_u64()), (201, Some(1)), "{v1}");
    let (status, p) =
        api_call(&app, M::POST, &record, Role::LinkWorker, Some(body("own_walking", json!([15, [1, 3]])))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["answers[0]", "answers[1]"]), "{p}");
    let (status, given) =
        api_call(&app, M::POST, &record, Role::LinkWorker, Some(body("own_walking", json!([4, [1, 2]])))).await;
    assert_eq!((status, given["scores"][0]["value"].as_f64()), (201, Some(7.0)), "{given}");

    // A new version: the same again is refused; a change is version 2; version 1 stays.
    let versions = "/api/v1/questionnaires/own_walking/versions";
    let (status, p) = api_call(&app, M::POST, versions, Role::Coordinator, Some(walks("A friend"))).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["name"]), "nothing changed");
    let (status, v2) = api_call(&app, M::POST, versions, Role::Coordinator, Some(walks("Family or a friend"))).await;
    assert_eq!((status, v2["version"].as_u64()), (201, Some(2)), "{v2}");
    let (_, old) = api_call(&app, M::GET, &format!("{versions}/1"), Role::LinkWorker, None).await;
    assert_eq!(old["items"][1]["answers"][0]["text"].as_str(), Some("A friend"), "version 1 as it was");
    let (_, outcomes) =
        api_call(&app, M::GET, &format!("/api/v1/people/{person}/outcomes"), Role::LinkWorker, None).await;
    let walking: Vec<(u64, f64)> = outcomes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["instrument"] == "own_walking")
        .map(|o| (o["version"].as_u64().unwrap(), o["value"].as_f64().unwrap()))
        .collect();
    assert_eq!(walking, [(1, 7.0)], "answers keep the version they were given under");
    assert_eq!(outcomes["items"].as_array().unwrap().iter().filter(|o| o["measure"] == "own_walking_v1").count(), 1);
    // Answers given to the form of version 1 are not taken as version 2's.
    let later = past_session(&app, case, 14).await;
    let mut stale = body("own_walking", json!([5, [1]]));
    stale["version"] = json!(1);
    let (status, p) =
        api_call(&app, M::POST, &format!("/api/v1/sessions/{later}/questionnaires"), Role::LinkWorker, Some(stale))
            .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["instrument"]), "{p}");
    assert_eq!(api_call(&app, M::GET, &format!("{versions}/3"), Role::LinkWorker, None).await.0, 404);
    assert_eq!(
        api_call(&app, M::GET, "/api/v1/questionnaires/swemwbs/versions/1", Role::LinkWorker, None).await.0,
        200
    );
    // Another organisation's questionnaire is not there.
    assert_eq!(
        api_call(&app, M::POST, "/api/v1/questionnaires/own_walking/retire", Role::Coordinator, None).await.0,
        204
    );
    let b = app.b.user(Role::Coordinator).clone();
    let token = app.token(&app.b, &b).await;
    let r = reqwest::Client::new().post(app.url(versions)).bearer_auth(&token).json(&walks("x")).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // Retired: no longer offered or recorded; its scores stay.
    let (_, list) = api_call(&app, M::GET, "/api/v1/questionnaires", Role::LinkWorker, None).await;
    let codes: Vec<&str> = list["items"].as_array().unwrap().iter().filter_map(|q| q["code"].as_str()).collect();
    assert!(codes.contains(&code) && !codes.contains(&"own_walking"), "{codes:?}");
    let (status, p) = api_call(
        &app,
        M::POST,
        &format!("/api/v1/sessions/{later}/questionnaires"),
        Role::LinkWorker,
        Some(body("own_walking", json!([5, [1]]))),
    )
    .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["instrument"]));
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM outcome_scores WHERE measure = 'own_walking_v1'").await, 1);
    // Each definition change is audited.
    let audited = count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE entity_type = 'questionnaire'").await;
    assert_eq!(audited, 4, "two defined, a version, a retirement");
}
