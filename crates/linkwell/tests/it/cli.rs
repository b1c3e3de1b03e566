//! The command line, run as the real binary: administration on both engines, clear
//! one-line errors, and audit verification that finds tampering.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use linkwell_store::testing::TestDb;
use linkwell_store::{Db, Engine};

pub fn linkwell(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linkwell"))
        .args(args)
        .env_remove("LINKWELL_DATABASE_URL")
        .env("LINKWELL_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run linkwell");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &Output) -> String {
    assert!(!out.status.success(), "should have failed: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

both_engines!(administration_and_audit_verification, postcodes_load_from_open_data);

async fn postcodes_load_from_open_data(engine: Engine) {
    let (url, dir) = TestDb::fresh_url(engine).await.unwrap();
    let db = url.as_str();
    ok(&linkwell(&["migrate", "--database", db], None));
    let scratch = std::env::temp_dir().join(format!("linkwell-postcodes-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&scratch).unwrap();
    let onspd = scratch.join("ONSPD.csv");
    std::fs::write(&onspd, "pcd,pcds,lat,long\n\"LS8 2HH\",\"LS8 2HH\",53.831000,-1.499000\n\"LS8 1AA\",\"LS8 1AA\",53.821000,-1.511000\n\"LS9 9ZZ\",\"LS9 9ZZ\",99.999999,0.000000\n").unwrap();
    let out = ok(&linkwell(&["import", "postcodes", "--database", db, onspd.to_str().unwrap()], None));
    assert_eq!(out.trim(), "loaded 2 postcodes (1 without a location skipped); 1 district centroids");
    let codepoint = scratch.join("ls.csv");
    std::fs::write(
        &codepoint,
        "\"LS1 3AD\",10,429850,433800,\"E92000001\",\"\",\"\",\"\",\"E08000035\",\"E05011400\"\n",
    )
    .unwrap();
    ok(&linkwell(&["import", "postcodes", "--database", db, codepoint.to_str().unwrap()], None));
    let store = Db::connect(db).await.unwrap();
    let town_hall = store.postcode_point("LS1 3AD").await.unwrap().unwrap();
    assert!(town_hall.miles_to(linkwell_domain::directory::LatLon::new(53.8004, -1.5487).unwrap()) < 0.1);
    assert!(store.postcode_point("LS8").await.unwrap().is_some(), "district centroid");
    let wrong = scratch.join("people.csv");
    std::fs::write(&wrong, "name,age\nAnn,3\n").unwrap();
    assert!(
        err(&linkwell(&["import", "postcodes", "--database", db, wrong.to_str().unwrap()], None))
            .contains("is not an ONS Postcode Directory or OS Code-Point Open CSV")
    );
    let _ = std::fs::remove_dir_all(&scratch);
    drop(dir);
}

async fn administration_and_audit_verification(engine: Engine) {
    let (url, _dir) = TestDb::fresh_url(engine).await.unwrap();
    let db = url.as_str();
    assert_eq!(
        ok(&linkwell(&["migrate", "--database", db], None)).trim(),
        format!("schema version {}", Db::latest_schema_version())
    );
    ok(&linkwell(&["org", "create", "--database", db, "--slug", "hillside", "--name", "Hillside PCN"], None));
    assert!(
        err(&linkwell(&["org", "create", "--database", db, "--slug", "hillside", "--name", "Again"], None))
            .contains("--slug: an organisation called \"hillside\" already exists")
    );
    assert!(ok(&linkwell(&["org", "list", "--database", db], None)).contains("hillside\tHillside PCN"));

    let out = ok(&linkwell(
        &[
            "user",
            "create",
            "--database",
            db,
            "--org",
            "hillside",
            "--email",
            "Lead@Hillside.example",
            "--name",
            "Lee Admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("correct battery staple horse\n"),
    ));
    assert!(out.contains("created user lead@hillside.example"));
    let out = ok(&linkwell(
        &[
            "user",
            "create",
            "--database",
            db,
            "--org",
            "hillside",
            "--email",
            "w@hillside.example",
            "--name",
            "Wen Worker",
            "--role",
            "link worker",
        ],
        None,
    ));
    assert!(out.contains("one-time link to set a password (72 hours): /reset-password/rs_"));
    let e = err(&linkwell(
        &[
            "user",
            "create",
            "--database",
            db,
            "--org",
            "hillside",
            "--email",
            "x@hillside.example",
            "--name",
            "X",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("password\n"),
    ));
    assert!(e.contains("--password: Password must be 12 characters or more"), "{e}");
    let e = err(&linkwell(
        &["user", "create", "--database", db, "--org", "hillside", "--email", "bad", "--name", "", "--role", "wizard"],
        None,
    ));
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    assert!(e.contains("--name:") && e.contains("--email:") && e.contains("--role:"), "{e}");
    let e = err(&linkwell(&["user", "list", "--database", db, "--org", "nowhere"], None));
    assert!(e.contains("no organisation with the short name \"nowhere\""));

    let listed = ok(&linkwell(&["user", "list", "--database", db, "--org", "hillside"], None));
    assert!(listed.contains("lead@hillside.example\tLee Admin\tadmin\tactive"));
    let out = ok(&linkwell(
        &[
            "token",
            "create",
            "--database",
            db,
            "--org",
            "hillside",
            "--email",
            "lead@hillside.example",
            "--name",
            "GP system",
        ],
        None,
    ));
    let token = out.lines().nth(1).unwrap();
    assert!(token.starts_with("lw_"));
    ok(&linkwell(&["user", "disable", "--database", db, "--org", "hillside", "--email", "w@hillside.example"], None));
    assert!(
        ok(&linkwell(
            &["user", "reset-password", "--database", db, "--org", "hillside", "--email", "w@hillside.example"],
            None
        ))
        .contains("/reset-password/rs_")
    );

    let verified = ok(&linkwell(&["audit", "verify", "--database", db], None));
    assert!(verified.contains("hillside: intact ("), "{verified}");

    // Issue 10 item 26: the head, written down elsewhere, makes a rebuilt chain evident.
    let heads = ok(&linkwell(&["audit", "head", "--database", db], None));
    let witness = std::env::temp_dir().join(format!("heads-{}.txt", uuid::Uuid::now_v7()));
    std::fs::write(&witness, &heads).unwrap();
    let line = heads.lines().find(|l| l.starts_with("hillside ")).unwrap().to_owned();
    let witnessed_seq: i64 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let against = ["audit", "verify", "--database", db, "--against", witness.to_str().unwrap()];
    let out = ok(&linkwell(&against, None));
    assert!(out.contains(&format!("hillside: entry {witnessed_seq} matches the witnessed head")), "{out}");
    // Someone with database access edits entry 2 and rebuilds every hash after it.
    rebuild_chain_after_editing_entry_2(db, "hillside").await;
    assert!(
        ok(&linkwell(&["audit", "verify", "--database", db], None)).contains("hillside: intact ("),
        "the rebuilt chain verifies on its own"
    );
    let out = linkwell(&against, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!(
            "hillside: BROKEN: entry {witnessed_seq} no longer has the witnessed hash (the trail was rewritten)"
        )),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(&witness, "hillside 1 not-a-hash\n").unwrap();
    let e = err(&linkwell(&against, None));
    assert!(e.contains("--against:") && e.contains("line 1: the hash is not 64 hexadecimal digits"), "{e}");
    let _ = std::fs::remove_file(&witness);

    // Edit one entry behind the application's back: verify names it and exits 1.
    let raw = Db::connect(db).await.unwrap();
    match &raw {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            sqlx::query("UPDATE audit_log SET detail = 'role=admin' WHERE seq = 2").execute(p).await.map(|_| ())
        }
        Db::Postgres(p) => {
            sqlx::query("UPDATE audit_log SET detail = 'role=admin' WHERE seq = 2").execute(p).await.map(|_| ())
        }
    }
    .unwrap();
    let out = linkwell(&["audit", "verify", "--database", db], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("hillside: BROKEN at entry 2: its hash does not match its contents (edited)")
    );
}

#[test]
fn bad_arguments_give_one_clear_line_and_fail() {
    let e = err(&linkwell(&["serve", "--database", "mysql://nope", "--listen", "127.0.0.1:0"], None));
    assert!(e.contains("error: could not open the database"), "{e}");
    let e =
        err(&linkwell(&["org", "create", "--database", "sqlite::memory:", "--slug", "Bad Slug!", "--name", "X"], None));
    assert_eq!(
        e.trim(),
        "error: --slug: Short name must be 60 characters or fewer: lower-case letters, digits and hyphens"
    );
    let out = linkwell(&["frobnicate"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand 'frobnicate'"));
}

both_engines!(the_demo_prints_logins_that_work);

/// Start `linkwell demo`, read its banner up to the address line, and return both.
fn start_demo(url: &str, port: u16) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_linkwell"))
        .args(["demo", "--database", url, "--listen", &format!("127.0.0.1:{port}")])
        .env("LINKWELL_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut banner = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("Linkwell is running at");
        banner.push(line);
        if done {
            break;
        }
    }
    (child, banner.join("\n"))
}

/// The README's first command: `linkwell demo` seeds the demo organisation, prints where
/// to sign in and the logins, and every printed login works. Run again, it reuses the data.
async fn the_demo_prints_logins_that_work(engine: Engine) {
    let (url, _dir) = TestDb::fresh_url(engine).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (mut child, banner) = start_demo(&url, port);
    assert!(banner.contains(&format!("Linkwell is running at http://127.0.0.1:{port}/")), "{banner}");
    assert!(banner.contains("/community/riverside-pcn"), "{banner}");
    let password =
        banner.split("Every demo login has the password: ").nth(1).unwrap().lines().next().unwrap().trim().to_owned();
    let emails: Vec<&str> = banner.split_whitespace().filter(|w| w.ends_with("@riverside.example")).collect();
    assert_eq!(emails.len(), 6, "one login per role: {banner}");
    for email in emails {
        let c =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let html = c.get(format!("{base}/sign-in")).send().await.unwrap().text().await.unwrap();
        let token = crate::support::extract_csrf(&html).unwrap();
        let r = c
            .post(format!("{base}/sign-in"))
            .form(&[("csrf_token", token.as_str()), ("email", email), ("password", &password)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{email}");
        let home = c.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
        assert!(home.contains("Riverside Primary Care Network"), "{email}");
        if email.starts_with("coordinator@") {
            let waiting = c.get(format!("{base}/waiting-list")).send().await.unwrap().text().await.unwrap();
            assert_eq!(
                waiting.matches("<tr class=\"nhsuk-table__row\" role=\"row\">").count() - 1,
                52,
                "the waiting ones (rows under the header): received, accepted, contacting"
            );
            // The older lonely walker's first suggestion is a walk meeting both her needs,
            // and no group for new parents is suggested to her at all.
            let db = linkwell_store::Db::connect(&url).await.unwrap();
            const EDITH: &str = "SELECT id FROM people WHERE given_name = 'Edith' AND family_name = 'Marsh'";
            let edith: String = match &db {
                linkwell_store::Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
                    sqlx::query_scalar(EDITH).fetch_one(p).await.unwrap()
                }
                linkwell_store::Db::Postgres(p) => sqlx::query_scalar(EDITH).fetch_one(p).await.unwrap(),
            };
            db.close().await;
            let page = c.get(format!("{base}/people/{edith}")).send().await.unwrap().text().await.unwrap();
            let suggested = page.split("id=\"suggestions\"").nth(1).unwrap();
            let first = suggested.split("<h3 class=\"nhsuk-heading-s").nth(1).unwrap();
            assert!(
                first.contains("Helps with loneliness and isolation and physical activity")
                    && (first.contains("Walk</a>") || first.contains("Walk (") || first.contains("Walk and Talk")),
                "{first}"
            );
            assert!(!suggested.contains("Parent and Baby") && !suggested.contains("Buggy Talk"), "{suggested}");
        }
        if email.starts_with("worker@") {
            let caseload = c.get(format!("{base}/caseload")).send().await.unwrap().text().await.unwrap();
            assert!(caseload.contains(" active, ") && caseload.contains("Overdue"), "{caseload}");
        }
    }
    // ~300 people in every state of the lifecycle, with sessions past and future.
    let db = linkwell_store::Db::connect(&url).await.unwrap();
    assert_eq!(crate::support::count(&db, "SELECT COUNT(*) FROM referrals").await, 300);
    assert_eq!(crate::support::count(&db, "SELECT COUNT(DISTINCT status) FROM referrals").await, 8);
    assert_eq!(crate::support::count(&db, "SELECT COUNT(*) FROM sessions WHERE status = 'booked'").await, 150);
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM sessions WHERE status = 'attended'").await > 400);
    // A directory of about 150 listings, some paused, closed, full or not checked for months,
    // and the team's own groups.
    assert_eq!(crate::support::count(&db, "SELECT COUNT(*) FROM services").await, 152);
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM services WHERE status = 'paused'").await >= 5);
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM services WHERE status = 'closed'").await >= 3);
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM services WHERE is_full").await >= 3);
    let scope = linkwell_store::OrgScope::new(db.organisation_by_slug("riverside-pcn").await.unwrap().id);
    assert!(db.services_to_check(&scope, linkwell_app::today(), 1000).await.unwrap().0.len() >= 20, "some are stale");
    assert_eq!(
        crate::support::count(
            &db,
            "SELECT COUNT(*) FROM services s JOIN providers p ON p.id = s.provider_id WHERE p.kind = 'own'"
        )
        .await,
        6
    );
    // The team runs them as groups, with a year behind them: Walk and Talk with over a
    // hundred members and its registers, some weeks called off for rain, a waiting list.
    assert_eq!(crate::support::count(&db, "SELECT COUNT(*) FROM team_groups").await, 6);
    let walkers = "SELECT COUNT(*) FROM group_members m JOIN services s ON s.id = m.service_id WHERE s.name = 'Walk and Talk' AND m.status = 'member'";
    assert!(crate::support::count(&db, walkers).await >= 100);
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM group_members WHERE status = 'waiting'").await >= 3);
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM group_sessions WHERE status = 'cancelled'").await >= 3);
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM group_attendance").await > 2000);
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM group_members WHERE route = 'prescription'").await >= 10);
    // Feedback given on the day, and two members' stories with their consent: one shown
    // with a first name, one without a name.
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM group_feedback").await >= 20);
    let shown =
        "SELECT COUNT(*) FROM group_stories WHERE withdrawn_at IS NULL AND display IN ('first_name', 'anonymous')";
    assert_eq!(crate::support::count(&db, shown).await, 2);
    let walk = crate::support::count(&db, "SELECT COUNT(*) FROM services s JOIN schedules sc ON sc.service_id = s.id WHERE s.name = 'Walk and Talk' AND sc.rrule = 'FREQ=WEEKLY;BYDAY=TU' AND sc.opens_at = '10:00'").await;
    assert_eq!(walk, 1, "Walk and Talk every Tuesday at 10:00");
    // People supported have free times and connections at every stage; some needs were unmet.
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM people WHERE free_times <> ''").await >= 50);
    assert!(crate::support::count(&db, "SELECT COUNT(*) FROM social_prescriptions").await >= 40);
    assert!(
        crate::support::count(&db, "SELECT COUNT(*) FROM social_prescriptions WHERE outcome = 'attending_6_weeks'")
            .await
            >= 3
    );
    assert!(
        crate::support::count(&db, "SELECT COUNT(*) FROM social_prescriptions WHERE follow_up_due IS NOT NULL").await
            >= 5
    );
    assert_eq!(crate::support::count(&db, "SELECT COUNT(*) FROM unmet_needs").await, 6);
    assert!(db.organisation(&scope).await.unwrap().directory_public);
    db.close().await;
    let _ = child.kill();
    let _ = child.wait();

    let users =
        |url: &str| ok(&linkwell(&["user", "list", "--database", url, "--org", "riverside-pcn"], None)).lines().count();
    let before = users(&url);
    assert_eq!(before, 12 + 32, "staff and a referrer per practice");
    let (mut again, banner) = start_demo(&url, port);
    assert!(banner.contains("Linkwell is running at"));
    let _ = again.kill();
    let _ = again.wait();
    assert_eq!(ok(&linkwell(&["org", "list", "--database", &url], None)).lines().count(), 1);
    assert_eq!(users(&url), before);
}

/// What an insider with write access could do to a plain hash chain: change an entry and
/// recompute every hash from it on, and the head.
async fn rebuild_chain_after_editing_entry_2(url: &str, slug: &str) {
    let db = Db::connect(url).await.unwrap();
    let org = db.organisation_by_slug(slug).await.unwrap();
    let scope = linkwell_store::OrgScope::new(org.id);
    let mut entries = vec![];
    let mut before = None;
    loop {
        let page = db.audit_page(&scope, &Default::default(), before, 200).await.unwrap();
        entries.extend(page.items);
        match page.next_cursor {
            Some(c) => before = Some(c.parse().unwrap()),
            None => break,
        }
    }
    entries.sort_by_key(|e| e.seq);
    let key = org.id.to_string();
    let mut prev = entries[0].prev_hash.clone();
    for e in &mut entries {
        if e.seq == 2 {
            e.detail = Some("role=commissioner".into());
        }
        e.prev_hash = prev.clone();
        e.hash = e.expected_hash(&key);
        prev = e.hash.clone();
    }
    // Hashes are hex and details the service's own words: quoted as SQL literals here.
    let literal = |v: &Option<String>| v.as_ref().map_or("NULL".to_owned(), |v| format!("'{}'", v.replace('\'', "''")));
    let mut sql = String::new();
    for e in entries.iter().filter(|e| e.seq >= 2) {
        sql.push_str(&format!(
            "UPDATE audit_log SET detail = {}, prev_hash = '{}', hash = '{}' WHERE organisation_id = '{key}' AND seq = {};\n",
            literal(&e.detail),
            e.prev_hash,
            e.hash,
            e.seq
        ));
    }
    sql.push_str(&format!("UPDATE audit_heads SET hash = '{prev}' WHERE organisation_id = '{key}';"));
    crate::support::exec(&db, &sql).await;
}
