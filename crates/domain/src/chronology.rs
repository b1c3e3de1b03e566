//! Records that cannot contradict time. A case is read back as a story (sessions, what
//! came of the connections, the discharge), and a record dated against that story — a
//! session marked attended before it began, "started going" before the group ever met, a
//! discharge before the last session attended — makes the story and every report built
//! on it false. Each rule is one function here; the application checks it before a
//! change, and the store checks it again inside the change's transaction, against the
//! rows as they are then.

use jiff::civil::Date;
use jiff::{Span, Timestamp};

use crate::directory::PrescriptionOutcome;
use crate::sessions::{Outcome, SessionKind};
use crate::time::{display_london, display_london_date};

/// Why a record would contradict time, in the words the person entering it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Untimely {
    #[error("This session has not started yet. Record whether the person attended once it has started, or cancel it")]
    OutcomeBeforeStart,
    #[error("A follow-up must be after the initial session, which is on {}", display_london(*initial))]
    FollowUpBeforeInitial { initial: Timestamp },
    #[error("The initial session must be before the first follow-up, which is on {}", display_london(*first_follow_up))]
    InitialAfterFollowUp { first_follow_up: Timestamp },
    #[error("The person attended a session on {}: a discharge cannot be dated before it", display_london(*attended))]
    DischargeBeforeAttended { attended: Timestamp },
    #[error("The service has not met since the person was connected to it. It next meets on {}", display_london_date(*meets))]
    BeforeServiceMet { meets: Date },
    #[error("Six weeks have not passed since the person was connected to it: that will be on {}", display_london_date(*six_weeks))]
    BeforeSixWeeks { six_weeks: Date },
}

impl Untimely {
    /// The field of the form or body the refusal belongs to.
    pub fn field(self) -> &'static str {
        match self {
            Untimely::OutcomeBeforeStart | Untimely::BeforeServiceMet { .. } | Untimely::BeforeSixWeeks { .. } => {
                "outcome"
            }
            Untimely::FollowUpBeforeInitial { .. } | Untimely::InitialAfterFollowUp { .. } => "date",
            Untimely::DischargeBeforeAttended { .. } => "reason",
        }
    }
}

/// Attended and did-not-attend say what happened at the session's time, so they can be
/// recorded once it has started. A cancellation is recorded before.
pub fn session_outcome(outcome: Outcome, starts: Timestamp, now: Timestamp) -> Result<(), Untimely> {
    if !outcome.is_cancellation() && starts > now { Err(Untimely::OutcomeBeforeStart) } else { Ok(()) }
}

/// The sessions a booking joins, not cancelled: when the initial one starts and when the
/// first follow-up does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BookedSoFar {
    pub initial: Option<Timestamp>,
    pub first_follow_up: Option<Timestamp>,
}

/// The initial session comes first in time, not only in order of booking: a follow-up is
/// never before it, and a moved initial session never after a follow-up.
pub fn session_order(kind: SessionKind, starts: Timestamp, so_far: BookedSoFar) -> Result<(), Untimely> {
    match kind {
        SessionKind::FollowUp => match so_far.initial {
            Some(initial) if starts < initial => Err(Untimely::FollowUpBeforeInitial { initial }),
            _ => Ok(()),
        },
        SessionKind::Initial => match so_far.first_follow_up {
            Some(first_follow_up) if starts > first_follow_up => {
                Err(Untimely::InitialAfterFollowUp { first_follow_up })
            }
            _ => Ok(()),
        },
    }
}

/// A discharge, made `now`, ends the case's story: no session attended after it. (Sessions
/// still booked from then on are cancelled by the discharge, so none is held after it.)
pub fn discharge(now: Timestamp, last_attended: Option<Timestamp>) -> Result<(), Untimely> {
    match last_attended.filter(|a| *a > now) {
        Some(attended) => Err(Untimely::DischargeBeforeAttended { attended }),
        None => Ok(()),
    }
}

/// What came of a connection can only be said once the service could have run: "started
/// going" once it has met on or after the day of the connection (`first_meeting`, when
/// its schedule is known: a phone line or a service without times has none), and "still
/// attending at 6 weeks" once six weeks have passed too.
pub fn connection_outcome(
    outcome: PrescriptionOutcome,
    connected_on: Date,
    first_meeting: Option<Date>,
    today: Date,
) -> Result<(), Untimely> {
    let says_they_went = matches!(outcome, PrescriptionOutcome::Started | PrescriptionOutcome::Attending6Weeks);
    if says_they_went && let Some(meets) = first_meeting.filter(|m| *m > today) {
        return Err(Untimely::BeforeServiceMet { meets });
    }
    if outcome == PrescriptionOutcome::Attending6Weeks {
        let six_weeks = connected_on.checked_add(Span::new().weeks(6)).unwrap_or(Date::MAX);
        if six_weeks > today {
            return Err(Untimely::BeforeSixWeeks { six_weeks });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    fn at(ms: i64) -> Timestamp {
        crate::time::from_millis(ms)
    }

    #[test]
    fn each_refusal_names_its_field_and_dates_in_london() {
        let e = session_order(
            SessionKind::FollowUp,
            at(1_790_000_000_000),
            BookedSoFar { initial: Some("2026-12-09T10:00:00Z".parse().unwrap()), first_follow_up: None },
        )
        .unwrap_err();
        assert_eq!(e.field(), "date");
        assert_eq!(e.to_string(), "A follow-up must be after the initial session, which is on 9 Dec 2026, 10:00");
        let e = connection_outcome(
            PrescriptionOutcome::Started,
            date(2026, 12, 1),
            Some(date(2026, 12, 8)),
            date(2026, 12, 3),
        )
        .unwrap_err();
        assert_eq!(
            (e.field(), e.to_string().as_str()),
            (
                "outcome",
                "The service has not met since the person was connected to it. It next meets on Tuesday 8 December 2026"
            )
        );
    }

    #[test]
    fn a_connection_is_followed_up_only_once_it_could_have_run() {
        let on = date(2026, 11, 2);
        let met = Some(date(2026, 11, 4));
        assert_eq!(
            connection_outcome(PrescriptionOutcome::Started, on, met, date(2026, 11, 3)),
            Err(Untimely::BeforeServiceMet { meets: date(2026, 11, 4) })
        );
        assert_eq!(connection_outcome(PrescriptionOutcome::Started, on, met, date(2026, 11, 4)), Ok(()));
        // No known times: the link worker's word stands.
        assert_eq!(connection_outcome(PrescriptionOutcome::Started, on, None, on), Ok(()));
        // What did not happen can be said at once.
        assert_eq!(connection_outcome(PrescriptionOutcome::DidNotStart, on, met, on), Ok(()));
        assert_eq!(connection_outcome(PrescriptionOutcome::ServiceFull, on, met, on), Ok(()));
        assert_eq!(
            connection_outcome(PrescriptionOutcome::Attending6Weeks, on, met, date(2026, 12, 13)),
            Err(Untimely::BeforeSixWeeks { six_weeks: date(2026, 12, 14) })
        );
        assert_eq!(connection_outcome(PrescriptionOutcome::Attending6Weeks, on, met, date(2026, 12, 14)), Ok(()));
    }

    #[test]
    fn a_discharge_follows_every_session() {
        let now = at(1_000_000);
        assert_eq!(discharge(now, None), Ok(()));
        assert_eq!(discharge(now, Some(now)), Ok(()));
        assert_eq!(
            discharge(now, Some(at(1_000_001))),
            Err(Untimely::DischargeBeforeAttended { attended: at(1_000_001) })
        );
    }

    fn outcome() -> impl Strategy<Value = Outcome> {
        prop::sample::select(Outcome::ALL.to_vec())
    }

    fn kind() -> impl Strategy<Value = SessionKind> {
        prop::sample::select(SessionKind::ALL.to_vec())
    }

    fn outcome_of_connection() -> impl Strategy<Value = PrescriptionOutcome> {
        prop::sample::select(PrescriptionOutcome::ALL.to_vec())
    }

    proptest! {
        /// Whatever the times, an outcome that says the session happened (or was missed)
        /// is accepted exactly when the session has started.
        #[test]
        fn no_attendance_before_the_start(o in outcome(), starts in 0i64..4_000_000_000_000, now in 0i64..4_000_000_000_000) {
            let accepted = session_outcome(o, at(starts), at(now)).is_ok();
            prop_assert_eq!(accepted, o.is_cancellation() || starts <= now);
        }

        /// Sessions accepted one after another by `session_order` always leave the
        /// initial session no later than every follow-up.
        #[test]
        fn the_initial_session_stays_first(bookings in prop::collection::vec((kind(), 0i64..1_000_000), 1..12)) {
            let mut so_far = BookedSoFar::default();
            for (kind, starts) in bookings {
                let starts = at(starts);
                if session_order(kind, starts, so_far).is_ok() {
                    match kind {
                        SessionKind::Initial => so_far.initial = Some(so_far.initial.map_or(starts, |i| i.min(starts))),
                        SessionKind::FollowUp => so_far.first_follow_up = Some(so_far.first_follow_up.map_or(starts, |f| f.min(starts))),
                    }
                }
                if let (Some(i), Some(f)) = (so_far.initial, so_far.first_follow_up) {
                    prop_assert!(i <= f);
                }
            }
        }

        /// A discharge is accepted exactly when nothing attended is after it.
        #[test]
        fn a_discharge_is_never_before_a_session(now in 0i64..1_000_000, attended in prop::option::of(0i64..1_000_000)) {
            let ok = discharge(at(now), attended.map(at)).is_ok();
            prop_assert_eq!(ok, attended.is_none_or(|a| a <= now));
        }

        /// "Started going" and "still attending" are never accepted before the service
        /// first met; the other outcomes are always accepted.
        #[test]
        fn no_going_before_it_met(o in outcome_of_connection(), connected in 0i32..3_000, meets_after in prop::option::of(0i32..60), today_after in 0i32..120) {
            let base = date(2026, 1, 1);
            let day = |n: i32| base.checked_add(Span::new().days(n)).unwrap();
            let (connected_on, today) = (day(connected), day(connected + today_after));
            let first_meeting = meets_after.map(|m| day(connected + m));
            let ok = connection_outcome(o, connected_on, first_meeting, today).is_ok();
            let went = matches!(o, PrescriptionOutcome::Started | PrescriptionOutcome::Attending6Weeks);
            let met = first_meeting.is_none_or(|m| m <= today);
            let six = o != PrescriptionOutcome::Attending6Weeks || today_after >= 42;
            prop_assert_eq!(ok, (!went || met) && six);
        }
    }
}
