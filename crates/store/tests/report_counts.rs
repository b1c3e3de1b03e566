//! The reports' day counts and months seen (migration 31) against the rows they count, on
//! both engines: after a long mixed run of writes (referrals received, reassigned, moved
//! between practices, programmes and people; sessions booked, moved, attended, cancelled
//! and deleted; contacts made), and on PostgreSQL after writers racing on the same referrals, every
//! report of every period and filter equals the count of the raw rows.

use jiff::civil::date;
use linkwell_domain::reporting::filter::ReportFilter;
use linkwell_domain::time::london_day_start;
use linkwell_domain::{PracticeId, ProgrammeId, UserId};
use linkwell_store::testing::TestDb;
use linkwell_store::{Db, Engine, OrgScope, both_engines};

both_engines!(day_counts_equal_the_rows_after_a_mixed_run_of_writes);

#[tokio::test]
async fn day_counts_stay_exact_under_writers_racing_on_the_same_referrals() {
    let t = TestDb::new(Engine::Postgres).await.expect("test database");
    let world = World::new(&t.db).await;
    let writers = (0..8u64).map(|w| {
        let db = t.db.clone();
        let world = world.clone();
        tokio::spawn(async move {
            let mut rng = Rng(0x9e37_79b9 + w);
            let mut written = 0;
            // Few referrals, so writers meet on the same rows and the same counts.
            for k in 0..60 {
                written += usize::from(world.random_write(&db, &mut rng, 6, &format!("w{w}k{k}")).await);
            }
            written
        })
    });
    let mut written = 0;
    for w in writers.collect::<Vec<_>>() {
        written += w.await.unwrap();
    }
    // The race really wrote: most writes are taken (some refused by a key or a check).
    assert!(written > 200, "{written} of 480 writes taken");
    world.check_every_report(&t.db).await;
}

async fn day_counts_equal_the_rows_after_a_mixed_run_of_writes(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let world = World::new(&t.db).await;
    let mut rng = Rng(7);
    for k in 0..400 {
        world.random_write(&t.db, &mut rng, 40, &format!("k{k}")).await;
    }
    world.check_every_report(&t.db).await;
    // The counts are not all nought: the run really wrote something to compare.
    let whole =
        ReportFilter { from: date(2026, 8, 1), to: date(2026, 12, 31), programme: None, practice: None, worker: None };
    let db = &t.db;
    assert!(db.report_sessions(&world.scope, &whole).await.unwrap().iter().map(|g| g.n).sum::<u64>() > 10);
    assert!(db.report_referrals(&world.scope, &whole).await.unwrap().iter().map(|g| g.n).sum::<u64>() > 3);
    assert!(db.report_people_seen(&world.scope, &whole).await.unwrap() > 1);
}

/// A value bound into a statement.
#[derive(Clone)]
enum V {
    I(i64),
    T(String),
    B(bool),
    N,
}

/// `$query` with each of `$binds` bound, on either engine's pool.
macro_rules! bound {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                V::I(i) => q.bind(*i),
                V::T(s) => q.bind(s.clone()),
                V::B(b) => q.bind(*b),
                V::N => q.bind(None::<String>),
            };
        }
        q
    }};
}

async fn exec(db: &Db, sql: &str, binds: &[V]) -> Result<u64, sqlx::Error> {
    let sql = || sqlx::AssertSqlSafe(sql.to_owned());
    match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            bound!(sqlx::query(sql()), binds).execute(p).await.map(|r| r.rows_affected())
        }
        Db::Postgres(p) => bound!(sqlx::query(sql()), binds).execute(p).await.map(|r| r.rows_affected()),
    }
}

/// Rows of one text column, sorted.
async fn texts(db: &Db, sql: &str, binds: &[V]) -> Vec<String> {
    let sql = || sqlx::AssertSqlSafe(sql.to_owned());
    let mut rows: Vec<String> = match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            bound!(sqlx::query_scalar(sql()), binds).fetch_all(p).await.unwrap()
        }
        Db::Postgres(p) => bound!(sqlx::query_scalar(sql()), binds).fetch_all(p).await.unwrap(),
    };
    rows.sort();
    rows
}

/// A small deterministic generator (SplitMix64), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// One organisation's programmes, practices, workers and people, and the window the writes
/// fall in: ten days around the end of British Summer Time (25 October 2026), so London
/// days of 24 and 25 hours both start part-way through a UTC day.
#[derive(Clone)]
struct World {
    org: String,
    scope: OrgScope,
    programmes: Vec<ProgrammeId>,
    practices: Vec<PracticeId>,
    workers: Vec<UserId>,
    people: Vec<String>,
    start_ms: i64,
}

const HOUR: i64 = 3_600_000;
const WINDOW_HOURS: usize = 24 * 10;

impl World {
    async fn new(db: &Db) -> World {
        let scope = OrgScope::new(db.create_organisation("counts", "Riverside PCN", false).await.unwrap().id);
        let sys = &linkwell_store::Actor { user_id: None, request_id: None };
        let mut programmes = vec![];
        for name in ["Wellbeing", "Young adults"] {
            let rules = linkwell_domain::sessions::ProgrammeRules::default();
            programmes.push(db.create_programme(&scope, sys, name, rules, "").await.unwrap().id);
        }
        let mut practices = vec![];
        for (name, ods) in [("Riverside Surgery", "A81001"), ("Hill Top Practice", "A81002")] {
            let input = linkwell_domain::organisations::PracticeInput::parse(name, ods).unwrap();
            practices.push(db.create_practice(&scope, sys, &input).await.unwrap().id);
        }
        let mut workers = vec![];
        for k in 0..3 {
            let new = linkwell_store::users::NewUser {
                email: linkwell_domain::identity::EmailAddress::parse(&format!("w{k}@riverside.example")).unwrap(),
                display_name: format!("Worker {k}"),
                role: linkwell_domain::identity::Role::LinkWorker,
                practice_id: None,
                password_hash: linkwell_domain::identity::PasswordHash("unused".into()),
            };
            workers.push(db.create_user(&scope, sys, &new).await.unwrap().id);
        }
        let org = scope.organisation_id().to_string();
        let mut people = vec![];
        for k in 0..40 {
            let id = format!("00000000-0000-7000-8000-{k:012}");
            exec(
                db,
                "INSERT INTO people (organisation_id, id, given_name, family_name, date_of_birth, sex, preferred_channel, \
                 consent_contact, consent_share, consent_feedback, consents_recorded_at, created_at, updated_at, version) \
                 VALUES ($1, $2, 'Test', 'Person', '1950-01-01', 'female', 'phone', $3, $3, $3, 0, 0, 0, 1)",
                &[V::T(org.clone()), V::T(id.clone()), V::B(true)],
            )
            .await
            .unwrap();
            people.push(id);
        }
        let start_ms = jiff::civil::date(2026, 10, 20).at(0, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap();
        World { org, scope, programmes, practices, workers, people, start_ms: start_ms.timestamp().as_millisecond() }
    }

    /// An instant on a quarter hour: half in the ten days, half from 20 August to the end
    /// of the year, so that months are whole in some periods.
    fn instant(&self, rng: &mut Rng) -> i64 {
        if rng.below(2) == 0 {
            self.start_ms + rng.below(WINDOW_HOURS * 4) as i64 * HOUR / 4
        } else {
            self.start_ms - 61 * 24 * HOUR + rng.below(133 * 24 * 4) as i64 * HOUR / 4
        }
    }

    fn practice(&self, rng: &mut Rng) -> V {
        match rng.below(3) {
            2 => V::N,
            k => V::T(self.practices[k].to_string()),
        }
    }

    fn worker(&self, rng: &mut Rng) -> V {
        V::T(rng.pick(&self.workers).to_string())
    }

    /// One write, chosen at random, among the first `referrals` referrals (made as it
    /// goes). A write refused by a constraint or a deadlock changes nothing, which is
    /// what is being checked; it is simply skipped. Whether it was taken.
    async fn random_write(&self, db: &Db, rng: &mut Rng, referrals: usize, tag: &str) -> bool {
        let org = V::T(self.org.clone());
        let referral = V::T(format!("00000000-0000-7000-9000-{:012}", rng.below(referrals)));
        let statuses = ["received", "accepted", "contacting", "active", "discharged", "declined"];
        let session_statuses = ["booked", "attended", "attended", "did_not_attend", "cancelled_by_person"];
        let (sql, binds): (&str, Vec<V>) = match rng.below(10) {
            0 | 1 => {
                let worker = if rng.below(3) == 0 { V::N } else { self.worker(rng) };
                (
                    "INSERT INTO referrals (organisation_id, id, person_id, programme_id, source, practice_id, received_at, urgency, \
                     urgency_rank, needs, safeguarding, consent_confirmed, status, failed_attempts, assigned_worker_id, status_changed_at, \
                     created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, 'routine', 2, $8, $9, $10, $11, 0, $12, 0, 0, 0, 1)",
                    vec![
                        org,
                        referral,
                        V::T(rng.pick(&self.people).clone()),
                        V::T(rng.pick(&self.programmes).to_string()),
                        V::T(rng.pick(&["gp", "self"]).to_string()),
                        self.practice(rng),
                        V::I(self.instant(rng)),
                        V::T(rng.pick(&["loneliness", "loneliness,debt"]).to_string()),
                        V::B(false),
                        V::B(true),
                        V::T(rng.pick(&statuses).to_string()),
                        worker,
                    ],
                )
            }
            2 => (
                "UPDATE referrals SET status = $3, assigned_worker_id = $4 WHERE organisation_id = $1 AND id = $2",
                vec![org, referral, V::T(rng.pick(&statuses).to_string()), self.worker(rng)],
            ),
            3 => (
                "UPDATE referrals SET practice_id = $3, programme_id = $4 WHERE organisation_id = $1 AND id = $2",
                vec![org, referral, self.practice(rng), V::T(rng.pick(&self.programmes).to_string())],
            ),
            4 if rng.below(3) == 0 => (
                // Two records merged: the referral moves to the other person.
                "UPDATE referrals SET person_id = $3 WHERE organisation_id = $1 AND id = $2",
                vec![org, referral, V::T(rng.pick(&self.people).clone())],
            ),
            4 => (
                "UPDATE referrals SET received_at = $3, needs = $4 WHERE organisation_id = $1 AND id = $2",
                vec![org, referral, V::I(self.instant(rng)), V::T(rng.pick(&["debt", "loneliness"]).to_string())],
            ),
            5 | 6 => {
                let at = self.instant(rng);
                (
                    "INSERT INTO sessions (organisation_id, id, referral_id, worker_id, kind, mode, starts_at, ends_at, status, \
                     created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0, 1)",
                    vec![
                        org,
                        V::T(format!("00000000-0000-7000-a000-{:012}", rng.below(referrals * 4))),
                        referral,
                        self.worker(rng),
                        V::T(rng.pick(&["initial", "follow_up"]).to_string()),
                        V::T(rng.pick(&["telephone", "in_person"]).to_string()),
                        V::I(at),
                        V::I(at + HOUR / 2),
                        V::T(rng.pick(&session_statuses).to_string()),
                    ],
                )
            }
            7 => {
                let session = V::T(format!("00000000-0000-7000-a000-{:012}", rng.below(referrals * 4)));
                if rng.below(4) == 0 {
                    ("DELETE FROM sessions WHERE organisation_id = $1 AND id = $2", vec![org, session])
                } else {
                    let at = self.instant(rng);
                    (
                        "UPDATE sessions SET status = $3, starts_at = $4, ends_at = $5, worker_id = $6 WHERE organisation_id = $1 AND id = $2",
                        vec![
                            org,
                            session,
                            V::T(rng.pick(&session_statuses).to_string()),
                            V::I(at),
                            V::I(at + HOUR / 2),
                            self.worker(rng),
                        ],
                    )
                }
            }
            8 => (
                "UPDATE sessions SET status = $3 WHERE organisation_id = $1 AND referral_id = $2",
                vec![org, referral, V::T(rng.pick(&session_statuses).to_string())],
            ),
            _ => (
                "INSERT INTO referral_events (organisation_id, referral_id, seq, at, event, from_status, to_status) \
                 VALUES ($1, $2, $3, $4, $5, 'contacting', 'contacting')",
                vec![
                    org,
                    referral,
                    V::I(rng.below(1_000_000) as i64),
                    V::I(self.instant(rng)),
                    V::T(rng.pick(&["contact_made", "contact_attempt_reached", "contact_attempt_failed"]).to_string()),
                ],
            ),
        };
        let result = exec(db, sql, &binds).await;
        if let Err(e) = &result {
            // Foreign keys, primary keys and checks refuse some random writes; deadlocks
            // roll one writer back. Anything else is a fault of the triggers.
            let code = e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned()).unwrap_or_default();
            assert!(
                ["787", "1555", "2067", "275", "23503", "23505", "23514", "40P01"].contains(&code.as_str()),
                "{tag}: {sql}: {e}"
            );
        }
        result.is_ok_and(|rows| rows > 0)
    }

    /// Every report of several periods, with and without each filter, against the rows.
    async fn check_every_report(&self, db: &Db) {
        let periods = [
            (date(2026, 10, 19), date(2026, 10, 31)),
            (date(2026, 10, 21), date(2026, 10, 27)),
            (date(2026, 10, 25), date(2026, 10, 25)),
            (date(2026, 10, 22), date(2026, 10, 22)),
            (date(2026, 10, 24), date(2026, 10, 26)),
            (date(2026, 8, 1), date(2026, 12, 31)),
            (date(2026, 9, 1), date(2026, 11, 30)),
            (date(2026, 8, 25), date(2026, 11, 12)),
        ];
        let filters: [(Option<ProgrammeId>, Option<PracticeId>, Option<UserId>); 5] = [
            (None, None, None),
            (Some(self.programmes[0]), None, None),
            (None, Some(self.practices[1]), None),
            (None, None, Some(self.workers[2])),
            (Some(self.programmes[1]), Some(self.practices[0]), Some(self.workers[0])),
        ];
        let mut compared = 0;
        for (from, to) in periods {
            for (programme, practice, worker) in filters {
                let f = ReportFilter { from, to, programme, practice, worker };
                self.check(db, &f).await;
                compared += 1;
            }
        }
        assert_eq!(compared, 40);
    }

    async fn check(&self, db: &Db, f: &ReportFilter) {
        let (from_ms, to_ms) = (london_day_start(f.from), london_day_start(f.to.tomorrow().unwrap()));
        let binds = [
            V::T(self.org.clone()),
            V::I(from_ms),
            V::I(to_ms),
            f.programme.map_or(V::N, |p| V::T(p.to_string())),
            f.practice.map_or(V::N, |p| V::T(p.to_string())),
            f.worker.map_or(V::N, |w| V::T(w.to_string())),
        ];
        let filters = |worker: &str| {
            format!(
                " AND ($4 IS NULL OR r.programme_id = $4) AND ($5 IS NULL OR r.practice_id = $5) AND ($6 IS NULL OR {worker} = $6)"
            )
        };

        let expected = texts(
            db,
            &format!(
                "SELECT COALESCE(r.practice_id, '-') || '|' || r.source || '|' || r.needs || '|' || r.status || '|' || CAST(COUNT(*) AS TEXT) \
                 FROM referrals r WHERE r.organisation_id = $1 AND r.received_at >= $2 AND r.received_at < $3{} \
                 GROUP BY r.practice_id, r.source, r.needs, r.status",
                filters("r.assigned_worker_id")
            ),
            &binds,
        )
        .await;
        let mut got: Vec<String> = db
            .report_referrals(&self.scope, f)
            .await
            .unwrap()
            .into_iter()
            .map(|g| {
                format!("{}|{}|{}|{}|{}", g.practice_id.as_deref().unwrap_or("-"), g.source, g.needs, g.status, g.n)
            })
            .collect();
        got.sort();
        assert_eq!(got, expected, "referrals, {f:?}");

        let expected = texts(
            db,
            &format!(
                "SELECT s.kind || '|' || s.mode || '|' || s.status || '|' || CAST(COUNT(*) AS TEXT) FROM sessions s \
                 JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id \
                 WHERE s.organisation_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3{} GROUP BY s.kind, s.mode, s.status",
                filters("s.worker_id")
            ),
            &binds,
        )
        .await;
        let mut got: Vec<String> = db
            .report_sessions(&self.scope, f)
            .await
            .unwrap()
            .into_iter()
            .map(|g| format!("{}|{}|{}|{}", g.kind, g.mode, g.status, g.n))
            .collect();
        got.sort();
        assert_eq!(got, expected, "sessions, {f:?}");

        let expected = texts(
            db,
            &format!(
                "SELECT CAST(COUNT(DISTINCT r.person_id) AS TEXT) FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id \
                 AND r.id = s.referral_id WHERE s.organisation_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 AND s.status = 'attended'{}",
                filters("s.worker_id")
            ),
            &binds,
        )
        .await;
        let got = db.report_people_seen(&self.scope, f).await.unwrap();
        assert_eq!(vec![got.to_string()], expected, "people seen, {f:?}");

        let opt = |col: &str| format!("COALESCE(CAST(({col}) AS TEXT), '-')");
        let expected = texts(
            db,
            &format!(
                "SELECT CAST(r.received_at AS TEXT) || '|' || {} || '|' || {} FROM referrals r \
                 WHERE r.organisation_id = $1 AND r.received_at >= $2 AND r.received_at < $3{}",
                opt("SELECT MIN(e.at) FROM referral_events e WHERE e.organisation_id = r.organisation_id AND e.referral_id = r.id \
                     AND e.event IN ('contact_attempt_reached', 'contact_made')"),
                opt("SELECT MIN(s.starts_at) FROM sessions s WHERE s.organisation_id = r.organisation_id AND s.referral_id = r.id \
                     AND s.status = 'attended'"),
                filters("r.assigned_worker_id")
            ),
            &binds,
        )
        .await;
        let show = |x: Option<i64>| x.map_or("-".to_string(), |x| x.to_string());
        let mut got: Vec<String> = db
            .report_waits(&self.scope, f)
            .await
            .unwrap()
            .into_iter()
            .map(|w| format!("{}|{}|{}", w.received_at, show(w.first_contact_at), show(w.first_session_at)))
            .collect();
        got.sort();
        // A first contact is the earlier of a contact that reached the person and a
        // session they came to.
        let mut expected: Vec<String> = expected
            .into_iter()
            .map(|row| {
                let parts: Vec<&str> = row.split('|').collect();
                let (contact, session) = (parts[1].parse::<i64>().ok(), parts[2].parse::<i64>().ok());
                let first = match (contact, session) {
                    (Some(c), Some(s)) => Some(c.min(s)),
                    (c, s) => c.or(s),
                };
                format!("{}|{}|{}", parts[0], show(first), parts[2])
            })
            .collect();
        expected.sort();
        assert_eq!(got, expected, "waits, {f:?}");
    }
}
