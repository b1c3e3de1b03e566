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

/// The London date an instant (ms) falls on.
pub fn london_date(ms: i64) -> Date {
    from_millis(ms).to_zoned(london()).date()
}

/// The instant (ms) a London date begins. Dates beyond jiff's range are clamped to it.
pub fn london_day_start(d: Date) -> i64 {
    d.to_zoned(london())
        .map(|z| z.timestamp())
        .unwrap_or(if d < Date::ZERO { Timestamp::MIN } else { Timestamp::MAX })
        .as_millisecond()
}

/// "5 Jan 2027": a date in a list, a summary or a printed document.
pub fn display_date(d: Date) -> String {
    d.strftime("%-d %b %Y").to_string()
}

/// "22 Nov 2026, 14:05" on the London clock.
pub fn display_london(t: Timestamp) -> String {
    t.to_zoned(london()).strftime("%-d %b %Y, %H:%M").to_string()
}

/// A date as it was typed: the three boxes of the NHS date input on pages, ISO 8601
/// (`2027-03-27`) in the API, or a spreadsheet cell (`27/3/2027` or ISO) in a CSV import.
/// The rules that take a date do not care which; their error messages give an example
/// written the same way as the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateEntry {
    Boxes { day: String, month: String, year: String },
    Iso(String),
    Sheet(String),
}

/// A date in JSON is ISO 8601, as the API takes it.
impl<'de> serde::Deserialize<'de> for DateEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<DateEntry, D::Error> {
        String::deserialize(d).map(DateEntry::Iso)
    }
}

impl Default for DateEntry {
    /// Three empty boxes, as a page form starts.
    fn default() -> DateEntry {
        DateEntry::boxes("", "", "")
    }
}

/// Why a typed date is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateEntryError {
    Empty,
    NotReal,
}

impl DateEntry {
    pub fn boxes(day: &str, month: &str, year: &str) -> DateEntry {
        DateEntry::Boxes { day: day.to_owned(), month: month.to_owned(), year: year.to_owned() }
    }

    pub fn read(&self) -> Result<Date, DateEntryError> {
        match self {
            DateEntry::Boxes { day, month, year } => {
                if day.trim().is_empty() && month.trim().is_empty() && year.trim().is_empty() {
                    return Err(DateEntryError::Empty);
                }
                let (Ok(d), Ok(m), Ok(y)) =
                    (day.trim().parse::<i8>(), month.trim().parse::<i8>(), year.trim().parse::<i16>())
                else {
                    return Err(DateEntryError::NotReal);
                };
                Date::new(y, m, d).map_err(|_| DateEntryError::NotReal)
            }
            DateEntry::Iso(text) => {
                let t = text.trim();
                if t.is_empty() {
                    return Err(DateEntryError::Empty);
                }
                // Exactly YYYY-MM-DD: jiff would also take the basic form and a time.
                let shaped = t.len() == 10
                    && t.bytes()
                        .enumerate()
                        .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
                if !shaped {
                    return Err(DateEntryError::NotReal);
                }
                t.parse::<Date>().map_err(|_| DateEntryError::NotReal)
            }
            DateEntry::Sheet(text) => {
                let t = text.trim();
                if t.is_empty() {
                    return Err(DateEntryError::Empty);
                }
                if let Ok(d) = t.parse::<Date>() {
                    return Ok(d);
                }
                let parts: Vec<&str> = t.split(['/', ' ', '-', '.']).filter(|p| !p.is_empty()).collect();
                let [d, m, y] = parts[..] else { return Err(DateEntryError::NotReal) };
                let (Ok(d), Ok(m), Ok(y)) = (d.parse::<i8>(), m.parse::<i8>(), y.parse::<i16>()) else {
                    return Err(DateEntryError::NotReal);
                };
                Date::new(y, m, d).map_err(|_| DateEntryError::NotReal)
            }
        }
    }

    /// `date` written the way this entry is, for an error message's example.
    pub fn example(&self, date: Date) -> String {
        match self {
            DateEntry::Boxes { .. } => date.strftime("%-d %-m %Y").to_string(),
            DateEntry::Iso(_) => date.to_string(),
            DateEntry::Sheet(_) => date.strftime("%-d/%-m/%Y").to_string(),
        }
    }
}

/// A date for the service's own records (sessions, plans): real, and from 1900 to 2200.
pub fn civil_date(entry: &DateEntry) -> Result<Date, String> {
    let real = || format!("Enter a real date, like {}", entry.example(jiff::civil::date(2027, 3, 27)));
    match entry.read() {
        Err(DateEntryError::Empty) => Err("Enter a date".into()),
        Err(DateEntryError::NotReal) => Err(real()),
        Ok(d) if !(1900..=2200).contains(&d.year()) => Err(real()),
        Ok(d) => Ok(d),
    }
}

impl DateEntry {
    /// A date as the page's three boxes, to show it in a form again.
    pub fn of(date: Date) -> DateEntry {
        DateEntry::boxes(&date.day().to_string(), &date.month().to_string(), &date.year().to_string())
    }

    /// The day, month and year boxes as typed (all empty for an entry not made in boxes).
    pub fn typed_boxes(&self) -> (String, String, String) {
        match self {
            DateEntry::Boxes { day, month, year } => (day.clone(), month.clone(), year.clone()),
            DateEntry::Iso(_) | DateEntry::Sheet(_) => Default::default(),
        }
    }

    /// Whether nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.read() == Err(DateEntryError::Empty)
    }
}

/// A date for the service's own records that may be left out: none when every box (or the
/// ISO text) is empty, otherwise as `civil_date`.
pub fn optional_civil_date(entry: &DateEntry) -> Result<Option<Date>, String> {
    match entry.read() {
        Err(DateEntryError::Empty) => Ok(None),
        _ => civil_date(entry).map(Some),
    }
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
        let boxes = |d, m, y| civil_date(&DateEntry::boxes(d, m, y));
        assert_eq!(boxes("1", "12", "2026"), Ok(jiff::civil::date(2026, 12, 1)));
        assert_eq!(boxes("31", "2", "2026"), Err("Enter a real date, like 27 3 2027".into()));
        assert_eq!(boxes("", "", ""), Err("Enter a date".into()));
        assert_eq!(boxes("1", "1", "1899"), Err("Enter a real date, like 27 3 2027".into()));
        let iso = |s: &str| civil_date(&DateEntry::Iso(s.into()));
        assert_eq!(iso("2026-12-01"), Ok(jiff::civil::date(2026, 12, 1)));
        for bad in ["2026-02-30", "1 12 2026", "2026-12-1", "20261201", "2026-12-01T10:00", "+02026-12-01"] {
            assert_eq!(iso(bad), Err("Enter a real date, like 2027-03-27".into()), "{bad}");
        }
        assert_eq!(iso(""), Err("Enter a date".into()));
        assert_eq!(wall_time("9:30"), Ok(jiff::civil::time(9, 30, 0, 0)));
        assert_eq!(wall_time("14.05"), Ok(jiff::civil::time(14, 5, 0, 0)));
        for bad in ["", "25:00", "9", "9:3", "09:60", "noon", "-1:30"] {
            assert!(wall_time(bad).is_err(), "{bad}");
        }
        assert_eq!(display_london_date(jiff::civil::date(2026, 12, 1)), "Tuesday 1 December 2026");
    }
}
