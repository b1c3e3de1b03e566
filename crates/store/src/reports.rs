//! What reports count, grouped in the database: referrals received in a period by
//! practice, source, needs and status; people seen; sessions by kind, mode and status;
//! each referral's waits; and outcome scores with the case's practice and needs. Each
//! query returns a handful of grouped rows (or one row a referral for waits), never
//! anyone's name, and reads only the organisation's own rows.
//!
//! Sessions are counted from day counts, referrals from month counts and people seen from
//! the months they were seen in, all of which triggers keep in the writing transaction (migration 31), plus
//! the raw rows at the period's ends ([`Split`]): exact, and a year at an integrated care
//! system's scale reads thousands of rows (hundreds of thousands for people), not millions.

use jiff::civil::Date;
use linkwell_domain::outcomes::instruments::Timepoint;
use linkwell_domain::reporting::filter::ReportFilter;
use linkwell_domain::time::london_day_start;

use crate::error::stored;
use crate::{Db, OrgScope, Result, StoreError};

/// A report's filter as the queries bind it: the period as instants (from inclusive, to
/// exclusive) and as ISO days, and the ids chosen.
struct Bound {
    from_ms: i64,
    to_ms: i64,
    from_day: String,
    to_day: String,
    programme: Option<String>,
    practice: Option<String>,
    worker: Option<String>,
}

impl Bound {
    fn of(f: &ReportFilter) -> Bound {
        Bound {
            from_ms: london_day_start(f.from),
            to_ms: london_day_start(f.to.tomorrow().unwrap_or(f.to)),
            from_day: f.from.to_string(),
            to_day: f.to.to_string(),
            programme: f.programme.map(|p| p.to_string()),
            practice: f.practice.map(|p| p.to_string()),
            worker: f.worker.map(|w| w.to_string()),
        }
    }
}

/// A UTC day's length: the day counts' unit (migration 31).
const DAY_MS: i64 = 86_400_000;

/// A period as the day counts or the months seen read it: the whole buckets (UTC days or
/// UTC months) inside it, `from_day` to `to_day` (exclusive; for months, the field holds a
/// month's number, `year * 12 + month - 1`), and the instants either side that do not fill
/// one, read from the raw rows: from the period's start to `head_end`, and from
/// `tail_start` to its end. A London day starts at midnight or 23:00 UTC, so a report of
/// whole London days reads an hour or a day of raw rows at each end, never more. A period
/// with no whole bucket is all raw. Instants are after 1970, where integer division in
/// SQL floors as here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Split {
    from_day: i64,
    to_day: i64,
    head_end: i64,
    tail_start: i64,
}

impl Split {
    /// Whole UTC days.
    fn days(from_ms: i64, to_ms: i64) -> Split {
        let first = from_ms.div_euclid(DAY_MS) + i64::from(from_ms.rem_euclid(DAY_MS) != 0);
        let last = to_ms.div_euclid(DAY_MS);
        Split::whole(first, last, |d| Some(d * DAY_MS), to_ms)
    }

    /// Whole UTC months.
    fn months(from_ms: i64, to_ms: i64) -> Split {
        let month_of = |ms: i64| {
            let d = jiff::Timestamp::from_millisecond(ms).ok()?.to_zoned(jiff::tz::TimeZone::UTC).date();
            Some(i64::from(d.year()) * 12 + i64::from(d.month()) - 1)
        };
        let (Some(from), Some(last)) = (month_of(from_ms), month_of(to_ms)) else {
            return Split::whole(0, 0, |_| None, to_ms);
        };
        let first = if month_start(from) == Some(from_ms) { from } else { from + 1 };
        Split::whole(first, last, month_start, to_ms)
    }

    fn whole(first: i64, last: i64, start: impl Fn(i64) -> Option<i64>, to_ms: i64) -> Split {
        match (first < last, start(first), start(last)) {
            (true, Some(head_end), Some(tail_start)) => Split { from_day: first, to_day: last, head_end, tail_start },
            _ => Split { from_day: 0, to_day: 0, head_end: to_ms, tail_start: to_ms },
        }
    }
}

/// When month number `m` (`year * 12 + month - 1`) starts, in UTC.
fn month_start(m: i64) -> Option<i64> {
    let year = i16::try_from(m.div_euclid(12)).ok()?;
    let month = i8::try_from(m.rem_euclid(12) + 1).ok()?;
    let day = jiff::civil::Date::new(year, month, 1).ok()?;
    Some(day.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp().as_millisecond())
}

/// `counts` (a count table's rows in the whole buckets, `$7` to `$8`) with the raw rows
/// of the period's ends, `raw(from, to)`: from its start (`$2`) to the first whole bucket
/// (`$9`), and from the last (`$10`) to its end (`$3`). The parameters [`Split`] binds.
fn with_edges(counts: &str, raw: impl Fn(&str, &str) -> String) -> String {
    format!("{counts} UNION ALL {} UNION ALL {}", raw("$2", "$9"), raw("$10", "$3"))
}

/// The referral filters on a count `c` (of days or months), after the same parameters as
/// [`case_filters`]: the counts are kept by programme, practice and worker.
const COUNT_FILTERS: &str = " AND ($4 IS NULL OR c.programme_id = $4) AND ($5 IS NULL OR c.practice_id = $5) AND ($6 IS NULL OR c.worker_id = $6)";

/// The referral filters, on `r`, after parameters $1 (organisation) and two more: a
/// chosen id matches, an unchosen one (NULL) matches anything. `worker` is the column the
/// link worker is read from.
fn case_filters(worker: &str) -> String {
    format!(
        " AND ($4 IS NULL OR r.programme_id = $4) AND ($5 IS NULL OR r.practice_id = $5) AND ($6 IS NULL OR {worker} = $6)"
    )
}

/// Referrals received in a period with one practice, source, set of needs and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralGroup {
    pub practice_id: Option<String>,
    pub source: String,
    /// Need codes, comma-separated, as stored.
    pub needs: String,
    pub status: String,
    pub n: u64,
}

/// Sessions in a period of one kind, mode and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionGroup {
    pub kind: String,
    pub mode: String,
    pub status: String,
    pub n: u64,
}

/// One referral's waits: when it arrived, when the person was first reached (a contact
/// attempt that reached them, or a session they came to) and first came to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralWaits {
    pub received_at: i64,
    pub first_contact_at: Option<i64>,
    pub first_session_at: Option<i64>,
}

/// One score with what reports break it down by: the case, its practice and needs.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseScore {
    pub referral_id: String,
    pub timepoint: Timepoint,
    pub answered_on: Date,
    pub value: f64,
    pub practice_id: Option<String>,
    pub needs: String,
}

/// Social prescriptions made in a period of one kind and outcome, under one category
/// (an activity of the service; `None` when it has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionGroup {
    pub category: Option<String>,
    pub kind: String,
    pub outcome: Option<String>,
    pub n: u64,
}

/// One of the team's groups over a period: sign-ups, sessions held and attendances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupActivity {
    pub name: String,
    pub signed_up: u64,
    pub sessions_held: u64,
    pub attendances: u64,
}

/// Unmet needs recorded in a period for one need in one area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmetGroup {
    pub need: String,
    pub area: String,
    pub n: u64,
}

/// At most this many referrals' waits are read for one report (a whole ICS's year).
pub const MAX_WAITS: usize = 1_000_000;

impl Db {
    /// Referrals received in the period, grouped: the month counts of its whole months and
    /// the referrals of the part-months either side.
    pub async fn report_referrals(&self, scope: &OrgScope, f: &ReportFilter) -> Result<Vec<ReferralGroup>> {
        let b = Bound::of(f);
        let split = Split::months(b.from_ms, b.to_ms);
        let raw = |lo: &str, hi: &str| {
            format!(
                "SELECT COALESCE(r.practice_id, '') AS practice_id, r.source AS source, r.needs AS needs, r.status AS status, 1 AS n \
                 FROM referrals r WHERE r.organisation_id = $1 AND r.received_at >= {lo} AND r.received_at < {hi}{}",
                case_filters("r.assigned_worker_id")
            )
        };
        let sql = format!(
            "SELECT NULLIF(x.practice_id, ''), x.source, x.needs, x.status, CAST(SUM(x.n) AS BIGINT) FROM ({}) x \
             GROUP BY x.practice_id, x.source, x.needs, x.status HAVING SUM(x.n) > 0",
            with_edges(
                &format!(
                    "SELECT c.practice_id, c.source, c.needs, c.status, c.n FROM referral_month_counts c \
                     WHERE c.organisation_id = $1 AND c.month >= $7 AND c.month < $8{COUNT_FILTERS}"
                ),
                raw
            ),
        );
        let rows: Vec<(Option<String>, String, String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(b.from_ms).bind(b.to_ms)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker)
                .bind(split.from_day).bind(split.to_day).bind(split.head_end).bind(split.tail_start).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(practice_id, source, needs, status, n)| ReferralGroup {
                practice_id,
                source,
                needs,
                status,
                n: n.max(0) as u64,
            })
            .collect())
    }

    /// How many people came to at least one session in the period: the people seen in its
    /// whole months and in the sessions of the part-months either side, each once.
    pub async fn report_people_seen(&self, scope: &OrgScope, f: &ReportFilter) -> Result<u64> {
        let b = Bound::of(f);
        let split = Split::months(b.from_ms, b.to_ms);
        let raw = |lo: &str, hi: &str| {
            format!(
                "SELECT r.person_id AS person_id FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id \
                 WHERE s.organisation_id = $1 AND s.starts_at >= {lo} AND s.starts_at < {hi} AND s.status = 'attended'{}",
                case_filters("s.worker_id")
            )
        };
        let sql = format!(
            "SELECT COUNT(DISTINCT x.person_id) FROM ({}) x",
            with_edges(
                &format!(
                    "SELECT c.person_id FROM seen_months c \
                     WHERE c.organisation_id = $1 AND c.month >= $7 AND c.month < $8 AND c.n > 0{COUNT_FILTERS}"
                ),
                raw
            ),
        );
        let n: i64 = on_db!(self, pool => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(b.from_ms).bind(b.to_ms)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker)
                .bind(split.from_day).bind(split.to_day).bind(split.head_end).bind(split.tail_start).fetch_one(pool).await?
        });
        Ok(n.max(0) as u64)
    }

    /// Sessions starting in the period, grouped: the day counts of its whole days and the
    /// sessions of the hours either side.
    pub async fn report_sessions(&self, scope: &OrgScope, f: &ReportFilter) -> Result<Vec<SessionGroup>> {
        let b = Bound::of(f);
        let split = Split::days(b.from_ms, b.to_ms);
        let raw = |lo: &str, hi: &str| {
            format!(
                "SELECT s.kind AS kind, s.mode AS mode, s.status AS status, 1 AS n FROM sessions s \
                 JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id \
                 WHERE s.organisation_id = $1 AND s.starts_at >= {lo} AND s.starts_at < {hi}{}",
                case_filters("s.worker_id")
            )
        };
        let sql = format!(
            "SELECT x.kind, x.mode, x.status, CAST(SUM(x.n) AS BIGINT) FROM ({}) x \
             GROUP BY x.kind, x.mode, x.status HAVING SUM(x.n) > 0",
            with_edges(
                &format!(
                    "SELECT c.kind, c.mode, c.status, c.n FROM session_day_counts c \
                     WHERE c.organisation_id = $1 AND c.day >= $7 AND c.day < $8{COUNT_FILTERS}"
                ),
                raw
            ),
        );
        let rows: Vec<(String, String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(b.from_ms).bind(b.to_ms)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker)
                .bind(split.from_day).bind(split.to_day).bind(split.head_end).bind(split.tail_start).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(kind, mode, status, n)| SessionGroup { kind, mode, status, n: n.max(0) as u64 })
            .collect())
    }

    /// The waits of each referral received in the period.
    pub async fn report_waits(&self, scope: &OrgScope, f: &ReportFilter) -> Result<Vec<ReferralWaits>> {
        let b = Bound::of(f);
        // The first contact and session are kept on the referral by triggers (migration 31).
        let sql = format!(
            "SELECT r.received_at, r.first_reached_at, r.first_session_at FROM referrals r WHERE r.organisation_id = $1 AND r.received_at >= $2 AND r.received_at < $3{} LIMIT $7",
            case_filters("r.assigned_worker_id")
        );
        let rows: Vec<(i64, Option<i64>, Option<i64>)> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(b.from_ms).bind(b.to_ms)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker).bind(MAX_WAITS as i64).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(received_at, contact, session)| {
                // Coming to a session is contact made, whichever came first.
                let first_contact_at = match (contact, session) {
                    (Some(c), Some(s)) => Some(c.min(s)),
                    (c, s) => c.or(s),
                };
                ReferralWaits { received_at, first_contact_at, first_session_at: session }
            })
            .collect())
    }

    /// The scores of `measure` of every case with a later score (not a baseline) answered
    /// in the period — their baselines too, from whenever — up to its end, with the case's
    /// practice and needs: a case seen in March and followed up in June counts in June.
    pub async fn report_scores(&self, scope: &OrgScope, measure: &str, f: &ReportFilter) -> Result<Vec<CaseScore>> {
        let b = Bound::of(f);
        // The cases first, from the index on (measure, date, timepoint, case); then each
        // case's scores from the index on (case, measure, …) — neither reads a table row but
        // the case's. Asked score by score ("has its case a later score?"), it read every
        // score of the measure up to the period's end.
        let sql = format!(
            "SELECT s.referral_id, s.timepoint, s.answered_on, s.value, r.practice_id, r.needs FROM referrals r \
             JOIN outcome_scores s ON s.organisation_id = r.organisation_id AND s.referral_id = r.id AND s.measure = $7 AND s.answered_on <= $3 \
             WHERE r.organisation_id = $1 AND r.id IN (SELECT q.referral_id FROM outcome_scores q WHERE q.organisation_id = $1 \
             AND q.measure = $7 AND q.answered_on >= $2 AND q.answered_on <= $3 AND q.timepoint <> 'baseline'){}",
            case_filters("r.assigned_worker_id")
        );
        let rows: Vec<(String, String, String, f64, Option<String>, String)> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(&b.from_day).bind(&b.to_day)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker).bind(measure).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(referral_id, t, on, value, practice_id, needs)| {
                Ok(CaseScore {
                    referral_id,
                    timepoint: Timepoint::parse(&t).map_err(StoreError::corrupt)?,
                    answered_on: stored(on.parse())?,
                    value,
                    practice_id,
                    needs,
                })
            })
            .collect()
    }

    /// Social prescriptions made in the period, grouped by the service's activities (a
    /// connection counts under each), kind and outcome; with `by_category` false, by kind
    /// and outcome only (each connection once).
    pub async fn report_connections(
        &self,
        scope: &OrgScope,
        f: &ReportFilter,
        by_category: bool,
    ) -> Result<Vec<ConnectionGroup>> {
        let b = Bound::of(f);
        let prefix = format!("{}:%", linkwell_domain::directory::Taxonomy::Activities.code());
        let (category, join, group) = if by_category {
            (
                "t.term",
                " LEFT JOIN service_terms t ON t.organisation_id = p.organisation_id AND t.service_id = p.service_id AND t.term LIKE $7",
                "t.term, ",
            )
        } else {
            ("CAST(NULL AS TEXT)", " AND $7 = $7", "")
        };
        let sql = format!(
            "SELECT {category}, p.kind, p.outcome, COUNT(*) FROM social_prescriptions p \
             JOIN referrals r ON r.organisation_id = p.organisation_id AND r.id = p.referral_id{join} \
             WHERE p.organisation_id = $1 AND p.prescribed_on >= $2 AND p.prescribed_on <= $3{} GROUP BY {group}p.kind, p.outcome",
            case_filters("r.assigned_worker_id")
        );
        let rows: Vec<(Option<String>, String, Option<String>, i64)> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(&b.from_day).bind(&b.to_day)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker).bind(&prefix).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(category, kind, outcome, n)| ConnectionGroup { category, kind, outcome, n: n.max(0) as u64 })
            .collect())
    }

    /// Each of the team's groups over the period: who signed up, sessions held (not
    /// cancelled, register taken) and how many came to them.
    pub async fn report_groups(&self, scope: &OrgScope, f: &ReportFilter) -> Result<Vec<GroupActivity>> {
        let b = Bound::of(f);
        let rows: Vec<(String, i64, i64, i64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT s.name, \
                 (SELECT COUNT(*) FROM group_members m WHERE m.organisation_id = g.organisation_id AND m.service_id = g.service_id AND m.asked_at >= $2 AND m.asked_at < $3), \
                 (SELECT COUNT(*) FROM group_sessions x WHERE x.organisation_id = g.organisation_id AND x.service_id = g.service_id AND x.on_date >= $4 AND x.on_date <= $5 AND x.status <> 'cancelled' AND x.register_taken_at IS NOT NULL), \
                 (SELECT CAST(COALESCE(SUM(x.came), 0) AS BIGINT) FROM group_sessions x WHERE x.organisation_id = g.organisation_id AND x.service_id = g.service_id AND x.on_date >= $4 AND x.on_date <= $5 AND x.status <> 'cancelled') \
                 FROM team_groups g JOIN services s ON s.organisation_id = g.organisation_id AND s.id = g.service_id \
                 WHERE g.organisation_id = $1 ORDER BY s.name",
            )
            .bind(scope.key()).bind(b.from_ms).bind(b.to_ms).bind(&b.from_day).bind(&b.to_day).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(name, signed_up, held, came)| GroupActivity {
                name,
                signed_up: signed_up.max(0) as u64,
                sessions_held: held.max(0) as u64,
                attendances: came.max(0) as u64,
            })
            .collect())
    }

    /// Unmet needs recorded in the period, by need and area (never their notes). With a
    /// programme, practice or worker chosen, only those recorded in a matching case.
    pub async fn report_unmet_needs(&self, scope: &OrgScope, f: &ReportFilter) -> Result<Vec<UnmetGroup>> {
        let b = Bound::of(f);
        let filtered = b.programme.is_some() || b.practice.is_some() || b.worker.is_some();
        let sql = format!(
            "SELECT u.need, u.area, COUNT(*) FROM unmet_needs u {} JOIN referrals r ON r.organisation_id = u.organisation_id AND r.id = u.referral_id \
             WHERE u.organisation_id = $1 AND u.recorded_at >= $2 AND u.recorded_at < $3{} GROUP BY u.need, u.area",
            if filtered { "" } else { "LEFT" },
            case_filters("r.assigned_worker_id")
        );
        let rows: Vec<(String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(b.from_ms).bind(b.to_ms)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(need, area, n)| UnmetGroup { need, area, n: n.max(0) as u64 }).collect())
    }
}

/// One referral of the dataset extract, as stored: its person's details the extract keeps
/// (banded, shortened or pseudonymised by the caller, never shown as they are).
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetCase {
    pub referral_id: String,
    pub person_id: String,
    pub date_of_birth: String,
    pub sex: String,
    pub ethnic_category: Option<String>,
    pub postcode: Option<String>,
    pub practice_code: Option<String>,
    pub source: String,
    pub needs: String,
    pub status: String,
    pub received_at: i64,
    pub status_changed_at: i64,
    pub discharge_reason: Option<String>,
}

/// What a dataset extract reads of its referrals besides them: first contact, sessions
/// attended, connections by kind, and scores of the measures asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatasetActivity {
    /// Referral → when first reached by a contact attempt.
    pub first_contact: std::collections::HashMap<String, i64>,
    /// Referral → (first attended session, sessions attended).
    pub sessions: std::collections::HashMap<String, (i64, u64)>,
    /// Referral → (kind, outcome, how many).
    pub connections: std::collections::HashMap<String, Vec<(String, Option<String>, u64)>>,
    /// (referral, measure, timepoint, day answered, value).
    pub scores: Vec<(String, String, Timepoint, Date, f64)>,
}

/// At most this many referrals are read for one extract (a whole ICS's year).
pub const MAX_DATASET: usize = 500_000;

impl Db {
    /// The referrals received in the period, oldest first, with the details the dataset
    /// extract keeps of their people.
    pub async fn dataset_cases(&self, scope: &OrgScope, f: &ReportFilter) -> Result<Vec<DatasetCase>> {
        let b = Bound::of(f);
        let sql = format!(
            "SELECT r.id, r.person_id, p.date_of_birth, p.sex, p.ethnic_category, p.postcode, pr.ods_code, r.source, r.needs, r.status, \
             r.received_at, r.status_changed_at, r.discharge_reason FROM referrals r \
             JOIN people p ON p.organisation_id = r.organisation_id AND p.id = r.person_id \
             LEFT JOIN practices pr ON pr.organisation_id = r.organisation_id AND pr.id = r.practice_id \
             WHERE r.organisation_id = $1 AND r.received_at >= $2 AND r.received_at < $3{} ORDER BY r.received_at, r.id LIMIT $7",
            case_filters("r.assigned_worker_id")
        );
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            i64,
            i64,
            Option<String>,
        );
        let rows: Vec<Row> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(b.from_ms).bind(b.to_ms)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker).bind(MAX_DATASET as i64).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| DatasetCase {
                referral_id: r.0,
                person_id: r.1,
                date_of_birth: r.2,
                sex: r.3,
                ethnic_category: r.4,
                postcode: r.5,
                practice_code: r.6,
                source: r.7,
                needs: r.8,
                status: r.9,
                received_at: r.10,
                status_changed_at: r.11,
                discharge_reason: r.12,
            })
            .collect())
    }

    /// The activity of the referrals [`Db::dataset_cases`] reads for `f`, and their
    /// scores of `measures`.
    pub async fn dataset_activity(
        &self,
        scope: &OrgScope,
        f: &ReportFilter,
        measures: &[&str],
    ) -> Result<DatasetActivity> {
        let b = Bound::of(f);
        let cases = format!(
            "SELECT r.id FROM referrals r WHERE r.organisation_id = $1 AND r.received_at >= $2 AND r.received_at < $3{}",
            case_filters("r.assigned_worker_id")
        );
        let contacts = format!(
            "SELECT e.referral_id, MIN(e.at) FROM referral_events e WHERE e.organisation_id = $1 \
             AND e.event IN ('contact_attempt_reached', 'contact_made') AND e.referral_id IN ({cases}) GROUP BY e.referral_id"
        );
        let sessions = format!(
            "SELECT s.referral_id, MIN(s.starts_at), COUNT(*) FROM sessions s WHERE s.organisation_id = $1 AND s.status = 'attended' \
             AND s.referral_id IN ({cases}) GROUP BY s.referral_id"
        );
        let connections = format!(
            "SELECT p.referral_id, p.kind, p.outcome, COUNT(*) FROM social_prescriptions p WHERE p.organisation_id = $1 \
             AND p.referral_id IN ({cases}) GROUP BY p.referral_id, p.kind, p.outcome"
        );
        let wanted: Vec<String> = measures.iter().map(|m| (*m).to_owned()).collect();
        let scores = format!(
            "SELECT s.referral_id, s.measure, s.timepoint, s.answered_on, s.value FROM outcome_scores s WHERE s.organisation_id = $1 \
             AND s.referral_id IN ({cases}) AND s.measure IN ({})",
            (0..wanted.len()).map(|i| format!("${}", i + 7)).collect::<Vec<_>>().join(", ")
        );
        let (contact_rows, session_rows, connection_rows, score_rows) = on_db!(self, pool => {
            let bind = |q: &str| sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(q.to_owned()))
                .bind(scope.key()).bind(b.from_ms).bind(b.to_ms).bind(b.programme.clone()).bind(b.practice.clone()).bind(b.worker.clone());
            let contact_rows: Vec<(String, i64)> = bind(&contacts).fetch_all(pool).await?;
            let session_rows: Vec<(String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sessions.clone()))
                .bind(scope.key()).bind(b.from_ms).bind(b.to_ms).bind(&b.programme).bind(&b.practice).bind(&b.worker)
                .fetch_all(pool).await?;
            let connection_rows: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(connections.clone()))
                .bind(scope.key()).bind(b.from_ms).bind(b.to_ms).bind(&b.programme).bind(&b.practice).bind(&b.worker)
                .fetch_all(pool).await?;
            let mut q = sqlx::query_as::<_, (String, String, String, String, f64)>(sqlx::AssertSqlSafe(scores.clone()))
                .bind(scope.key()).bind(b.from_ms).bind(b.to_ms).bind(&b.programme).bind(&b.practice).bind(&b.worker);
            for m in &wanted {
                q = q.bind(m);
            }
            let score_rows = if wanted.is_empty() { vec![] } else { q.fetch_all(pool).await? };
            (contact_rows, session_rows, connection_rows, score_rows)
        });
        let mut out = DatasetActivity { first_contact: contact_rows.into_iter().collect(), ..Default::default() };
        out.sessions = session_rows.into_iter().map(|(r, first, n)| (r, (first, n.max(0) as u64))).collect();
        for (r, kind, outcome, n) in connection_rows {
            out.connections.entry(r).or_default().push((kind, outcome, n.max(0) as u64));
        }
        for (r, m, t, on, v) in score_rows {
            out.scores.push((r, m, Timepoint::parse(&t).map_err(StoreError::corrupt)?, stored(on.parse())?, v));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{DAY_MS, Split};
    use proptest::prelude::*;

    proptest! {
        /// The raw head, the whole days and the raw tail cover the period exactly once,
        /// in order, and a raw edge is shorter than a day whenever there are whole days.
        #[test]
        fn a_period_splits_into_raw_edges_and_whole_days(from in 0i64..4_000_000_000_000, len in 0i64..40 * DAY_MS) {
            let to = from + len;
            let s = Split::days(from, to);
            prop_assert!(from <= s.head_end && s.head_end <= s.tail_start && s.tail_start <= to);
            if s.from_day < s.to_day {
                prop_assert_eq!((s.head_end, s.tail_start), (s.from_day * DAY_MS, s.to_day * DAY_MS));
                prop_assert!(s.head_end - from < DAY_MS && to - s.tail_start < DAY_MS);
            } else {
                prop_assert_eq!((s.head_end, s.tail_start), (to, to));
                prop_assert!(len < 2 * DAY_MS);
            }
        }
    }

    #[test]
    fn a_financial_year_in_london_reads_eleven_whole_months_and_the_raw_hours_around_them() {
        // 1 April 2026 00:00 BST is 31 March 23:00 UTC; 1 April 2027 likewise.
        let at = |y, m, d, h| {
            jiff::civil::date(y, m, d)
                .at(h, 0, 0, 0)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp()
                .as_millisecond()
        };
        let s = Split::months(at(2026, 3, 31, 23), at(2027, 3, 31, 23));
        assert_eq!((s.from_day, s.to_day), (2026 * 12 + 3, 2027 * 12 + 2));
        assert_eq!((s.head_end, s.tail_start), (at(2026, 4, 1, 0), at(2027, 3, 1, 0)));
        // A period inside one month is all raw; one starting on a month is whole from it.
        let inside = Split::months(at(2026, 5, 3, 0), at(2026, 5, 20, 0));
        assert_eq!((inside.from_day, inside.to_day, inside.head_end), (0, 0, at(2026, 5, 20, 0)));
        let whole = Split::months(at(2026, 1, 1, 0), at(2026, 3, 1, 0));
        assert_eq!(
            (whole.from_day, whole.to_day, whole.head_end, whole.tail_start),
            (2026 * 12, 2026 * 12 + 2, at(2026, 1, 1, 0), at(2026, 3, 1, 0))
        );
    }

    #[test]
    fn a_london_summer_day_is_an_hour_of_raw_rows_then_whole_days() {
        // 2026-06-01 to 2026-06-03 in London: 23:00 UTC on 31 May to 23:00 UTC on 3 June.
        let from = jiff::civil::date(2026, 5, 31).at(23, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap();
        let from = from.timestamp().as_millisecond();
        let s = Split::days(from, from + 3 * DAY_MS);
        assert_eq!(s.head_end - from, 3_600_000);
        assert_eq!(s.to_day - s.from_day, 2);
        assert_eq!(from + 3 * DAY_MS - s.tail_start, 23 * 3_600_000);
    }
}
