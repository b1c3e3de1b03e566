//! Session times are entered and shown on the Europe/London wall clock. Twice a year the
//! clock is not a simple function of the instant: in spring an hour does not exist (01:00
//! jumps to 02:00), in autumn an hour happens twice (01:00–02:00 BST, then GMT). Linkwell
//! refuses the first and makes the booker choose in the second, never guessing.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::AmbiguousOffset;

use super::rules::Minutes;
use crate::time::{DateEntry, london};

/// Which of the two instants an autumn wall-clock time means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// The first occurrence, still on British Summer Time.
    Earlier,
    /// The second occurrence, after the clocks went back to GMT.
    Later,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    #[error("{time} on {date} does not exist: the clocks go forward an hour that night. Choose another time")]
    DoesNotExist { date: Date, time: Time },
    #[error(
        "{time} on {date} happens twice: the clocks go back an hour that night. Say whether you mean the first (BST) or the second (GMT)"
    )]
    Ambiguous { date: Date, time: Time },
    #[error("That date and time is out of range")]
    OutOfRange,
}

/// The instant of a London wall-clock time. `fold` settles the repeated autumn hour; without
/// it such a time is refused as ambiguous.
pub fn london_instant(date: Date, time: Time, fold: Option<Fold>) -> Result<Timestamp, LocalTimeError> {
    let dt = DateTime::from_parts(date, time);
    let amb = london().to_ambiguous_timestamp(dt);
    let offset = match (amb.offset(), fold) {
        (AmbiguousOffset::Unambiguous { offset }, _) => offset,
        (AmbiguousOffset::Gap { .. }, _) => return Err(LocalTimeError::DoesNotExist { date, time }),
        (AmbiguousOffset::Fold { .. }, None) => return Err(LocalTimeError::Ambiguous { date, time }),
        (AmbiguousOffset::Fold { before, .. }, Some(Fold::Earlier)) => before,
        (AmbiguousOffset::Fold { after, .. }, Some(Fold::Later)) => after,
    };
    offset.to_timestamp(dt).map_err(|_| LocalTimeError::OutOfRange)
}

impl Fold {
    /// The booker's choice from a form: `earlier` (BST) or `later` (GMT); blank for none.
    pub fn parse(code: &str) -> Result<Option<Fold>, &'static str> {
        match code.trim() {
            "" => Ok(None),
            "earlier" => Ok(Some(Fold::Earlier)),
            "later" => Ok(Some(Fold::Later)),
            _ => Err("Select whether you mean the first (BST) or the second (GMT) time"),
        }
    }
}

/// The start of a session from the booking form's fields (the date's three boxes, a
/// 24-hour time and, for the repeated autumn hour, which one), each error under its field.
pub fn session_start(date: &DateEntry, time: &str, fold: &str) -> Result<Timestamp, crate::ValidationErrors> {
    let mut e = crate::ValidationErrors::new();
    let date = e.check("date", crate::time::civil_date(date));
    let t = e.check("time", crate::time::wall_time(time));
    let fold = e.check("fold", Fold::parse(fold));
    let (Some(date), Some(t), Some(fold)) = (date, t, fold) else { return Err(e) };
    london_instant(date, t, fold).map_err(|err| {
        let field = if matches!(err, LocalTimeError::Ambiguous { .. }) { "fold" } else { "time" };
        crate::ValidationErrors::single(field, err.to_string())
    })
}

/// A booked interval `[start, end)`, in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Slot {
    pub fn starting(start: Timestamp, length: Minutes) -> Slot {
        let start_ms = start.as_millisecond();
        Slot { start_ms, end_ms: start_ms + length.millis() }
    }

    /// Two bookings clash when they share any moment; back-to-back does not clash.
    pub fn overlaps(&self, other: &Slot) -> bool {
        self.start_ms < other.end_ms && other.start_ms < self.end_ms
    }

    /// Whether the slot lies within working hours `[from, to)` on its London day.
    pub fn within_hours(&self, from: Time, to: Time) -> bool {
        let tz = london();
        let (Ok(s), Ok(e)) = (Timestamp::from_millisecond(self.start_ms), Timestamp::from_millisecond(self.end_ms))
        else {
            return false;
        };
        let (s, e) = (s.to_zoned(tz.clone()), e.to_zoned(tz));
        s.date() == e.date() && s.time() >= from && e.time() <= to
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::ToSpan;
    use jiff::civil::{date, time};
    use proptest::prelude::*;

    #[test]
    fn spring_gap_is_refused() {
        // 29 March 2026: 01:00 GMT jumps to 02:00 BST.
        let e = london_instant(date(2026, 3, 29), time(1, 30, 0, 0), None).unwrap_err();
        assert!(matches!(e, LocalTimeError::DoesNotExist { .. }));
        assert!(e.to_string().contains("does not exist"));
        assert!(london_instant(date(2026, 3, 29), time(1, 30, 0, 0), Some(Fold::Earlier)).is_err());
        assert_eq!(
            london_instant(date(2026, 3, 29), time(2, 0, 0, 0), None).unwrap().to_string(),
            "2026-03-29T01:00:00Z"
        );
    }

    #[test]
    fn autumn_fold_is_resolved_explicitly() {
        // 25 October 2026: 02:00 BST goes back to 01:00 GMT, so 01:30 happens twice.
        let d = date(2026, 10, 25);
        let t = time(1, 30, 0, 0);
        assert!(matches!(london_instant(d, t, None), Err(LocalTimeError::Ambiguous { .. })));
        assert_eq!(london_instant(d, t, Some(Fold::Earlier)).unwrap().to_string(), "2026-10-25T00:30:00Z");
        assert_eq!(london_instant(d, t, Some(Fold::Later)).unwrap().to_string(), "2026-10-25T01:30:00Z");
    }

    #[test]
    fn session_start_from_a_form() {
        assert_eq!(
            session_start(&DateEntry::boxes("14", "7", "2026"), "10:00", "").unwrap().to_string(),
            "2026-07-14T09:00:00Z"
        );
        let e = session_start(&DateEntry::boxes("29", "3", "2026"), "01:30", "").unwrap_err();
        assert!(e.for_field("time").unwrap().contains("does not exist"));
        let e = session_start(&DateEntry::boxes("25", "10", "2026"), "01:30", "").unwrap_err();
        assert!(e.for_field("fold").unwrap().contains("happens twice"));
        assert_eq!(
            session_start(&DateEntry::boxes("25", "10", "2026"), "01:30", "later").unwrap().to_string(),
            "2026-10-25T01:30:00Z"
        );
        let e = session_start(&DateEntry::boxes("31", "2", "2026"), "25:00", "maybe").unwrap_err();
        let named: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["date", "time", "fold"]);
    }

    #[test]
    fn summer_and_winter_offsets() {
        assert_eq!(
            london_instant(date(2026, 7, 14), time(10, 0, 0, 0), None).unwrap().to_string(),
            "2026-07-14T09:00:00Z"
        );
        assert_eq!(
            london_instant(date(2026, 12, 1), time(10, 0, 0, 0), None).unwrap().to_string(),
            "2026-12-01T10:00:00Z"
        );
    }

    #[test]
    fn working_hours() {
        let at = |h, m| london_instant(date(2026, 7, 14), time(h, m, 0, 0), None).unwrap();
        let nine = time(9, 0, 0, 0);
        let five = time(17, 0, 0, 0);
        assert!(Slot::starting(at(9, 0), Minutes::new(45).unwrap()).within_hours(nine, five));
        assert!(Slot::starting(at(16, 30), Minutes::new(30).unwrap()).within_hours(nine, five));
        assert!(!Slot::starting(at(16, 45), Minutes::new(30).unwrap()).within_hours(nine, five));
        assert!(!Slot::starting(at(8, 45), Minutes::new(30).unwrap()).within_hours(nine, five));
    }

    proptest! {
        /// Overlap is symmetric, a slot overlaps itself, and back-to-back slots never clash.
        #[test]
        fn overlap_rules(a in 0i64..10_000, la in 1u16..300, b in 0i64..10_000, lb in 1u16..300) {
            let s1 = Slot { start_ms: a * 60_000, end_ms: a * 60_000 + i64::from(la) * 60_000 };
            let s2 = Slot { start_ms: b * 60_000, end_ms: b * 60_000 + i64::from(lb) * 60_000 };
            prop_assert_eq!(s1.overlaps(&s2), s2.overlaps(&s1));
            prop_assert!(s1.overlaps(&s1));
            let next = Slot { start_ms: s1.end_ms, end_ms: s1.end_ms + 60_000 };
            prop_assert!(!s1.overlaps(&next));
            // Brute force: they overlap iff some minute lies in both.
            let brute = (a..a + i64::from(la)).any(|m| m >= b && m < b + i64::from(lb));
            prop_assert_eq!(s1.overlaps(&s2), brute);
        }

        /// Every London wall-clock time of an ordinary day maps to exactly one instant that
        /// reads back as the same wall-clock time.
        #[test]
        fn ordinary_times_round_trip(day in 0i32..3650, minute in 0i32..1440) {
            let d = date(2024, 1, 1).checked_add(day.days()).unwrap();
            let t = time((minute / 60) as i8, (minute % 60) as i8, 0, 0);
            match london_instant(d, t, None) {
                Ok(ts) => {
                    let z = ts.to_zoned(london());
                    prop_assert_eq!((z.date(), z.time()), (d, t));
                }
                Err(LocalTimeError::DoesNotExist { .. }) | Err(LocalTimeError::Ambiguous { .. }) => {
                    // Only on the two change-over nights, between 01:00 and 02:00.
                    prop_assert!(t.hour() == 1 && (d.month() == 3 || d.month() == 10));
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
