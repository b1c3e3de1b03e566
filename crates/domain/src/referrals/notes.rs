//! Case notes: what a link worker writes about a case outside a session — a call, a
//! meeting, a message, a concern — with the date it happened, its kind, and optionally a
//! safeguarding mark. A note is never edited in place: a correction is a new version with
//! its reason, and every version stays readable, as a plan's do.

use jiff::civil::Date;

use crate::ValidationErrors;
use crate::time::{DateEntry, civil_date};
use crate::validation::required_text;

/// The most a note holds.
pub const MAX_NOTE_CHARS: usize = 5000;
/// The most a correction's reason holds.
pub const MAX_REASON_CHARS: usize = 500;

vocabulary!(
    /// What a case note records.
    NoteKind, "Select what the note is about" {
        General => "note", "Note";
        Call => "call", "Phone call";
        Meeting => "meeting", "Meeting or visit";
        Message => "message", "Message or letter";
        Concern => "concern", "Concern";
    }
);

/// A note as typed.
#[derive(Debug, Clone, Default)]
pub struct NoteFields {
    /// The day it happened: the three boxes on a page, ISO 8601 in the API.
    pub date: DateEntry,
    pub kind: String,
    pub text: String,
    pub safeguarding: bool,
}

/// A note, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteInput {
    pub date: Date,
    pub kind: NoteKind,
    pub text: String,
    pub safeguarding: bool,
}

impl NoteInput {
    /// A note is of something that has happened: dated today or before, and not before
    /// the referral arrived (`received`), London dates.
    pub fn parse(f: &NoteFields, received: Date, today: Date) -> Result<NoteInput, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = e.check("date", civil_date(&f.date));
        if date.is_some_and(|d| d > today) {
            e.add("date", "The date must be today or in the past");
        } else if date.is_some_and(|d| d < received) {
            e.add(
                "date",
                format!(
                    "The date must be on or after the referral arrived, {}",
                    crate::time::display_london_date(received)
                ),
            );
        }
        let kind = e.check("kind", NoteKind::parse(&f.kind));
        let text = e.check("text", required_text("the note", &f.text, MAX_NOTE_CHARS));
        match (date, kind, text) {
            (Some(date), Some(kind), Some(text)) if e.is_empty() => {
                Ok(NoteInput { date, kind, text, safeguarding: f.safeguarding })
            }
            _ => Err(e),
        }
    }
}

/// Why a note is corrected, required: a correction without one would be a silent edit.
pub fn correction_reason(raw: &str) -> Result<String, ValidationErrors> {
    required_text("why the note is corrected", raw, MAX_REASON_CHARS).map_err(|m| ValidationErrors::single("reason", m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn fields(d: &str, m: &str, y: &str) -> NoteFields {
        NoteFields {
            date: DateEntry::boxes(d, m, y),
            kind: "call".into(),
            text: "Called: she would like to try the walking group.".into(),
            safeguarding: false,
        }
    }

    #[test]
    fn a_note_is_dated_within_the_case() {
        let (received, today) = (date(2026, 11, 2), date(2026, 12, 3));
        assert!(NoteInput::parse(&fields("3", "12", "2026"), received, today).is_ok());
        assert!(NoteInput::parse(&fields("2", "11", "2026"), received, today).is_ok());
        let future = NoteInput::parse(&fields("4", "12", "2026"), received, today).unwrap_err();
        assert_eq!(future.for_field("date"), Some("The date must be today or in the past"));
        let before = NoteInput::parse(&fields("1", "11", "2026"), received, today).unwrap_err();
        assert!(before.for_field("date").unwrap().starts_with("The date must be on or after the referral arrived"));
        let empty = NoteInput::parse(
            &NoteFields { kind: "chat".into(), text: " ".into(), ..fields("3", "12", "2026") },
            received,
            today,
        )
        .unwrap_err();
        assert_eq!(empty.for_field("kind"), Some("Select what the note is about"));
        assert_eq!(empty.for_field("text"), Some("Enter the note"));
        assert_eq!(correction_reason(" ").unwrap_err().for_field("reason"), Some("Enter why the note is corrected"));
    }

    proptest! {
        /// Whatever the date, a note that parses is within the case's time.
        #[test]
        fn a_parsed_note_is_never_outside_the_case(offset in -400i64..400, age in 0i64..300) {
            let today = date(2026, 12, 3);
            let received = today.checked_sub(jiff::Span::new().days(age)).unwrap();
            let d = today.checked_add(jiff::Span::new().days(offset)).unwrap();
            let f = NoteFields { date: DateEntry::Iso(d.to_string()), ..fields("", "", "") };
            match NoteInput::parse(&f, received, today) {
                Ok(n) => prop_assert!(n.date >= received && n.date <= today),
                Err(e) => prop_assert!(d < received || d > today, "{:?}", e),
            }
        }
    }
}
