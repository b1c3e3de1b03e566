//! Where a session stands: booked, then ended one way. Stored and sent by code.

vocabulary!(
    /// How a booked session ended. Recorded once; a cancellation frees its time.
    Outcome, "Select how the session ended" {
        Attended => "attended", "Attended";
        DidNotAttend => "did_not_attend", "Did not attend";
        CancelledByPerson => "cancelled_by_person", "Cancelled by the person";
        CancelledByService => "cancelled_by_service", "Cancelled by the service";
    }
);

impl Outcome {
    /// A cancelled session takes up no time, counts towards no limit, and sends no reminder.
    pub fn is_cancellation(self) -> bool {
        matches!(self, Outcome::CancelledByPerson | Outcome::CancelledByService)
    }
}

vocabulary!(
    /// Who asked to call off or move a booked session: it is recorded as cancelled by them.
    AskedBy, "Select who asked for the change" {
        Person => "person", "The person";
        Service => "service", "The service";
    }
);

impl AskedBy {
    pub fn cancellation(self) -> Outcome {
        match self {
            AskedBy::Person => Outcome::CancelledByPerson,
            AskedBy::Service => Outcome::CancelledByService,
        }
    }
}

/// A session is booked until its outcome is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "&'static str")]
pub enum SessionStatus {
    Booked,
    Ended(Outcome),
}

impl SessionStatus {
    /// Every status, booked first (for the API's enum and for lists of filters).
    pub const ALL: [SessionStatus; 5] = [
        SessionStatus::Booked,
        SessionStatus::Ended(Outcome::Attended),
        SessionStatus::Ended(Outcome::DidNotAttend),
        SessionStatus::Ended(Outcome::CancelledByPerson),
        SessionStatus::Ended(Outcome::CancelledByService),
    ];

    pub fn code(self) -> &'static str {
        match self {
            SessionStatus::Booked => "booked",
            SessionStatus::Ended(o) => o.code(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SessionStatus::Booked => "Booked",
            SessionStatus::Ended(o) => o.label(),
        }
    }

    pub fn parse(code: &str) -> Result<SessionStatus, &'static str> {
        match code.trim() {
            "booked" => Ok(SessionStatus::Booked),
            other => Outcome::parse(other).map(SessionStatus::Ended).map_err(|_| "Unknown session status"),
        }
    }

    pub fn is_cancelled(self) -> bool {
        matches!(self, SessionStatus::Ended(o) if o.is_cancellation())
    }

    /// Held: the person came, or was expected and did not (what a discharge summary lists).
    pub fn was_due(self) -> bool {
        matches!(self, SessionStatus::Ended(Outcome::Attended | Outcome::DidNotAttend))
    }
}

impl From<SessionStatus> for &'static str {
    fn from(s: SessionStatus) -> &'static str {
        s.code()
    }
}

/// The worker's notes on how a session went: at most 8,000 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionNotes(String);

impl SessionNotes {
    pub const MAX_CHARS: usize = 8000;

    pub fn parse(input: &str) -> Result<SessionNotes, &'static str> {
        let t = input.trim();
        if t.chars().count() > Self::MAX_CHARS {
            return Err("Notes must be 8000 characters or fewer");
        }
        Ok(SessionNotes(t.to_owned()))
    }

    /// The note left on a session that was moved: where to find the one that replaced it.
    pub fn moved_to(starts: jiff::Timestamp) -> SessionNotes {
        SessionNotes(format!("Moved to {}", crate::time::display_london(starts)))
    }

    /// The note left on a session still booked when its case was discharged (and so
    /// cancelled by the service).
    pub fn discharged() -> SessionNotes {
        SessionNotes("Cancelled when the case was discharged".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_code() {
        for s in SessionStatus::ALL {
            assert_eq!(SessionStatus::parse(s.code()), Ok(s));
        }
        assert!(SessionStatus::parse("cancelled").is_err());
        assert_eq!(
            SessionStatus::ALL.iter().filter(|s| s.is_cancelled()).count(),
            2,
            "cancelled by the person and by the service"
        );
    }

    #[test]
    fn notes_are_trimmed_and_limited() {
        assert_eq!(SessionNotes::parse("  went well \n").unwrap().as_str(), "went well");
        assert!(SessionNotes::parse(&"é".repeat(8000)).is_ok());
        assert!(SessionNotes::parse(&"é".repeat(8001)).is_err());
    }
}
