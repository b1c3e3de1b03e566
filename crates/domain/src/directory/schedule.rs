//! When a service runs: an RFC 5545 recurrence rule in Europe/London wall-clock time (the
//! subset ORUK 3.0 schedules carry: FREQ WEEKLY or MONTHLY, INTERVAL, BYDAY including the
//! nth weekday, BYMONTHDAY, UNTIL, COUNT), opening and closing times, and the dates it is
//! valid between. One-off exceptions (a session called off for the weather, a bank
//! holiday) are dates passed to [`Schedule::occurrences`].
//!
//! Recurrences are expanded with jiff's civil dates rather than an rrule crate, which
//! would bring chrono and a second time-zone database (STACK.md). Times stay wall-clock:
//! "Tuesday 10:00" is 10:00 in London in winter and in summer.

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::{Date, Time, Weekday};

/// How often the rule repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Freq {
    Weekly,
    Monthly,
}

/// A BYDAY entry: `TU` (every Tuesday), `2MO` (the second Monday of the month), `-1FR`
/// (the last Friday of the month). The ordinal only means something in a monthly rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ByDay {
    pub nth: Option<i8>,
    #[serde(serialize_with = "weekday_code")]
    pub day: Weekday,
}

fn weekday_code<S: serde::Serializer>(d: &Weekday, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(day_code(*d))
}

/// A recurrence rule, valid by construction: parse one with [`Recurrence::parse`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Recurrence {
    pub freq: Freq,
    /// Every `interval` weeks or months, 1 to 52.
    pub interval: u8,
    pub by_day: Vec<ByDay>,
    /// Days of the month, 1 to 31 or -1 to -31 counting from the end.
    pub by_month_day: Vec<i8>,
    /// The last date it may run on (inclusive).
    pub until: Option<Date>,
    /// How many times it runs in all, counted from the start.
    pub count: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    #[error("Enter a repeat rule, like FREQ=WEEKLY;BYDAY=TU")]
    Empty,
    #[error("The repeat rule has a part that is not NAME=VALUE: {0}")]
    Malformed(String),
    #[error("The repeat rule's FREQ must be WEEKLY or MONTHLY")]
    Freq,
    #[error("The repeat rule's INTERVAL must be a whole number from 1 to 52")]
    Interval,
    #[error("The repeat rule's BYDAY has a day that is not like TU, 2MO or -1FR: {0}")]
    ByDay(String),
    #[error("The repeat rule's BYMONTHDAY must be days from 1 to 31 (or -1 to -31)")]
    ByMonthDay,
    #[error("The repeat rule's UNTIL must be a date like 20271231")]
    Until,
    #[error("The repeat rule's COUNT must be a whole number from 1 to 10000")]
    Count,
    #[error("The repeat rule cannot have both UNTIL and COUNT")]
    UntilAndCount,
    #[error("The repeat rule has a part Linkwell does not support: {0}")]
    Unsupported(String),
    #[error("A weekly repeat rule's BYDAY cannot number the day (like 2MO); that needs FREQ=MONTHLY")]
    NthInWeekly,
}

const DAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Monday, "MO", "Monday"),
    (Weekday::Tuesday, "TU", "Tuesday"),
    (Weekday::Wednesday, "WE", "Wednesday"),
    (Weekday::Thursday, "TH", "Thursday"),
    (Weekday::Friday, "FR", "Friday"),
    (Weekday::Saturday, "SA", "Saturday"),
    (Weekday::Sunday, "SU", "Sunday"),
];

/// The RFC 5545 two-letter code of a weekday (`TU`).
pub fn day_code(d: Weekday) -> &'static str {
    DAYS.iter().find(|x| x.0 == d).map(|x| x.1).unwrap_or("MO")
}

/// "Tuesday".
pub fn day_name(d: Weekday) -> &'static str {
    DAYS.iter().find(|x| x.0 == d).map(|x| x.2).unwrap_or("Monday")
}

/// A weekday from its two-letter code (`TU`) or its English name, any case.
pub fn parse_day(s: &str) -> Option<Weekday> {
    let s = s.trim();
    DAYS.iter().find(|x| x.1.eq_ignore_ascii_case(s) || x.2.eq_ignore_ascii_case(s)).map(|x| x.0)
}

/// Every weekday, Monday first.
pub fn weekdays() -> impl Iterator<Item = Weekday> {
    DAYS.iter().map(|x| x.0)
}

fn parse_by_day(s: &str) -> Result<ByDay, RecurrenceError> {
    let bad = || RecurrenceError::ByDay(s.to_owned());
    let s = s.trim();
    if s.len() < 2 || !s.is_ascii() {
        return Err(bad());
    }
    let (n, d) = s.split_at(s.len() - 2);
    let day = DAYS.iter().find(|x| x.1.eq_ignore_ascii_case(d)).map(|x| x.0).ok_or_else(bad)?;
    let nth = if n.is_empty() {
        None
    } else {
        let n: i8 = n.trim_start_matches('+').parse().map_err(|_| bad())?;
        if n == 0 || !(-5..=5).contains(&n) {
            return Err(bad());
        }
        Some(n)
    };
    Ok(ByDay { nth, day })
}

fn parse_rrule_date(s: &str) -> Result<Date, RecurrenceError> {
    // UNTIL may be a date (20271231) or a date-time (20271231T235959Z); the date is what counts.
    let d = s.get(..8).ok_or(RecurrenceError::Until)?;
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RecurrenceError::Until);
    }
    let num = |r: std::ops::Range<usize>| d[r].parse::<i16>().map_err(|_| RecurrenceError::Until);
    Date::new(num(0..4)?, num(4..6)? as i8, num(6..8)? as i8).map_err(|_| RecurrenceError::Until)
}

impl Recurrence {
    /// Every week on the given day.
    pub fn weekly(day: Weekday) -> Recurrence {
        Recurrence {
            freq: Freq::Weekly,
            interval: 1,
            by_day: vec![ByDay { nth: None, day }],
            by_month_day: vec![],
            until: None,
            count: None,
        }
    }

    /// Parse an RRULE value such as `FREQ=MONTHLY;BYDAY=2MO` (an `RRULE:` prefix is allowed).
    pub fn parse(input: &str) -> Result<Recurrence, RecurrenceError> {
        let s = input.trim();
        let s = s.strip_prefix("RRULE:").unwrap_or(s);
        if s.is_empty() {
            return Err(RecurrenceError::Empty);
        }
        let mut freq = None;
        let mut r = Recurrence {
            freq: Freq::Weekly,
            interval: 1,
            by_day: vec![],
            by_month_day: vec![],
            until: None,
            count: None,
        };
        for part in s.split(';').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| RecurrenceError::Malformed(part.to_owned()))?;
            match k.trim().to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq = Some(match v.trim().to_ascii_uppercase().as_str() {
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        _ => return Err(RecurrenceError::Freq),
                    })
                }
                "INTERVAL" => {
                    r.interval =
                        v.trim().parse().ok().filter(|n| (1..=52).contains(n)).ok_or(RecurrenceError::Interval)?
                }
                "BYDAY" => r.by_day = v.split(',').map(parse_by_day).collect::<Result<_, _>>()?,
                "BYMONTHDAY" => {
                    r.by_month_day = v
                        .split(',')
                        .map(|d| d.trim().parse::<i8>().ok().filter(|d| *d != 0 && (-31..=31).contains(d)))
                        .collect::<Option<_>>()
                        .ok_or(RecurrenceError::ByMonthDay)?
                }
                "UNTIL" => r.until = Some(parse_rrule_date(v.trim())?),
                "COUNT" => {
                    r.count =
                        Some(v.trim().parse().ok().filter(|n| (1..=10_000).contains(n)).ok_or(RecurrenceError::Count)?)
                }
                // Weeks start on Monday in the UK and in RFC 5545's default; nothing else is meant.
                "WKST" if v.trim().eq_ignore_ascii_case("MO") => {}
                other => return Err(RecurrenceError::Unsupported(other.to_owned())),
            }
        }
        r.freq = freq.ok_or(RecurrenceError::Freq)?;
        if r.until.is_some() && r.count.is_some() {
            return Err(RecurrenceError::UntilAndCount);
        }
        if r.freq == Freq::Weekly && r.by_day.iter().any(|d| d.nth.is_some()) {
            return Err(RecurrenceError::NthInWeekly);
        }
        Ok(r)
    }

    /// The ORUK `byday` field: `TU,TH` or `2MO`.
    pub fn by_day_text(&self) -> String {
        self.by_day
            .iter()
            .map(|b| match b.nth {
                Some(n) => format!("{n}{}", day_code(b.day)),
                None => day_code(b.day).to_owned(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The ORUK `bymonthday` field: `1,15`.
    pub fn by_month_day_text(&self) -> String {
        self.by_month_day.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",")
    }

    fn freq_text(&self) -> &'static str {
        match self.freq {
            Freq::Weekly => "WEEKLY",
            Freq::Monthly => "MONTHLY",
        }
    }

    /// Whether `d` is one of the rule's days, ignoring its start, end and count.
    fn matches_pattern(&self, d: Date, start: Date) -> bool {
        match self.freq {
            Freq::Weekly => {
                let weeks = (monday_of(d) - monday_of(start)).get_days().div_euclid(7);
                if weeks < 0 || weeks % i32::from(self.interval) != 0 {
                    return false;
                }
                if self.by_day.is_empty() {
                    d.weekday() == start.weekday()
                } else {
                    self.by_day.iter().any(|b| b.day == d.weekday())
                }
            }
            Freq::Monthly => {
                let months = (i32::from(d.year()) * 12 + i32::from(d.month()))
                    - (i32::from(start.year()) * 12 + i32::from(start.month()));
                if months < 0 || months % i32::from(self.interval) != 0 {
                    return false;
                }
                let last = d.days_in_month();
                let day_ok = self.by_month_day.iter().any(|&m| {
                    let m = if m > 0 { m } else { last + 1 + m };
                    m == d.day()
                });
                let weekday_ok = self.by_day.iter().any(|b| {
                    b.day == d.weekday()
                        && match b.nth {
                            None => true,
                            Some(n) if n > 0 => (d.day() - 1) / 7 + 1 == n,
                            Some(n) => (last - d.day()) / 7 + 1 == -n,
                        }
                });
                match (self.by_day.is_empty(), self.by_month_day.is_empty()) {
                    (true, true) => d.day() == start.day(),
                    (false, true) => weekday_ok,
                    (true, false) => day_ok,
                    // RFC 5545: both must hold.
                    (false, false) => weekday_ok && day_ok,
                }
            }
        }
    }
}

fn monday_of(d: Date) -> Date {
    let back = i64::from(d.weekday().to_monday_zero_offset());
    d.checked_sub(jiff::Span::new().days(back)).unwrap_or(d)
}

impl fmt::Display for Recurrence {
    /// The RRULE value, parts in a fixed order so equal rules print the same.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FREQ={}", self.freq_text())?;
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        if !self.by_day.is_empty() {
            write!(f, ";BYDAY={}", self.by_day_text())?;
        }
        if !self.by_month_day.is_empty() {
            write!(f, ";BYMONTHDAY={}", self.by_month_day_text())?;
        }
        if let Some(u) = self.until {
            write!(f, ";UNTIL={}", u.strftime("%Y%m%d"))?;
        }
        if let Some(c) = self.count {
            write!(f, ";COUNT={c}")?;
        }
        Ok(())
    }
}

/// Part of the day, the grain at which people say when they are free and search by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum DayPart {
    Morning,
    Afternoon,
    Evening,
}

impl DayPart {
    pub const ALL: [DayPart; 3] = [DayPart::Morning, DayPart::Afternoon, DayPart::Evening];

    pub fn code(self) -> &'static str {
        match self {
            DayPart::Morning => "morning",
            DayPart::Afternoon => "afternoon",
            DayPart::Evening => "evening",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DayPart::Morning => "Morning (before 12pm)",
            DayPart::Afternoon => "Afternoon (12pm to 5pm)",
            DayPart::Evening => "Evening (after 5pm)",
        }
    }

    pub fn parse(s: &str) -> Option<DayPart> {
        DayPart::ALL.into_iter().find(|p| p.code().eq_ignore_ascii_case(s.trim()))
    }

    /// The wall-clock window: morning until 12:00, afternoon until 17:00, evening after.
    fn window(self) -> (Time, Time) {
        let t = |h| Time::constant(h, 0, 0, 0);
        match self {
            DayPart::Morning => (t(0), t(12)),
            DayPart::Afternoon => (t(12), t(17)),
            DayPart::Evening => (t(17), Time::MAX),
        }
    }

    /// The parts of the day that an opening from `opens` to `closes` falls in.
    pub fn covering(opens: Time, closes: Time) -> Vec<DayPart> {
        DayPart::ALL
            .into_iter()
            .filter(|p| {
                let (from, to) = p.window();
                opens < to && closes > from
            })
            .collect()
    }
}

/// A time a service runs or a person is free: a weekday and part of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekSlot {
    pub day: Weekday,
    pub part: DayPart,
}

impl Ord for WeekSlot {
    /// Monday morning first (jiff's `Weekday` has no order of its own).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.day.to_monday_zero_offset(), self.part).cmp(&(other.day.to_monday_zero_offset(), other.part))
    }
}

impl PartialOrd for WeekSlot {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl serde::Serialize for WeekSlot {
    /// As its code, `tu-morning`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

impl WeekSlot {
    /// `tu-morning`, as stored and as a form value.
    pub fn code(self) -> String {
        format!("{}-{}", day_code(self.day).to_ascii_lowercase(), self.part.code())
    }

    pub fn parse(s: &str) -> Option<WeekSlot> {
        let (d, p) = s.trim().split_once('-')?;
        Some(WeekSlot { day: parse_day(d)?, part: DayPart::parse(p)? })
    }

    /// "Tuesday morning".
    pub fn label(self) -> String {
        format!("{} {}", day_name(self.day), self.part.code())
    }

    /// The parts of the week a person is free, from their codes (`tu-morning`): each bad
    /// code named as `field[i]`.
    pub fn parse_set(
        field: &str,
        codes: &[String],
    ) -> Result<std::collections::BTreeSet<WeekSlot>, crate::ValidationErrors> {
        let mut e = crate::ValidationErrors::new();
        if codes.len() > 21 {
            e.add(field, "Each part of the week may be given once: there are 21");
            return Err(e);
        }
        let mut slots = std::collections::BTreeSet::new();
        for (i, code) in codes.iter().enumerate() {
            match WeekSlot::parse(code) {
                Some(s) => {
                    slots.insert(s);
                }
                None => e.add(&format!("{field}[{i}]"), "Each must be a day and part of the day, like tu-morning"),
            }
        }
        if e.is_empty() { Ok(slots) } else { Err(e) }
    }

    /// Every slot of the week, Monday morning first.
    pub fn all() -> impl Iterator<Item = WeekSlot> {
        weekdays().flat_map(|day| DayPart::ALL.into_iter().map(move |part| WeekSlot { day, part }))
    }
}

/// A schedule of a service: when it starts, how it repeats and its opening hours.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Schedule {
    pub recurrence: Recurrence,
    /// The first date of the series; weekly and monthly intervals count from it.
    pub dtstart: Date,
    pub opens_at: Time,
    pub closes_at: Time,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    /// How people would say it: "Every Tuesday, 10am, meet at the park gates".
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(transparent)]
    Recurrence(#[from] RecurrenceError),
    #[error("The closing time must be after the opening time")]
    ClosesBeforeOpens,
    #[error("The 'valid to' date must be on or after the 'valid from' date")]
    ValidToBeforeFrom,
}

/// How many days ahead the week slots of a schedule are read from its real dates, so an
/// ended or not-yet-started series does not claim days it will not run on.
const SLOT_HORIZON_DAYS: i64 = 8 * 7;
/// Expansion stops here whatever the rule says: nobody plans two years of a group ahead.
const MAX_EXPANSION_DAYS: i64 = 2 * 366;

impl Schedule {
    pub fn new(
        recurrence: Recurrence,
        dtstart: Date,
        opens_at: Time,
        closes_at: Time,
        valid_from: Option<Date>,
        valid_to: Option<Date>,
        description: String,
    ) -> Result<Schedule, ScheduleError> {
        if closes_at <= opens_at {
            return Err(ScheduleError::ClosesBeforeOpens);
        }
        if let (Some(f), Some(t)) = (valid_from, valid_to)
            && t < f
        {
            return Err(ScheduleError::ValidToBeforeFrom);
        }
        Ok(Schedule { recurrence, dtstart, opens_at, closes_at, valid_from, valid_to, description })
    }

    /// The dates it runs on from `from` to `to` inclusive, leaving out `exceptions` (which,
    /// as RFC 5545's EXDATE, still count towards COUNT).
    pub fn occurrences(&self, from: Date, to: Date, exceptions: &[Date]) -> Vec<Date> {
        let r = &self.recurrence;
        let mut last = to.min(self.dtstart.checked_add(jiff::Span::new().days(MAX_EXPANSION_DAYS)).unwrap_or(to));
        if let Some(u) = r.until {
            last = last.min(u);
        }
        if let Some(v) = self.valid_to {
            last = last.min(v);
        }
        let first_shown = self.valid_from.map_or(from, |v| v.max(from));
        let mut out = Vec::new();
        let mut seen = 0u32;
        // COUNT counts from the start of the series, so walk from dtstart when there is one.
        let mut d = if r.count.is_some() { self.dtstart } else { self.dtstart.max(first_shown) };
        while d <= last {
            if r.matches_pattern(d, self.dtstart) {
                seen += 1;
                if r.count.is_some_and(|c| seen > c) {
                    break;
                }
                if d >= first_shown && !exceptions.contains(&d) {
                    out.push(d);
                }
            }
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        out
    }

    /// The next date it runs on, on or after `today`.
    pub fn next_on_or_after(&self, today: Date, exceptions: &[Date]) -> Option<Date> {
        let to = today.checked_add(jiff::Span::new().days(MAX_EXPANSION_DAYS)).ok()?;
        // A year ahead is plenty to find the next date of any weekly or monthly rule.
        self.occurrences(today, to, exceptions).into_iter().next()
    }

    /// The weekdays and parts of the day it really runs on in the coming eight weeks.
    pub fn week_slots(&self, today: Date, exceptions: &[Date]) -> BTreeSet<WeekSlot> {
        let to = today.checked_add(jiff::Span::new().days(SLOT_HORIZON_DAYS)).unwrap_or(today);
        let parts = DayPart::covering(self.opens_at, self.closes_at);
        self.occurrences(today, to, exceptions)
            .into_iter()
            .flat_map(|d| parts.iter().map(move |&part| WeekSlot { day: d.weekday(), part }))
            .collect()
    }

    /// "Every Tuesday, 10:00 to 11:30" — for lists, when no description was written.
    pub fn summary(&self) -> String {
        let r = &self.recurrence;
        let times = format!("{} to {}", self.opens_at.strftime("%H:%M"), self.closes_at.strftime("%H:%M"));
        let days = |plural: bool| {
            r.by_day
                .iter()
                .map(|b| {
                    let name = day_name(b.day);
                    match b.nth {
                        Some(n) => format!("{} {name}", ordinal(n)),
                        None if plural => name.to_owned(),
                        None => name.to_owned(),
                    }
                })
                .collect::<Vec<_>>()
                .join(" and ")
        };
        let when = match (r.freq, r.interval) {
            (Freq::Weekly, 1) if !r.by_day.is_empty() => format!("Every {}", days(false)),
            (Freq::Weekly, 1) => format!("Every {}", day_name(self.dtstart.weekday())),
            (Freq::Weekly, 2) => format!(
                "Every other {}",
                if r.by_day.is_empty() { day_name(self.dtstart.weekday()).to_owned() } else { days(false) }
            ),
            (Freq::Weekly, n) => format!(
                "Every {n} weeks on {}",
                if r.by_day.is_empty() { day_name(self.dtstart.weekday()).to_owned() } else { days(false) }
            ),
            (Freq::Monthly, n) => {
                let every = if n == 1 { "month".to_owned() } else { format!("{n} months") };
                if !r.by_day.is_empty() {
                    format!("The {} of every {every}", days(false))
                } else if !r.by_month_day.is_empty() {
                    format!("Day {} of every {every}", r.by_month_day_text())
                } else {
                    format!("Day {} of every {every}", self.dtstart.day())
                }
            }
        };
        format!("{when}, {times}")
    }
}

fn ordinal(n: i8) -> String {
    match n {
        -1 => "last".into(),
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        4 => "fourth".into(),
        5 => "fifth".into(),
        n => format!("{n}th"),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::{date, time};
    use proptest::prelude::*;

    use super::*;

    fn sched(rule: &str, start: Date) -> Schedule {
        Schedule::new(
            Recurrence::parse(rule).unwrap(),
            start,
            time(10, 0, 0, 0),
            time(11, 30, 0, 0),
            None,
            None,
            String::new(),
        )
        .unwrap()
    }

    #[test]
    fn parses_and_prints_the_oruk_subset() {
        for rule in [
            "FREQ=WEEKLY;BYDAY=TU",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
            "FREQ=MONTHLY;BYDAY=2MO",
            "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231",
            "FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=10",
        ] {
            assert_eq!(Recurrence::parse(rule).unwrap().to_string(), rule);
        }
        assert_eq!(
            Recurrence::parse("RRULE:freq=weekly;byday=tu;wkst=MO").unwrap().to_string(),
            "FREQ=WEEKLY;BYDAY=TU"
        );
        assert_eq!(Recurrence::parse("FREQ=DAILY"), Err(RecurrenceError::Freq));
        assert_eq!(Recurrence::parse("BYDAY=TU"), Err(RecurrenceError::Freq));
        assert_eq!(Recurrence::parse("FREQ=WEEKLY;BYDAY=XX"), Err(RecurrenceError::ByDay("XX".into())));
        assert_eq!(Recurrence::parse("FREQ=WEEKLY;BYDAY=2TU"), Err(RecurrenceError::NthInWeekly));
        assert_eq!(Recurrence::parse("FREQ=WEEKLY;INTERVAL=0"), Err(RecurrenceError::Interval));
        assert_eq!(Recurrence::parse("FREQ=WEEKLY;BYHOUR=10"), Err(RecurrenceError::Unsupported("BYHOUR".into())));
        assert_eq!(Recurrence::parse("FREQ=WEEKLY;UNTIL=20270101;COUNT=3"), Err(RecurrenceError::UntilAndCount));
        assert_eq!(Recurrence::parse("FREQ=MONTHLY;BYMONTHDAY=32"), Err(RecurrenceError::ByMonthDay));
        assert_eq!(Recurrence::parse(" "), Err(RecurrenceError::Empty));
    }

    #[test]
    fn weekly_fortnightly_and_monthly_dates() {
        // Tuesday 1 December 2026.
        let s = sched("FREQ=WEEKLY;BYDAY=TU", date(2026, 12, 1));
        assert_eq!(
            s.occurrences(date(2026, 11, 20), date(2026, 12, 22), &[date(2026, 12, 15)]),
            vec![date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 22)]
        );
        let f = sched("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", date(2026, 12, 1));
        assert_eq!(
            f.occurrences(date(2026, 12, 1), date(2026, 12, 31), &[]),
            vec![date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 29)]
        );
        let m = sched("FREQ=MONTHLY;BYDAY=2MO", date(2026, 1, 1));
        assert_eq!(
            m.occurrences(date(2026, 11, 1), date(2027, 1, 31), &[]),
            vec![date(2026, 11, 9), date(2026, 12, 14), date(2027, 1, 11)]
        );
        let last = sched("FREQ=MONTHLY;BYDAY=-1FR", date(2026, 1, 1));
        assert_eq!(
            last.occurrences(date(2026, 11, 1), date(2026, 12, 31), &[]),
            vec![date(2026, 11, 27), date(2026, 12, 25)]
        );
        let md = sched("FREQ=MONTHLY;BYMONTHDAY=-1", date(2026, 1, 1));
        assert_eq!(
            md.occurrences(date(2027, 2, 1), date(2027, 3, 31), &[]),
            vec![date(2027, 2, 28), date(2027, 3, 31)]
        );
    }

    #[test]
    fn count_until_and_validity_end_a_series() {
        let c = sched("FREQ=WEEKLY;BYDAY=TU;COUNT=3", date(2026, 12, 1));
        // Exceptions still count: the third date is 15 December whether or not it runs.
        assert_eq!(c.occurrences(date(2026, 12, 2), date(2027, 6, 1), &[date(2026, 12, 15)]), vec![date(2026, 12, 8)]);
        let u = sched("FREQ=WEEKLY;BYDAY=TU;UNTIL=20261208", date(2026, 12, 1));
        assert_eq!(u.occurrences(date(2026, 11, 1), date(2027, 6, 1), &[]), vec![date(2026, 12, 1), date(2026, 12, 8)]);
        let mut v = sched("FREQ=WEEKLY;BYDAY=TU", date(2026, 12, 1));
        v.valid_from = Some(date(2026, 12, 9));
        v.valid_to = Some(date(2026, 12, 20));
        assert_eq!(v.occurrences(date(2026, 11, 1), date(2027, 6, 1), &[]), vec![date(2026, 12, 15)]);
        assert_eq!(v.next_on_or_after(date(2026, 12, 16), &[]), None);
    }

    #[test]
    fn week_slots_read_the_real_dates() {
        let s = sched("FREQ=WEEKLY;BYDAY=TU", date(2026, 12, 1));
        let slots = s.week_slots(date(2026, 11, 23), &[]);
        assert_eq!(
            slots.into_iter().collect::<Vec<_>>(),
            vec![WeekSlot { day: Weekday::Tuesday, part: DayPart::Morning }]
        );
        // A series that ended long ago runs on no day at all.
        let ended = sched("FREQ=WEEKLY;BYDAY=TU;UNTIL=20250101", date(2024, 1, 2));
        assert!(ended.week_slots(date(2026, 11, 23), &[]).is_empty());
        let long = Schedule::new(
            Recurrence::weekly(Weekday::Friday),
            date(2026, 1, 2),
            time(11, 0, 0, 0),
            time(18, 0, 0, 0),
            None,
            None,
            String::new(),
        )
        .unwrap();
        assert_eq!(long.week_slots(date(2026, 11, 23), &[]).len(), 3);
        assert_eq!(
            Schedule::new(
                Recurrence::weekly(Weekday::Friday),
                date(2026, 1, 2),
                time(11, 0, 0, 0),
                time(10, 0, 0, 0),
                None,
                None,
                String::new()
            ),
            Err(ScheduleError::ClosesBeforeOpens)
        );
    }

    #[test]
    fn slot_codes_round_trip() {
        for s in WeekSlot::all() {
            assert_eq!(WeekSlot::parse(&s.code()), Some(s));
        }
        assert_eq!(WeekSlot::parse("tu-morning").map(WeekSlot::label), Some("Tuesday morning".into()));
        assert_eq!(WeekSlot::parse("xx-morning"), None);
    }

    #[test]
    fn summaries_read_naturally() {
        assert_eq!(sched("FREQ=WEEKLY;BYDAY=TU", date(2026, 12, 1)).summary(), "Every Tuesday, 10:00 to 11:30");
        assert_eq!(
            sched("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", date(2026, 12, 1)).summary(),
            "Every other Tuesday, 10:00 to 11:30"
        );
        assert_eq!(
            sched("FREQ=MONTHLY;BYDAY=-1FR", date(2026, 12, 1)).summary(),
            "The last Friday of every month, 10:00 to 11:30"
        );
    }

    fn weekday_strategy() -> impl Strategy<Value = Weekday> {
        (0i8..7).prop_map(|n| Weekday::from_monday_zero_offset(n).unwrap())
    }

    proptest! {
        /// Against brute force: a weekly rule's dates are exactly the days of the chosen
        /// weekday, whole multiples of `interval` weeks after the start week, minus exceptions.
        #[test]
        fn weekly_dates_match_brute_force(day in weekday_strategy(), interval in 1u8..5, start_offset in 0i64..400, skip in 0usize..10) {
            let start = date(2025, 1, 1).checked_add(jiff::Span::new().days(start_offset)).unwrap();
            let rule = Recurrence { interval, ..Recurrence::weekly(day) };
            let s = Schedule::new(rule, start, time(10,0,0,0), time(11,0,0,0), None, None, String::new()).unwrap();
            let from = date(2025, 6, 1);
            let to = date(2026, 6, 1);
            let all = s.occurrences(from, to, &[]);
            let exception = all.get(skip).copied();
            let shown = s.occurrences(from, to, &exception.into_iter().collect::<Vec<_>>());
            let mut expected = vec![];
            let mut d = from.max(start);
            while d <= to {
                let weeks = (monday_of(d) - monday_of(start)).get_days() / 7;
                if d.weekday() == day && weeks % i32::from(interval) == 0 && Some(d) != exception {
                    expected.push(d);
                }
                d = d.tomorrow().unwrap();
            }
            prop_assert_eq!(shown, expected);
        }

        /// Every parsed rule prints back to text that parses to the same rule.
        #[test]
        fn printing_round_trips(day in weekday_strategy(), nth in prop::option::of(-1i8..5), interval in 1u8..4, monthly in any::<bool>()) {
            let nth = if monthly { nth.filter(|n| *n != 0) } else { None };
            let r = Recurrence { freq: if monthly { Freq::Monthly } else { Freq::Weekly }, interval, by_day: vec![ByDay { nth, day }], by_month_day: vec![], until: None, count: None };
            prop_assert_eq!(Recurrence::parse(&r.to_string()), Ok(r));
        }
    }
}
