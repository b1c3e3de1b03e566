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

#[cfg(test)]
mod tests {
    use super::*;

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
