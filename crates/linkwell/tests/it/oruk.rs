//! The Open Referral UK 3.0 feed, on both engines: every response checked against the
//! ORUK schemas (Draft 2020-12, format checking on) after proving that the validator
//! passes the official examples and fails the official validator's fail mocks; pages
//! walked first, middle and last as the official validator does, each item fetched by id;
//! every filter tested, ANDed; and the public search pages.

use std::collections::HashMap;
use std::path::PathBuf;

use linkwell_domain::directory::{ActivityType, ServiceFields, ServiceStatus, Taxonomy, Term};
use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use serde_json::Value;

use crate::support::{TestApp, set_listing_status, spawn};

/// The ORUK 3.0 schemas, examples and validator mocks, copied into the repository
/// (tests/standards/README.md says where from).
fn standards() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/standards/oruk-3.0"))
}

fn read(path: PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// A validator per ORUK schema, each with every schema registered under its published URL.
pub struct Schemas {
    validators: HashMap<String, jsonschema::Validator>,
}

impl Schemas {
    pub fn load() -> Schemas {
        let dir = standards().join("schema");
        let mut all = vec![];
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            all.push((name, read(path)));
        }
        let url = |name: &str| format!("https://openreferraluk.org/specifications/3.0/schema/{name}.json");
        let mut validators = HashMap::new();
        for (name, schema) in &all {
            // The published file with an empty $ref (sic), referenced by nothing.
            if name == "empy_list_response" {
                continue;
            }
            let mut options =
                jsonschema::options().with_draft(jsonschema::Draft::Draft202012).should_validate_formats(true);
            for (other, contents) in &all {
                if other != "empy_list_response" {
                    options = options
                        .with_resource(url(other), jsonschema::Draft::Draft202012.create_resource(contents.clone()));
                }
            }
            let v = options.build(schema).unwrap_or_else(|e| panic!("schema {name}: {e}"));
            validators.insert(name.clone(), v);
        }
        Schemas { validators }
    }

    /// Every way `body` breaks `schema`.
    pub fn errors(&self, schema: &str, body: &Value) -> Vec<String> {
        self.validators[schema].iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path)).collect()
    }

    pub fn assert_valid(&self, schema: &str, body: &Value, what: &str) {
        let errors = self.errors(schema, body);
        assert!(errors.is_empty(), "{what} is not a valid ORUK {schema}: {errors:?}\n{body}");
        assert!(!body.to_string().contains(":null"), "{what} has a null: absent fields are left out");
    }
}

#[test]
fn the_validator_passes_the_examples_and_fails_the_fail_mocks() {
    let s = Schemas::load();
    let examples = [
        ("service_full", "service"),
        ("service_list", "service_list"),
        ("organization_full", "organization"),
        ("organization_list", "organization_list"),
        ("service_at_location_full", "service_at_location"),
        ("service_at_location_list", "service_at_location_list"),
        ("taxonomy", "taxonomy"),
        ("taxonomy_list", "taxonomy_list"),
        ("taxonomy_term", "taxonomy_term"),
        ("taxonomy_term_list", "taxonomy_term_list"),
    ];
    for (file, schema) in examples {
        let body = read(standards().join("examples").join(format!("{file}.json")));
        assert_eq!(s.errors(schema, &body), Vec::<String>::new(), "example {file}");
    }
    assert!(s.errors("api_details", &read(standards().join("validator-mocks-default/api_details.json"))).is_empty());
    for (file, schema) in [
        ("api_details", "api_details"),
        ("service_full", "service"),
        ("service_list", "service_list"),
        ("taxonomy_term", "taxonomy_term"),
    ] {
        let body = read(standards().join("validator-mocks-fail").join(format!("{file}.json")));
        assert!(!s.errors(schema, &body).is_empty(), "fail mock {file} must fail");
    }
    // Format checking is on: a bad email alone fails.
    let mut service = read(standards().join("examples/service_full.json"));
    service["email"] = Value::from("not-an-email");
    assert!(!s.errors("service", &service).is_empty());
}

/// A listing in org A with a place near Headingley.
async fn listing(
    app: &TestApp,
    name: &str,
    activity: &str,
    postcode: &str,
    extra: impl FnOnce(&mut ServiceFields),
) -> linkwell_store::directory::Service {
    crate::support::add_listing(&app.db, &app.a.scope, app.a.provider.id, name, postcode, |f| {
        f.description = format!("{name}: all welcome.");
        f.needs = vec!["loneliness".into()];
        f.activities = vec![activity.into()];
        f.location_name = format!("{name} hall");
        f.address = "1 Church Road".into();
        f.town = "Leeds".into();
        f.contact_name = "Sue".into();
        f.phone = "0113 496 0001".into();
        f.languages = "English, Urdu".into();
        f.url = "https://example.org/group".into();
        f.email = "group@example.org".into();
        extra(f);
    })
    .await
}

async fn get(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = reqwest::get(app.url(path)).await.unwrap();
    (r.status().as_u16(), r.headers().clone(), r.text().await.unwrap())
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let (status, headers, body) = get(app, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert_eq!(headers.get("access-control-allow-origin").map(|v| v.to_str().unwrap()), Some("*"), "{path}");
    serde_json::from_str(&body).unwrap()
}

fn names(page: &Value) -> Vec<String> {
    let mut n: Vec<String> =
        page["contents"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect();
    n.sort();
    n
}

both_engines!(the_feed_is_valid_oruk_filtered_and_paged);

async fn the_feed_is_valid_oruk_filtered_and_paged(engine: Engine) {
    let app = spawn(engine).await;
    let schemas = Schemas::load();
    crate::support::load_postcodes(
        &app.db,
        &[("LS6 2AB", 53.8195, -1.5762), ("LS6 4LD", 53.8330, -1.5690), ("LS17 5AA", 53.8580, -1.5300)],
    )
    .await;
    // Not published yet: nothing to see, but still readable from any origin.
    let (status, headers, _) = get(&app, "/oruk/a/").await;
    assert_eq!(status, 404);
    assert_eq!(headers.get("access-control-allow-origin").map(|v| v.to_str().unwrap()), Some("*"));
    assert_eq!(reqwest::get(app.url("/community/a")).await.unwrap().status(), 404);

    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let org = app.db.organisation(&app.a.scope).await.unwrap();
    let r = admin
        .post_form("/admin/settings/directory", &[("version", &org.version.to_string()), ("directory_public", "on")])
        .await;
    assert_eq!(r.status(), 303);

    let near = listing(&app, "Meanwood Walkers", "walking", "LS6 4LD", |_| {}).await;
    let far = listing(&app, "Moortown Rambles", "walking", "LS17 5AA", |f| {
        f.cost = "paid".into();
        f.cost_amount = "2.50".into();
        f.cost_description = "per walk".into();
    })
    .await;
    let knit = listing(&app, "Knit and Natter", "arts_crafts", "LS6 2AB", |f| {
        f.schedules[0].rule = "FREQ=MONTHLY;BYDAY=2TH;COUNT=12".into();
        f.schedules[0].starts = linkwell_domain::time::DateEntry::Iso("2026-01-01".into());
    })
    .await;
    let paused = listing(&app, "Paused Strollers", "walking", "LS6 4LD", |_| {}).await;
    set_listing_status(&app.db, &app.a.scope, &paused, ServiceStatus::Paused { restart: None }).await;
    let closed = listing(&app, "Closed Club", "social_club", "LS6 2AB", |_| {}).await;
    set_listing_status(&app.db, &app.a.scope, &closed, ServiceStatus::Closed { reason: "Funding ended".into() }).await;
    // A listing of another organisation, and another provider of A's.
    crate::support::seed_listing_named(&app.db, &app.b.scope, "Other Org Walk").await;
    let (hub, _) = crate::support::seed_listing_named(&app.db, &app.a.scope, "Hub Lunch").await;
    let total = 7; // Walk and Talk, the five above, Hub Lunch.

    let details = get_json(&app, "/oruk/a/").await;
    schemas.assert_valid("api_details", &details, "GET /");
    assert_eq!(details["version"], "HSDS-UK-3.0");
    assert_eq!(get_json(&app, "/oruk/a").await, details);

    // Walk the pages as the validator does: first, middle, last; each item by id.
    let first = get_json(&app, "/oruk/a/services?per_page=3").await;
    schemas.assert_valid("service_list", &first, "page 1");
    assert_eq!(
        (first["total_items"].as_u64(), first["total_pages"].as_u64(), first["page_number"].as_u64()),
        (Some(total), Some(3), Some(1))
    );
    assert_eq!(
        (first["first_page"].as_bool(), first["last_page"].as_bool(), first["size"].as_u64()),
        (Some(true), Some(false), Some(3))
    );
    let mut seen = vec![];
    for page in 1..=3 {
        let p = get_json(&app, &format!("/oruk/a/services?per_page=3&page={page}")).await;
        schemas.assert_valid("service_list", &p, &format!("page {page}"));
        assert_eq!(p["last_page"].as_bool(), Some(page == 3));
        for item in p["contents"].as_array().unwrap() {
            let id = item["id"].as_str().unwrap();
            let full = get_json(&app, &format!("/oruk/a/services/{id}")).await;
            schemas.assert_valid("service", &full, &format!("service {id}"));
            seen.push(full["name"].as_str().unwrap().to_owned());
        }
    }
    seen.sort();
    assert_eq!(seen.len() as u64, total);
    assert!(!seen.contains(&"Other Org Walk".to_owned()));
    let beyond = get_json(&app, "/oruk/a/services?per_page=3&page=4").await;
    assert_eq!((beyond["empty"].as_bool(), beyond["size"].as_u64()), (Some(true), Some(0)));

    // A fully nested service: schedule, place, cost, contact, languages, terms.
    let m = get_json(&app, &format!("/oruk/a/services/{}", far.id)).await;
    assert_eq!(m["status"], "active");
    assert_eq!(m["cost_options"][0]["amount"].as_f64(), Some(2.5));
    assert_eq!(m["schedules"][0]["freq"], "WEEKLY");
    assert_eq!(m["schedules"][0]["byday"], "TU");
    assert_eq!(m["schedules"][0]["opens_at"], "10:00:00");
    assert_eq!(m["service_at_locations"][0]["location"]["addresses"][0]["postal_code"], "LS17 5AA");
    assert_eq!(m["service_at_locations"][0]["location"]["latitude"].as_f64(), Some(53.858));
    assert_eq!(m["contacts"][0]["phones"][0]["number"], "0113 496 0001");
    assert_eq!(m["organization"]["name"], "Leeds Ramblers");
    let terms: Vec<&str> =
        m["attributes"].as_array().unwrap().iter().map(|a| a["taxonomy_term"]["term"].as_str().unwrap()).collect();
    assert_eq!(terms, ["loneliness", "walking"]);
    let k = get_json(&app, &format!("/oruk/a/services/{}", knit.id)).await;
    assert_eq!(
        (k["schedules"][0]["freq"].as_str(), k["schedules"][0]["byday"].as_str()),
        (Some("MONTHLY"), Some("2TH"))
    );
    assert!(k["schedules"][0]["notes"].as_str().unwrap().contains("12 times"));
    // Status maps from ours.
    assert_eq!(get_json(&app, &format!("/oruk/a/services/{}", paused.id)).await["status"], "temporarily closed");
    assert_eq!(get_json(&app, &format!("/oruk/a/services/{}", closed.id)).await["status"], "defunct");
    // Another organisation's service, a bad id: not found.
    let other = app.db.services_page(&app.b.scope, &Default::default(), 0, 1).await.unwrap().0[0].id;
    assert_eq!(get(&app, &format!("/oruk/a/services/{other}")).await.0, 404);
    assert_eq!(get(&app, "/oruk/a/services/not-a-uuid").await.0, 404);
    assert_eq!(get(&app, "/oruk/b/services").await.0, 404, "B has not published");

    // Filters, each alone and ANDed.
    let walking = Term::Activity(ActivityType::Walking).uuid();
    let activities = Taxonomy::Activities.uuid();
    let by_term = get_json(&app, &format!("/oruk/a/services?taxonomy_term_id={walking}")).await;
    schemas.assert_valid("service_list", &by_term, "taxonomy_term_id");
    assert_eq!(
        names(&by_term),
        ["Hub Lunch", "Meanwood Walkers", "Moortown Rambles", "Paused Strollers", "Walk and Talk"]
    );
    assert_eq!(
        get_json(&app, &format!("/oruk/a/services?taxonomy_id={activities}")).await["total_items"].as_u64(),
        Some(total)
    );
    assert_eq!(
        get_json(&app, &format!("/oruk/a/services?taxonomy_id={}", uuid::Uuid::nil())).await["total_items"].as_u64(),
        Some(0)
    );
    let by_org = get_json(&app, &format!("/oruk/a/services?organization_id={}", hub.id)).await;
    assert_eq!(names(&by_org), ["Hub Lunch"]);
    // Listings written straight to the database reach the search index by following it.
    // Wait for Hub Lunch by name: "lunch" finds Closed Club too (a social and lunch club).
    for _ in 0..100 {
        if names(&get_json(&app, "/oruk/a/services?search=hub+lunch").await).contains(&"Hub Lunch".to_owned()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let search = get_json(&app, "/oruk/a/services?search=walkng").await;
    assert!(names(&search).contains(&"Walk and Talk".to_owned()), "{search}");
    // A search's pages count every hit, the page after the last one included.
    let all = search["total_items"].as_u64();
    assert!(all >= Some(2), "{search}");
    let second = get_json(&app, "/oruk/a/services?search=walkng&per_page=1&page=2").await;
    let beyond = get_json(&app, "/oruk/a/services?search=walkng&per_page=1&page=99").await;
    assert_eq!(
        (second["total_items"].as_u64(), beyond["total_items"].as_u64(), beyond["contents"].as_array().map(Vec::len)),
        (all, all, Some(0))
    );
    let and = get_json(&app, &format!("/oruk/a/services?search=moortown&taxonomy_term_id={walking}")).await;
    assert_eq!(names(&and), ["Moortown Rambles"]);
    let none = get_json(&app, &format!("/oruk/a/services?search=moortown&organization_id={}", hub.id)).await;
    assert_eq!(none["total_items"].as_u64(), Some(0));
    schemas.assert_valid("service_list", &none, "an empty page");
    let future = get_json(&app, "/oruk/a/services?modified_after=2100-01-01T00:00:00Z").await;
    assert_eq!(future["total_items"].as_u64(), Some(0));
    let since = jiff::Timestamp::from_millisecond(near.updated_at).unwrap().to_string();
    let recent = get_json(&app, &format!("/oruk/a/services?modified_after={since}")).await;
    assert!(
        names(&recent).contains(&"Meanwood Walkers".to_owned())
            && !names(&recent).contains(&"Walk and Talk".to_owned())
    );
    let minimal = get_json(&app, "/oruk/a/services?minimal=true").await;
    schemas.assert_valid("service_list", &minimal, "minimal");
    let keys: Vec<&String> = minimal["contents"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "organization_id", "name", "description", "status", "last_modified"]);
    let full = get_json(&app, "/oruk/a/services?full=true&per_page=100").await;
    schemas.assert_valid("service_list", &full, "full");
    assert!(full["contents"].as_array().unwrap().iter().all(|s| s["schedules"].is_array()));
    let (status, headers, body) =
        get(&app, &format!("/oruk/a/services?format=ndjson&taxonomy_term_id={walking}")).await;
    assert_eq!((status, headers.get("content-type").unwrap().to_str().unwrap()), (200, "application/x-ndjson"));
    let lines: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 5);
    for l in &lines {
        schemas.assert_valid("service", l, "an NDJSON line");
    }
    // Bad parameters are named.
    let (status, _, body) =
        get(&app, "/oruk/a/services?page=0&per_page=lots&modified_after=yesterday&taxonomy_term_id=x&minimal=maybe")
            .await;
    assert_eq!(status, 422, "{body}");
    for field in ["page", "per_page", "modified_after", "taxonomy_term_id", "minimal"] {
        assert!(body.contains(&format!("\"field\":\"{field}\"")), "{field} in {body}");
    }

    // Places, by postcode and proximity in metres.
    let sal = get_json(&app, "/oruk/a/service_at_locations?postcode=LS6+2AB&proximity=2000").await;
    schemas.assert_valid("service_at_location_list", &sal, "service_at_locations");
    let ids: Vec<&str> =
        sal["contents"].as_array().unwrap().iter().map(|x| x["service_id"].as_str().unwrap()).collect();
    assert_eq!(ids.first().copied(), Some(knit.id.to_string().as_str()), "nearest first");
    assert!(!ids.contains(&far.id.to_string().as_str()), "Moortown is 3.3 km away");
    assert!(ids.contains(&near.id.to_string().as_str()));
    let one = sal["contents"][0]["id"].as_str().unwrap();
    schemas.assert_valid(
        "service_at_location",
        &get_json(&app, &format!("/oruk/a/service_at_locations/{one}")).await,
        "a place",
    );
    let all_places = get_json(&app, "/oruk/a/service_at_locations?full=true").await;
    schemas.assert_valid("service_at_location_list", &all_places, "places, full");
    assert_eq!(all_places["total_items"].as_u64(), Some(total));
    assert_eq!(get(&app, "/oruk/a/service_at_locations?proximity=100").await.0, 422);
    // Places are filtered by their listings as the services are.
    let walking_places = get_json(&app, &format!("/oruk/a/service_at_locations?taxonomy_term_id={walking}")).await;
    schemas.assert_valid("service_at_location_list", &walking_places, "places, by term");
    let mut place_services: Vec<String> = walking_places["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["service_id"].as_str().unwrap().to_owned())
        .collect();
    place_services.sort();
    let mut walking_services: Vec<String> =
        by_term["contents"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_owned()).collect();
    walking_services.sort();
    assert_eq!(place_services, walking_services, "one place each");
    let hub_places = get_json(&app, &format!("/oruk/a/service_at_locations?organization_id={}", hub.id)).await;
    assert_eq!(hub_places["total_items"].as_u64(), Some(1));

    // Taxonomies, terms and organisations.
    let t = get_json(&app, "/oruk/a/taxonomies").await;
    schemas.assert_valid("taxonomy_list", &t, "taxonomies");
    assert_eq!(t["total_items"].as_u64(), Some(3));
    schemas.assert_valid("taxonomy", &get_json(&app, &format!("/oruk/a/taxonomies/{activities}")).await, "a taxonomy");
    let terms = get_json(&app, &format!("/oruk/a/taxonomy_terms?taxonomy_id={activities}&per_page=100")).await;
    schemas.assert_valid("taxonomy_term_list", &terms, "terms");
    assert_eq!(terms["total_items"].as_u64(), Some(ActivityType::ALL.len() as u64));
    schemas.assert_valid(
        "taxonomy_term",
        &get_json(&app, &format!("/oruk/a/taxonomy_terms/{walking}")).await,
        "a term",
    );
    let orgs = get_json(&app, "/oruk/a/organizations").await;
    schemas.assert_valid("organization_list", &orgs, "organizations");
    assert_eq!(orgs["total_items"].as_u64(), Some(2));
    schemas.assert_valid(
        "organization",
        &get_json(&app, &format!("/oruk/a/organizations/{}", hub.id)).await,
        "an organisation",
    );

    // The public pages: running listings only; a paused one's page says so; closed are gone.
    let page = reqwest::get(app.url("/community/a?q=walk&day=TU")).await.unwrap().text().await.unwrap();
    assert!(page.contains(">Meanwood Walkers</a>") && !page.contains("Paused Strollers"), "{page}");
    let paused_page =
        reqwest::get(app.url(&format!("/community/a/services/{}", paused.id))).await.unwrap().text().await.unwrap();
    assert!(paused_page.contains("Not running at the moment"));
    assert_eq!(reqwest::get(app.url(&format!("/community/a/services/{}", closed.id))).await.unwrap().status(), 404);
    assert!(!page.contains("Sign out"), "no one is signed in");
}

both_engines!(another_directory_is_imported_again_and_again);

/// `linkwell import oruk` reads A's published feed into B over HTTP, keeping the
/// publisher's ids; a second import updates; a file with broken records imports the rest.
async fn another_directory_is_imported_again_and_again(engine: Engine) {
    use crate::cli::{linkwell, ok};
    let app = spawn(engine).await;
    let admin = app.signed_in(&app.a.email(Role::Admin)).await;
    let org = app.db.organisation(&app.a.scope).await.unwrap();
    admin
        .post_form("/admin/settings/directory", &[("version", &org.version.to_string()), ("directory_public", "on")])
        .await;
    let knit = listing(&app, "Knit and Natter", "arts_crafts", "LS6 2AB", |f| {
        f.cost = "paid".into();
        f.cost_amount = "1.50".into();
    })
    .await;
    let paused = listing(&app, "Paused Strollers", "walking", "LS6 4LD", |_| {}).await;
    set_listing_status(&app.db, &app.a.scope, &paused, ServiceStatus::Paused { restart: None }).await;
    let b_before = app.db.services_page(&app.b.scope, &Default::default(), 0, 100).await.unwrap().1;

    let feed = app.url("/oruk/a");
    let out = ok(&linkwell(&["import", "oruk", "--database", app.db_url(), "--org", "b", &feed], None));
    assert_eq!(out.lines().next(), Some("imported 3 services (3 new, 0 updated); 0 not imported"), "{out}");
    let copy = app.db.service(&app.b.scope, knit.id).await.unwrap();
    assert_eq!(
        (copy.name.as_str(), copy.cost.summary().as_str(), copy.source.as_str()),
        ("Knit and Natter", "£1.50", feed.as_str())
    );
    assert_eq!(copy.locations[0].postcode.as_deref(), Some("LS6 2AB"));
    assert_eq!(copy.schedules[0].schedule.recurrence.to_string(), "FREQ=WEEKLY;BYDAY=TU");
    assert_eq!(copy.last_verified, None, "not checked by B's team");
    assert_eq!(app.db.service(&app.b.scope, paused.id).await.unwrap().status.code(), "paused");
    assert_eq!(app.db.provider(&app.b.scope, knit.provider_id).await.unwrap().name, "Leeds Ramblers");
    let after = app.db.services_page(&app.b.scope, &Default::default(), 0, 100).await.unwrap().1;
    assert_eq!(after, b_before + 3);

    // Again: the same records update, never duplicate.
    let out = ok(&linkwell(&["import", "oruk", "--database", app.db_url(), "--org", "b", &feed], None));
    assert_eq!(out.lines().next(), Some("imported 3 services (0 new, 3 updated); 0 not imported"), "{out}");
    assert_eq!(app.db.services_page(&app.b.scope, &Default::default(), 0, 100).await.unwrap().1, after);
    let kinds: Vec<String> =
        app.db.service_history(&app.b.scope, knit.id).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["imported", "imported"]);

    // A file with broken records: each named by id and field; the good one imports.
    let good = get_json(&app, &format!("/oruk/a/services/{}", knit.id)).await;
    let mut bad_email = good.clone();
    bad_email["id"] = Value::from("0193a3b4-0000-7000-8000-00000000bad1");
    bad_email["email"] = Value::from("nope");
    let mut no_name = good.clone();
    no_name["id"] = Value::from("0193a3b4-0000-7000-8000-00000000bad2");
    no_name["name"] = Value::from("");
    let mut renamed = good.clone();
    renamed["id"] = Value::from("0193a3b4-0000-7000-8000-000000000901");
    renamed["name"] = Value::from("Knit and Natter (Saturdays)");
    let file = std::env::temp_dir().join(format!("oruk-{}.json", uuid::Uuid::now_v7()));
    std::fs::write(&file, serde_json::json!({ "contents": [bad_email, renamed, no_name] }).to_string()).unwrap();
    let run = linkwell(&["import", "oruk", "--database", app.db_url(), "--org", "b", file.to_str().unwrap()], None);
    let _ = std::fs::remove_file(&file);
    // Records left out make the command fail, so a script notices (issue 10 item 25).
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("2 services were not imported"));
    let out = String::from_utf8_lossy(&run.stdout).into_owned();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "imported 1 services (1 new, 0 updated); 2 not imported", "{out}");
    assert!(lines[1].contains("service 0193a3b4-0000-7000-8000-00000000bad1: email: "), "{out}");
    assert!(
        lines[2].contains("service 0193a3b4-0000-7000-8000-00000000bad2: name: Enter the name of the service"),
        "{out}"
    );
    assert_eq!(app.db.services_page(&app.b.scope, &Default::default(), 0, 100).await.unwrap().1, after + 1);

    // Issue 10 item 21: a feed naming the ids of B's own listing and provider (ids its
    // feed publishes) leaves them alone; B's own listing keeps its name and place.
    let own =
        crate::support::add_listing(&app.db, &app.b.scope, app.b.provider.id, "B's own walk", "LS8 2HH", |_| {}).await;
    let mut hostile = good.clone();
    hostile["id"] = Value::from(own.id.to_string());
    hostile["name"] = Value::from("Taken over");
    let mut hostile_provider = good.clone();
    hostile_provider["id"] = Value::from("0193a3b4-0000-7000-8000-000000000902");
    hostile_provider["organization"]["id"] = Value::from(app.b.provider.id.to_string());
    hostile_provider["organization"]["name"] = Value::from("Taken over too");
    // A second service naming the same local organisation, and one naming it by id alone.
    let mut second = hostile_provider.clone();
    second["id"] = Value::from("0193a3b4-0000-7000-8000-000000000903");
    let mut by_id = good.clone();
    by_id["id"] = Value::from("0193a3b4-0000-7000-8000-000000000904");
    by_id.as_object_mut().unwrap().remove("organization");
    by_id["organization_id"] = Value::from(app.b.provider.id.to_string());
    std::fs::write(&file, serde_json::json!([hostile, hostile_provider, second, by_id]).to_string()).unwrap();
    let run = linkwell(&["import", "oruk", "--database", app.db_url(), "--org", "b", file.to_str().unwrap()], None);
    let _ = std::fs::remove_file(&file);
    assert_eq!(run.status.code(), Some(2));
    let out = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        out.contains(&format!(
            "service {}: id: a listing with this id was made in this directory; it was left alone",
            own.id
        )),
        "{out}"
    );
    assert!(out.contains("organization_id: an organisation with this id was made in this directory"), "{out}");
    assert!(out.contains("4 not imported"), "{out}");
    for id in ["0193a3b4-0000-7000-8000-000000000903", "0193a3b4-0000-7000-8000-000000000904"] {
        assert!(
            app.db.service(&app.b.scope, id.parse().unwrap()).await.is_err(),
            "no listing under B's own organisation"
        );
    }
    let kept = app.db.service(&app.b.scope, own.id).await.unwrap();
    assert_eq!((kept.name.as_str(), kept.source.as_str()), ("B's own walk", ""));
    assert_eq!(app.db.provider(&app.b.scope, app.b.provider.id).await.unwrap().name, "Leeds Ramblers");
}
