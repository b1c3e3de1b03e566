//! Sessions with a link worker: their kinds and lengths, the programme's limits, the
//! Europe/London wall clock, and double-booking.

mod clock;
mod hours;
mod rules;
mod status;

pub use clock::{Fold, LocalTimeError, Slot, london_instant, session_start};
pub use hours::{DayFields, WEEKDAYS, Week, free_periods, parse_week};
pub use rules::{BookingError, Minutes, ProgrammeRules, SessionKind, SessionMode, next_session_kind};
pub use status::{AskedBy, Outcome, SessionNotes, SessionStatus};
