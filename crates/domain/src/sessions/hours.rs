//! A link worker's working week: sessions are booked only inside it.

use jiff::civil::Time;

use crate::time::wall_time;
use crate::validation::ValidationErrors;

/// ISO weekdays 1 (Monday) to 7 (Sunday), by name.
pub const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// One weekday as typed: a day off, or the hours it starts and ends.
#[derive(Debug, Clone, Default)]
pub struct DayFields {
    pub off: bool,
    pub starts: String,
    pub ends: String,
}

/// Each ISO weekday with its hours, `None` a day off.
pub type Week = Vec<(i8, Option<(Time, Time)>)>;

/// Seven days, Monday first. Errors are named `starts_N` and `ends_N` for weekday N.
pub fn parse_week(days: &[DayFields; 7]) -> Result<Week, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let mut week = Vec::with_capacity(7);
    for (d, day) in (1..=7i8).zip(days) {
        if day.off {
            week.push((d, None));
            continue;
        }
        let starts = e.check(&format!("starts_{d}"), wall_time(&day.starts));
        let ends = e.check(&format!("ends_{d}"), wall_time(&day.ends));
        match (starts, ends) {
            (Some(s), Some(en)) if s < en => week.push((d, Some((s, en)))),
            (Some(_), Some(_)) => {
                e.add(&format!("ends_{d}"), format!("{} must end after it starts", WEEKDAYS[d as usize - 1]))
            }
            _ => {}
        }
    }
    e.into_result().map(|()| week)
}

/// The free periods of one working day, in order: its hours less the times sessions take
/// up (`busy`, in any order, overlapping or not), keeping only periods at least `shortest`
/// long — time a session could be booked in. Wall-clock times of one London day.
pub fn free_periods(hours: (Time, Time), busy: &[(Time, Time)], shortest: jiff::SignedDuration) -> Vec<(Time, Time)> {
    let (open, close) = hours;
    let mut taken: Vec<(Time, Time)> = busy.iter().copied().filter(|(s, e)| s < e).collect();
    taken.sort();
    let mut free = Vec::new();
    let mut from = open;
    for (s, e) in taken {
        if s > from {
            free.push((from, s.min(close)));
        }
        from = from.max(e);
        if from >= close {
            break;
        }
    }
    if from < close {
        free.push((from, close));
    }
    free.retain(|(s, e)| s < e && s.duration_until(*e) >= shortest);
    free
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(minutes: i32) -> Time {
        jiff::civil::time((minutes / 60) as i8, (minutes % 60) as i8, 0, 0)
    }

    #[test]
    fn free_periods_between_sessions() {
        let half_hour = jiff::SignedDuration::from_mins(30);
        let busy = [(at(600), at(645)), (at(660), at(690)), (at(840), at(900))];
        // 09:00–10:00 free, 10:45–11:00 too short, 11:30–14:00 free, 15:00–17:00 free.
        assert_eq!(
            free_periods((at(540), at(1020)), &busy, half_hour),
            [(at(540), at(600)), (at(690), at(840)), (at(900), at(1020))]
        );
        assert_eq!(free_periods((at(540), at(600)), &[(at(500), at(700))], half_hour), []);
    }

    proptest! {
        /// Free periods lie within the hours, overlap no session, are long enough, and
        /// leave no stretch of free time long enough unlisted.
        #[test]
        fn free_periods_are_exactly_the_gaps(
            open in 0i32..600, length in 30i32..800,
            busy in proptest::collection::vec((0i32..1400, 1i32..240), 0..8),
            shortest in 1i64..90,
        ) {
            let hours = (at(open), at((open + length).min(1439)));
            let busy: Vec<(Time, Time)> = busy.iter().map(|(s, l)| (at(*s), at((s + l).min(1439)))).collect();
            let free = free_periods(hours, &busy, jiff::SignedDuration::from_mins(shortest));
            let minute_free = |m: i32| {
                let t = at(m);
                t >= hours.0 && t < hours.1 && !busy.iter().any(|(s, e)| t >= *s && t < *e)
            };
            for (s, e) in &free {
                prop_assert!(*s >= hours.0 && *e <= hours.1 && s < e);
                prop_assert!(s.duration_until(*e) >= jiff::SignedDuration::from_mins(shortest));
                let (s, e) = (i32::from(s.hour()) * 60 + i32::from(s.minute()), i32::from(e.hour()) * 60 + i32::from(e.minute()));
                prop_assert!((s..e).all(minute_free));
            }
            // Every run of free minutes at least `shortest` long is one of the periods.
            let mut run = None;
            for m in 0..=1439 {
                match (minute_free(m) && m < 1439, run) {
                    (true, None) => run = Some(m),
                    (false, Some(start)) => {
                        if i64::from(m - start) >= shortest {
                            prop_assert!(free.contains(&(at(start), at(m))), "{start}..{m} missing from {free:?}");
                        }
                        run = None;
                    }
                    _ => {}
                }
            }
        }
    }

    fn day(starts: &str, ends: &str) -> DayFields {
        DayFields { off: false, starts: starts.into(), ends: ends.into() }
    }

    #[test]
    fn a_week_with_days_off() {
        let off = DayFields { off: true, ..Default::default() };
        let week = [
            day("9:00", "17:00"),
            day("08:30", "12:00"),
            off.clone(),
            day("9:00", "17:00"),
            day("9:00", "13:00"),
            off.clone(),
            off,
        ];
        let w = parse_week(&week).unwrap();
        assert_eq!(w[1], (2, Some((jiff::civil::time(8, 30, 0, 0), jiff::civil::time(12, 0, 0, 0)))));
        assert_eq!(w.iter().filter(|(_, h)| h.is_none()).count(), 3);
    }

    #[test]
    fn each_bad_day_is_named() {
        let mut week: [DayFields; 7] = std::array::from_fn(|_| day("9:00", "17:00"));
        week[1] = day("14:00", "10:00");
        week[3] = day("nine", "");
        let e = parse_week(&week).unwrap_err();
        let named: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["ends_2", "starts_4", "ends_4"]);
        assert_eq!(e.for_field("ends_2"), Some("Tuesday must end after it starts"));
    }
}
