//! Lists of referrals with the person's name: a worker's caseload, the waiting list, a
//! practice's referrals, a person's referrals. One query shape, keyset-paginated, so each
//! list stays fast at integrated-care-system scale (hundreds of thousands of referrals).

use linkwell_domain::ids::ReferralId;
use linkwell_domain::people::search::PersonQuery;
use linkwell_domain::referrals::{Need, ReferralSource, ReferralStatus, Urgency};
use linkwell_domain::{PersonId, PracticeId, UserId};

use crate::error::stored;
use crate::referrals::{needs_from, status_from};
use crate::{Db, OrgScope, Page, Result, StoreError, now_ms};

/// One referral as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReferralSummary {
    pub id: ReferralId,
    pub person_id: PersonId,
    pub given_name: String,
    pub family_name: String,
    /// ISO date.
    pub date_of_birth: String,
    pub practice_id: Option<PracticeId>,
    pub source: ReferralSource,
    pub received_at: i64,
    pub status_changed_at: i64,
    pub urgency: Urgency,
    pub needs: Vec<Need>,
    pub status: ReferralStatus,
    pub assigned_worker_id: Option<UserId>,
    pub safeguarding: bool,
    /// The next booked session from now, if any.
    pub next_session_at: Option<i64>,
    /// ISO date of the plan's next review, if a plan sets one.
    pub next_review: Option<String>,
    /// The person as the referral named them (what a referrer sees).
    pub referred_as: crate::referrals::ReferredAs,
}

impl ReferralSummary {
    /// The plan's next review date has passed.
    pub fn review_overdue(&self, today: jiff::civil::Date) -> bool {
        self.next_review.as_deref().and_then(|d| d.parse::<jiff::civil::Date>().ok()).is_some_and(|d| d < today)
    }
}

row_struct! {
    /// A row of `SELECT … FROM` as read.
    struct ReferralSummaryRow {
        id: String,
        person_id: String,
        given_name: String,
        family_name: String,
        date_of_birth: String,
        practice_id: Option<String>,
        source: String,
        received_at: i64,
        status_changed_at: i64,
        urgency: String,
        /// Not shown: the waiting list's cursor holds it.
        urgency_rank: i64,
        needs: String,
        status: String,
        failed_attempts: i64,
        assigned_worker_id: Option<String>,
        safeguarding: bool,
        next_review: Option<String>,
        referred_given_name: String,
        referred_family_name: String,
        referred_date_of_birth: String,
        referred_nhs_number: Option<String>,
        /// Not shown: the names as sorted (lower case), which a cursor by name holds.
        family_key: String,
        given_key: String,
        /// Not shown: the referred names as a referrer's list sorts them.
        referred_family_key: String,
        referred_given_key: String,
        next_session_at: Option<i64>,
    }
}

impl TryFrom<ReferralSummaryRow> for ReferralSummary {
    type Error = StoreError;

    fn try_from(r: ReferralSummaryRow) -> Result<ReferralSummary> {
        Ok(ReferralSummary {
            id: stored(r.id.parse())?,
            person_id: stored(r.person_id.parse())?,
            given_name: r.given_name,
            family_name: r.family_name,
            date_of_birth: r.date_of_birth,
            practice_id: r.practice_id.map(|s| stored(s.parse())).transpose()?,
            source: stored(ReferralSource::parse(&r.source))?,
            received_at: r.received_at,
            status_changed_at: r.status_changed_at,
            urgency: stored(Urgency::parse(&r.urgency))?,
            needs: needs_from(&r.needs)?,
            status: status_from(&r.status, r.failed_attempts)?,
            assigned_worker_id: r.assigned_worker_id.map(|s| stored(s.parse())).transpose()?,
            safeguarding: r.safeguarding,
            next_session_at: r.next_session_at,
            next_review: r.next_review,
            referred_as: crate::referrals::ReferredAs {
                given_name: r.referred_given_name,
                family_name: r.referred_family_name,
                date_of_birth: r.referred_date_of_birth,
                nhs_number: r.referred_nhs_number,
            },
        })
    }
}

/// Which referrals a list shows; every filter given is ANDed.
#[derive(Debug, Clone, Default)]
pub struct ReferralFilter {
    /// Status codes; empty means any.
    pub statuses: Vec<&'static str>,
    /// Assigned to one of these workers; empty means anyone's (or nobody's).
    pub workers: Vec<UserId>,
    /// A referrer's view: made by this user or for this practice.
    pub referred_by: Option<(UserId, Option<PracticeId>)>,
    pub person: Option<PersonId>,
    /// Only these people's referrals (what a search found); `Some` of none lists nothing.
    pub people: Option<Vec<PersonId>>,
    /// A referrer's search of their referrals, as each referral named the person (never
    /// the person's record, which they may not see): every name contained, the NHS number
    /// the referral gave, or the date of birth. A postcode matches nothing.
    pub referred: Option<PersonQuery>,
    /// The referral with this reference (as stored: six characters).
    pub reference: Option<String>,
    /// Only referrals no one is assigned to.
    pub unassigned: bool,
    pub urgency: Option<Urgency>,
    pub practice: Option<PracticeId>,
    /// Referrals giving this need among their reasons.
    pub need: Option<Need>,
    /// Received at or after this instant (ms).
    pub received_from: Option<i64>,
    /// Received before this instant (ms).
    pub received_before: Option<i64>,
}

/// The waiting list in figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct WaitingFigures {
    pub waiting: i64,
    pub unassigned: i64,
    pub urgent: i64,
    /// Close to the response window, not yet past it.
    pub closing: i64,
    /// Past the response window.
    pub missed: i64,
}

/// One worker's open cases as counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct OpenCases {
    pub worker: UserId,
    /// Accepted, being contacted or active.
    pub open: i64,
    /// Of those, active.
    pub active: i64,
}

/// Open referrals not yet seen: the waiting list's statuses (its partial index says the same).
pub const WAITING: &[&str] = &["received", "accepted", "contacting"];
/// Every status code a filter may name.
const STATUSES: &[&str] =
    &["received", "accepted", "contacting", "unable_to_contact", "declined", "redirected", "active", "discharged"];
/// Referrals on a worker's caseload.
pub const OPEN: &[&str] = &["accepted", "contacting", "active"];

/// A column a list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// When the record was made (ids are time-ordered): a person's referrals, a caseload.
    Created,
    /// When the referral was received (which an import or the demo may set in the past).
    Received,
    /// The person's family name, then given name.
    Name,
    /// Most urgent first, then by when received.
    Urgency,
    /// By status code, then by when received.
    Status,
}

/// The order of a list, which also decides what its cursor holds: the sort keys of the
/// page's last row, then its id (so rows with equal keys keep one order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralOrder {
    pub by: SortBy,
    pub descending: bool,
}

impl ReferralOrder {
    /// Newest first.
    pub const NEWEST: ReferralOrder = ReferralOrder { by: SortBy::Created, descending: true };
    /// The waiting list's: most urgent, then longest waiting.
    pub const WAITING: ReferralOrder = ReferralOrder { by: SortBy::Urgency, descending: false };

    /// The columns sorted on before the id, and whether each holds text. `as_referred`: by
    /// the names the referral gave, for a referrer, who must learn nothing of the person's
    /// record (not even its order or its id through a cursor).
    fn keys(self, as_referred: bool) -> &'static [(&'static str, bool)] {
        match self.by {
            SortBy::Created => &[],
            SortBy::Received => &[("r.received_at", false)],
            SortBy::Name if as_referred => &[(REFERRED_FAMILY_KEY, true), (REFERRED_GIVEN_KEY, true)],
            // Case aside ("de Souza" among the Ds), by each engine's own `lower` and collation.
            SortBy::Name => &[("lower(p.family_name)", true), ("lower(p.given_name)", true), ("p.id", true)],
            SortBy::Urgency => &[("r.urgency_rank", false), ("r.received_at", false)],
            SortBy::Status => &[("r.status", true), ("r.received_at", false)],
        }
    }

    /// Whether to read people first (in name order) rather than referrals: for a list by
    /// name narrowed by nothing that picks few referrals. A narrowed list (a caseload, a
    /// practice's, a search's) is read from its own index and sorted after.
    fn walks_people(self, filter: &ReferralFilter) -> bool {
        self.by == SortBy::Name
            && filter.workers.is_empty()
            && filter.person.is_none()
            && filter.people.is_none()
            && filter.referred_by.is_none()
            && filter.reference.is_none()
            && filter.practice.is_none()
            && filter.referred.is_none()
    }

    /// The cursor after `row`: its sort keys and id, hex-encoded JSON so that it travels in
    /// an address as it is.
    fn cursor_of(self, row: &ReferralSummaryRow, as_referred: bool) -> String {
        use serde_json::Value;
        let mut values: Vec<Value> = match self.by {
            SortBy::Created => vec![],
            SortBy::Received => vec![row.received_at.into()],
            SortBy::Name if as_referred => {
                vec![row.referred_family_key.clone().into(), row.referred_given_key.clone().into()]
            }
            SortBy::Name => {
                vec![row.family_key.clone().into(), row.given_key.clone().into(), row.person_id.clone().into()]
            }
            SortBy::Urgency => vec![row.urgency_rank.into(), row.received_at.into()],
            SortBy::Status => vec![row.status.clone().into(), row.received_at.into()],
        };
        values.push(row.id.clone().into());
        hex::encode(Value::Array(values).to_string())
    }

    /// Push `AND (keys…, id) > (cursor…)` (`<` descending), or refuse a cursor this order
    /// did not give.
    fn push_after<DB: sqlx::Database>(
        self,
        qb: &mut sqlx::QueryBuilder<DB>,
        cursor: &str,
        as_referred: bool,
    ) -> Result<()>
    where
        i64: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        use serde_json::Value;
        let keys = self.keys(as_referred);
        // Two names and an id fit in far less; anything longer was not made here.
        let decoded = (cursor.len() <= MAX_CURSOR)
            .then(|| hex::decode(cursor).ok())
            .flatten()
            .and_then(|bytes| serde_json::from_slice::<Vec<Value>>(&bytes).ok())
            .filter(|v| v.len() == keys.len() + 1)
            .ok_or(StoreError::BadCursor)?;
        let columns: Vec<&str> = keys.iter().map(|(c, _)| *c).chain(std::iter::once("r.id")).collect();
        qb.push(" AND (").push(columns.join(", ")).push(if self.descending { ") < (" } else { ") > (" });
        let text = keys.iter().map(|(_, t)| *t).chain(std::iter::once(true));
        for (i, (value, is_text)) in decoded.into_iter().zip(text).enumerate() {
            if i > 0 {
                qb.push(", ");
            }
            match (value, is_text) {
                (Value::String(s), true) => qb.push_bind(s),
                (Value::Number(n), false) => qb.push_bind(n.as_i64().ok_or(StoreError::BadCursor)?),
                _ => return Err(StoreError::BadCursor),
            };
        }
        qb.push(")");
        Ok(())
    }

    fn push_order_by<DB: sqlx::Database>(self, qb: &mut sqlx::QueryBuilder<DB>, as_referred: bool) {
        let direction = if self.descending { " DESC" } else { "" };
        let columns: Vec<String> = self
            .keys(as_referred)
            .iter()
            .map(|(c, _)| *c)
            .chain(std::iter::once("r.id"))
            .map(|c| format!("{c}{direction}"))
            .collect();
        qb.push(" ORDER BY ").push(columns.join(", "));
    }
}

/// The longest cursor read: two names of at most 100 characters (up to 4 bytes each in
/// UTF-8, escaped in JSON) and two ids, hex-encoded, fit well within it.
const MAX_CURSOR: usize = 4096;

/// The names a referral gave (the record's for referrals made before they were kept), as
/// a referrer's list sorts them.
const REFERRED_FAMILY_KEY: &str = "lower(COALESCE(r.referred_family_name, p.family_name))";
const REFERRED_GIVEN_KEY: &str = "lower(COALESCE(r.referred_given_name, p.given_name))";

const SELECT: &str = "SELECT r.id, r.person_id, p.given_name, p.family_name, p.date_of_birth, r.practice_id, r.source, r.received_at, r.status_changed_at, r.urgency, r.urgency_rank, r.needs, r.status, r.failed_attempts, r.assigned_worker_id, r.safeguarding, r.next_review, \
     COALESCE(r.referred_given_name, p.given_name) AS referred_given_name, COALESCE(r.referred_family_name, p.family_name) AS referred_family_name, COALESCE(r.referred_date_of_birth, p.date_of_birth) AS referred_date_of_birth, r.referred_nhs_number, lower(p.family_name) AS family_key, lower(p.given_name) AS given_key, \
     lower(COALESCE(r.referred_family_name, p.family_name)) AS referred_family_key, lower(COALESCE(r.referred_given_name, p.given_name)) AS referred_given_key, \
     (SELECT MIN(s.starts_at) FROM sessions s WHERE s.organisation_id = r.organisation_id AND s.referral_id = r.id AND s.status = 'booked' AND s.starts_at >= ";
/// `CROSS JOIN` keeps referrals the outer loop on SQLite, so "newest first" walks the
/// referrals' primary key backwards and stops at the page. Left to choose, SQLite sometimes
/// put people outside and sorted every referral of the organisation: seconds at 250,000
/// (the `/referrals` tail in `scripts/bench`). PostgreSQL plans it as the join it is.
const FROM: &str = ") AS next_session_at FROM referrals r CROSS JOIN people p WHERE p.organisation_id = r.organisation_id AND p.id = r.person_id AND r.organisation_id = ";
/// A list of the whole organisation by name: people outside, walked in name order from
/// `people_by_name`, each one's referrals looked up, stopping at the page. Referrals
/// outside sorted all 300,000 joined rows by name: 3.6 s on SQLite, 2.6 s on PostgreSQL.
const FROM_PEOPLE: &str = ") AS next_session_at FROM people p CROSS JOIN referrals r WHERE r.organisation_id = p.organisation_id AND r.person_id = p.id AND p.organisation_id = ";

impl Db {
    /// A page of referral summaries, filtered and ordered.
    pub async fn referral_summaries(
        &self,
        scope: &OrgScope,
        filter: &ReferralFilter,
        order: ReferralOrder,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<ReferralSummary>> {
        let now = now_ms();
        let as_referred = filter.referred_by.is_some();
        let rows: Vec<(ReferralSummary, String)> = on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(SELECT);
            qb.push_bind(now).push(if order.walks_people(filter) { FROM_PEOPLE } else { FROM }).push_bind(scope.key());
            if !filter.statuses.is_empty() {
                // Literal codes (from the constants above), so the partial waiting-list index matches.
                qb.push(" AND r.status IN (");
                qb.push(filter.statuses.iter().filter(|s| STATUSES.contains(s)).map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", "));
                qb.push(")");
            }
            if !filter.workers.is_empty() {
                qb.push(" AND r.assigned_worker_id");
                crate::push_in_list(&mut qb, &filter.workers.iter().map(|w| w.to_string()).collect::<Vec<_>>());
            }
            if let Some((user, practice)) = filter.referred_by {
                qb.push(" AND (r.referrer_user_id = ").push_bind(user.to_string());
                if let Some(pr) = practice {
                    qb.push(" OR r.practice_id = ").push_bind(pr.to_string());
                }
                qb.push(")");
            }
            if let Some(person) = filter.person {
                qb.push(" AND r.person_id = ").push_bind(person.to_string());
            }
            if let Some(people) = &filter.people {
                qb.push(" AND r.person_id");
                crate::push_in_list(&mut qb, &people.iter().map(|p| p.to_string()).collect::<Vec<_>>());
            }
            match &filter.referred {
                None => {}
                Some(PersonQuery::Name(tokens)) => {
                    // Tokens are folded to ASCII letters, so none holds a LIKE wildcard; the
                    // names lose their apostrophes and hyphens the same way ("oneil" finds
                    // O'Neil). Accented letters are not folded here (no engine-neutral SQL).
                    for t in tokens {
                        qb.push(" AND replace(replace(replace(lower(COALESCE(r.referred_given_name, p.given_name) || ' ' || COALESCE(r.referred_family_name, p.family_name)), '''', ''), '\u{2019}', ''), '-', '') LIKE ").push_bind(format!("%{t}%"));
                    }
                }
                Some(PersonQuery::NhsNumber(n)) => { qb.push(" AND r.referred_nhs_number = ").push_bind(n.digits()); }
                Some(PersonQuery::DateOfBirth(d)) => {
                    qb.push(" AND COALESCE(r.referred_date_of_birth, p.date_of_birth) = ").push_bind(d.to_string());
                }
                Some(PersonQuery::Postcode(_)) => { qb.push(" AND 1 = 0"); }
            }
            if let Some(reference) = &filter.reference {
                qb.push(" AND r.reference = ").push_bind(reference.clone());
            }
            if filter.unassigned {
                qb.push(" AND r.assigned_worker_id IS NULL");
            }
            if let Some(u) = filter.urgency {
                qb.push(" AND r.urgency = ").push_bind(u.code());
            }
            if let Some(pr) = filter.practice {
                qb.push(" AND r.practice_id = ").push_bind(pr.to_string());
            }
            if let Some(n) = filter.need {
                // Needs are stored comma-separated; the commas around both sides match whole codes.
                qb.push(" AND (',' || r.needs || ',') LIKE ").push_bind(format!("%,{},%", n.code()));
            }
            if let Some(from) = filter.received_from {
                qb.push(" AND r.received_at >= ").push_bind(from);
            }
            if let Some(before) = filter.received_before {
                qb.push(" AND r.received_at < ").push_bind(before);
            }
            if let Some(c) = cursor {
                order.push_after(&mut qb, c, as_referred)?;
            }
            order.push_order_by(&mut qb, as_referred);
            qb.push(" LIMIT ").push_bind((limit + 1) as i64);
            let rows = qb.build_query_as::<ReferralSummaryRow>().fetch_all(pool).await?;
            rows.into_iter().map(|r| {
                let cursor = order.cursor_of(&r, as_referred);
                Ok((ReferralSummary::try_from(r)?, cursor))
            }).collect::<Result<Vec<_>>>()
        })?;
        let page = Page::from_overfetch(rows, limit, |(_, cursor)| cursor.clone());
        Ok(Page { items: page.items.into_iter().map(|(s, _)| s).collect(), next_cursor: page.next_cursor })
    }

    /// The waiting list: open referrals not yet seen, most urgent first, then oldest first.
    pub async fn waiting_list(
        &self,
        scope: &OrgScope,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<ReferralSummary>> {
        let filter = ReferralFilter { statuses: WAITING.to_vec(), ..Default::default() };
        self.referral_summaries(scope, &filter, ReferralOrder::WAITING, cursor, limit).await
    }

    /// How many referrals wait to be seen: in all, unassigned, urgent, received in
    /// `[missed_before, closing_before)` (close to the response window) and before
    /// `missed_before` (past it).
    pub async fn waiting_figures(
        &self,
        scope: &OrgScope,
        closing_before: i64,
        missed_before: i64,
    ) -> Result<WaitingFigures> {
        let sql = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN assigned_worker_id IS NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN urgency_rank = $4 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN received_at < $2 AND received_at >= $3 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN received_at < $3 THEN 1 ELSE 0 END), 0) \
             FROM referrals WHERE organisation_id = $1 AND status IN ('received', 'accepted', 'contacting')";
        let (waiting, unassigned, urgent, closing, missed): (i64, i64, i64, i64, i64) = on_db!(self, pool => {
            sqlx::query_as(sql).bind(scope.key()).bind(closing_before).bind(missed_before).bind(i64::from(Urgency::Urgent.rank())).fetch_one(pool).await?
        });
        Ok(WaitingFigures { waiting, unassigned, urgent, closing, missed })
    }

    /// Each worker's open cases (accepted, being contacted or active) as counts, for the
    /// workers who hold any: read from the counts the referrals' triggers keep
    /// (migration 22), not counted again.
    pub async fn open_cases_by_worker(&self, scope: &OrgScope) -> Result<Vec<OpenCases>> {
        let sql = "SELECT worker_id, CAST(SUM(cases) AS BIGINT), CAST(SUM(CASE WHEN status = 'active' THEN cases ELSE 0 END) AS BIGINT) \
             FROM open_case_counts WHERE organisation_id = $1 AND cases > 0 GROUP BY worker_id";
        let rows: Vec<(String, i64, i64)> = on_db!(self, pool => {
            sqlx::query_as(sql).bind(scope.key()).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(worker, open, active)| Ok(OpenCases { worker: stored(worker.parse())?, open, active }))
            .collect()
    }

    /// How many of the referrals a user made, or their practice's, are in each status (by
    /// status code; statuses with none are left out).
    pub async fn referral_counts_by_status(
        &self,
        scope: &OrgScope,
        referred_by: (UserId, Option<PracticeId>),
    ) -> Result<Vec<(&'static str, i64)>> {
        let (user, practice) = referred_by;
        let sql = "SELECT status, COUNT(*) FROM referrals WHERE organisation_id = $1 AND (referrer_user_id = $2 OR practice_id = $3) GROUP BY status";
        let rows: Vec<(String, i64)> = on_db!(self, pool => {
            sqlx::query_as(sql).bind(scope.key()).bind(user.to_string()).bind(practice.map(|p| p.to_string())).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(status, n)| {
                let code = STATUSES.iter().find(|s| **s == status).ok_or_else(|| StoreError::corrupt(status))?;
                Ok((*code, n))
            })
            .collect()
    }

    /// A worker's caseload: every open referral assigned to them (at most `limit`), the
    /// soonest next session first, then those with none booked, longest waiting first.
    pub async fn caseload(&self, scope: &OrgScope, worker: UserId, limit: usize) -> Result<Vec<ReferralSummary>> {
        let filter = ReferralFilter { statuses: OPEN.to_vec(), workers: vec![worker], ..Default::default() };
        let mut items = self.referral_summaries(scope, &filter, ReferralOrder::NEWEST, None, limit).await?.items;
        items.sort_by_key(|r| (r.next_session_at.is_none(), r.next_session_at, r.received_at));
        Ok(items)
    }
}
