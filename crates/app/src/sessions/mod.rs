//! Sessions with the link worker: booking the next one (its kind follows the programme's
//! limits, its reminder is queued with it), recording how one ended, and moving one; and
//! (`diary`) reading a worker's or a room's diary.

pub mod diary;

use jiff::Timestamp;
use linkwell_domain::ids::SessionId;
use linkwell_domain::sessions::session_start;
use linkwell_domain::sessions::{AskedBy, Outcome, ProgrammeRules, SessionMode, SessionNotes, SessionStatus};
use linkwell_domain::time::DateEntry;
use linkwell_domain::{RoomId, ValidationErrors, Version};
use linkwell_store::referrals::{Change, ChangeError, Referral, change_referral_in};
use linkwell_store::sessions::{BookingProblem, NewSession, Session, book_session_in, record_session_outcome_in};
use linkwell_store::{Actor, Db, OrgScope, StoreError};

use crate::Caller;
use crate::casework::{CaseError, open_case};
use crate::messaging::reminders::{move_notice_for, reminder_for};
use linkwell_store::outbox::{NewMessage, enqueue_in};

/// A session to book on an open case.
#[derive(Debug, Clone, Copy)]
pub struct Booking {
    pub starts: Timestamp,
    pub mode: SessionMode,
    /// The room, for a session in person; ignored for other modes.
    pub room: Option<RoomId>,
}

/// A booking as typed on the booking form or in an API body.
pub struct BookingFields<'a> {
    pub date: DateEntry,
    /// London wall-clock time, like 10:00.
    pub time: &'a str,
    /// Which of a repeated hour (the autumn clock change), when asked.
    pub fold: &'a str,
    pub mode: &'a str,
    pub room: &'a str,
}

impl Booking {
    /// The booking, or every problem with it, each under its field's name.
    pub fn parse(f: &BookingFields<'_>) -> Result<Booking, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let starts = session_start(&f.date, f.time, f.fold).map_err(|err| e.errors.extend(err.errors)).ok();
        let mode = e.check("mode", SessionMode::parse(f.mode));
        let room = match f.room.trim() {
            "" => None,
            raw => e.check("room_id", raw.parse::<RoomId>().map_err(|_| "Select a room from the list")),
        };
        match (starts, mode) {
            (Some(starts), Some(mode)) if e.is_empty() => Ok(Booking { starts, mode, room }),
            _ => Err(e),
        }
    }
}

/// Why a booking was not made.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("Assign a link worker before booking sessions")]
    NoWorker,
    /// The room named is not one of this organisation's.
    #[error("Select a room from the list")]
    UnknownRoom,
    #[error(transparent)]
    Refused(BookingProblem),
    #[error(transparent)]
    Store(StoreError),
}

impl BookError {
    /// The field of the booking form or body a refusal belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            BookError::UnknownRoom | BookError::Refused(BookingProblem::RoomRequired | BookingProblem::RoomBusy) => {
                "room_id"
            }
            BookError::Refused(BookingProblem::WorkerBusy | BookingProblem::OutsideHours) => "time",
            BookError::Refused(BookingProblem::Untimely(u)) => u.field(),
            _ => "date",
        }
    }
}

impl From<StoreError> for BookError {
    fn from(e: StoreError) -> Self {
        BookError::Store(e)
    }
}

/// Book the next session of `r` (a case the caller has opened) with its assigned worker:
/// the initial session first, then follow-ups within the programme's limit, never
/// double-booking the worker or the room, inside the worker's hours. The reminder to the
/// person is queued in the booking's transaction.
pub async fn book(db: &Db, scope: &OrgScope, actor: &Actor, r: &Referral, b: &Booking) -> Result<Session, BookError> {
    let worker = r.assigned_worker_id.ok_or(BookError::NoWorker)?;
    // Only sessions in person take a room.
    let room_id = if b.mode.needs_room() { b.room } else { None };
    let reminder = reminder_for(db, scope, r, b.starts, b.mode, room_id).await?;
    let new = NewSession {
        referral_id: r.id,
        worker_id: worker,
        kind: db.next_session_kind(scope, r.id).await?,
        mode: b.mode,
        room_id,
        starts: b.starts,
        reminder,
    };
    db.book_session(scope, actor, &new).await.map_err(BookError::from)
}

impl From<BookingProblem> for BookError {
    fn from(problem: BookingProblem) -> Self {
        match problem {
            // The worker was checked when the case was opened: what is missing is the room.
            BookingProblem::Store(StoreError::NotFound) => BookError::UnknownRoom,
            BookingProblem::Store(e) => BookError::Store(e),
            problem => BookError::Refused(problem),
        }
    }
}

/// A session and its case, for a caller who may work the case (an audited read of it).
pub async fn open_session(db: &Db, caller: &Caller, id: SessionId) -> Result<(Session, Referral), CaseError> {
    let s = db.session(&caller.scope(), id).await?;
    let r = open_case(db, caller, s.referral_id).await?;
    Ok((s, r))
}

/// Record how session `s` of case `r` ended, if it is still booked and at `expected`.
/// Coming to a session is contact made: a referral still waiting becomes active, in the
/// same transaction.
pub async fn record_outcome(
    db: &Db,
    scope: &OrgScope,
    actor: &Actor,
    (s, r): (&Session, &Referral),
    expected: Version,
    outcome: Outcome,
    notes: &SessionNotes,
) -> Result<Session, StoreError> {
    let contact_limit = rules_of(db, scope, r).await?.contact_attempt_limit;
    let mut tx = db.begin().await?;
    record_session_outcome_in(&mut tx, scope, actor, s.id, expected, outcome, notes).await?;
    if outcome == Outcome::Attended && r.status.is_waiting() {
        match change_referral_in(&mut tx, scope, actor, r, contact_limit, &Change::ContactMade).await {
            Ok(()) => {}
            // The referral changed since the case was opened: record the session again.
            Err(ChangeError::Illegal(_)) => return Err(StoreError::Conflict),
            Err(ChangeError::Untimely(u)) => return Err(u.into()),
            Err(ChangeError::Store(e)) => return Err(e),
        }
    }
    tx.commit().await?;
    db.session(scope, s.id).await
}

/// The rules of the programme `r` was referred to.
async fn rules_of(db: &Db, scope: &OrgScope, r: &Referral) -> Result<ProgrammeRules, StoreError> {
    db.programmes(scope)
        .await?
        .into_iter()
        .find(|p| p.id == r.programme_id)
        .map(|p| p.rules)
        .ok_or(StoreError::NotFound)
}

/// Move booked session `s` of case `r` (still at `expected`) to another time, mode or
/// room: in one transaction it is recorded as cancelled by whoever asked, and a session of
/// the same kind is booked by the same rules as any booking (the worker's hours, no
/// double-booking, the programme's limits). The old session's reminder is withdrawn, the
/// new one's queued, and the person is told of the move once, now. A move that cannot be
/// booked changes nothing.
pub async fn reschedule(
    db: &Db,
    scope: &OrgScope,
    actor: &Actor,
    (s, r): (&Session, &Referral),
    expected: Version,
    asked_by: AskedBy,
    to: &Booking,
) -> Result<Session, BookError> {
    if s.status != SessionStatus::Booked || s.version != expected.0 {
        return Err(BookError::Store(StoreError::Conflict));
    }
    let worker = r.assigned_worker_id.ok_or(BookError::NoWorker)?;
    let room_id = if to.mode.needs_room() { to.room } else { None };
    let rules = rules_of(db, scope, r).await?;
    let reminder = reminder_for(db, scope, r, to.starts, to.mode, room_id).await?;
    let new = NewSession {
        referral_id: r.id,
        worker_id: worker,
        kind: s.kind,
        mode: to.mode,
        room_id,
        starts: to.starts,
        reminder,
    };
    let notice = move_notice_for(db, scope, r, to.starts, to.mode, room_id).await?;
    let notes = SessionNotes::moved_to(to.starts);
    let mut tx = db.begin().await?;
    record_session_outcome_in(&mut tx, scope, actor, s.id, expected, asked_by.cancellation(), &notes).await?;
    let moved = book_session_in(&mut tx, scope, actor, r, &rules, &new).await?;
    if let Some(notice) = notice {
        // Withdrawn with the new session if that is cancelled before it goes.
        enqueue_in(&mut tx, scope, &NewMessage { session_id: Some(moved.id), ..notice }).await?;
    }
    tx.commit().await?;
    Ok(moved)
}
