//! What the benchmarks share: settings from the environment, an integrated care system's
//! casework loaded in bulk, and the bulk load written out before anything is measured.

use linkwell_domain::identity::Role;
use linkwell_store::{Db, OrgScope};

/// A setting from the environment, or `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Write the bulk load out of the write-ahead log into the database files, as a running
/// server's checkpoints would long since have done: otherwise the checkpoint of a year's
/// data loaded in a minute lands in the middle of the measurements (PostgreSQL spreads
/// its checkpoints over minutes; SQLite's runs on a commit).
pub async fn settle(db: &Db) {
    match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(p).await.unwrap();
        }
        Db::Postgres(p) => {
            sqlx::query("CHECKPOINT").execute(p).await.unwrap();
        }
    }
}

/// Bulk-load `BENCH_REFERRALS` people, each with one referral, and `BENCH_SESSIONS`
/// sessions spread over them, assigned round-robin to the organisation's link workers.
/// The mix: 4% still waiting, 30% active (with one session to come), the rest closed.
/// Multi-row inserts only fill the tables quickly; the application writes them one by one.
pub async fn bulk_casework(
    db: &Db,
    scope: &OrgScope,
    programme: linkwell_domain::ProgrammeId,
    practices: &[linkwell_store::practices::Practice],
    (n, sessions_total): (usize, usize),
) {
    let org = scope.organisation_id().to_string();
    let workers: Vec<String> = db
        .users_by_name(scope)
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == Role::LinkWorker)
        .map(|u| u.id.to_string())
        .collect();
    let now = linkwell_store::now_ms();
    let day = 86_400_000i64;
    let person_id = |i: usize| format!("00000000-0000-7000-8000-{:012}", i);
    let (given_of, family_of) = (|i: usize| bench_name(i).0, |i: usize| bench_name(i).1);
    macro_rules! load {
        ($pool:expr, $db:ty) => {{
            let mut tx = $pool.begin().await.unwrap();
            let people: Vec<usize> = (0..n).collect();
            for chunk in people.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO people (organisation_id, id, nhs_number, given_name, family_name, date_of_birth, sex, preferred_channel, practice_id, consent_contact, consent_share, consent_feedback, consents_recorded_at, created_at, updated_at, version) ",
                );
                qb.push_values(chunk, |mut b, &i| {
                    b.push_bind(&org).push_bind(person_id(i)).push_bind(bench_nhs_number(i)).push_bind(given_of(i)).push_bind(family_of(i))
                        .push_bind(format!("19{:02}-{:02}-{:02}", 30 + i % 60, 1 + i % 12, 1 + i % 28)).push_bind("female").push_bind("phone")
                        .push_bind(practices[i % practices.len()].id.to_string()).push_bind(true).push_bind(true).push_bind(true)
                        .push_bind(now).push_bind(now).push_bind(now).push_bind(1i64);
                });
                qb.build().execute(&mut *tx).await.unwrap();
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO referrals (organisation_id, id, person_id, programme_id, source, practice_id, received_at, urgency, urgency_rank, needs, safeguarding, consent_confirmed, status, failed_attempts, assigned_worker_id, status_changed_at, created_at, updated_at, version) ",
                );
                qb.push_values(chunk, |mut b, &i| {
                    let status = status_of(i);
                    let received = received_at(now, i, n);
                    let assigned = (status != "received" && status != "declined").then(|| workers[i % workers.len()].clone());
                    b.push_bind(&org).push_bind(referral_id(i)).push_bind(person_id(i)).push_bind(programme.to_string()).push_bind("gp")
                        .push_bind(practices[i % practices.len()].id.to_string()).push_bind(received)
                        .push_bind(["urgent", "soon", "routine", "routine"][i % 4]).push_bind([0i64, 1, 2, 2][i % 4])
                        .push_bind("loneliness,physical_activity").push_bind(false).push_bind(true).push_bind(status)
                        .push_bind(if status == "contacting" { 1i64 } else { 0 }).push_bind(assigned)
                        .push_bind(received).push_bind(received).push_bind(received).push_bind(1i64);
                });
                qb.build().execute(&mut *tx).await.unwrap();
            }
            // Sessions: for referrals that were seen, one a week (distinct hours per
            // referral, so no worker is double-booked); the active ones' last is to come.
            let seen: Vec<usize> = (0..n).filter(|i| matches!(status_of(*i), "active" | "discharged")).collect();
            let per = sessions_total.div_ceil(seen.len().max(1)).max(1);
            let rows: Vec<(usize, usize)> = seen.iter().flat_map(|&i| (0..per).map(move |k| (i, k))).take(sessions_total).collect();
            for chunk in rows.chunks(2000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO sessions (organisation_id, id, referral_id, worker_id, kind, mode, starts_at, ends_at, status, created_at, updated_at, version) ",
                );
                qb.push_values(chunk, |mut b, &(i, k)| {
                    let future = status_of(i) == "active" && k + 1 == per;
                    let starts = if future { now + (1 + (i % 20) as i64) * day + (i as i64 % 7) * 3_600_000 } else { now - ((per - k) as i64 * 7 * day) - (i as i64 % 1000) * 60_000 };
                    b.push_bind(&org).push_bind(format!("00000000-0000-7000-a000-{:012}", i * 16 + k)).push_bind(referral_id(i))
                        .push_bind(workers[i % workers.len()].clone()).push_bind(if k == 0 { "initial" } else { "follow_up" }).push_bind("telephone")
                        .push_bind(starts).push_bind(starts + 1_800_000).push_bind(if future { "booked" } else { "attended" })
                        .push_bind(now).push_bind(now).push_bind(1i64);
                });
                qb.build().execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
            sqlx::query("ANALYZE").execute($pool).await.unwrap();
        }};
    }
    match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            load!(p, sqlx::Sqlite);
        }
        Db::Postgres(p) => {
            load!(p, sqlx::Postgres);
            sqlx::query("VACUUM ANALYZE").execute(p).await.unwrap();
        }
    }
}

const GIVEN: &[&str] = &[
    "Margaret", "Albert", "Aisha", "Barbara", "Chidi", "Dorothy", "Edward", "Fatima", "George", "Hannah", "Imran",
    "Joan", "Kwame", "Linda", "Mohammed", "Norman", "Olu", "Patricia", "Rita", "Stanley", "Susan", "Tomasz", "Una",
    "Vera", "Wendy", "Yusuf", "Zofia", "Arthur", "Brenda", "Colin", "Deborah", "Elaine", "Frank", "Gareth", "Helen",
    "Ivy", "Jack", "Kathleen", "Leonard", "Mary", "Nasreen", "Owen", "Pauline", "Raymond", "Sandra", "Terence",
    "Valerie", "Walter", "Priya", "Dev", "Siobhan", "Kevin", "Maureen", "Derek", "Joyce", "Ronald", "Irene", "Harold",
    "Sheila", "Dennis", "Ann", "Keith", "Jean", "Brian", "Carol", "Graham", "Janet", "Roy", "Lesley",
];
const FAMILY_STARTS: &[&str] = &[
    "Ash", "Brad", "Carl", "Dun", "Ell", "Fair", "Gold", "Hart", "Ken", "Lang", "Mor", "Nor", "Old", "Pen", "Rad",
    "Sel", "Thorn", "Wal", "Wood", "Whit", "Black", "Crom", "Hol", "Stan",
];
const FAMILY_ENDS: &[&str] =
    &["ford", "ley", "ton", "well", "wick", "by", "ham", "worth", "field", "more", "stead", "ridge", "brook", "den"];

/// Person `i`'s given and family names: 69 given names and 336 family names, so a full
/// name is shared by about ten people in 250,000.
pub fn bench_name(i: usize) -> (&'static str, String) {
    let family = i / GIVEN.len();
    let family = format!(
        "{}{}",
        FAMILY_STARTS[family % FAMILY_STARTS.len()],
        FAMILY_ENDS[(family / FAMILY_STARTS.len()) % FAMILY_ENDS.len()]
    );
    (GIVEN[i % GIVEN.len()], family)
}

/// Person `i`'s NHS number: ten digits whose last is the Modulus 11 check digit of the
/// first nine, or none where there is no such digit.
pub fn bench_nhs_number(i: usize) -> Option<String> {
    let nine = format!("{:09}", 400_000_000 + i);
    let sum: u32 = nine.bytes().zip((2..=10).rev()).map(|(d, w)| u32::from(d - b'0') * w).sum();
    match 11 - sum % 11 {
        10 => None,
        11 => Some(format!("{nine}0")),
        c => Some(format!("{nine}{c}")),
    }
}

/// Referral `i`'s status of the bulk load's mix.
pub fn status_of(i: usize) -> &'static str {
    match i % 100 {
        0 => "received",
        1 => "accepted",
        2 | 3 => "contacting",
        4..=33 => "active",
        34..=90 => "discharged",
        91..=95 => "declined",
        _ => "unable_to_contact",
    }
}

/// Referral `i`'s id.
pub fn referral_id(i: usize) -> String {
    format!("00000000-0000-7000-9000-{:012}", i)
}

/// When referral `i` of `n` arrived: spread evenly over the year to `now`.
pub fn received_at(now: i64, i: usize, n: usize) -> i64 {
    now - ((n - i) as i64 * 365 * 86_400_000) / n as i64
}
