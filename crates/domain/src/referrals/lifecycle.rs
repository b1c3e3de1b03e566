//! The referral lifecycle as an explicit state machine.
//!
//! ```text
//! received ─accept→ accepted ─contact attempt (failed)→ contacting ─(limit reached)→ unable to contact
//!    │                 │                                   │
//!    ├─decline→ declined  └─contact made→ active ←─contact made┘
//!    └─redirect→ redirected                 └─discharge→ discharged
//! ```
//!
//! Every other move is refused with a message that says why. Reassignment keeps the state.

/// Why support ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DischargeReason {
    GoalsMet,
    DeclinedFurtherSupport,
    DidNotAttend,
    MovedAway,
    ReferredToClinicalService,
    Died,
    Other,
}

impl DischargeReason {
    pub const ALL: [DischargeReason; 7] = [
        DischargeReason::GoalsMet,
        DischargeReason::DeclinedFurtherSupport,
        DischargeReason::DidNotAttend,
        DischargeReason::MovedAway,
        DischargeReason::ReferredToClinicalService,
        DischargeReason::Died,
        DischargeReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DischargeReason::GoalsMet => "goals_met",
            DischargeReason::DeclinedFurtherSupport => "declined_further_support",
            DischargeReason::DidNotAttend => "did_not_attend",
            DischargeReason::MovedAway => "moved_away",
            DischargeReason::ReferredToClinicalService => "referred_to_clinical_service",
            DischargeReason::Died => "died",
            DischargeReason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DischargeReason::GoalsMet => "Goals met",
            DischargeReason::DeclinedFurtherSupport => "Declined further support",
            DischargeReason::DidNotAttend => "Did not attend",
            DischargeReason::MovedAway => "Moved away",
            DischargeReason::ReferredToClinicalService => "Referred to a clinical service",
            DischargeReason::Died => "Died",
            DischargeReason::Other => "Other",
        }
    }

    pub fn parse(code: &str) -> Result<DischargeReason, &'static str> {
        Self::ALL.into_iter().find(|r| r.code() == code.trim()).ok_or("Select why the person is being discharged")
    }
}

/// Where a referral is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    Received,
    Accepted,
    /// Trying to reach the person; counts failed attempts so far.
    Contacting {
        failed_attempts: u32,
    },
    /// Closed after the programme's limit of failed attempts; keeps how many there were.
    UnableToContact {
        failed_attempts: u32,
    },
    Declined,
    Redirected,
    Active,
    Discharged,
}

/// Something that happens to a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Accept,
    Decline,
    Redirect,
    /// A contact attempt; `reached` when the person was contacted.
    ContactAttempt {
        reached: bool,
    },
    /// The person was reached some other way (they called back, came to a session).
    ContactMade,
    Discharge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("This referral has already been {0}: it cannot be changed any more")]
    Closed(&'static str),
    #[error("Accept, decline or redirect the referral first")]
    NotTriaged,
    #[error("This referral has already been triaged")]
    AlreadyTriaged,
    #[error("The person is already in contact with their link worker")]
    AlreadyActive,
    #[error("Only a referral that is active can be discharged")]
    NotActive,
}

impl ReferralStatus {
    pub fn code(self) -> &'static str {
        match self {
            ReferralStatus::Received => "received",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::Contacting { .. } => "contacting",
            ReferralStatus::UnableToContact { .. } => "unable_to_contact",
            ReferralStatus::Declined => "declined",
            ReferralStatus::Redirected => "redirected",
            ReferralStatus::Active => "active",
            ReferralStatus::Discharged => "discharged",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReferralStatus::Received => "Received",
            ReferralStatus::Accepted => "Accepted",
            ReferralStatus::Contacting { .. } => "Contacting",
            ReferralStatus::UnableToContact { .. } => "Unable to contact",
            ReferralStatus::Declined => "Declined",
            ReferralStatus::Redirected => "Redirected",
            ReferralStatus::Active => "Active",
            ReferralStatus::Discharged => "Discharged",
        }
    }

    /// Failed contact attempts so far: while contacting, and once closed as unable to contact.
    pub fn failed_attempts(self) -> u32 {
        match self {
            ReferralStatus::Contacting { failed_attempts } | ReferralStatus::UnableToContact { failed_attempts } => {
                failed_attempts
            }
            _ => 0,
        }
    }

    /// Closed referrals take no further events.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ReferralStatus::UnableToContact { .. }
                | ReferralStatus::Declined
                | ReferralStatus::Redirected
                | ReferralStatus::Discharged
        )
    }

    /// On the waiting list: not yet seen and still open.
    pub fn is_waiting(self) -> bool {
        matches!(self, ReferralStatus::Received | ReferralStatus::Accepted | ReferralStatus::Contacting { .. })
    }

    /// The state after `event`, given the programme's limit of failed contact attempts.
    pub fn apply(self, event: Event, contact_attempt_limit: u32) -> Result<ReferralStatus, TransitionError> {
        use ReferralStatus as S;
        if self.is_closed() {
            return Err(TransitionError::Closed(self.closed_as()));
        }
        match (self, event) {
            (S::Received, Event::Accept) => Ok(S::Accepted),
            (S::Received, Event::Decline) => Ok(S::Declined),
            (S::Received, Event::Redirect) => Ok(S::Redirected),
            (_, Event::Accept | Event::Decline | Event::Redirect) => Err(TransitionError::AlreadyTriaged),
            (S::Received, _) => Err(TransitionError::NotTriaged),
            (S::Accepted | S::Contacting { .. }, Event::ContactAttempt { reached: true } | Event::ContactMade) => {
                Ok(S::Active)
            }
            (S::Accepted, Event::ContactAttempt { reached: false }) => {
                Ok(Self::after_failure(1, contact_attempt_limit))
            }
            (S::Contacting { failed_attempts }, Event::ContactAttempt { reached: false }) => {
                Ok(Self::after_failure(failed_attempts + 1, contact_attempt_limit))
            }
            (S::Accepted | S::Contacting { .. }, Event::Discharge) => Err(TransitionError::NotActive),
            (S::Active, Event::ContactAttempt { .. } | Event::ContactMade) => Err(TransitionError::AlreadyActive),
            (S::Active, Event::Discharge) => Ok(S::Discharged),
            // Closed states returned above.
            (_, _) => Err(TransitionError::NotActive),
        }
    }

    /// How a closed referral ended, for "This referral has already been …".
    fn closed_as(self) -> &'static str {
        match self {
            ReferralStatus::UnableToContact { .. } => "closed as unable to contact",
            ReferralStatus::Declined => "declined",
            ReferralStatus::Redirected => "redirected",
            _ => "discharged",
        }
    }

    /// A referral can change hands once it is accepted, until it closes; reassigning
    /// keeps its state.
    pub fn check_reassign(self) -> Result<(), TransitionError> {
        if self.is_closed() {
            Err(TransitionError::Closed(self.closed_as()))
        } else if self == ReferralStatus::Received {
            Err(TransitionError::NotTriaged)
        } else {
            Ok(())
        }
    }

    fn after_failure(failed_attempts: u32, limit: u32) -> ReferralStatus {
        if failed_attempts >= limit.max(1) {
            ReferralStatus::UnableToContact { failed_attempts }
        } else {
            ReferralStatus::Contacting { failed_attempts }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralStatus as S;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path() {
        let s = S::Received.apply(Event::Accept, 3).unwrap();
        let s = s.apply(Event::ContactAttempt { reached: false }, 3).unwrap();
        assert_eq!(s, S::Contacting { failed_attempts: 1 });
        let s = s.apply(Event::ContactAttempt { reached: true }, 3).unwrap();
        assert_eq!(s, S::Active);
        assert_eq!(s.apply(Event::Discharge, 3), Ok(S::Discharged));
    }

    #[test]
    fn the_programmes_limit_closes_as_unable_to_contact() {
        let mut s = S::Received.apply(Event::Accept, 3).unwrap();
        for _ in 0..3 {
            s = s.apply(Event::ContactAttempt { reached: false }, 3).unwrap();
        }
        assert_eq!(s, S::UnableToContact { failed_attempts: 3 });
        assert_eq!(s.failed_attempts(), 3, "the count survives the closing");
        assert_eq!(s.apply(Event::ContactMade, 3), Err(TransitionError::Closed("closed as unable to contact")));
    }

    #[test]
    fn illegal_moves_say_why() {
        assert_eq!(S::Received.apply(Event::Discharge, 3), Err(TransitionError::NotTriaged));
        assert_eq!(S::Accepted.apply(Event::Decline, 3), Err(TransitionError::AlreadyTriaged));
        assert_eq!(S::Accepted.apply(Event::Discharge, 3), Err(TransitionError::NotActive));
        assert_eq!(S::Active.apply(Event::ContactMade, 3), Err(TransitionError::AlreadyActive));
        assert_eq!(S::Declined.apply(Event::Accept, 3), Err(TransitionError::Closed("declined")));
    }

    #[test]
    fn reassigning_needs_an_open_accepted_referral() {
        assert_eq!(S::Received.check_reassign(), Err(TransitionError::NotTriaged));
        assert_eq!(S::Active.check_reassign(), Ok(()));
        assert_eq!(S::Contacting { failed_attempts: 1 }.check_reassign(), Ok(()));
        assert_eq!(S::Discharged.check_reassign(), Err(TransitionError::Closed("discharged")));
    }

    fn any_event() -> impl Strategy<Value = Event> {
        prop_oneof![
            Just(Event::Accept),
            Just(Event::Decline),
            Just(Event::Redirect),
            any::<bool>().prop_map(|reached| Event::ContactAttempt { reached }),
            Just(Event::ContactMade),
            Just(Event::Discharge),
        ]
    }

    proptest! {
        /// Whatever happens: closed stays closed, failures never exceed the limit, and
        /// discharge is reached only through active.
        #[test]
        fn invariants_hold_for_any_sequence(events in proptest::collection::vec(any_event(), 0..30), limit in 1u32..6) {
            let mut s = S::Received;
            let mut was_active = false;
            for e in events {
                let before = s;
                match s.apply(e, limit) {
                    Ok(next) => {
                        prop_assert!(!before.is_closed());
                        if let S::Contacting { failed_attempts } = next {
                            prop_assert!(failed_attempts < limit);
                        }
                        if next == S::Discharged {
                            prop_assert_eq!(before, S::Active);
                        }
                        was_active |= next == S::Active;
                        s = next;
                    }
                    Err(_) => prop_assert_eq!(s, before),
                }
            }
            if s == S::Discharged {
                prop_assert!(was_active);
            }
        }
    }
}
