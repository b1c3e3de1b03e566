//! Instants and the service's wall clock.
//!
//! Instants are stored as milliseconds since the Unix epoch (UTC) because SQLite compares
//! text byte by byte and would mis-sort RFC 3339 strings; people see them on the
//! Europe/London clock, whatever zone the server runs in.

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
