//! What reports count, grouped in the database: referrals received in a period by
//! practice, source, needs and status; people seen; sessions by kind, mode and status;
//! each referral's waits; and outcome scores with the case's practice and needs. Each
//! query returns a handful of grouped rows (or one row a referral for waits), never
//! anyone's name, and reads only the organisation's own rows.

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

/// At most this many referrals' waits are read for one report (a whole ICS's year).
pub const MAX_WAITS: usize = 1_000_000;

impl Db {
    /// Referrals received in the period, grouped.
    pub async fn report_referrals(&self, scope: &OrgScope, f: &ReportFilter) -> Result<Vec<ReferralGroup>> {
        let b = Bound::of(f);
        let sql = format!(
            "SELECT r.practice_id, r.source, r.needs, r.status, COUNT(*) FROM referrals r \
             WHERE r.organisation_id = $1 AND r.received_at >= $2 AND r.received_at < $3{} \
             GROUP BY r.practice_id, r.source, r.needs, r.status",
            case_filters("r.assigned_worker_id")
        );
        let rows: Vec<(Option<String>, String, String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(b.from_ms).bind(b.to_ms)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker).fetch_all(pool).await?
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

    /// How many people came to at least one session in the period.
    pub async fn report_people_seen(&self, scope: &OrgScope, f: &ReportFilter) -> Result<u64> {
        let b = Bound::of(f);
        let sql = format!(
            "SELECT COUNT(DISTINCT r.person_id) FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id \
             WHERE s.organisation_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 AND s.status = 'attended'{}",
            case_filters("s.worker_id")
        );
        let n: i64 = on_db!(self, pool => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(b.from_ms).bind(b.to_ms)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker).fetch_one(pool).await?
        });
        Ok(n.max(0) as u64)
    }

    /// Sessions starting in the period, grouped.
    pub async fn report_sessions(&self, scope: &OrgScope, f: &ReportFilter) -> Result<Vec<SessionGroup>> {
        let b = Bound::of(f);
        let sql = format!(
            "SELECT s.kind, s.mode, s.status, COUNT(*) FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id \
             WHERE s.organisation_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3{} GROUP BY s.kind, s.mode, s.status",
            case_filters("s.worker_id")
        );
        let rows: Vec<(String, String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(b.from_ms).bind(b.to_ms)
                .bind(&b.programme).bind(&b.practice).bind(&b.worker).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(kind, mode, status, n)| SessionGroup { kind, mode, status, n: n.max(0) as u64 })
            .collect())
    }

    /// The waits of each referral received in the period.
    pub async fn report_waits(&self, scope: &OrgScope, f: &ReportFilter) -> Result<Vec<ReferralWaits>> {
        let b = Bound::of(f);
        let sql = format!(
            "SELECT r.received_at, \
             (SELECT MIN(e.at) FROM referral_events e WHERE e.organisation_id = r.organisation_id AND e.referral_id = r.id AND e.event IN ('contact_attempt_reached', 'contact_made')), \
             (SELECT MIN(s.starts_at) FROM sessions s WHERE s.organisation_id = r.organisation_id AND s.referral_id = r.id AND s.status = 'attended') \
             FROM referrals r WHERE r.organisation_id = $1 AND r.received_at >= $2 AND r.received_at < $3{} LIMIT $7",
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

    /// Every score of `measure` answered in the period, with its case's practice and needs.
    pub async fn report_scores(&self, scope: &OrgScope, measure: &str, f: &ReportFilter) -> Result<Vec<CaseScore>> {
        let b = Bound::of(f);
        let sql = format!(
            "SELECT s.referral_id, s.timepoint, s.answered_on, s.value, r.practice_id, r.needs FROM outcome_scores s \
             JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id \
             WHERE s.organisation_id = $1 AND s.answered_on >= $2 AND s.answered_on <= $3{} AND s.measure = $7",
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
}
