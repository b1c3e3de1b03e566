//! iCalendar (RFC 5545) for calendar feeds: a worker's sessions in their own calendar
//! app. Our own small writer: text escaping, 75-octet line folding and UTC times are all
//! a feed of events needs (STACK.md: the icalendar crates pull in chrono and nom).

use jiff::Timestamp;

/// One event of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable across updates, so calendar apps replace rather than duplicate.
    pub uid: String,
    pub starts: Timestamp,
    pub ends: Timestamp,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    /// Increases with every change of the event.
    pub sequence: i64,
    pub cancelled: bool,
}

/// A whole calendar: `name` is shown by calendar apps; `stamp` is when it was generated.
pub fn calendar(name: &str, events: &[Event], stamp: Timestamp) -> String {
    let mut out = String::new();
    let mut line = |s: String| fold(&mut out, &s);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Linkwell//Social prescribing//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&e.uid)));
        line(format!("DTSTAMP:{}", utc(stamp)));
        line(format!("DTSTART:{}", utc(e.starts)));
        line(format!("DTEND:{}", utc(e.ends)));
        line(format!("SEQUENCE:{}", e.sequence));
        line(format!("SUMMARY:{}", escape(&e.summary)));
        if let Some(l) = &e.location {
            line(format!("LOCATION:{}", escape(l)));
        }
        if let Some(d) = &e.description {
            line(format!("DESCRIPTION:{}", escape(d)));
        }
        line(format!("STATUS:{}", if e.cancelled { "CANCELLED" } else { "CONFIRMED" }));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

/// `20261201T100000Z`.
fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 §3.3.11).
fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            ';' => o.push_str("\\;"),
            ',' => o.push_str("\\,"),
            '\n' => o.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o
}

/// Append a content line, folded so no line exceeds 75 octets (continuations start with a
/// space), never splitting a UTF-8 character; lines end in CRLF.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// Initials only ("A. N."): what a feed shows of a person, as calendars sync to phones
/// and other services.
pub fn initials(given: &str, family: &str) -> String {
    [given, family]
        .iter()
        .filter_map(|n| n.trim().chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn event() -> Event {
        Event {
            uid: "01a2@linkwell".into(),
            starts: "2026-12-01T10:00:00Z".parse().unwrap(),
            ends: "2026-12-01T10:45:00Z".parse().unwrap(),
            summary: "Initial session with A. N.".into(),
            location: Some("Wellbeing room, Abbey Lane Surgery; by the lift".into()),
            description: None,
            sequence: 2,
            cancelled: false,
        }
    }

    #[test]
    fn a_feed() {
        let ics = calendar("Sam Fletcher's sessions", &[event()], "2026-11-23T12:00:00Z".parse().unwrap());
        insta::assert_snapshot!(ics.replace("\r\n", "\n"));
        assert!(ics.lines().all(|l| l.len() <= 75));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn initials_only() {
        assert_eq!(initials("albert", "Njoku"), "A. N.");
        assert_eq!(initials(" Ōsaka", ""), "Ō.");
    }

    proptest! {
        /// Folding keeps every line within 75 octets and unfolds to the original.
        #[test]
        fn folding_round_trips(s in "\\PC{0,300}") {
            let mut out = String::new();
            fold(&mut out, &s);
            prop_assert!(out.split("\r\n").all(|l| l.len() <= 75));
            let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
            prop_assert_eq!(unfolded, s);
        }
    }
}
