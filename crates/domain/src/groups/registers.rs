//! A session's register, as a facilitator takes it on a phone: who came (ticked from the
//! expected members, walk-ins added on the day) and a note of the weather or the venue.
//! The form carries a key made when it was shown, so the same form sent twice — a poor
//! signal, a second tap — records once. What the registers then answer: a member who has
//! missed three sessions in a row is flagged, and a social prescription's follow-ups
//! ("did they start?", "still going at six weeks?") are answered from who came.

use jiff::Span;
use jiff::civil::Date;

use crate::directory::PrescriptionOutcome;
use crate::ids::GroupMemberId;
use crate::validation::{ValidationErrors, optional_text};

/// Missed sessions in a row that flag a member to their link worker (or the group's lead).
pub const MISSED_TO_FLAG: u32 = 3;

/// The longest note on a register.
pub const MAX_REGISTER_NOTE: usize = 300;

/// The most members one register can tick: far above any group's size.
pub const MAX_TICKED: usize = 5000;

/// A register as sent, before it is checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RegisterFields {
    /// The key of the form, made when it was shown.
    pub key: String,
    /// The ids of the members ticked as there.
    pub attended: Vec<String>,
    /// The weather, the venue, anything of note.
    pub note: String,
}

/// A register, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    pub key: String,
    /// Each once.
    pub attended: Vec<GroupMemberId>,
    pub note: String,
}

impl Register {
    /// Check every field at once, naming each one that is wrong.
    pub fn parse(f: &RegisterFields) -> Result<Register, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let key = f.key.trim();
        if !super::is_form_key(key) {
            e.add("key", "Open the register again: this form is not one it gave");
        }
        let mut attended: Vec<GroupMemberId> = Vec::new();
        if f.attended.len() > MAX_TICKED {
            e.add("attended", format!("Tick no more than {MAX_TICKED} members"));
        } else {
            for a in &f.attended {
                match a.trim().parse() {
                    Ok(id) if !attended.contains(&id) => attended.push(id),
                    Ok(_) => {}
                    Err(_) => {
                        e.add("attended", "Tick members from the register");
                        break;
                    }
                }
            }
        }
        let note = e.check("note", optional_text("The note", &f.note, MAX_REGISTER_NOTE));
        e.into_result()?;
        Ok(Register { key: key.to_owned(), attended, note: note.unwrap_or_default() })
    }
}

/// Sessions missed in a row, from a member's registers newest first (`true`: they came).
pub fn missed_in_row(newest_first: &[bool]) -> u32 {
    newest_first.iter().take_while(|came| !**came).count().try_into().unwrap_or(u32::MAX)
}

/// What a register answers of a social prescription to the group made on `prescribed_on`
/// whose outcome is `now`, when the person came to the session on `on`: they started,
/// or six weeks on they are still going. `None`: nothing new (or an outcome a person
/// decided, which registers do not overrule).
pub fn prescription_answer(
    now: Option<PrescriptionOutcome>,
    prescribed_on: Date,
    on: Date,
) -> Option<PrescriptionOutcome> {
    let six_weeks = six_weeks_after(prescribed_on);
    // One step at a time: a first visit says they started, whenever it is; only a visit
    // after that, six weeks on, says they are still going.
    match now {
        Some(PrescriptionOutcome::Started) if on >= six_weeks => Some(PrescriptionOutcome::Attending6Weeks),
        None if on >= prescribed_on => Some(PrescriptionOutcome::Started),
        _ => None,
    }
}

/// The date six weeks after `d` (for reading which registers answer "still going").
pub fn six_weeks_after(d: Date) -> Date {
    d.checked_add(Span::new().weeks(6)).unwrap_or(Date::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn a_register_is_checked_and_ticks_count_once() {
        let id = GroupMemberId::new().to_string();
        let f = RegisterFields {
            key: "0a1b2c3d-key".into(),
            attended: vec![id.clone(), id.clone()],
            note: " Sunny ".into(),
        };
        let r = Register::parse(&f).unwrap();
        assert_eq!((r.attended.len(), r.note.as_str()), (1, "Sunny"));
        let bad = RegisterFields { key: "<x>".into(), attended: vec!["not-an-id".into()], note: "x".repeat(301) };
        let e = Register::parse(&bad).unwrap_err();
        let named: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["key", "attended", "note"]);
        let many = RegisterFields { key: "0a1b2c3d".into(), attended: vec![id; MAX_TICKED + 1], note: String::new() };
        assert!(Register::parse(&many).unwrap_err().for_field("attended").is_some());
    }

    #[test]
    fn registers_answer_a_prescriptions_follow_ups() {
        let on = date(2027, 1, 5);
        assert_eq!(prescription_answer(None, on, on), Some(PrescriptionOutcome::Started));
        assert_eq!(prescription_answer(Some(PrescriptionOutcome::Started), on, date(2027, 2, 15)), None);
        let later = date(2027, 2, 16);
        assert_eq!(
            prescription_answer(Some(PrescriptionOutcome::Started), on, later),
            Some(PrescriptionOutcome::Attending6Weeks)
        );
        assert_eq!(
            prescription_answer(None, on, later),
            Some(PrescriptionOutcome::Started),
            "a first visit is a start"
        );
        // What was decided is not overruled; nothing before the connection counts.
        assert_eq!(prescription_answer(Some(PrescriptionOutcome::DidNotStart), on, later), None);
        assert_eq!(prescription_answer(Some(PrescriptionOutcome::Attending6Weeks), on, later), None);
        assert_eq!(prescription_answer(None, on, date(2027, 1, 4)), None);
        assert_eq!(six_weeks_after(on), date(2027, 2, 16));
    }

    proptest! {
        /// Missed in a row is the run of misses since they last came, whatever came before.
        #[test]
        fn missed_in_row_counts_since_they_last_came(misses in 0usize..10, before in proptest::collection::vec(any::<bool>(), 0..20)) {
            let mut history = vec![false; misses];
            history.push(true);
            history.extend(before);
            prop_assert_eq!(missed_in_row(&history), misses as u32);
            prop_assert_eq!(missed_in_row(&vec![false; misses]), misses as u32);
        }
    }
}
