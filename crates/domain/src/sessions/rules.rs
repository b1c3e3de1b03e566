use std::fmt;

/// A whole number of minutes, 1 to 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Minutes(u16);

impl Minutes {
    pub fn new(m: u16) -> Result<Minutes, &'static str> {
        if (1..=24 * 60).contains(&m) { Ok(Minutes(m)) } else { Err("Enter a length from 1 minute to 24 hours") }
    }

    pub fn get(self) -> u16 {
        self.0
    }

    pub fn millis(self) -> i64 {
        i64::from(self.0) * 60_000
    }
}

impl fmt::Display for Minutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} minutes", self.0)
    }
}

/// The first, longer session, or one of the follow-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    Initial,
    FollowUp,
}

/// Where and how a session happens (the GP appointment data categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// Face to face in a room at a practice site.
    InPerson,
    HomeVisit,
    Telephone,
    Video,
}

impl SessionKind {
    pub const ALL: [SessionKind; 2] = [SessionKind::Initial, SessionKind::FollowUp];

    pub fn code(self) -> &'static str {
        match self {
            SessionKind::Initial => "initial",
            SessionKind::FollowUp => "follow_up",
        }
    }

    /// How pages and documents name it.
    pub fn label(self) -> &'static str {
        match self {
            SessionKind::Initial => "Initial session",
            SessionKind::FollowUp => "Follow-up",
        }
    }

    pub fn parse(code: &str) -> Result<SessionKind, &'static str> {
        match code.trim() {
            "initial" => Ok(SessionKind::Initial),
            "follow_up" => Ok(SessionKind::FollowUp),
            _ => Err("Select the initial session or a follow-up"),
        }
    }
}

impl SessionMode {
    pub const ALL: [SessionMode; 4] =
        [SessionMode::InPerson, SessionMode::Telephone, SessionMode::Video, SessionMode::HomeVisit];

    pub fn code(self) -> &'static str {
        match self {
            SessionMode::InPerson => "in_person",
            SessionMode::HomeVisit => "home_visit",
            SessionMode::Telephone => "telephone",
            SessionMode::Video => "video",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SessionMode::InPerson => "In person at a practice",
            SessionMode::HomeVisit => "Home visit",
            SessionMode::Telephone => "Telephone",
            SessionMode::Video => "Video",
        }
    }

    pub fn parse(code: &str) -> Result<SessionMode, &'static str> {
        Self::ALL.into_iter().find(|m| m.code() == code.trim()).ok_or("Select how the session will happen")
    }

    pub fn needs_room(self) -> bool {
        self == SessionMode::InPerson
    }
}

/// A programme's rules for sessions and contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ProgrammeRules {
    pub initial_length: Minutes,
    pub follow_up_length: Minutes,
    pub max_follow_ups: u32,
    pub contact_attempt_limit: u32,
}

impl Default for ProgrammeRules {
    /// One 45-minute initial session, up to five 30-minute follow-ups, three contact attempts.
    fn default() -> Self {
        ProgrammeRules {
            initial_length: Minutes(45),
            follow_up_length: Minutes(30),
            max_follow_ups: 5,
            contact_attempt_limit: 3,
        }
    }
}

impl ProgrammeRules {
    pub fn length(&self, kind: SessionKind) -> Minutes {
        match kind {
            SessionKind::Initial => self.initial_length,
            SessionKind::FollowUp => self.follow_up_length,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("Book the initial session first")]
    InitialFirst,
    #[error(
        "This person has had all {allowed} follow-up sessions the programme allows. A coordinator can extend the limit, with a reason"
    )]
    FollowUpLimit { allowed: u32 },
}

/// Which session can be booked next: the initial one first, then follow-ups up to the
/// programme's limit plus any extension a coordinator recorded. Cancelled sessions do not
/// count; `follow_ups` counts the others.
pub fn next_session_kind(
    rules: &ProgrammeRules,
    has_initial: bool,
    follow_ups: u32,
    extension: u32,
    requested: SessionKind,
) -> Result<SessionKind, BookingError> {
    match (requested, has_initial) {
        (SessionKind::Initial, false) => Ok(SessionKind::Initial),
        // A second initial session is a follow-up by another name.
        (SessionKind::Initial, true) | (SessionKind::FollowUp, true) => {
            let allowed = rules.max_follow_ups + extension;
            if follow_ups < allowed { Ok(SessionKind::FollowUp) } else { Err(BookingError::FollowUpLimit { allowed }) }
        }
        (SessionKind::FollowUp, false) => Err(BookingError::InitialFirst),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn defaults_are_the_service_model() {
        let r = ProgrammeRules::default();
        assert_eq!((r.length(SessionKind::Initial).get(), r.length(SessionKind::FollowUp).get()), (45, 30));
        assert_eq!((r.max_follow_ups, r.contact_attempt_limit), (5, 3));
        assert_eq!(Minutes::new(0), Err("Enter a length from 1 minute to 24 hours"));
    }

    #[test]
    fn one_initial_then_five_follow_ups_then_refused() {
        let r = ProgrammeRules::default();
        assert_eq!(next_session_kind(&r, false, 0, 0, SessionKind::FollowUp), Err(BookingError::InitialFirst));
        assert_eq!(next_session_kind(&r, false, 0, 0, SessionKind::Initial), Ok(SessionKind::Initial));
        for n in 0..5 {
            assert_eq!(next_session_kind(&r, true, n, 0, SessionKind::FollowUp), Ok(SessionKind::FollowUp));
        }
        let e = next_session_kind(&r, true, 5, 0, SessionKind::FollowUp).unwrap_err();
        assert_eq!(e, BookingError::FollowUpLimit { allowed: 5 });
        assert!(e.to_string().contains("all 5 follow-up sessions"));
        assert_eq!(next_session_kind(&r, true, 5, 2, SessionKind::FollowUp), Ok(SessionKind::FollowUp));
    }

    proptest! {
        #[test]
        fn never_more_follow_ups_than_allowed(max in 0u32..10, ext in 0u32..5, booked in 0u32..20) {
            let r = ProgrammeRules { max_follow_ups: max, ..ProgrammeRules::default() };
            let ok = next_session_kind(&r, true, booked, ext, SessionKind::FollowUp).is_ok();
            prop_assert_eq!(ok, booked < max + ext);
        }
    }
}
