//! Sessions with the link worker: booking the next one (its kind follows the programme's
//! limits, its reminder is queued with it).

use jiff::Timestamp;
use linkwell_domain::RoomId;
use linkwell_domain::sessions::SessionMode;
use linkwell_store::referrals::Referral;
use linkwell_store::sessions::{BookingProblem, NewSession, Session};
use linkwell_store::{Actor, Db, OrgScope, StoreError};

use crate::messaging::reminders::reminder_for;

/// A session to book on an open case.
#[derive(Debug, Clone, Copy)]
pub struct Booking {
    pub starts: Timestamp,
    pub mode: SessionMode,
    /// The room, for a session in person; ignored for other modes.
    pub room: Option<RoomId>,
}

/// Why a booking was not made.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("Assign a link worker before booking sessions")]
    NoWorker,
    /// The room named is not one of this organisation's.
    #[error("No such room")]
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
    match db.book_session(scope, actor, &new).await {
        Ok(s) => Ok(s),
        Err(BookingProblem::Store(StoreError::NotFound)) => Err(BookError::UnknownRoom),
        Err(BookingProblem::Store(e)) => Err(BookError::Store(e)),
        Err(problem) => Err(BookError::Refused(problem)),
    }
}
