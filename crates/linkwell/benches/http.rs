//! Load benchmark on loopback: the real application, at integrated-care-system scale, on
//! SQLite and PostgreSQL side by side. Run with `./scripts/bench` (which starts a
//! throwaway PostgreSQL), or `cargo bench -p linkwell --bench http` with
//! `TEST_DATABASE_URL` set (without it only SQLite is measured).
//!
//! Settings: `BENCH_SECONDS` per endpoint (default 3), `BENCH_CONCURRENCY` (default 8),
//! `BENCH_AUDIT_ENTRIES` (default 200000), `BENCH_USERS` (default 2000),
//! `BENCH_REFERRALS` (default 250000, one person each), `BENCH_SESSIONS` (default 1000000),
//! `BENCH_GROUP_MEMBERS` (default 500, a group with a year of weekly registers)
//! and `BENCH_SERVICES` (default 100000 directory listings, loaded through the ORUK import);
//! `BENCH_ONLY` runs only the endpoints whose name contains it, or one of its `|`-separated
//! parts (the seeding is the same); `BENCH_SLOWEST=1` prints when, into each endpoint's
//! run, its slowest 1% of requests started (a stall shows as a cluster), and the
//! application's warnings (sqlx's slow statements among them).

use std::sync::Arc;
use std::time::{Duration, Instant};

use linkwell_domain::audit::{GENESIS_HASH, chain_hash};
use linkwell_domain::identity::{EmailAddress, Role, Secret, hash_password};
use linkwell_domain::organisations::PracticeInput;
use linkwell_store::testing::TestDb;
use linkwell_store::users::NewUser;
use linkwell_store::{Actor, Db, Engine, OrgScope};
use linkwell_web::{AppState, Config};

mod support;
use support::{bench_name, bench_nhs_number, bulk_casework, env_or, settle};

const PASSWORD: &str = "benchmark kettle maple";

struct Fixture {
    base: String,
    /// An admin's API token and session cookie.
    token: String,
    cookie: String,
    /// A referrer's token (intake), a coordinator's and a link worker's session cookies.
    referrer_token: String,
    coordinator_cookie: String,
    worker_cookie: String,
    coordinator_token: String,
    /// A facilitator of the benchmark's group.
    facilitator_cookie: String,
    group: GroupBench,
    directory: DirectoryFigures,
    _db: TestDb,
}

/// The group of `BENCH_GROUP_MEMBERS` (default 500) members with a year of weekly
/// sessions and their registers: its pages' paths, and who came to its latest session.
struct GroupBench {
    page: &'static str,
    register_page: &'static str,
    register_api: &'static str,
    attended: Arc<Vec<String>>,
}

/// An ICS-sized organisation: ~300 practices, thousands of users, a long audit trail.
async fn seed(engine: Engine) -> Fixture {
    let t = TestDb::new(engine).await.expect("database");
    let db = t.db.clone();
    let org = db.create_organisation("ics", "Benchmark ICS", false).await.unwrap();
    let scope = OrgScope::new(org.id);
    let actor = Actor::system();
    let hash = hash_password(PASSWORD).unwrap();
    let mut practices = Vec::new();
    for i in 0..300 {
        let input = PracticeInput::parse(&format!("Practice {i:03}"), &format!("B{:05}", i)).unwrap();
        practices.push(db.create_practice(&scope, &actor, &input).await.unwrap());
    }
    let users = env_or("BENCH_USERS", 2000);
    let mut admin = None;
    for i in 0..users {
        let role = if i == 0 { Role::Admin } else { [Role::LinkWorker, Role::Referrer, Role::Coordinator][i % 3] };
        let new = NewUser {
            email: EmailAddress::parse(&format!("user{i}@ics.example")).unwrap(),
            display_name: format!("User {i}"),
            role,
            practice_id: role.needs_practice().then(|| practices[i % practices.len()].id),
            password_hash: hash.clone(),
        };
        let u = db.create_user(&scope, &actor, &new).await.unwrap();
        if i == 0 {
            admin = Some(u);
        }
    }
    let admin = admin.unwrap();
    bulk_audit(&db, &scope, env_or("BENCH_AUDIT_ENTRIES", 200_000)).await;
    let programme = db
        .create_programme(&scope, &actor, "Wellbeing", linkwell_domain::sessions::ProgrammeRules::default(), "")
        .await
        .unwrap();
    let started = Instant::now();
    let sizes = (env_or("BENCH_REFERRALS", 250_000), env_or("BENCH_SESSIONS", 1_000_000));
    bulk_casework(&db, &scope, programme.id, &practices, sizes).await;
    eprintln!("{engine:?}: casework bulk-loaded in {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    db.index_every_name().await.unwrap();
    eprintln!("{engine:?}: people's names indexed in {:.1} s", started.elapsed().as_secs_f64());
    let directory = bulk_directory(&db, &scope, engine).await;
    let started = Instant::now();
    let group = bulk_group(&db, &scope, &hash).await;
    eprintln!("{engine:?}: a group with a year of registers in {:.1} s", started.elapsed().as_secs_f64());
    settle(&db).await;
    let secret = Secret::generate("lw_");
    db.create_api_token(&scope, &actor, admin.id, "bench", &secret.hash()).await.unwrap();
    let token_for = async |email: &str| {
        let u = db.user_for_sign_in(&EmailAddress::parse(email).unwrap()).await.unwrap().0;
        let s = Secret::generate("lw_");
        db.create_api_token(&scope, &actor, u.id, "bench", &s.hash()).await.unwrap();
        s.expose().to_owned()
    };
    // user1 is a referrer, user2 a coordinator, user3 a link worker (roles by i % 3).
    let referrer_token = token_for("user1@ics.example").await;
    let coordinator_token = token_for("user2@ics.example").await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = Config { sign_in_burst: 1_000_000, sign_in_replenish_seconds: 1, ..Config::default() };
    // The server starts on the loaded database, as after a deployment, with connections of
    // its own: on SQLite a connection reads the planner's statistics when it first reads
    // the schema, and the seeding's connections hold those of before its last ANALYZE.
    let served = Db::connect(&t.url).await.expect("the loaded database");
    tokio::spawn(linkwell_web::serve(AppState::new(served, config), listener));

    Fixture {
        cookie: sign_in(&base, "user0@ics.example").await,
        coordinator_cookie: sign_in(&base, "user2@ics.example").await,
        worker_cookie: sign_in(&base, "user3@ics.example").await,
        facilitator_cookie: sign_in(&base, "facilitator@ics.example").await,
        group,
        base,
        token: secret.expose().to_owned(),
        referrer_token,
        coordinator_token,
        directory,
        _db: t,
    }
}

/// One of the organisation's own listings run as a group: `BENCH_GROUP_MEMBERS` members who
/// joined a year ago, a session every week for a year with its register (about three in
/// five coming), and a facilitator. Through the store's own writes, one by one.
async fn bulk_group(db: &Db, scope: &OrgScope, hash: &linkwell_domain::identity::PasswordHash) -> GroupBench {
    use linkwell_domain::directory::{ProviderFields, ProviderInput, ScheduleFields, ServiceFields, ServiceInput};
    use linkwell_domain::groups::members::{JoinRoute, MemberChannel, NewMember};
    use linkwell_domain::groups::registers::Register;
    use linkwell_store::group_members::{Joining, Notice};
    let actor = Actor::system();
    let today = linkwell_app::today();
    let year_ago = today.checked_sub(jiff::Span::new().years(1)).unwrap();
    let provider = ProviderFields {
        name: "The ICS wellbeing team".into(),
        kind: "own".into(),
        description: "Our own groups".into(),
        ..Default::default()
    };
    let provider = db.create_provider(scope, &actor, &ProviderInput::parse(&provider).unwrap()).await.unwrap();
    let fields = ServiceFields {
        provider_id: provider.id.to_string(),
        name: "Benchmark Walk and Talk".into(),
        description: "A walk, a warm drink and a quiz.".into(),
        cost: "free".into(),
        needs: vec!["loneliness".into()],
        schedules: vec![ScheduleFields {
            repeat: "weekly".into(),
            day: ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][today.weekday().to_monday_zero_offset() as usize].into(),
            starts: linkwell_domain::time::DateEntry::Iso(year_ago.to_string()),
            opens: "00:05".into(),
            closes: "01:00".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let listing = db.create_service(scope, &actor, &ServiceInput::parse(&fields, today).unwrap(), today).await.unwrap();
    let settings = linkwell_domain::groups::GroupSettings::parse(&Default::default()).unwrap();
    db.create_group(scope, &actor, listing.id, &settings).await.unwrap();
    let facilitator = NewUser {
        email: EmailAddress::parse("facilitator@ics.example").unwrap(),
        display_name: "Bench Facilitator".into(),
        role: Role::Facilitator,
        practice_id: None,
        password_hash: hash.clone(),
    };
    let facilitator = db.create_user(scope, &actor, &facilitator).await.unwrap();
    db.set_group_facilitators(scope, &actor, listing.id, linkwell_domain::Version(1), &[facilitator.id]).await.unwrap();
    let planned = linkwell_app::groups::planned_between(
        &listing,
        year_ago,
        linkwell_domain::groups::sessions::horizon_end(today),
    );
    let long_ago = jiff::Timestamp::from_millisecond(linkwell_domain::time::london_day_start(year_ago)).unwrap();
    db.regenerate_group_sessions(scope, &actor, listing.id, year_ago, &planned, long_ago).await.unwrap();
    let quiet = |_: &linkwell_store::group_members::Member, _: &Secret| Notice {
        subject: String::new(),
        body: String::new(),
        purpose: "group_joined",
    };
    let mut members = Vec::new();
    for m in 0..env_or("BENCH_GROUP_MEMBERS", 500) {
        let new = NewMember {
            first_name: format!("Walker{m}"),
            last_initial: "B".into(),
            email: Some(format!("walker{m}@people.example")),
            phone: None,
            channel: MemberChannel::Email,
            consent_contact: false,
            access_needs: m % 9 == 0,
            emergency_contact: (m % 5 == 0).then(|| "Next of kin 07700 900123".into()),
        };
        let joining = Joining { member: &new, route: JoinRoute::Staff, person: None, once_per_contact: false };
        let member = db.join_group(scope, &actor, listing.id, &joining, &quiet).await.unwrap();
        db.record_joined_at(scope, &actor, member.id, linkwell_domain::time::london_day_start(year_ago)).await.unwrap();
        members.push(member.id);
    }
    // Every session up to today's has its register.
    let sessions = db.group_sessions(scope, listing.id, year_ago, today).await.unwrap();
    let mut latest = None;
    for (n, session) in sessions.iter().enumerate() {
        let attended =
            members.iter().enumerate().filter(|(m, _)| (m * 7 + n * 13) % 10 < 6).map(|(_, id)| *id).collect();
        let register = Register { key: format!("bench-{n}-register"), attended, note: "Dry".into() };
        db.take_register(scope, &actor, session.id, &register, None).await.unwrap();
        latest = Some(session.id);
    }
    let latest = latest.expect("a session this year");
    let attended: Vec<String> = members.iter().step_by(2).map(ToString::to_string).collect();
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    GroupBench {
        page: leak(format!("/groups/{}", listing.id)),
        register_page: leak(format!("/registers/{latest}")),
        register_api: leak(format!("/api/v1/registers/{latest}")),
        attended: Arc::new(attended),
    }
}

/// What loading and searching the directory took, measured in-process.
struct DirectoryFigures {
    services: usize,
    import_seconds: f64,
    index_seconds: f64,
    /// (query, p50 ms, p99 ms) over repeated runs against the built index.
    searches: Vec<(&'static str, f64, f64)>,
}

/// `BENCH_SERVICES` listings as ORUK records (spread over England, a few hundred
/// organisations, every kind of schedule, some paused or closed), stored through the same
/// import the command line uses; then the search index built from the database, and
/// typical searches timed against it.
async fn bulk_directory(db: &Db, scope: &OrgScope, engine: Engine) -> DirectoryFigures {
    use linkwell_domain::directory::{ActivityType, DayPart, LatLon, Term, WeekSlot};
    use linkwell_domain::referrals::Need;
    let n = env_or("BENCH_SERVICES", 100_000);
    let names = [
        "Walk and Talk",
        "Knit and Natter",
        "Lunch Club",
        "Money Advice",
        "Chair Yoga",
        "Men's Shed",
        "Community Choir",
        "Bereavement Group",
        "Digital Drop-in",
        "Cook and Eat",
    ];
    let days = ["MO", "TU", "WE", "TH", "FR", "SA"];
    let records: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let id = format!("00000000-0000-7000-b000-{i:012}");
            let org = format!("00000000-0000-7000-c000-{:012}", i % 400);
            let lat = 50.8 + (i * 7919 % 10_000) as f64 / 10_000.0 * 3.8;
            let lon = -3.2 + (i * 104_729 % 10_000) as f64 / 10_000.0 * 3.4;
            // Different strides, so needs, activities, days and places vary independently.
            let need = Need::ALL[(i / 7) % Need::ALL.len()];
            let activity = ActivityType::ALL[(i / 3) % ActivityType::ALL.len()];
            let day = days[(i / 11) % days.len()];
            let status = match i % 40 { 0 => "temporarily closed", 1 => "defunct", _ => "active" };
            serde_json::json!({
                "id": id, "name": format!("{} {}", names[i % names.len()], i), "status": status,
                "description": format!("A friendly group for {} and {}.", need.label().to_lowercase(), activity.label().to_lowercase()),
                "organization": {"id": org, "name": format!("Community Trust {}", i % 400), "description": "A local charity"},
                "cost_options": [{"id": format!("00000000-0000-7000-d000-{i:012}"), "amount": if i % 3 == 0 { 2.5 } else { 0.0 }}],
                "schedules": [{"id": format!("00000000-0000-7000-e000-{i:012}"), "freq": if i % 5 == 0 { "MONTHLY" } else { "WEEKLY" }, "interval": if i % 7 == 0 { 2 } else { 1 },
                    "byday": if i % 5 == 0 { format!("2{day}") } else { day.to_owned() }, "dtstart": "2026-01-05",
                    "opens_at": format!("{:02}:00:00", 9 + i % 10), "closes_at": format!("{:02}:30:00", 10 + i % 10)}],
                "service_at_locations": [{"id": format!("00000000-0000-7000-f000-{i:012}"), "location": {"id": format!("00000000-0000-7000-f100-{i:012}"), "location_type": "physical",
                    "latitude": lat, "longitude": lon}}],
                "attributes": [
                    {"id": format!("00000000-0000-7000-f200-{i:012}"), "taxonomy_term": {"id": Term::Need(need).uuid(), "name": need.label(), "description": ""}},
                    {"id": format!("00000000-0000-7000-f300-{i:012}"), "taxonomy_term": {"id": Term::Activity(activity).uuid(), "name": activity.label(), "description": ""}}
                ]
            })
        })
        .collect();
    let started = Instant::now();
    let (report, _) =
        linkwell_app::directory::oruk_import::store(db, scope, &records, "bench feed", linkwell_app::today())
            .await
            .unwrap();
    let import_seconds = started.elapsed().as_secs_f64();
    assert_eq!(report.created as usize, n, "{:?}", report.rejected.first());
    eprintln!("{engine:?}: {n} services imported in {import_seconds:.1} s");
    match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            sqlx::query("ANALYZE").execute(p).await.unwrap();
        }
        Db::Postgres(p) => {
            sqlx::query("VACUUM ANALYZE").execute(p).await.unwrap();
        }
    }
    db.import_postcodes([linkwell_store::directory::PostcodeRow {
        postcode: "LS6 2AB".into(),
        point: LatLon::new(53.8195, -1.5762).unwrap(),
    }])
    .await
    .unwrap();
    let org = db.organisation(scope).await.unwrap();
    db.set_public_switch(
        scope,
        &Actor::system(),
        linkwell_store::organisations::PublicSwitch::Directory,
        true,
        linkwell_domain::Version(org.version),
    )
    .await
    .unwrap();

    let index = linkwell_search::DirectoryIndex::new().unwrap();
    let started = Instant::now();
    let mut cursor = (0, String::new());
    linkwell_app::directory::search::catch_up(db, &index, &mut cursor).await.unwrap();
    let index_seconds = started.elapsed().as_secs_f64();
    let leeds = LatLon::new(53.8195, -1.5762).unwrap();
    let queries: Vec<(&'static str, linkwell_search::SearchQuery)> = vec![
        (
            "words: \"walking group\"",
            linkwell_search::SearchQuery {
                text: "walking group".into(),
                offered_only: true,
                limit: 50,
                ..Default::default()
            },
        ),
        (
            "a typo: \"walkng\"",
            linkwell_search::SearchQuery { text: "walkng".into(), offered_only: true, limit: 50, ..Default::default() },
        ),
        (
            "need + Tue morning + 3 miles",
            linkwell_search::SearchQuery {
                terms: vec![Term::Need(Need::Loneliness)],
                days: vec![jiff::civil::Weekday::Tuesday],
                parts: vec![DayPart::Morning],
                near: Some(leeds),
                within_miles: Some(3.0),
                offered_only: true,
                limit: 50,
                ..Default::default()
            },
        ),
        (
            "suggestions (needs, free slots, age, 5 mi)",
            linkwell_search::SearchQuery {
                terms: vec![Term::Need(Need::Loneliness), Term::Need(Need::PhysicalActivity)],
                free_slots: vec![
                    WeekSlot { day: jiff::civil::Weekday::Tuesday, part: DayPart::Morning },
                    WeekSlot { day: jiff::civil::Weekday::Thursday, part: DayPart::Afternoon },
                ],
                age: Some(75),
                near: Some(leeds),
                within_miles: Some(5.0),
                offered_only: true,
                limit: 10,
                ..Default::default()
            },
        ),
        (
            "words + free + wheelchair-less, 10 mi",
            linkwell_search::SearchQuery {
                text: "lunch".into(),
                free_only: true,
                near: Some(leeds),
                within_miles: Some(10.0),
                offered_only: true,
                limit: 50,
                ..Default::default()
            },
        ),
        (
            "everything, nearest first (no radius)",
            linkwell_search::SearchQuery { near: Some(leeds), limit: 50, ..Default::default() },
        ),
    ];
    let mut searches = vec![];
    for (name, q) in &queries {
        let mut times = vec![];
        let mut found = 0;
        for _ in 0..env_or("BENCH_SEARCHES", 300) {
            let t = Instant::now();
            found = index.search(scope.organisation_id(), q).unwrap().len();
            times.push(t.elapsed());
        }
        eprintln!("{engine:?}: {name}: {found} hits");
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0;
        searches.push((*name, pct(0.5), pct(0.99)));
    }
    DirectoryFigures { services: n, import_seconds, index_seconds, searches }
}

/// A signed-in session cookie for the page benchmarks.
async fn sign_in(base: &str, email: &str) -> String {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let html = client.get(format!("{base}/sign-in")).send().await.unwrap().text().await.unwrap();
    let csrf = html.split("name=\"csrf_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = client
        .post(format!("{base}/sign-in"))
        .form(&[("csrf_token", csrf.as_str()), ("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// Append `n` valid chain entries in bulk (the application appends one per change; this
/// only fills the table quickly). Continues the chain after the seeding's own entries.
async fn bulk_audit(db: &Db, scope: &OrgScope, n: usize) {
    let org = scope.organisation_id().to_string();
    let head = db.audit_page(scope, &Default::default(), None, 1).await.unwrap().items.into_iter().next();
    let (mut seq, mut prev) = head.map(|e| (e.seq, e.hash)).unwrap_or((0, GENESIS_HASH.to_owned()));
    let start = linkwell_store::now_ms() - 90 * 24 * 3_600_000;
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        seq += 1;
        let at = start + i as i64 * 1000;
        let actor = format!("user-{}", i % 500);
        let action = if i % 3 == 0 { "record_viewed" } else { "sign_in" };
        let hash = chain_hash(&org, &prev, seq, at, Some(&actor), action, "user", Some(&actor), None, None);
        rows.push((seq, at, actor, action, prev.clone(), hash.clone()));
        prev = hash;
    }
    macro_rules! insert {
        ($pool:expr, $db:ty) => {{
            let mut tx = $pool.begin().await.unwrap();
            for chunk in rows.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO audit_log (organisation_id, seq, at, actor_user_id, action, entity_type, entity_id, prev_hash, hash) ",
                );
                qb.push_values(chunk, |mut b, (seq, at, actor, action, prev, hash)| {
                    b.push_bind(&org).push_bind(*seq).push_bind(*at).push_bind(actor).push_bind(*action).push_bind("user").push_bind(actor).push_bind(prev).push_bind(hash);
                });
                qb.build().execute(&mut *tx).await.unwrap();
            }
            sqlx::query("UPDATE audit_heads SET seq = $1, hash = $2 WHERE organisation_id = $3").bind(seq).bind(&prev).bind(&org).execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        }};
    }
    // Refresh planner statistics after the bulk load, as autovacuum would in a while.
    match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            insert!(p, sqlx::Sqlite);
            sqlx::query("ANALYZE").execute(p).await.unwrap();
        }
        Db::Postgres(p) => {
            insert!(p, sqlx::Postgres);
            sqlx::query("ANALYZE").execute(p).await.unwrap();
        }
    }
}

#[derive(Clone, Copy)]
enum Auth {
    None,
    /// The admin's session.
    Session,
    Token,
    CoordinatorSession,
    WorkerSession,
    ReferrerToken,
    CoordinatorToken,
    FacilitatorSession,
}

struct Result {
    name: &'static str,
    requests: usize,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn load(f: &Fixture, name: &'static str, method: reqwest::Method, path: &'static str, auth: Auth) -> Result {
    if std::env::var("BENCH_ONLY").is_ok_and(|only| !only.split('|').any(|part| name.contains(part))) {
        return Result { name, requests: 0, rps: 0.0, p50_ms: 0.0, p99_ms: 0.0 };
    }
    let seconds = env_or("BENCH_SECONDS", 3) as u64;
    let concurrency = env_or("BENCH_CONCURRENCY", 8);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Every worker sends one request before the clock starts, as a load generator warms up:
    // connections opened, statements prepared, caches filled. Without it a 3-second run's
    // p99 was its first round (8 requests of about 500, all at t=0).
    let start_line = Arc::new(tokio::sync::Barrier::new(concurrency + 1));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, base, method, counter) = (client.clone(), f.base.clone(), method.clone(), counter.clone());
        let start_line = start_line.clone();
        let (token, cookie) = match auth {
            Auth::None | Auth::Session | Auth::Token => (f.token.clone(), f.cookie.clone()),
            Auth::CoordinatorSession => (String::new(), f.coordinator_cookie.clone()),
            Auth::WorkerSession => (String::new(), f.worker_cookie.clone()),
            Auth::ReferrerToken => (f.referrer_token.clone(), String::new()),
            Auth::CoordinatorToken => (f.coordinator_token.clone(), String::new()),
            Auth::FacilitatorSession => (String::new(), f.facilitator_cookie.clone()),
        };
        let attended = f.group.attended.clone();
        tasks.push(tokio::spawn(async move {
            let send = async |n: usize| {
                let mut req = client.request(method.clone(), format!("{base}{path}"));
                req = match auth {
                    Auth::None => req,
                    Auth::Session | Auth::CoordinatorSession | Auth::WorkerSession | Auth::FacilitatorSession => {
                        req.header("cookie", &cookie)
                    }
                    Auth::Token | Auth::ReferrerToken | Auth::CoordinatorToken => req.bearer_auth(&token),
                };
                if method == reqwest::Method::POST && path == "/api/v1/referrals" {
                    // Birth dates spread as a population's are: one shared date would make each
                    // intake's duplicate check read the most people a date may have.
                    let born = format!("19{:02}-{:02}-{:02}", 30 + n % 60, 1 + n / 60 % 12, 1 + n / 720 % 28);
                    req = req.json(&serde_json::json!({
                        "person": {"given_name": format!("Intake{n}"), "family_name": "Bench", "date_of_birth": born, "sex": "male", "phone": "07700 900123", "preferred_channel": "phone"},
                        "referral": {"source": "gp", "needs": ["loneliness"], "urgency": "routine", "consent_confirmed": true}
                    }));
                } else if method == reqwest::Method::POST && path.starts_with("/api/v1/registers/") {
                    // A register of half the group, each a new form: recorded, replacing the last.
                    req = req.json(&serde_json::json!({"key": format!("bench-submit-{n}"), "attended": *attended, "note": "Sunny"}));
                } else if method == reqwest::Method::POST {
                    req = req.json(
                        &serde_json::json!({"name": format!("Bench {n}"), "ods_code": format!("Z{:05}", n % 100_000)}),
                    );
                }
                let start = Instant::now();
                let r = req.send().await.expect("request");
                let status = r.status();
                let _ = r.bytes().await;
                assert!(status.is_success() || status.as_u16() == 422, "{name}: {status}");
                (start, start.elapsed())
            };
            let next = || counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            send(next()).await;
            start_line.wait().await;
            let began = Instant::now();
            let deadline = began + Duration::from_secs(seconds);
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let (start, took) = send(next()).await;
                latencies.push((took, start - began));
            }
            latencies
        }));
    }
    start_line.wait().await;
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    if std::env::var("BENCH_SLOWEST").is_ok() {
        let slowest = &all[all.len() - all.len().div_ceil(100)..];
        let mut when: Vec<String> = slowest
            .iter()
            .map(|(took, at)| format!("{:.2}s:{:.0}ms", at.as_secs_f64(), took.as_secs_f64() * 1000.0))
            .collect();
        when.sort();
        eprintln!("{name}: slowest 1% (started at: took) {}", when.join(" "));
    }
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].0.as_secs_f64() * 1000.0;
    Result { name, requests: all.len(), rps: all.len() as f64 / seconds as f64, p50_ms: pct(0.50), p99_ms: pct(0.99) }
}

async fn run(engine: Engine) -> (Vec<Result>, DirectoryFigures) {
    let started = Instant::now();
    let mut f = seed(engine).await;
    eprintln!("{engine:?}: seeded in {:.1} s", started.elapsed().as_secs_f64());
    use reqwest::Method as M;
    let middle: &'static str =
        Box::leak(format!("/oruk/ics/services?page={}&per_page=50", f.directory.services / 100).into_boxed_str());
    // A person in the middle of the table: their given name with a letter left out, and
    // their family name; and their NHS number with spaces.
    let half = env_or("BENCH_REFERRALS", 250_000) / 2;
    let someone = (half..).find(|&i| bench_nhs_number(i).is_some()).unwrap_or(half);
    let (given, family) = bench_name(someone);
    let typo: &'static str =
        Box::leak(format!("/people?q={}{}+{family}", &given[..1], &given[2..]).to_lowercase().into_boxed_str());
    let list_typo: &'static str = Box::leak(typo.replacen("/people?q=", "/referrals?search=", 1).into_boxed_str());
    let digits = bench_nhs_number(someone).unwrap_or_default();
    let nhs: &'static str =
        Box::leak(format!("/people?q={}+{}+{}", &digits[..3], &digits[3..6], &digits[6..]).into_boxed_str());
    // Their record, with suggestions judged and ranked from up to 200 candidate listings.
    let person_page: &'static str =
        Box::leak(format!("/people/00000000-0000-7000-8000-{someone:012}").into_boxed_str());
    let results = vec![
        load(&f, "GET /healthz", M::GET, "/healthz", Auth::None).await,
        load(&f, "GET /sign-in", M::GET, "/sign-in", Auth::None).await,
        load(&f, "GET / (admin home)", M::GET, "/", Auth::Session).await,
        load(&f, "GET /practices (300)", M::GET, "/practices", Auth::Session).await,
        load(&f, "GET /admin/users", M::GET, "/admin/users", Auth::Session).await,
        load(&f, "GET /admin/audit", M::GET, "/admin/audit", Auth::Session).await,
        load(&f, "GET /admin/audit?action=sign_in", M::GET, "/admin/audit?action=sign_in", Auth::Session).await,
        load(&f, "GET /api/v1/practices", M::GET, "/api/v1/practices?limit=50", Auth::Token).await,
        load(&f, "GET /api/v1/users", M::GET, "/api/v1/users?limit=50", Auth::Token).await,
        load(&f, "GET /api/v1/audit", M::GET, "/api/v1/audit?limit=50", Auth::Token).await,
        load(&f, "GET /caseload (link worker)", M::GET, "/caseload", Auth::WorkerSession).await,
        load(&f, "GET /waiting-list", M::GET, "/waiting-list", Auth::CoordinatorSession).await,
        load(&f, "GET /api/v1/waiting-list", M::GET, "/api/v1/waiting-list?limit=100", Auth::CoordinatorToken).await,
        load(&f, "GET /referrals (coordinator)", M::GET, "/referrals", Auth::CoordinatorSession).await,
        load(&f, "GET /referrals?sort=name", M::GET, "/referrals?sort=name", Auth::CoordinatorSession).await,
        load(
            &f,
            "GET /referrals oldest received",
            M::GET,
            "/referrals?sort=received&direction=ascending",
            Auth::CoordinatorSession,
        )
        .await,
        load(&f, "GET /referrals?search= name with a typo", M::GET, list_typo, Auth::CoordinatorSession).await,
        load(&f, "GET /api/v1/referrals (referrer)", M::GET, "/api/v1/referrals", Auth::ReferrerToken).await,
        load(&f, "GET /diary (link worker, week)", M::GET, "/diary", Auth::WorkerSession).await,
        load(&f, "GET / (link worker home)", M::GET, "/", Auth::WorkerSession).await,
        load(&f, "GET / (coordinator home)", M::GET, "/", Auth::CoordinatorSession).await,
        load(&f, "GET /caseloads (the team's, page 1)", M::GET, "/caseloads", Auth::CoordinatorSession).await,
        load(&f, "GET /api/v1/home (referrer)", M::GET, "/api/v1/home", Auth::ReferrerToken).await,
        load(&f, "GET /people?q= name with a typo", M::GET, typo, Auth::CoordinatorSession).await,
        load(&f, "GET /people?q= NHS number", M::GET, nhs, Auth::CoordinatorSession).await,
        load(&f, "GET /people/{id} (with suggestions)", M::GET, person_page, Auth::CoordinatorSession).await,
        load(&f, "POST /api/v1/referrals (intake)", M::POST, "/api/v1/referrals", Auth::ReferrerToken).await,
        load(&f, "GET /directory?q=walking+group", M::GET, "/directory?q=walking+group", Auth::WorkerSession).await,
        load(
            &f,
            "GET /directory (Tue am, 3 mi)",
            M::GET,
            "/directory?term=needs%3Aloneliness&day=TU&time=morning&postcode=LS6+2AB&miles=3",
            Auth::WorkerSession,
        )
        .await,
        load(&f, "GET /directory (list by name)", M::GET, "/directory", Auth::WorkerSession).await,
        load(&f, "GET /oruk/…/services page 1", M::GET, "/oruk/ics/services", Auth::None).await,
        load(&f, "GET /oruk/…/services middle page", M::GET, middle, Auth::None).await,
        load(&f, "GET /oruk/…/services full=true", M::GET, "/oruk/ics/services?full=true", Auth::None).await,
        load(&f, "GET /oruk/…/services?search=walkng", M::GET, "/oruk/ics/services?search=walkng", Auth::None).await,
        load(
            &f,
            "GET /oruk/…/service_at_locations 5km",
            M::GET,
            "/oruk/ics/service_at_locations?postcode=LS6+2AB&proximity=5000",
            Auth::None,
        )
        .await,
        load(&f, "GET /registers/{session} (500 members)", M::GET, f.group.register_page, Auth::FacilitatorSession)
            .await,
        load(&f, "POST /api/v1/registers/{session} (250 came)", M::POST, f.group.register_api, Auth::CoordinatorToken)
            .await,
        load(&f, "GET /groups/{id} (a year of registers)", M::GET, f.group.page, Auth::CoordinatorSession).await,
        load(&f, "GET /groups (with figures)", M::GET, "/groups", Auth::CoordinatorSession).await,
        load(&f, "GET /groups/figures.csv", M::GET, "/groups/figures.csv", Auth::CoordinatorSession).await,
        // Last: it adds a practice a request, about 3,000 in 3 s, ten times the ICS's 300,
        // and every later team list would offer them all in its practice chooser.
        load(&f, "POST /api/v1/practices", M::POST, "/api/v1/practices", Auth::Token).await,
    ];
    let directory = std::mem::replace(
        &mut f.directory,
        DirectoryFigures { services: 0, import_seconds: 0.0, index_seconds: 0.0, searches: vec![] },
    );
    (results, directory)
}

fn main() {
    if std::env::var("BENCH_SLOWEST").is_ok() {
        tracing_subscriber::fmt().with_env_filter("warn").with_writer(std::io::stderr).init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (sqlite, sqlite_dir) = run(Engine::Sqlite).await;
        let (postgres, postgres_dir) = if std::env::var("TEST_DATABASE_URL").is_ok() {
            let (r, d) = run(Engine::Postgres).await;
            (Some(r), Some(d))
        } else {
            (None, None)
        };
        println!(
            "\nLoopback load, {} s per endpoint, concurrency {}, {} users, {} audit entries, {} referrals, {} sessions",
            env_or("BENCH_SECONDS", 3),
            env_or("BENCH_CONCURRENCY", 8),
            env_or("BENCH_USERS", 2000),
            env_or("BENCH_AUDIT_ENTRIES", 200_000),
            env_or("BENCH_REFERRALS", 250_000),
            env_or("BENCH_SESSIONS", 1_000_000)
        );
        println!(
            "{:<34} {:>9} {:>8} {:>8} | {:>9} {:>8} {:>8}",
            "endpoint", "sqlite/s", "p50 ms", "p99 ms", "pg/s", "p50 ms", "p99 ms"
        );
        for (i, s) in sqlite.iter().enumerate().filter(|(_, s)| s.requests > 0) {
            let p = postgres.as_ref().map(|p| &p[i]);
            println!(
                "{:<34} {:>9.0} {:>8.2} {:>8.2} | {:>9} {:>8} {:>8}",
                s.name,
                s.rps,
                s.p50_ms,
                s.p99_ms,
                p.map(|p| format!("{:.0}", p.rps)).unwrap_or("-".into()),
                p.map(|p| format!("{:.2}", p.p50_ms)).unwrap_or("-".into()),
                p.map(|p| format!("{:.2}", p.p99_ms)).unwrap_or("-".into()),
            );
        }
        println!("\nDirectory: {} services", sqlite_dir.services);
        println!("{:<44} {:>12} | {:>12}", "", "sqlite", "pg");
        let pg = |f: &dyn Fn(&DirectoryFigures) -> String| postgres_dir.as_ref().map(f).unwrap_or("-".into());
        println!(
            "{:<44} {:>10.1} s | {:>10} s",
            "import (ORUK records, one transaction each)",
            sqlite_dir.import_seconds,
            pg(&|d| format!("{:.1}", d.import_seconds))
        );
        println!(
            "{:<44} {:>8.0} /s   | {:>8} /s",
            "  services imported per second",
            sqlite_dir.services as f64 / sqlite_dir.import_seconds,
            pg(&|d| format!("{:.0}", d.services as f64 / d.import_seconds))
        );
        println!(
            "{:<44} {:>10.1} s | {:>10} s",
            "search index built from the database",
            sqlite_dir.index_seconds,
            pg(&|d| format!("{:.1}", d.index_seconds))
        );
        println!("In-process search, p50 / p99 ms (the index is the same whichever engine filled it):");
        for (i, (name, p50, p99)) in sqlite_dir.searches.iter().enumerate() {
            let other = pg(&|d| d.searches.get(i).map(|(_, a, b)| format!("{a:.2} / {b:.2}")).unwrap_or_default());
            println!("  {name:<42} {p50:>6.2} / {p99:>6.2} | {other}");
        }
    });
}
