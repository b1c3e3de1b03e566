//! Instants and the service's wall clock.
//!
//! Instants are stored as milliseconds since the Unix epoch (UTC) because SQLite compares
//! text byte by byte and would mis-sort RFC 3339 strings; people see them on the
//! Europe/London clock, whatever zone the server runs in.

use jiff::civil::{Date, Time};
use jiff::{Timestamp, tz::TimeZone};

/// The zone every person-facing time is shown and entered in.
pub fn london() -> TimeZone {
    // The bundled tz database always has Europe/London; fall back to UTC rather than panic.
    TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC)
}

pub fn to_millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub fn from_millis(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// "22 Nov 2026, 14:05" on the London clock.
pub fn display_london(t: Timestamp) -> String {
    t.to_zoned(london()).strftime("%-d %b %Y, %H:%M").to_string()
}

/// A date from the three boxes of the NHS date input (day, month, year).
pub fn civil_date(day: &str, month: &str, year: &str) -> Result<Date, &'static str> {
    if day.trim().is_empty() && month.trim().is_empty() && year.trim().is_empty() {
        return Err("Enter a date");
    }
    let (Ok(d), Ok(m), Ok(y)) = (day.trim().parse::<i8>(), month.trim().parse::<i8>(), year.trim().parse::<i16>())
    else {
        return Err("Enter a real date, like 27 3 2027");
    };
    if !(1900..=2200).contains(&y) {
        return Err("Enter a real date, like 27 3 2027");
    }
    Date::new(y, m, d).map_err(|_| "Enter a real date, like 27 3 2027")
}

/// A 24-hour wall-clock time, "9:30" or "14:05".
pub fn wall_time(input: &str) -> Result<Time, &'static str> {
    const MESSAGE: &str = "Enter a time in 24-hour format, like 09:30 or 14:05";
    let t = input.trim().replace('.', ":");
    let (h, m) = t.split_once(':').ok_or(MESSAGE)?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if h.len() > 2 || m.len() != 2 || !digits(h) || !digits(m) {
        return Err(MESSAGE);
    }
    let (h, m) = (h.parse::<i8>().map_err(|_| MESSAGE)?, m.parse::<i8>().map_err(|_| MESSAGE)?);
    Time::new(h, m, 0, 0).map_err(|_| MESSAGE)
}

/// "Tuesday 1 December 2026" on the London clock.
pub fn display_london_date(d: Date) -> String {
    d.strftime("%A %-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_from_forms() {
        assert_eq!(civil_date("1", "12", "2026"), Ok(jiff::civil::date(2026, 12, 1)));
        assert_eq!(civil_date("31", "2", "2026"), Err("Enter a real date, like 27 3 2027"));
        assert_eq!(civil_date("", "", ""), Err("Enter a date"));
        assert_eq!(wall_time("9:30"), Ok(jiff::civil::time(9, 30, 0, 0)));
        assert_eq!(wall_time("14.05"), Ok(jiff::civil::time(14, 5, 0, 0)));
        for bad in ["", "25:00", "9", "9:3", "09:60", "noon", "-1:30"] {
            assert!(wall_time(bad).is_err(), "{bad}");
        }
        assert_eq!(display_london_date(jiff::civil::date(2026, 12, 1)), "Tuesday 1 December 2026");
    }
}
