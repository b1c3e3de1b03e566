//! Reports at an integrated care system's scale (issue 14), on SQLite and PostgreSQL side
//! by side with DuckDB running the same SQL over the same rows. Run with `./scripts/bench`
//! (which starts a throwaway PostgreSQL and installs DuckDB from PyPI into a virtual
//! environment under `target/`), or `cargo bench -p linkwell --bench reports` with
//! `TEST_DATABASE_URL` (else SQLite only) and `BENCH_PYTHON` (a Python with `duckdb`;
//! else no DuckDB column).
//!
//! The rows: `BENCH_REFERRALS` (default 300,000, one person each, over a year),
//! `BENCH_SESSIONS` (default 2,000,000), `BENCH_RESPONSES` (default 600,000
//! questionnaires, a score each) and `BENCH_UNMET` (default 20,000 unmet needs), loaded
//! in bulk. Each report is the store's own query for the team's report of the last year,
//! run `BENCH_RUNS` times (default 5) after one to warm up; the median is printed. DuckDB
//! reads the SQLite rows exported to CSV first (its extensions cannot be downloaded here)
//! into in-memory tables, then runs each query the same way; its load is not counted.
//! Then the whole report as `/reports` builds it (every table, every measure's outcomes)
//! for the team and for a commissioner, on each engine, with no DuckDB equivalent.

use std::io::Write;
use std::time::Instant;

use linkwell_domain::organisations::PracticeInput;
use linkwell_domain::reporting::filter::ReportFilter;
use linkwell_store::testing::TestDb;
use linkwell_store::{Actor, Db, Engine, OrgScope};

mod support;
use support::{bulk_casework, env_or, received_at, referral_id, settle, status_of};

/// The SWEMWBS metric score of a raw score (7–35), as `outcomes::scoring` has it.
fn metric(raw: usize) -> f64 {
    linkwell_domain::outcomes::scoring::swemwbs_metric(raw.clamp(7, 35) as u8).unwrap_or(7.0)
}

/// What the reports read beyond casework: each seen referral's first contact, its
/// questionnaires (SWEMWBS at baseline and later, then GP appointments at baseline, until
/// `responses`) with a score each, and `unmet` unmet needs over the year.
async fn bulk_outcomes(db: &Db, scope: &OrgScope, n: usize, responses: usize, unmet: usize) {
    let org = scope.organisation_id().to_string();
    let now = linkwell_store::now_ms();
    let day = 86_400_000i64;
    let today = linkwell_domain::time::london_date(now);
    let seen: Vec<usize> = (0..n).filter(|i| matches!(status_of(*i), "active" | "discharged")).collect();
    let on = |ms: i64| linkwell_domain::time::london_date(ms.min(now)).min(today).to_string();
    // (referral, round): round 0 a baseline, 1 a later SWEMWBS, 2 GP appointments.
    let rows: Vec<(usize, usize)> =
        (0..responses).map(|k| (seen[k % seen.len().max(1)], (k / seen.len().max(1)).min(2))).collect();
    let areas = ["LS1", "LS6", "LS8", "LS9", "LS11", "LS12", "LS14", "LS15"];
    let needs = ["loneliness", "physical_activity", "debt_and_money", "housing", "mental_wellbeing"];
    macro_rules! load {
        ($pool:expr, $db:ty) => {{
            let mut tx = $pool.begin().await.unwrap();
            for chunk in seen.chunks(2000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO referral_events (organisation_id, referral_id, seq, at, event, from_status, to_status) ",
                );
                qb.push_values(chunk, |mut b, &i| {
                    let at = received_at(now, i, n) + (1 + (i % 14) as i64) * day;
                    b.push_bind(&org).push_bind(referral_id(i)).push_bind(1i64).push_bind(at.min(now))
                        .push_bind("contact_made").push_bind("contacting").push_bind("active");
                });
                qb.build().execute(&mut *tx).await.unwrap();
            }
            for (c, chunk) in rows.chunks(1000).enumerate() {
                let id = |k: usize| format!("00000000-0000-7000-b000-{:012}", c * 1000 + k);
                let answered = |i: usize, round: usize| {
                    let start = received_at(now, i, n) + (8 + (i % 14) as i64) * day;
                    on(if round == 1 { start + (60 + (i % 60) as i64) * day } else { start })
                };
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO questionnaire_responses (organisation_id, id, person_id, referral_id, instrument, instrument_version, timepoint, answered_on, answers, created_at) ",
                );
                qb.push_values(chunk.iter().enumerate(), |mut b, (k, &(i, round))| {
                    let (instrument, timepoint) = [("swemwbs", "baseline"), ("swemwbs", "discharge"), ("gp_appointments", "baseline")][round];
                    b.push_bind(&org).push_bind(id(k)).push_bind(format!("00000000-0000-7000-8000-{:012}", i)).push_bind(referral_id(i))
                        .push_bind(instrument).push_bind(1i64).push_bind(timepoint).push_bind(answered(i, round)).push_bind("").push_bind(now);
                });
                qb.build().execute(&mut *tx).await.unwrap();
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO outcome_scores (organisation_id, response_id, referral_id, measure, value, timepoint, answered_on) ",
                );
                qb.push_values(chunk.iter().enumerate(), |mut b, (k, &(i, round))| {
                    let (measure, timepoint, value) = match round {
                        0 => ("swemwbs", "baseline", metric(14 + i % 12)),
                        1 => ("swemwbs", "discharge", metric(14 + i % 12 + i % 7)),
                        _ => ("gp_appointments", "baseline", (i % 9) as f64),
                    };
                    b.push_bind(&org).push_bind(id(k)).push_bind(referral_id(i)).push_bind(measure).push_bind(value)
                        .push_bind(timepoint).push_bind(answered(i, round));
                });
                qb.build().execute(&mut *tx).await.unwrap();
            }
            let all: Vec<usize> = (0..unmet).collect();
            for chunk in all.chunks(2000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO unmet_needs (organisation_id, id, need, area, referral_id, recorded_at) ",
                );
                qb.push_values(chunk, |mut b, &u| {
                    let i = seen[(u * 13) % seen.len().max(1)];
                    b.push_bind(&org).push_bind(format!("00000000-0000-7000-c000-{u:012}")).push_bind(needs[u % needs.len()])
                        .push_bind(areas[(u / 3) % areas.len()]).push_bind(referral_id(i)).push_bind(now - (u as i64 * 365 * day) / unmet.max(1) as i64);
                });
                qb.build().execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
            sqlx::query("ANALYZE").execute($pool).await.unwrap();
        }};
    }
    match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => load!(p, sqlx::Sqlite),
        Db::Postgres(p) => {
            load!(p, sqlx::Postgres);
            sqlx::query("VACUUM ANALYZE").execute(p).await.unwrap();
        }
    }
}

/// Sizes of the load: referrals, sessions, questionnaire responses, unmet needs.
fn sizes() -> (usize, usize, usize, usize) {
    (
        env_or("BENCH_REFERRALS", 300_000),
        env_or("BENCH_SESSIONS", 2_000_000),
        env_or("BENCH_RESPONSES", 600_000),
        env_or("BENCH_UNMET", 20_000),
    )
}

async fn seed(engine: Engine) -> (TestDb, OrgScope) {
    let t = TestDb::new(engine).await.expect("database");
    let db = t.db.clone();
    let org = db.create_organisation("ics", "Benchmark ICS", false).await.unwrap();
    let scope = OrgScope::new(org.id);
    let actor = Actor::system();
    let mut practices = Vec::new();
    for i in 0..300 {
        let input = PracticeInput::parse(&format!("Practice {i:03}"), &format!("B{:05}", i)).unwrap();
        practices.push(db.create_practice(&scope, &actor, &input).await.unwrap());
    }
    let hash = linkwell_domain::identity::PasswordHash("unused".into());
    for i in 0..100 {
        let new = linkwell_store::users::NewUser {
            email: linkwell_domain::identity::EmailAddress::parse(&format!("worker{i}@ics.example")).unwrap(),
            display_name: format!("Worker {i}"),
            role: linkwell_domain::identity::Role::LinkWorker,
            practice_id: None,
            password_hash: hash.clone(),
        };
        db.create_user(&scope, &actor, &new).await.unwrap();
    }
    let programme = db
        .create_programme(&scope, &actor, "Wellbeing", linkwell_domain::sessions::ProgrammeRules::default(), "")
        .await
        .unwrap();
    let (referrals, sessions, responses, unmet) = sizes();
    let started = Instant::now();
    bulk_casework(&db, &scope, programme.id, &practices, (referrals, sessions)).await;
    bulk_outcomes(&db, &scope, referrals, responses, unmet).await;
    settle(&db).await;
    eprintln!("{engine:?}: loaded in {:.1} s", started.elapsed().as_secs_f64());
    (t, scope)
}

/// The reports measured, in order, each named as DuckDB's script names it.
const REPORTS: [&str; 6] = ["referrals", "people_seen", "sessions", "waits", "swemwbs_scores", "unmet_needs"];

/// The last year, to today: the team's report's period.
fn period() -> ReportFilter {
    let today = linkwell_domain::time::london_date(linkwell_store::now_ms());
    let from = today.checked_sub(jiff::Span::new().days(365)).unwrap_or(today);
    ReportFilter { from, to: today, programme: None, practice: None, worker: None }
}

/// One report's store query; returns how many rows it gave.
async fn run_report(db: &Db, scope: &OrgScope, name: &str, f: &ReportFilter) -> usize {
    match name {
        "referrals" => db.report_referrals(scope, f).await.unwrap().len(),
        "people_seen" => db.report_people_seen(scope, f).await.unwrap() as usize,
        "sessions" => db.report_sessions(scope, f).await.unwrap().len(),
        "waits" => db.report_waits(scope, f).await.unwrap().len(),
        "swemwbs_scores" => db.report_scores(scope, "swemwbs", f).await.unwrap().len(),
        "unmet_needs" => db.report_unmet_needs(scope, f).await.unwrap().len(),
        other => unreachable!("no report {other}"),
    }
}

/// The median of `runs` timed runs of each report, after one to warm up, in ms; with the
/// rows each gave.
async fn measure(db: &Db, scope: &OrgScope) -> Vec<(f64, usize)> {
    let runs = env_or("BENCH_RUNS", 5).max(1);
    let f = period();
    let mut out = vec![];
    for name in REPORTS {
        let rows = run_report(db, scope, name, &f).await;
        let mut times = vec![];
        for _ in 0..runs {
            let started = Instant::now();
            run_report(db, scope, name, &f).await;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        out.push((times[times.len() / 2], rows));
    }
    out
}

/// The whole report as `/reports` builds it — every table, the outcomes of every measure,
/// suppression for the commissioner — over the last twelve whole months (a commissioner's
/// periods are whole months): the median ms for the team and for the commissioner.
async fn whole_reports(db: &Db, scope: &OrgScope) -> (f64, f64) {
    use linkwell_app::{AuthVia, Caller, Principal};
    use linkwell_domain::identity::Role;
    let organisation = db.organisation(scope).await.unwrap();
    let mut callers = vec![];
    for role in [Role::Coordinator, Role::Commissioner] {
        let new = linkwell_store::users::NewUser {
            email: linkwell_domain::identity::EmailAddress::parse(&format!("{}@ics.example", role.as_str())).unwrap(),
            display_name: format!("{role:?}"),
            role,
            practice_id: None,
            password_hash: linkwell_domain::identity::PasswordHash("unused".into()),
        };
        let user = db.create_user(scope, &Actor::system(), &new).await.unwrap();
        let principal = Principal { user, organisation: organisation.clone(), via: AuthVia::Session };
        callers.push(Caller::new(std::sync::Arc::new(principal), None));
    }
    let today = linkwell_domain::time::london_date(linkwell_store::now_ms());
    let this_month = today.first_of_month();
    let fields = linkwell_domain::reporting::filter::ReportFields {
        from: this_month.checked_sub(jiff::Span::new().months(12)).unwrap().to_string(),
        to: this_month.yesterday().unwrap().to_string(),
        ..Default::default()
    };
    let runs = env_or("BENCH_RUNS", 5).max(1);
    let mut medians = vec![];
    for caller in &callers {
        linkwell_app::reports::report(db, caller, &fields, "html").await.unwrap();
        let mut times = vec![];
        for _ in 0..runs {
            let started = Instant::now();
            linkwell_app::reports::report(db, caller, &fields, "html").await.unwrap();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        medians.push(times[times.len() / 2]);
    }
    (medians[0], medians[1])
}

/// The tables DuckDB reads, with the columns its queries use.
const EXPORTS: [(&str, &str); 5] = [
    (
        "referrals",
        "organisation_id, id, person_id, programme_id, practice_id, source, needs, status, received_at, assigned_worker_id",
    ),
    ("sessions", "organisation_id, id, referral_id, worker_id, kind, mode, status, starts_at"),
    ("referral_events", "organisation_id, referral_id, seq, at, event"),
    ("outcome_scores", "organisation_id, response_id, referral_id, measure, value, timepoint, answered_on"),
    ("unmet_needs", "organisation_id, id, need, area, referral_id, recorded_at"),
];

/// A CSV field: quoted when it holds a comma, a quote or a line break; empty for NULL.
fn field(v: Option<&str>) -> String {
    match v {
        None => String::new(),
        Some(v) if v.contains([',', '"', '\n', '\r']) => format!("\"{}\"", v.replace('"', "\"\"")),
        Some(v) => v.to_owned(),
    }
}

/// Write each table's rows from SQLite into `dir` as CSV with a header.
async fn export(db: &Db, dir: &std::path::Path) {
    use futures_util::TryStreamExt;
    let Db::Sqlite(linkwell_store::SqliteDb { writes: pool, .. }) = db else { return };
    std::fs::create_dir_all(dir).unwrap();
    for (table, columns) in EXPORTS {
        let names: Vec<&str> = columns.split(", ").collect();
        let casts: Vec<String> = names.iter().map(|c| format!("CAST({c} AS TEXT)")).collect();
        let sql = format!("SELECT {} FROM {table}", casts.join(", "));
        let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join(format!("{table}.csv"))).unwrap());
        writeln!(out, "{}", names.join(",")).unwrap();
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(pool);
        while let Some(row) = rows.try_next().await.unwrap() {
            use sqlx::Row;
            let line: Vec<String> =
                (0..names.len()).map(|i| field(row.try_get::<Option<String>, _>(i).unwrap().as_deref())).collect();
            writeln!(out, "{}", line.join(",")).unwrap();
        }
    }
}

/// DuckDB's median ms for each report over the CSVs in `dir`, by `scripts/bench-duckdb.py`;
/// `None` without `BENCH_PYTHON`.
fn duckdb(dir: &std::path::Path, scope: &OrgScope) -> Option<Vec<f64>> {
    let python = std::env::var("BENCH_PYTHON").ok()?;
    let f = period();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/bench-duckdb.py");
    let from_ms = linkwell_domain::time::london_day_start(f.from);
    let to_ms = linkwell_domain::time::london_day_start(f.to.tomorrow().unwrap_or(f.to));
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(dir)
        .args([
            scope.organisation_id().to_string(),
            from_ms.to_string(),
            to_ms.to_string(),
            f.from.to_string(),
            f.to.to_string(),
        ])
        .arg(env_or("BENCH_RUNS", 5).to_string())
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let times: serde_json::Value = serde_json::from_slice(&out.stdout).expect("DuckDB's timings as JSON");
    Some(REPORTS.iter().map(|r| times[r].as_f64().unwrap_or(f64::NAN)).collect())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (sqlite_db, scope) = seed(Engine::Sqlite).await;
        let sqlite = measure(&sqlite_db.db, &scope).await;
        let sqlite_whole = whole_reports(&sqlite_db.db, &scope).await;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-reports");
        let duck = if std::env::var("BENCH_PYTHON").is_ok() {
            let started = Instant::now();
            export(&sqlite_db.db, &dir).await;
            eprintln!("exported to CSV in {:.1} s", started.elapsed().as_secs_f64());
            duckdb(&dir, &scope)
        } else {
            None
        };
        drop(sqlite_db);
        let postgres = if std::env::var("TEST_DATABASE_URL").is_ok() {
            let (pg, scope) = seed(Engine::Postgres).await;
            Some((measure(&pg.db, &scope).await, whole_reports(&pg.db, &scope).await))
        } else {
            None
        };
        let (postgres, postgres_whole) = match postgres {
            Some((p, w)) => (Some(p), Some(w)),
            None => (None, None),
        };
        let (referrals, sessions, responses, unmet) = sizes();
        println!(
            "\nReports of the last year: {referrals} referrals, {sessions} sessions, {responses} questionnaires, {unmet} unmet needs; median of {} runs, ms",
            env_or("BENCH_RUNS", 5)
        );
        println!(
            "{:<16} {:>8} {:>10} {:>10} {:>10} {:>14} {:>14}",
            "report", "rows", "sqlite", "postgres", "duckdb", "sqlite÷duckdb", "postgres÷duckdb"
        );
        for (i, name) in REPORTS.iter().enumerate() {
            let (s, rows) = sqlite[i];
            let p = postgres.as_ref().map(|p| p[i].0);
            let d = duck.as_ref().map(|d| d[i]);
            let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
            let ratio = |a: Option<f64>| match (a, d) {
                (Some(a), Some(d)) if d > 0.0 => format!("{:.2}", a / d),
                _ => "-".to_owned(),
            };
            println!(
                "{name:<16} {rows:>8} {s:>10.1} {:>10} {:>10} {:>14} {:>14}",
                show(p),
                show(d),
                ratio(Some(s)),
                ratio(p)
            );
        }
        let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
        println!("\nThe whole report (every table and measure, as /reports builds it) of the last 12 whole months, median ms");
        println!("{:<16} {:>10} {:>10}", "audience", "sqlite", "postgres");
        println!("{:<16} {:>10.1} {:>10}", "team", sqlite_whole.0, show(postgres_whole.map(|w| w.0)));
        println!("{:<16} {:>10.1} {:>10}", "commissioner", sqlite_whole.1, show(postgres_whole.map(|w| w.1)));
    });
}
