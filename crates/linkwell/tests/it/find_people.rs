//! Finding a person (issue 12), on both engines: by a misspelt or begun name, by NHS
//! number with spaces, by date of birth and by postcode; each role finding only whom it
//! may see; every search audited without its text; a changed name found by its new name.

use linkwell_domain::identity::Role;
use linkwell_domain::{PersonId, Version};
use linkwell_store::{Actor, Engine};
use reqwest::Method as M;

use crate::support::{Stage, TestApp, api_call, count, exec, person_input, problem_fields, spawn};

both_engines!(a_person_is_found_by_name_number_birth_date_or_postcode);
both_engines!(each_role_finds_only_whom_it_may_see);

async fn found(app: &TestApp, role: Role, q: &str) -> Vec<String> {
    let path = format!("/api/v1/people?q={}", q.replace(' ', "+"));
    let (status, body) = api_call(app, M::GET, &path, role, None).await;
    assert_eq!(status, 200, "{q}: {body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{} {}", p["given_name"].as_str().unwrap(), p["family_name"].as_str().unwrap()))
        .collect()
}

async fn a_person_is_found_by_name_number_birth_date_or_postcode(engine: Engine) {
    let app = spawn(engine).await;
    let margaret = app.a.case.person;
    app.a.person(&app.db, "Margot", "Oakley").await;
    app.a.person(&app.db, "Marga", "Smith").await;
    let albert = app.a.person(&app.db, "Albert", "Njoku").await;
    exec(&app.db, &format!("UPDATE people SET nhs_number = '9434765919' WHERE id = '{margaret}'")).await;
    exec(
        &app.db,
        &format!("UPDATE people SET date_of_birth = '1960-07-04', postcode = 'LS6 2AB' WHERE id = '{albert}'"),
    )
    .await;
    let c = Role::Coordinator;

    assert_eq!(found(&app, c, "margret oakes").await, vec!["Margaret Oakes"], "one letter left out");
    assert_eq!(found(&app, c, "Mragaret").await, vec!["Margaret Oakes"], "two letters swapped");
    assert_eq!(found(&app, c, "oakes margaret").await, vec!["Margaret Oakes"], "in any order");
    assert_eq!(
        found(&app, c, "marg").await,
        vec!["Margaret Oakes", "Margot Oakley", "Marga Smith"],
        "the start of a name finds every name it begins, by family name"
    );
    assert_eq!(found(&app, c, "marga").await[0], "Marga Smith", "an exact name comes before one it begins");
    assert_eq!(found(&app, c, "943 476 5919").await, vec!["Margaret Oakes"]);
    assert_eq!(found(&app, c, "9434765919").await, vec!["Margaret Oakes"]);
    assert_eq!(found(&app, c, "4/7/1960").await, vec!["Albert Njoku"]);
    assert_eq!(found(&app, c, "1960-07-04").await, vec!["Albert Njoku"]);
    assert_eq!(found(&app, c, "ls6 2ab").await, vec!["Albert Njoku"]);
    assert!(found(&app, c, "zebedee").await.is_empty());

    // Text that is no search is refused on its field, and changes nothing.
    let searches = count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'people_searched'").await;
    for (q, message) in [
        ("31/2/1990", "Enter a real date of birth"),
        ("943 476 5918", "NHS number"),
        ("", "Enter a name, NHS number, date of birth or postcode"),
        ("a b c d e", "Enter up to 4 names"),
    ] {
        let (status, p) = api_call(&app, M::GET, &format!("/api/v1/people?q={}", q.replace(' ', "+")), c, None).await;
        assert_eq!((status, problem_fields(&p)), (422, vec!["q"]), "{q}: {p}");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains(message), "{q}: {p}");
    }
    assert_eq!(count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'people_searched'").await, searches);

    // Every search is audited: how, and whom it showed, never what was typed.
    found(&app, c, "margret oakes").await;
    let detail: String = last_search_detail(&app).await;
    assert_eq!(detail, format!("by=name found=1 shown={margaret}"));

    // A changed name is found by its new name only.
    let mut input = person_input("Bert", "Njoku");
    input.practice_id = Some(app.a.practice.id);
    app.db.update_person(&app.a.scope, &Actor::system(), albert, Version(1), &input).await.unwrap();
    assert_eq!(found(&app, c, "bert njoku").await, vec!["Bert Njoku"]);
    assert!(found(&app, c, "albert njoku").await.is_empty());

    // People stored before the index (or loaded in bulk) are indexed by `index_every_name`.
    exec(&app.db, &format!("DELETE FROM person_names WHERE person_id = '{margaret}'")).await;
    assert!(found(&app, c, "margaret oakes").await.is_empty());
    app.db.index_every_name().await.unwrap();
    assert_eq!(found(&app, c, "margaret oakes").await, vec!["Margaret Oakes"]);

    // The page: the search box in every staff header, and results linking to the record.
    let coordinator = app.signed_in(&app.a.email(c)).await;
    let home = coordinator.text("/").await;
    assert!(home.contains("<form class=\"nhsuk-header__search-form\" action=\"/people\""), "{home}");
    let page = coordinator.text("/people?q=margret+oakes").await;
    assert!(page.contains("1 person found"), "{page}");
    assert!(page.contains(&format!("<a href=\"/people/{margaret}\">Margaret Oakes</a>")), "{page}");
    assert!(page.contains("943 476 5919"), "{page}");
    let r = coordinator.get("/people?q=31%2F2%2F1990").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#q\""));
    let empty = coordinator.text("/people").await;
    assert!(empty.contains("Find a person") && !empty.contains("There is a problem"), "{empty}");
}

async fn last_search_detail(app: &TestApp) -> String {
    match &app.db {
        linkwell_store::Db::Sqlite(db) => sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'people_searched' ORDER BY seq DESC LIMIT 1",
        )
        .fetch_one(&db.reads)
        .await
        .unwrap(),
        linkwell_store::Db::Postgres(pool) => sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'people_searched' ORDER BY seq DESC LIMIT 1",
        )
        .fetch_one(pool)
        .await
        .unwrap(),
    }
}

async fn each_role_finds_only_whom_it_may_see(engine: Engine) {
    let app = spawn(engine).await;
    // Margaret Oakes is the seeded case, on the link worker's caseload; Marga Smith is
    // waiting, assigned to nobody.
    let marga: PersonId = app.a.person(&app.db, "Marga", "Smith").await;
    app.a.referral(&app.db, marga, Stage::Received).await;
    assert_eq!(found(&app, Role::LinkWorker, "margret oakes").await, vec!["Margaret Oakes"]);
    assert!(found(&app, Role::LinkWorker, "marga smith").await.is_empty(), "not on their caseload");
    assert_eq!(found(&app, Role::Coordinator, "marga smith").await, vec!["Marga Smith"]);

    // Another organisation's Margaret Oakes is theirs alone.
    let token = app.token(&app.b, app.b.user(Role::Coordinator)).await;
    let r = app.client().http.get(app.url("/api/v1/people?q=margaret+oakes")).bearer_auth(token).send().await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    let ids: Vec<&str> = body["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![app.b.case.person.to_string()], "{body}");

    // Roles that hold no cases have no search, nor the box in their header.
    for role in [Role::Referrer, Role::Admin, Role::Commissioner] {
        let (status, _) = api_call(&app, M::GET, "/api/v1/people?q=margaret", role, None).await;
        assert_eq!(status, 403, "{role:?}");
    }
    let referrer = app.signed_in(&app.a.email(Role::Referrer)).await.text("/").await;
    assert!(!referrer.contains("nhsuk-header__search"), "{referrer}");
}
