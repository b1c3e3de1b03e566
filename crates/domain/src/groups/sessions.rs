//! A group's sessions, from its schedule: each date the schedule runs on over a rolling
//! horizon, at the schedule's London wall-clock times — 10:00 on a Tuesday is 10:00 in
//! January and in July, an hour apart in UTC. Sessions are stored, not computed on
//! demand, because each gathers what happened on it (a register, a move, a
//! cancellation) and members are told of changes to it.
//!
//! When the schedule changes, [`regenerate`] decides what becomes of the stored sessions:
//! the past and anything with a register stay as they were; future dates the new
//! schedule still has keep their session (retimed, unless it was moved or cancelled on
//! its own, which members were told of); the rest go, and the new dates are added.

use jiff::civil::{Date, Time};
use jiff::{Span, Timestamp};

use crate::directory::Schedule;
use crate::time::london;

/// How far ahead a group's sessions are kept: a quarter, so members can plan, and
/// moving or cancelling one date is possible well before it.
pub const HORIZON_WEEKS: i64 = 13;

/// One date a group meets, with its start and end as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// The London date it meets on: what identifies the session within its group.
    pub date: Date,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

impl Occurrence {
    /// The session on `date` from `opens` to `closes`, London time. A wall-clock time the
    /// clocks skip (01:30 on the last Sunday of March) is read as after the change, one
    /// they repeat (01:30 on the last Sunday of October) as the first of the two.
    pub fn on(date: Date, opens: Time, closes: Time) -> Option<Occurrence> {
        let at = |t: Time| date.to_datetime(t).to_zoned(london()).ok().map(|z| z.timestamp());
        Some(Occurrence { date, starts_at: at(opens)?, ends_at: at(closes)? })
    }
}

/// The sessions `schedule` gives from `from` to `to` inclusive, leaving out `exceptions`
/// (dates the listing says it does not run on).
pub fn occurrences(schedule: &Schedule, from: Date, to: Date, exceptions: &[Date]) -> Vec<Occurrence> {
    schedule
        .occurrences(from, to, exceptions)
        .into_iter()
        .filter_map(|d| Occurrence::on(d, schedule.opens_at, schedule.closes_at))
        .collect()
}

/// The last date sessions are kept for, seen from `today`.
pub fn horizon_end(today: Date) -> Date {
    today.checked_add(Span::new().weeks(HORIZON_WEEKS)).unwrap_or(today)
}

/// A stored session, as [`regenerate`] needs to see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub date: Date,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// Moved or cancelled on its own: its members were told, so a new schedule does not
    /// silently undo it.
    pub changed_alone: bool,
    /// A register was taken: it happened, whatever its date.
    pub has_register: bool,
}

/// What a schedule change does to the stored sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Regeneration {
    /// Dates whose session goes (future, no register, no longer in the schedule).
    pub remove: Vec<Date>,
    /// Sessions kept on their date at the new schedule's times.
    pub retime: Vec<Occurrence>,
    /// New dates.
    pub add: Vec<Occurrence>,
}

impl Regeneration {
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.retime.is_empty() && self.add.is_empty()
    }
}

/// Bring the stored sessions in line with `planned` (the schedule's sessions from today to
/// the horizon) at `now`. A session is in the past once it has started; past sessions and
/// sessions with a register are never touched, and nothing is added in the past.
pub fn regenerate(stored: &[Stored], planned: &[Occurrence], now: Timestamp) -> Regeneration {
    let fixed = |s: &Stored| s.starts_at <= now || s.has_register;
    let mut out = Regeneration::default();
    for s in stored.iter().filter(|s| !fixed(s)) {
        match planned.iter().find(|p| p.date == s.date) {
            None => out.remove.push(s.date),
            Some(p) if !s.changed_alone && (p.starts_at, p.ends_at) != (s.starts_at, s.ends_at) => out.retime.push(*p),
            Some(_) => {}
        }
    }
    out.add =
        planned.iter().filter(|p| p.starts_at > now && !stored.iter().any(|s| s.date == p.date)).copied().collect();
    out
}

/// The longest reason kept for moving or cancelling a session (it goes into a text
/// message, so short).
pub const MAX_REASON: usize = 300;

/// What happens to one session on its own: it moves (to other times that day, or another
/// venue) or is called off. Members are told either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionChange {
    Move { at: Occurrence, venue: String, reason: String },
    Cancel { reason: String },
}

/// Moving or cancelling a session as typed on the form or sent to the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SessionChangeFields {
    /// `move` or `cancel`.
    pub action: String,
    /// `10:30`: the new start on the same date; empty with a move keeps the time.
    pub starts: String,
    pub ends: String,
    /// Where it meets instead; empty keeps the usual place.
    pub venue: String,
    pub reason: String,
}

impl SessionChange {
    /// Check the change to the session on `date` now `from`..`to`, naming each wrong field.
    /// A cancellation needs its reason (members are told it); a move must change something
    /// and end after it starts.
    pub fn parse(
        f: &SessionChangeFields,
        date: Date,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SessionChange, crate::validation::ValidationErrors> {
        use crate::validation::{ValidationErrors, optional_text, required_text};
        let mut e = ValidationErrors::new();
        let reason_label = "The reason";
        match f.action.trim() {
            "cancel" => {
                let reason = e.check("reason", required_text(reason_label, &f.reason, MAX_REASON));
                e.into_result()?;
                Ok(SessionChange::Cancel { reason: reason.unwrap_or_default() })
            }
            "move" => {
                let reason = e.check("reason", optional_text(reason_label, &f.reason, MAX_REASON));
                let venue = e.check("venue", optional_text("The venue", &f.venue, MAX_REASON));
                let wall = |t: Timestamp| t.to_zoned(london()).time();
                let mut time = |field: &str, typed: &str, was: Timestamp| match typed.trim() {
                    "" => Some(wall(was)),
                    t => e.check(field, t.parse::<Time>().map_err(|_| "Enter a time like 10:30")),
                };
                let starts = time("starts", &f.starts, from);
                let ends = time("ends", &f.ends, to);
                let at = match (starts, ends) {
                    (Some(s), Some(t)) if t <= s => {
                        e.add("ends", "The end time must be after the start time");
                        None
                    }
                    (Some(s), Some(t)) => Occurrence::on(date, s, t),
                    _ => None,
                };
                if let (Some(at), Some(venue)) = (&at, &venue)
                    && at.starts_at == from
                    && at.ends_at == to
                    && venue.is_empty()
                {
                    e.add("starts", "Enter a new time or a venue: the session would not change");
                }
                e.into_result()?;
                match (at, venue, reason) {
                    (Some(at), Some(venue), Some(reason)) => Ok(SessionChange::Move { at, venue, reason }),
                    _ => Err(ValidationErrors::single("starts", "Enter a time like 10:30")),
                }
            }
            _ => Err(ValidationErrors::single("action", "Select whether to move or cancel the session")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::Recurrence;
    use jiff::civil::{Weekday, date, time};
    use proptest::prelude::*;

    fn weekly(day: Weekday, opens: Time, closes: Time, start: Date) -> Schedule {
        Schedule::new(Recurrence::weekly(day), start, opens, closes, None, None, String::new()).unwrap()
    }

    fn local(t: Timestamp) -> (Date, Time) {
        let z = t.to_zoned(london());
        (z.date(), z.time())
    }

    #[test]
    fn tuesday_ten_oclock_is_ten_oclock_either_side_of_the_clock_changes() {
        let walk = weekly(Weekday::Tuesday, time(10, 0, 0, 0), time(11, 30, 0, 0), date(2026, 9, 1));
        let all = occurrences(&walk, date(2026, 10, 20), date(2027, 4, 6), &[]);
        let utc_hours: Vec<i8> = all.iter().map(|o| o.starts_at.to_zoned(jiff::tz::TimeZone::UTC).hour()).collect();
        // BST until 25 October 2026 (09:00 UTC), GMT until 28 March 2027 (10:00), then BST.
        assert_eq!(all.first().map(|o| o.date), Some(date(2026, 10, 20)));
        assert_eq!(utc_hours.first(), Some(&9));
        assert_eq!(utc_hours[1], 10, "27 October, after the clocks went back");
        assert_eq!(utc_hours.last(), Some(&9), "6 April, after the clocks went forward");
        assert!(all.iter().all(|o| local(o.starts_at).1 == time(10, 0, 0, 0)));
        assert!(all.iter().all(|o| o.ends_at.duration_since(o.starts_at).as_secs() == 90 * 60));
    }

    #[test]
    fn a_skipped_hour_is_read_after_the_change_and_a_repeated_one_as_the_first() {
        let spring = Occurrence::on(date(2027, 3, 28), time(1, 30, 0, 0), time(3, 0, 0, 0)).unwrap();
        assert_eq!(local(spring.starts_at).1, time(2, 30, 0, 0));
        let autumn = Occurrence::on(date(2026, 10, 25), time(1, 30, 0, 0), time(3, 0, 0, 0)).unwrap();
        assert_eq!(autumn.starts_at.to_zoned(jiff::tz::TimeZone::UTC).hour(), 0, "01:30 BST");
    }

    fn stored(o: Occurrence) -> Stored {
        Stored { date: o.date, starts_at: o.starts_at, ends_at: o.ends_at, changed_alone: false, has_register: false }
    }

    #[test]
    fn a_new_day_and_time_keeps_the_past_and_what_members_were_told() {
        let tuesday = weekly(Weekday::Tuesday, time(10, 0, 0, 0), time(11, 0, 0, 0), date(2027, 1, 5));
        let today = date(2027, 2, 2);
        let now = Occurrence::on(today, time(12, 0, 0, 0), time(13, 0, 0, 0)).unwrap().starts_at;
        let mut held: Vec<Stored> =
            occurrences(&tuesday, date(2027, 1, 5), date(2027, 3, 2), &[]).into_iter().map(stored).collect();
        // 16 February was cancelled for the weather; 23 February is the same day as before.
        held.iter_mut().find(|s| s.date == date(2027, 2, 16)).unwrap().changed_alone = true;
        // Now at 14:00, and on Thursdays too.
        let mut r = Recurrence::weekly(Weekday::Tuesday);
        r.by_day.push(crate::directory::ByDay { nth: None, day: Weekday::Thursday });
        let new = Schedule::new(r, date(2027, 1, 5), time(14, 0, 0, 0), time(15, 0, 0, 0), None, None, String::new())
            .unwrap();
        let planned = occurrences(&new, today, date(2027, 3, 2), &[]);
        let change = regenerate(&held, &planned, now);
        assert_eq!(change.remove, Vec::<Date>::new(), "every Tuesday is still a day it meets");
        let retimed: Vec<Date> = change.retime.iter().map(|o| o.date).collect();
        // Today's 10:00 session has happened; 16 February was cancelled on its own.
        assert_eq!(retimed, [date(2027, 2, 9), date(2027, 2, 23), date(2027, 3, 2)]);
        let added: Vec<Date> = change.add.iter().map(|o| o.date).collect();
        assert_eq!(added, [date(2027, 2, 4), date(2027, 2, 11), date(2027, 2, 18), date(2027, 2, 25)]);
    }

    prop_compose! {
        fn schedule()(day in 0usize..7, hour in 6i8..21, minute in 0i8..4, length in 1i8..4, start in 0i32..800) -> Schedule {
            let day = crate::directory::weekdays().nth(day).unwrap_or(Weekday::Monday);
            let opens = time(hour, minute * 15, 0, 0);
            let closes = time(hour + length, minute * 15, 0, 0);
            let start = date(2025, 1, 1).checked_add(Span::new().days(start)).unwrap();
            weekly(day, opens, closes, start)
        }
    }

    proptest! {
        /// Across every clock change of three years, each session starts and ends at the
        /// schedule's London wall-clock times, on its own date.
        #[test]
        fn sessions_keep_their_local_time(s in schedule()) {
            for o in occurrences(&s, date(2025, 1, 1), date(2028, 1, 1), &[]) {
                prop_assert_eq!(local(o.starts_at), (o.date, s.opens_at));
                prop_assert_eq!(local(o.ends_at), (o.date, s.closes_at));
            }
        }

        /// Applied, a regeneration leaves exactly the past (and registered) sessions as they
        /// were, and from now on the planned dates — a session changed on its own kept as it
        /// was.
        #[test]
        fn regeneration_keeps_the_past_and_follows_the_plan(
            old in schedule(), new in schedule(), today in 0i32..700, changed in proptest::collection::vec(any::<bool>(), 40),
        ) {
            let today = date(2025, 1, 1).checked_add(Span::new().days(today)).unwrap();
            let now = Occurrence::on(today, time(12, 0, 0, 0), time(12, 0, 0, 0)).unwrap().starts_at;
            let from = today.checked_sub(Span::new().weeks(8)).unwrap();
            let held: Vec<Stored> = occurrences(&old, from, horizon_end(today), &[])
                .into_iter()
                .zip(changed.iter().cycle())
                .map(|(o, &c)| Stored { changed_alone: c, has_register: c && o.starts_at <= now, ..stored(o) })
                .collect();
            let planned = occurrences(&new, today, horizon_end(today), &[]);
            let change = regenerate(&held, &planned, now);
            // Apply it.
            let mut after: Vec<Stored> = held.iter().filter(|s| !change.remove.contains(&s.date)).copied().collect();
            for r in &change.retime {
                let s = after.iter_mut().find(|s| s.date == r.date).unwrap();
                (s.starts_at, s.ends_at) = (r.starts_at, r.ends_at);
            }
            after.extend(change.add.iter().map(|&o| stored(o)));
            for s in &held {
                if s.starts_at <= now || s.has_register {
                    prop_assert!(after.contains(s), "the past stays: {:?}", s);
                }
            }
            for s in after.iter().filter(|s| s.starts_at > now) {
                let p = planned.iter().find(|p| p.date == s.date);
                prop_assert!(p.is_some(), "a future session is on a planned date: {:?}", s);
                if !held.iter().any(|h| h.date == s.date && h.changed_alone) {
                    prop_assert_eq!(p.map(|p| (p.starts_at, p.ends_at)), Some((s.starts_at, s.ends_at)));
                }
            }
            for p in planned.iter().filter(|p| p.starts_at > now) {
                prop_assert_eq!(after.iter().filter(|s| s.date == p.date).count(), 1, "{:?}", p);
            }
        }
    }
    #[test]
    fn a_change_to_one_session_is_checked() {
        let date = jiff::civil::date(2027, 3, 30);
        let was = Occurrence::on(date, jiff::civil::time(10, 0, 0, 0), jiff::civil::time(11, 0, 0, 0)).unwrap();
        let f = |action: &str, starts: &str, venue: &str, reason: &str| SessionChangeFields {
            action: action.into(),
            starts: starts.into(),
            ends: String::new(),
            venue: venue.into(),
            reason: reason.into(),
        };
        let parse = |x: &SessionChangeFields| SessionChange::parse(x, date, was.starts_at, was.ends_at);
        assert!(parse(&f("cancel", "", "", "")).unwrap_err().for_field("reason").is_some());
        assert_eq!(parse(&f("cancel", "", "", " Storm ")), Ok(SessionChange::Cancel { reason: "Storm".into() }));
        // A move that changes nothing, or ends before it starts, is refused.
        assert!(parse(&f("move", "", "", "")).unwrap_err().for_field("starts").is_some());
        assert!(parse(&f("move", "11:00", "", "")).unwrap_err().for_field("ends").is_some());
        assert!(parse(&f("move", "9.30", "", "")).unwrap_err().for_field("starts").is_some());
        assert!(parse(&f("", "", "", "")).unwrap_err().for_field("action").is_some());
        // An hour earlier, London time (BST on 30 March 2027), the same end.
        let Ok(SessionChange::Move { at, venue, .. }) = parse(&f("move", "09:00", "", "")) else { panic!() };
        assert_eq!(
            (at.starts_at.to_string(), at.ends_at, venue),
            ("2027-03-30T08:00:00Z".into(), was.ends_at, String::new())
        );
        let Ok(SessionChange::Move { at, venue, .. }) = parse(&f("move", "", "Church hall", "Rain")) else { panic!() };
        assert_eq!((at, venue.as_str()), (was, "Church hall"));
    }
}
