//! Booking sessions: the programme's limits, no double-booking of a worker or a room, and
//! the worker's working hours, checked inside one write transaction.

use jiff::Timestamp;
use jiff::civil::Time;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::chronology::{self, BookedSoFar, Untimely};
use linkwell_domain::ids::{ReferralId, SessionId};
use linkwell_domain::sessions::{
    BookingError, Outcome, SessionKind, SessionMode, SessionNotes, SessionStatus, Slot, next_session_kind,
};
use linkwell_domain::time::from_millis;
use linkwell_domain::{RoomId, UserId};

use crate::audit::append_in;
use crate::error::stored;
use crate::versioned::expect_version;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// Working hours when a worker has none recorded for a weekday: Monday to Friday, 9 to 5.
pub const DEFAULT_HOURS: (Time, Time) = (Time::constant(9, 0, 0, 0), Time::constant(17, 0, 0, 0));

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Session {
    pub id: SessionId,
    pub referral_id: ReferralId,
    pub worker_id: UserId,
    pub kind: SessionKind,
    pub mode: SessionMode,
    pub room_id: Option<RoomId>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub status: SessionStatus,
    /// The worker's notes from recording the outcome (empty until then).
    pub notes: String,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub referral_id: ReferralId,
    pub worker_id: UserId,
    pub kind: SessionKind,
    pub mode: SessionMode,
    pub room_id: Option<RoomId>,
    pub starts: Timestamp,
    /// The reminder to the person, queued in the same transaction as the booking (its
    /// session is filled in here).
    pub reminder: Option<crate::outbox::NewMessage>,
}

/// Why a booking was refused; each names what to change.
#[derive(Debug, thiserror::Error)]
pub enum BookingProblem {
    #[error(transparent)]
    Limit(#[from] BookingError),
    #[error("Sessions can only be booked for a referral that has been accepted and is still open")]
    ReferralNotOpen,
    #[error("Choose a room for a session in person")]
    RoomRequired,
    #[error("The link worker already has a session at that time")]
    WorkerBusy,
    #[error("The room is already booked at that time")]
    RoomBusy,
    #[error("That time is outside the link worker's working hours")]
    OutsideHours,
    #[error(transparent)]
    Untimely(#[from] Untimely),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BookingProblem {
    fn from(e: sqlx::Error) -> Self {
        BookingProblem::Store(StoreError::Database(e))
    }
}

row_struct! {
    /// A `sessions` row as read (also by `diary`, flattened into its own).
    pub(crate) struct SessionRow {
        id: String,
        referral_id: String,
        worker_id: String,
        kind: String,
        mode: String,
        room_id: Option<String>,
        starts_at: i64,
        ends_at: i64,
        status: String,
        notes: Option<String>,
        version: i64,
    }
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;

    fn try_from(r: SessionRow) -> Result<Session> {
        Ok(Session {
            id: stored(r.id.parse())?,
            referral_id: stored(r.referral_id.parse())?,
            worker_id: stored(r.worker_id.parse())?,
            kind: stored(SessionKind::parse(&r.kind))?,
            mode: stored(SessionMode::parse(&r.mode))?,
            room_id: r.room_id.map(|s| stored(s.parse())).transpose()?,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            status: stored(SessionStatus::parse(&r.status))?,
            notes: r.notes.unwrap_or_default(),
            version: r.version,
        })
    }
}

/// Sessions that still take up time (not cancelled).
const LIVE: &str = "status IN ('booked', 'attended', 'did_not_attend')";

impl Db {
    /// Set a worker's hours for one ISO weekday (1 Monday … 7 Sunday). Equal start and end
    /// (00:00–00:00) records a day off.
    pub async fn set_working_hours(
        &self,
        scope: &OrgScope,
        user: UserId,
        weekday: i8,
        starts: Time,
        ends: Time,
    ) -> Result<()> {
        self.set_week(scope, &Actor::system(), user, &[(weekday, Some((starts, ends)))]).await
    }

    /// Set a worker's week in one audited change: for each ISO weekday, their hours or
    /// `None` for a day off.
    pub async fn set_week(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        user: UserId,
        days: &[(i8, Option<(Time, Time)>)],
    ) -> Result<()> {
        let midnight = Time::midnight();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            // The same lock a booking takes, so a booking never reads a week half-changed.
            let n = sqlx::query("UPDATE users SET updated_at = updated_at WHERE organisation_id = $1 AND id = $2")
                .bind(scope.key()).bind(user.to_string()).execute(&mut *conn).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            for (weekday, hours) in days {
                let (starts, ends) = hours.unwrap_or((midnight, midnight));
                sqlx::query("INSERT INTO working_hours (organisation_id, user_id, weekday, starts, ends) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organisation_id, user_id, weekday) DO UPDATE SET starts = excluded.starts, ends = excluded.ends")
                    .bind(scope.key()).bind(user.to_string()).bind(i64::from(*weekday))
                    .bind(starts.strftime("%H:%M").to_string()).bind(ends.strftime("%H:%M").to_string())
                    .execute(&mut *conn).await?;
            }
        });
        append_in(&mut tx, scope, &actor.event(AuditAction::SettingsChanged, "working_hours", user, None));
        tx.commit().await
    }

    /// A worker's hours for each ISO weekday (1 Monday … 7 Sunday): the recorded ones, else
    /// the default (Monday to Friday, 9 to 5); `None` is a day off.
    pub async fn working_week(&self, scope: &OrgScope, user: UserId) -> Result<Vec<(i8, Option<(Time, Time)>)>> {
        let rows: Vec<(i64, String, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT weekday, starts, ends FROM working_hours WHERE organisation_id = $1 AND user_id = $2")
                .bind(scope.key()).bind(user.to_string()).fetch_all(pool).await?
        });
        (1..=7i8)
            .map(|d| {
                let hours = match rows.iter().find(|(w, ..)| *w == i64::from(d)) {
                    Some((_, s, e)) => {
                        let (s, e) = (
                            s.parse::<Time>().map_err(StoreError::corrupt)?,
                            e.parse::<Time>().map_err(StoreError::corrupt)?,
                        );
                        (s < e).then_some((s, e))
                    }
                    None if d <= 5 => Some(DEFAULT_HOURS),
                    None => None,
                };
                Ok((d, hours))
            })
            .collect()
    }

    /// Book a session for an open referral, in a transaction of its own.
    pub async fn book_session(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        new: &NewSession,
    ) -> std::result::Result<Session, BookingProblem> {
        let referral = self.referral(scope, new.referral_id).await?;
        let rules = self
            .programmes(scope)
            .await?
            .into_iter()
            .find(|p| p.id == referral.programme_id)
            .ok_or(StoreError::NotFound)?
            .rules;
        let mut tx = self.begin().await?;
        let session = book_session_in(&mut tx, scope, actor, &referral, &rules, new).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Record how a booked session ended, with the worker's notes, in a transaction of its
    /// own (`app::sessions::record_outcome` also makes a waiting referral active).
    pub async fn record_session_outcome(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: SessionId,
        expected: linkwell_domain::Version,
        outcome: Outcome,
        notes: &SessionNotes,
    ) -> Result<Session> {
        let mut tx = self.begin().await?;
        record_session_outcome_in(&mut tx, scope, actor, id, expected, outcome, notes).await?;
        tx.commit().await?;
        self.session(scope, id).await
    }

    pub async fn session(&self, scope: &OrgScope, id: SessionId) -> Result<Session> {
        let rows = self.sessions_where(scope, "id", &id.to_string()).await?;
        rows.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// The kind the referral's next booking will be: the initial session until one is
    /// booked or held (cancelled ones do not count), then follow-ups.
    pub async fn next_session_kind(&self, scope: &OrgScope, referral: ReferralId) -> Result<SessionKind> {
        let sessions = self.sessions_for_referral(scope, referral).await?;
        let has_initial = sessions.iter().any(|s| s.kind == SessionKind::Initial && !s.status.is_cancelled());
        Ok(if has_initial { SessionKind::FollowUp } else { SessionKind::Initial })
    }

    /// A referral's sessions, in time order.
    pub async fn sessions_for_referral(&self, scope: &OrgScope, referral: ReferralId) -> Result<Vec<Session>> {
        self.sessions_where(scope, "referral_id", &referral.to_string()).await
    }

    async fn sessions_where(&self, scope: &OrgScope, column: &'static str, value: &str) -> Result<Vec<Session>> {
        let sql = format!(
            "SELECT id, referral_id, worker_id, kind, mode, room_id, starts_at, ends_at, status, notes, version FROM sessions WHERE organisation_id = $1 AND {column} = $2 ORDER BY starts_at, id"
        );
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, SessionRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(value).fetch_all(pool).await?;
            rows.into_iter().map(Session::try_from).collect()
        })
    }
}

/// Record how a booked session ended, inside the caller's transaction. Only a booked
/// session takes an outcome; a stale version (or one already recorded) is a conflict, and
/// a session that is not there is not found. A cancellation withdraws its reminder.
pub async fn record_session_outcome_in(
    tx: &mut crate::Tx,
    scope: &OrgScope,
    actor: &Actor,
    id: SessionId,
    expected: linkwell_domain::Version,
    outcome: Outcome,
    notes: &SessionNotes,
) -> Result<()> {
    let now = now_ms();
    let n = on_tx!(tx, conn => {
        let starts: Option<i64> = sqlx::query_scalar("SELECT starts_at FROM sessions WHERE organisation_id = $1 AND id = $2")
            .bind(scope.key()).bind(id.to_string()).fetch_optional(&mut *conn).await?;
        if let Some(starts) = starts {
            chronology::session_outcome(outcome, from_millis(starts), from_millis(now))?;
        }
        sqlx::query("UPDATE sessions SET status = $1, notes = $2, updated_at = $3, version = version + 1 WHERE organisation_id = $4 AND id = $5 AND version = $6 AND status = 'booked'")
            .bind(outcome.code()).bind(notes.as_str()).bind(now).bind(scope.key()).bind(id.to_string()).bind(expected.0)
            .execute(&mut *conn).await?.rows_affected()
    });
    expect_version(tx, "sessions", scope, id, n).await?;
    if outcome.is_cancellation() {
        crate::outbox::cancel_for_session_in(tx, scope, id).await?;
    }
    append_in(
        tx,
        scope,
        &actor.event(AuditAction::RecordChanged, "session", id, Some(format!("outcome={}", outcome.code()))),
    );
    Ok(())
}

/// Cancel, as the service, every session of `referral` still booked to start at `from` or
/// later, withdrawing their reminders: a discharge does this, so no session is held after
/// it. Sessions that have started keep their status for their outcome to be recorded.
pub(crate) async fn cancel_booked_from_in(
    tx: &mut crate::Tx,
    scope: &OrgScope,
    actor: &Actor,
    referral: ReferralId,
    from: i64,
) -> Result<()> {
    let booked: Vec<(String, i64)> = on_tx!(tx, conn => {
        sqlx::query_as("SELECT id, version FROM sessions WHERE organisation_id = $1 AND referral_id = $2 AND status = 'booked' AND starts_at >= $3")
            .bind(scope.key()).bind(referral.to_string()).bind(from)
            .fetch_all(&mut *conn).await?
    });
    for (id, version) in booked {
        let id = stored(id.parse::<SessionId>())?;
        let notes = SessionNotes::discharged();
        record_session_outcome_in(
            tx,
            scope,
            actor,
            id,
            linkwell_domain::Version(version),
            Outcome::CancelledByService,
            &notes,
        )
        .await?;
    }
    Ok(())
}

/// Book a session inside the caller's transaction, once the referral is known to be open
/// and its programme's rules are read. The worker's and room's rows are locked first (a
/// row lock on PostgreSQL; SQLite's write transaction is already exclusive), so two
/// concurrent bookings cannot both see the slot free.
pub async fn book_session_in(
    tx: &mut crate::Tx,
    scope: &OrgScope,
    actor: &Actor,
    referral: &crate::referrals::Referral,
    rules: &linkwell_domain::sessions::ProgrammeRules,
    new: &NewSession,
) -> std::result::Result<Session, BookingProblem> {
    if !matches!(
        referral.status,
        linkwell_domain::referrals::ReferralStatus::Accepted
            | linkwell_domain::referrals::ReferralStatus::Contacting { .. }
            | linkwell_domain::referrals::ReferralStatus::Active
    ) {
        return Err(BookingProblem::ReferralNotOpen);
    }
    if new.mode.needs_room() && new.room_id.is_none() {
        return Err(BookingProblem::RoomRequired);
    }
    let id = SessionId::new();
    let now = now_ms();
    let org = scope.key();
    let session = on_tx!(tx, conn => {
        // Lock the referral first and read it again inside the transaction: a discharge or
        // a reassignment that committed since the case was opened refuses the booking, and
        // the extension counted is the current one.
        let n = sqlx::query("UPDATE referrals SET version = version WHERE organisation_id = $1 AND id = $2 AND assigned_worker_id = $3 AND status IN ('accepted', 'contacting', 'active')")
            .bind(&org).bind(new.referral_id.to_string()).bind(new.worker_id.to_string()).execute(&mut *conn).await?.rows_affected();
        if n == 0 {
            return Err(BookingProblem::ReferralNotOpen);
        }
        let extension: i64 = sqlx::query_scalar("SELECT follow_up_extension FROM referrals WHERE organisation_id = $1 AND id = $2")
            .bind(&org).bind(new.referral_id.to_string()).fetch_one(&mut *conn).await?;
        // Lock the worker (and room) rows; a missing one is NotFound.
        let n = sqlx::query("UPDATE users SET updated_at = updated_at WHERE organisation_id = $1 AND id = $2")
            .bind(&org).bind(new.worker_id.to_string()).execute(&mut *conn).await?.rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound.into());
        }
        if let Some(room) = new.room_id {
            let n = sqlx::query("UPDATE rooms SET version = version WHERE organisation_id = $1 AND id = $2")
                .bind(&org).bind(room.to_string()).execute(&mut *conn).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound.into());
            }
        }
        // The programme's limit, counting sessions not cancelled, and when the initial
        // session and the first follow-up start (the initial one comes first in time too).
        let (initial, follow_ups, initial_at, first_follow_up_at): (i64, i64, Option<i64>, Option<i64>) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT COALESCE(SUM(CASE WHEN kind = 'initial' THEN 1 ELSE 0 END), 0) AS initial, COALESCE(SUM(CASE WHEN kind = 'follow_up' THEN 1 ELSE 0 END), 0) AS follow_ups, \
             MIN(CASE WHEN kind = 'initial' THEN starts_at END), MIN(CASE WHEN kind = 'follow_up' THEN starts_at END) FROM sessions WHERE organisation_id = $1 AND referral_id = $2 AND {LIVE}"
        )))
        .bind(&org).bind(new.referral_id.to_string()).fetch_one(&mut *conn).await?;
        let extension = u32::try_from(extension).unwrap_or(0);
        let kind = next_session_kind(rules, initial > 0, u32::try_from(follow_ups).unwrap_or(u32::MAX), extension, new.kind)?;
        let slot = Slot::starting(new.starts, rules.length(kind));
        // Working hours on the session's London weekday.
        let weekday = new.starts.to_zoned(linkwell_domain::time::london()).weekday().to_monday_one_offset();
        let hours: Option<(String, String)> = sqlx::query_as("SELECT starts, ends FROM working_hours WHERE organisation_id = $1 AND user_id = $2 AND weekday = $3")
            .bind(&org).bind(new.worker_id.to_string()).bind(i64::from(weekday)).fetch_optional(&mut *conn).await?;
        let (from, to) = match hours {
            Some((starts, ends)) => (
                starts.parse::<Time>().map_err(StoreError::corrupt)?,
                ends.parse::<Time>().map_err(StoreError::corrupt)?,
            ),
            None if weekday <= 5 => DEFAULT_HOURS,
            None => return Err(BookingProblem::OutsideHours),
        };
        if !slot.within_hours(from, to) {
            return Err(BookingProblem::OutsideHours);
        }
        let so_far = BookedSoFar { initial: initial_at.map(from_millis), first_follow_up: first_follow_up_at.map(from_millis) };
        chronology::session_order(kind, new.starts, so_far)?;
        let busy = |column: &'static str| format!("SELECT COUNT(*) FROM sessions WHERE organisation_id = $1 AND {column} = $2 AND {LIVE} AND starts_at < $3 AND ends_at > $4");
        let worker_clash: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(busy("worker_id")))
            .bind(&org).bind(new.worker_id.to_string()).bind(slot.end_ms).bind(slot.start_ms).fetch_one(&mut *conn).await?;
        if worker_clash > 0 {
            return Err(BookingProblem::WorkerBusy);
        }
        if let Some(room) = new.room_id {
            let room_clash: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(busy("room_id")))
                .bind(&org).bind(room.to_string()).bind(slot.end_ms).bind(slot.start_ms).fetch_one(&mut *conn).await?;
            if room_clash > 0 {
                return Err(BookingProblem::RoomBusy);
            }
        }
        sqlx::query("INSERT INTO sessions (organisation_id, id, referral_id, worker_id, kind, mode, room_id, starts_at, ends_at, status, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'booked', $10, $10, 1)")
            .bind(&org).bind(id.to_string()).bind(new.referral_id.to_string()).bind(new.worker_id.to_string())
            .bind(kind.code()).bind(new.mode.code()).bind(new.room_id.map(|r| r.to_string()))
            .bind(slot.start_ms).bind(slot.end_ms).bind(now)
            .execute(&mut *conn).await?;
        Session {
            id,
            referral_id: new.referral_id,
            worker_id: new.worker_id,
            kind,
            mode: new.mode,
            room_id: new.room_id,
            starts_at: slot.start_ms,
            ends_at: slot.end_ms,
            status: SessionStatus::Booked,
            notes: String::new(),
            version: 1,
        }
    });
    if let Some(reminder) = &new.reminder {
        let reminder = crate::outbox::NewMessage { session_id: Some(id), ..reminder.clone() };
        crate::outbox::enqueue_in(tx, scope, &reminder).await?;
    }
    append_in(
        tx,
        scope,
        &actor.event(AuditAction::RecordChanged, "session", id, Some(format!("booked kind={}", session.kind.code()))),
    );
    Ok(session)
}
