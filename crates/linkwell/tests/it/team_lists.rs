//! The team's lists (issue 12), on both engines: all referrals, the waiting list and
//! caseloads filter, search, sort by a column and page alike, through the API and on the
//! pages; a coordinator sees several caseloads together; a referrer's list is in date
//! order with the NHS number and date of birth their referrals gave, and searches only
//! those.

use linkwell_domain::Version;
use linkwell_domain::identity::Role;
use linkwell_domain::ids::ReferralId;
use linkwell_store::referrals::Change;
use linkwell_store::{Actor, Engine};
use reqwest::Method as M;

use crate::support::{
    Stage, TestApp, add_user, api_call, exec, person_referred, problem_fields, received_days_ago, spawn,
};

both_engines!(lists_sort_by_each_column_and_page_without_losing_a_row);
both_engines!(lists_search_and_filter_within_what_the_caller_may_see);
both_engines!(a_coordinator_sees_several_caseloads_together);
both_engines!(a_referrers_list_is_in_date_order_with_what_they_gave);
both_engines!(a_bad_sort_direction_or_cursor_is_named);
both_engines!(a_referral_is_confirmed_with_its_reference_and_the_expected_wait);
both_engines!(the_referring_practice_reads_the_discharge_summary_as_consented);

/// The given names of a list's items, in order.
fn names(list: &serde_json::Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|r| r["given_name"].as_str().unwrap().to_owned()).collect()
}

/// Every item of a list, page by page (`limit` each), following `next_cursor`.
async fn walk(app: &TestApp, path: &str, role: Role, limit: usize) -> Vec<String> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = api_call(app, M::GET, &url, role, None).await;
        assert_eq!(status, 200, "{url}: {page}");
        let got = names(&page);
        assert!(got.len() <= limit, "{url}");
        all.extend(got);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return all,
        }
    }
}

/// Five waiting referrals (and the seeded Margaret's two) with names, dates and urgency
/// that order differently by each column.
async fn five_waiting(app: &TestApp) -> Vec<ReferralId> {
    let mut ids = Vec::new();
    for (given, family, days, urgent) in [
        ("Bea", "Quill", 3, false),
        ("Cal", "Adams", 9, true),
        ("Dot", "Zeller", 1, false),
        ("Eli", "Moss", 20, false),
        ("Fay", "adams", 5, true),
    ] {
        let (_, r) = person_referred(app, given, family, Stage::Received).await;
        received_days_ago(app, r, days).await;
        if urgent {
            exec(&app.db, &format!("UPDATE referrals SET urgency = 'urgent', urgency_rank = 0 WHERE id = '{r}'")).await;
        }
        ids.push(r);
    }
    ids
}

async fn lists_sort_by_each_column_and_page_without_losing_a_row(engine: Engine) {
    let app = spawn(engine).await;
    five_waiting(&app).await;
    // Margaret's two referrals were received just now, so they are the newest.
    let (_, all) = api_call(&app, M::GET, "/api/v1/referrals", Role::Coordinator, None).await;
    assert_eq!(
        names(&all),
        ["Margaret", "Margaret", "Dot", "Bea", "Fay", "Cal", "Eli"],
        "newest received first: {all}"
    );
    let (_, waiting) = api_call(&app, M::GET, "/api/v1/waiting-list", Role::Coordinator, None).await;
    assert_eq!(names(&waiting), ["Cal", "Fay", "Eli", "Bea", "Dot"], "most urgent, then longest waiting");

    for (query, expected) in [
        ("sort=received&direction=ascending", vec!["Eli", "Cal", "Fay", "Bea", "Dot"]),
        ("sort=received&direction=descending", vec!["Dot", "Bea", "Fay", "Cal", "Eli"]),
        ("sort=urgency&direction=descending", vec!["Dot", "Bea", "Eli", "Fay", "Cal"]),
        ("sort=status", vec!["Eli", "Cal", "Fay", "Bea", "Dot"]),
    ] {
        let path = format!("/api/v1/waiting-list?{query}");
        let (_, one_page) = api_call(&app, M::GET, &path, Role::Coordinator, None).await;
        assert_eq!(names(&one_page), expected, "{query}");
        // Page by page, the same rows in the same order: none lost, none twice.
        for limit in [1, 2, 3] {
            assert_eq!(walk(&app, &path, Role::Coordinator, limit).await, expected, "{query}, {limit} a page");
        }
    }
    // By name, case aside: the two Adamses by given name.
    let path = "/api/v1/waiting-list?sort=name";
    let by_name = ["Cal", "Fay", "Eli", "Bea", "Dot"];
    for limit in [1, 2, 5] {
        assert_eq!(walk(&app, path, Role::Coordinator, limit).await, by_name, "{limit} a page");
    }
    let (_, reversed) =
        api_call(&app, M::GET, "/api/v1/waiting-list?sort=name&direction=descending", Role::Coordinator, None).await;
    assert_eq!(names(&reversed), by_name.iter().rev().map(|s| s.to_string()).collect::<Vec<_>>());

    // On the page: the heading of the sorted column says so and links to the other way;
    // the next page keeps the sort and the filters.
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let html = coordinator.text("/waiting-list?sort=received&direction=ascending&urgency=routine").await;
    assert!(html.contains("aria-sort=\"ascending\"><a href=\"/waiting-list?urgency=routine&amp;sort=received&amp;direction=descending\""), "{html}");
    assert!(
        html.contains(
            "aria-sort=\"none\"><a href=\"/waiting-list?urgency=routine&amp;sort=name&amp;direction=ascending\""
        ),
        "{html}"
    );
    let rows = |html: &str| html.matches("<tr class=\"nhsuk-table__row\" role=\"row\">").count() - 1;
    assert_eq!(rows(&html), 3, "Eli, Bea and Dot are routine");
    let eli = html.find("Eli Moss").unwrap();
    assert!(
        eli < html.find("Bea Quill").unwrap() && html.find("Bea Quill").unwrap() < html.find("Dot Zeller").unwrap()
    );
    let all = coordinator.text("/referrals?sort=name").await;
    assert!(all.contains("Sorted by family name, A to Z."), "{all}");
    assert_eq!(rows(&all), 7);
    // "Sort by" in the filter form (for a phone, whose rows show no headings) says the same
    // in one choice, and shows the order the list is in.
    let chosen = coordinator.text("/referrals?urgency=routine&order=name-descending").await;
    assert!(chosen.contains("Sorted by family name, Z to A."), "{chosen}");
    assert!(chosen.contains("<option value=\"name-descending\" selected>By family name, Z to A</option>"), "{chosen}");
    assert!(chosen.contains("href=\"/referrals?urgency=routine&amp;sort=name&amp;direction=ascending\""), "{chosen}");
    let usual = coordinator.text("/waiting-list").await;
    assert!(
        usual.contains("<option value=\"\" selected>Usual order: most urgent first, then longest waiting</option>"),
        "{usual}"
    );
}

async fn lists_search_and_filter_within_what_the_caller_may_see(engine: Engine) {
    let app = spawn(engine).await;
    let ids = five_waiting(&app).await;
    let (_, njoku) = person_referred(&app, "Albert", "Njoku", Stage::Active).await;
    // A typo in the family name still finds him; a search is audited.
    for role in [Role::Coordinator, Role::LinkWorker] {
        let (status, list) = api_call(&app, M::GET, "/api/v1/referrals?search=albert%20njoko", role, None).await;
        assert_eq!((status, names(&list)), (200, vec!["Albert".to_owned()]), "{role:?}: {list}");
        assert_eq!(list["items"][0]["id"], njoku.to_string());
    }
    let searches: i64 =
        crate::support::count(&app.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'people_searched'").await;
    assert_eq!(searches, 2);
    // A link worker's list is their cases only, whatever they search for or name.
    let (_, list) = api_call(&app, M::GET, "/api/v1/referrals?search=Quill", Role::LinkWorker, None).await;
    assert_eq!(names(&list), Vec::<String>::new(), "Bea is nobody's case yet");
    let coordinator_id = app.a.user(Role::Coordinator).id;
    let (status, list) =
        api_call(&app, M::GET, &format!("/api/v1/referrals?assigned={coordinator_id}"), Role::LinkWorker, None).await;
    assert_eq!((status, names(&list)), (200, vec!["Albert".to_owned(), "Margaret".into(), "Margaret".into()]));
    // Filters combine: urgent, unassigned, received and searched by date of birth.
    let (_, list) = api_call(
        &app,
        M::GET,
        "/api/v1/referrals?urgency=urgent&assigned=none&status=received&search=27/3/1951&sort=name",
        Role::Coordinator,
        None,
    )
    .await;
    let mut urgent = names(&list);
    urgent.sort();
    assert_eq!(urgent, ["Cal", "Fay"], "{list}");
    // The page shows the search and opens the filters it used.
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let html = coordinator.text("/referrals?search=Zeller&status=received").await;
    assert!(html.contains("value=\"Zeller\""), "{html}");
    assert!(html.contains("<details class=\"nhsuk-details\" open>"), "{html}");
    assert!(html.contains(&format!("/referrals/{}\">Dot Zeller</a>", ids[2])), "{html}");
    assert!(!html.contains("Bea Quill"));
    assert!(html.contains("href=\"/referrals\">Clear the search and filters</a>"), "{html}");
    // A search that is not one names the field, and nothing is listed.
    let (status, p) = api_call(&app, M::GET, "/api/v1/referrals?search=%25%25", Role::Coordinator, None).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["search"]), "{p}");
    let r = coordinator.get("/referrals?search=%25%25").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#search\""));
}

async fn a_coordinator_sees_several_caseloads_together(engine: Engine) {
    let app = spawn(engine).await;
    let first = app.a.user(Role::LinkWorker).clone();
    let second = add_user(&app, Role::LinkWorker, "second.worker@a.example").await;
    let (_, theirs) = person_referred(&app, "Hana", "Ito", Stage::Received).await;
    let r = app.db.referral(&app.a.scope, theirs).await.unwrap();
    let accept = Change::Accept { worker: second.id };
    app.db.change_referral(&app.a.scope, &Actor::system(), theirs, Version(r.version), accept).await.unwrap();

    let both = format!("{},{}", first.id, second.id);
    let (status, list) =
        api_call(&app, M::GET, &format!("/api/v1/caseload?worker={both}"), Role::Coordinator, None).await;
    assert_eq!(status, 200, "{list}");
    let mut got = names(&list);
    got.sort();
    assert_eq!(got, ["Hana", "Margaret"], "Margaret's open case is the first worker's, Hana's the second's");
    // Filtered within the caseloads: only the one waiting for contact.
    let (_, list) =
        api_call(&app, M::GET, &format!("/api/v1/caseload?worker={both}&status=accepted"), Role::Coordinator, None)
            .await;
    assert_eq!(names(&list), ["Hana"]);
    // A status no caseload holds is refused by name.
    let (status, p) =
        api_call(&app, M::GET, &format!("/api/v1/caseload?worker={both}&status=discharged"), Role::Coordinator, None)
            .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["status"]), "{p}");

    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    let html = coordinator.text(&format!("/caseload?assigned={}&assigned={}", first.id, second.id)).await;
    assert!(html.contains("<h1>2 caseloads</h1>"), "{html}");
    assert!(
        html.contains(&format!("The open cases of {}, {}.", first.display_name, second.display_name))
            || html.contains(&format!("The open cases of {}, {}.", second.display_name, first.display_name)),
        "{html}"
    );
    for w in [&first, &second] {
        assert!(html.contains(&format!("value=\"{}\" checked", w.id)), "{} ticked: {html}", w.display_name);
    }
    assert!(html.contains(">Hana Ito</a>") && html.contains(">Margaret Oakes</a>"));
    // One worker's caseload still reads as theirs, with no worker column.
    let html = coordinator.text(&format!("/caseload?worker={}", second.id)).await;
    assert!(html.contains(&format!("<h1>{}&#39;s caseload</h1>", second.display_name)), "{html}");
    assert!(html.contains("Hana Ito") && !html.contains(">Margaret Oakes</a>"));
}

async fn a_referrers_list_is_in_date_order_with_what_they_gave(engine: Engine) {
    let app = spawn(engine).await;
    let (_, older) = person_referred(&app, "Ivy", "Older", Stage::Received).await;
    received_days_ago(&app, older, 30).await;
    let (jo, newer) = person_referred(&app, "Jo", "Newer", Stage::Received).await;
    received_days_ago(&app, newer, 2).await;
    exec(&app.db, &format!("UPDATE referrals SET referred_nhs_number = '9434765919' WHERE id = '{newer}'")).await;
    let (status, list) = api_call(&app, M::GET, "/api/v1/referrals", Role::Referrer, None).await;
    assert_eq!(status, 200);
    assert_eq!(names(&list), ["Margaret", "Margaret", "Jo", "Ivy"], "newest received first: {list}");
    assert_eq!(list["items"][2]["nhs_number"], "9434765919");
    assert!(list["items"][3].get("nhs_number").is_none(), "Ivy's referral gave none: {list}");
    // By name, as their referrals gave the names: the record's (corrected since) neither
    // orders the list nor travels in its cursor.
    exec(&app.db, &format!("UPDATE people SET given_name = 'Zara', family_name = 'Zzyzx' WHERE id = '{jo}'")).await;
    let by_name = walk(&app, "/api/v1/referrals?sort=name", Role::Referrer, 1).await;
    assert_eq!(by_name, ["Jo", "Margaret", "Margaret", "Ivy"]);
    let (_, first) = api_call(&app, M::GET, "/api/v1/referrals?sort=name&limit=1", Role::Referrer, None).await;
    let hex = first["next_cursor"].as_str().unwrap();
    let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    let cursor = String::from_utf8(bytes).unwrap();
    assert!(cursor.contains("newer") && !cursor.contains("zzyzx") && !cursor.contains(&jo.to_string()), "{cursor}");

    let referrer = app.signed_in(&app.a.email(Role::Referrer)).await;
    let html = referrer.text("/referrals").await;
    assert!(html.contains("NHS number </span>943 476 5919"), "{html}");
    assert!(html.contains("Date of birth </span>27 Mar 1951"), "{html}");
    assert!(!html.contains("<label class=\"nhsuk-label\" for=\"assigned\">"), "a referrer chooses no worker");
    // Their search looks at their referrals as they gave them: by NHS number, by name.
    let (_, found) = api_call(&app, M::GET, "/api/v1/referrals?search=943%20476%205919", Role::Referrer, None).await;
    assert_eq!(names(&found), ["Jo"]);
    let (_, found) = api_call(&app, M::GET, "/api/v1/referrals?search=older", Role::Referrer, None).await;
    assert_eq!(names(&found), ["Ivy"]);
    let (status, p) = api_call(&app, M::GET, "/api/v1/referrals?search=LS1%204AP", Role::Referrer, None).await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["search"]), "{p}");
    // A name with an apostrophe or a hyphen is found however it is typed.
    person_referred(&app, "Nora", "O'Neil-Hart", Stage::Received).await;
    for typed in ["oneil", "o%27neil", "O%27Neil%20Hart", "neilhart"] {
        let (_, found) =
            api_call(&app, M::GET, &format!("/api/v1/referrals?search={typed}"), Role::Referrer, None).await;
        assert_eq!(names(&found), ["Nora"], "{typed}");
    }
    // Another practice's referrer finds nothing of these, by any search.
    let other = crate::support::add_practice_referrer(&app, "B82001", "other.referrer@a.example").await;
    let token = app.token(&app.a, &other).await;
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/referrals?search=943%20476%205919"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(names(&body), Vec::<String>::new(), "{body}");
}

async fn a_bad_sort_direction_or_cursor_is_named(engine: Engine) {
    let app = spawn(engine).await;
    five_waiting(&app).await;
    for (query, fields) in [
        ("sort=colour", vec!["sort"]),
        ("direction=up", vec!["direction"]),
        ("sort=colour&urgency=very", vec!["urgency", "sort"]),
        ("cursor=zz", vec!["cursor"]),
        ("cursor=5b5d", vec!["cursor"]),
    ] {
        for list in ["/api/v1/referrals", "/api/v1/waiting-list"] {
            let (status, p) = api_call(&app, M::GET, &format!("{list}?{query}"), Role::Coordinator, None).await;
            assert_eq!((status, problem_fields(&p)), (422, fields.clone()), "{list}?{query}: {p}");
        }
    }
    // A cursor from one order is not a place in another.
    let (_, page) = api_call(&app, M::GET, "/api/v1/waiting-list?sort=name&limit=1", Role::Coordinator, None).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (status, p) =
        api_call(&app, M::GET, &format!("/api/v1/waiting-list?sort=urgency&cursor={cursor}"), Role::Coordinator, None)
            .await;
    assert_eq!((status, problem_fields(&p)), (422, vec!["cursor"]), "{p}");
    let coordinator = app.signed_in(&app.a.email(Role::Coordinator)).await;
    for asked in ["sort=colour", "order=colour-ascending", "order=name-sideways"] {
        let r = coordinator.get(&format!("/waiting-list?{asked}")).await;
        assert_eq!(r.status(), 422, "{asked}");
        assert!(r.text().await.unwrap().contains("href=\"#sort\""), "{asked}");
    }
}

async fn a_referral_is_confirmed_with_its_reference_and_the_expected_wait(engine: Engine) {
    let app = spawn(engine).await;
    let body = serde_json::json!({
        "person": {"given_name": "Kit", "family_name": "Marlowe", "date_of_birth": "1950-02-06", "sex": "male",
                   "postcode": "LS1 4AP", "phone": "07700 900123", "preferred_channel": "phone"},
        "referral": {"source": "gp", "needs": ["loneliness"], "urgency": "routine", "consent_confirmed": true},
    });
    let (status, made) = api_call(&app, M::POST, "/api/v1/referrals", Role::Referrer, Some(body.clone())).await;
    assert_eq!(status, 201, "{made}");
    let reference = made["reference"].as_str().unwrap().to_owned();
    let alphabet = linkwell_domain::referrals::reference::ALPHABET;
    assert!(reference.starts_with("LW-") && reference.len() == 10, "{reference}");
    assert!(reference[3..].bytes().filter(|b| *b != b'-').all(|b| alphabet.contains(&b)), "{reference}");
    assert!(made.get("expected_wait_days").is_none(), "too few first contacts yet: {made}");
    // Found by its reference, as said over the phone.
    let said = reference.to_lowercase().replace('-', " ");
    let (_, found) =
        api_call(&app, M::GET, &format!("/api/v1/referrals?search={}", said.replace(' ', "%20")), Role::Referrer, None)
            .await;
    assert_eq!(names(&found), ["Kit"], "{found}");

    // Five people reached about six days after they were referred.
    for given in ["Amy", "Ben", "Cy", "Di", "Ed"] {
        let (_, r) = person_referred(&app, given, "Reached", Stage::Active).await;
        let at = linkwell_store::now_ms() - 6 * 86_400_000 + 3_600_000;
        exec(&app.db, &format!("UPDATE referrals SET received_at = {at} WHERE id = '{r}'")).await;
    }
    let (_, made) = api_call(&app, M::POST, "/api/v1/referrals", Role::Referrer, Some(body)).await;
    assert_eq!(made["expected_wait_days"], 6, "{made}");
    let referrer = app.signed_in(&app.a.email(Role::Referrer)).await;
    let form = crate::support::referral_form("Lu", "Page", ("2", "2", "1980"), &[]);
    let r = referrer.post_form("/referrals", &form).await;
    assert_eq!(r.status(), 303);
    let page = referrer.text(&crate::support::location(&r)).await;
    assert!(page.contains("Referral sent. Its reference is LW-"), "{page}");
    assert!(page.contains("contacted within about 6 days (we aim for 14 days)"), "{page}");
    assert!(page.contains("<dt class=\"nhsuk-summary-list__key\">Reference</dt>"), "{page}");
}

async fn the_referring_practice_reads_the_discharge_summary_as_consented(engine: Engine) {
    let app = spawn(engine).await;
    let done = app.a.case.discharged;
    let referrer = app.signed_in(&app.a.email(Role::Referrer)).await;
    let status = referrer.text(&format!("/referrals/{done}")).await;
    assert!(
        status.contains(&format!("href=\"/referrals/{done}/discharge-summary\">Read the discharge summary")),
        "{status}"
    );
    // Without the person's consent to share: codes, dates and outcomes only.
    let page = referrer.text(&format!("/referrals/{done}/discharge-summary")).await;
    assert!(page.contains("codes, dates and outcomes only") && page.contains("Goals met"), "{page}");
    assert!(!page.contains("Walks every week."), "{page}");
    let (status, api) =
        api_call(&app, M::GET, &format!("/api/v1/referrals/{done}/discharge-summary"), Role::Referrer, None).await;
    assert_eq!(
        (status, &api["summary"]["withheld"], &api["summary"]["summary"]),
        (200, &serde_json::json!(true), &serde_json::json!("")),
        "{api}"
    );
    let text = referrer.text(&format!("/referrals/{done}/discharge-summary.txt")).await;
    assert!(text.contains("codes, dates and outcomes only") && !text.contains("Walks every week."), "{text}");
    // Consent to share with community services is not consent to share with the practice.
    exec(&app.db, &format!("UPDATE people SET consent_share = TRUE WHERE id = '{}'", app.a.case.person)).await;
    let page = referrer.text(&format!("/referrals/{done}/discharge-summary")).await;
    assert!(page.contains("codes, dates and outcomes only") && !page.contains("Walks every week."), "{page}");
    // With consent to share with the practice: the whole summary.
    exec(&app.db, &format!("UPDATE people SET consent_share_practice = TRUE WHERE id = '{}'", app.a.case.person)).await;
    let page = referrer.text(&format!("/referrals/{done}/discharge-summary")).await;
    assert!(page.contains("Walks every week.") && !page.contains("codes, dates and outcomes only"), "{page}");
    // Another practice's referrer is told nothing, as if it did not exist.
    let other = crate::support::add_practice_referrer(&app, "B82001", "other.referrer@a.example").await;
    let theirs = app.signed_in(&other.email).await;
    assert_eq!(theirs.get(&format!("/referrals/{done}/discharge-summary")).await.status(), 404);
    // An open referral has no summary yet.
    assert_eq!(referrer.get(&format!("/referrals/{}/discharge-summary", app.a.case.referral)).await.status(), 404);
}
