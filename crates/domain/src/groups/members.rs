//! Who belongs to a group, and how a place is given. People come in three ways (a social
//! prescription, the public directory, a walk-in on the day) or are added by staff; a
//! group with a capacity (its listing's) gives places in the order people asked, and
//! beyond it keeps a waiting list. A freed place is offered to the first in the list,
//! who has [`OFFER_HOURS`] to take it by the link in the message.
//!
//! A member is not a person record: someone who joins from the public directory or walks
//! in is known only by a first name, a last initial and a contact. A member who came by
//! prescription is linked to their person record, which only staff see.

use crate::identity::EmailAddress;
use crate::people::person::{optional, phone};
use crate::validation::{ValidationErrors, optional_text, required_text};

/// How long a freed place is held for the person offered it.
pub const OFFER_HOURS: i64 = 48;

/// The longest emergency contact kept (a name and a number).
pub const MAX_EMERGENCY_CONTACT: usize = 200;

vocabulary!(
    /// How someone came to the group.
    JoinRoute, "Select how they came to the group" {
        Prescription => "prescription", "Social prescription";
        Public => "public", "Joined from the public directory";
        WalkIn => "walk_in", "Walked in on the day";
        Staff => "staff", "Added by the team";
    }
);

vocabulary!(
    /// Where someone stands with the group. Only members are expected at sessions; a
    /// place offered is held for them until the offer lapses.
    MemberStatus, "Select a status" {
        Member => "member", "Member";
        Waiting => "waiting", "On the waiting list";
        Offered => "offered", "Offered a place";
        Left => "left", "Left";
    }
);

vocabulary!(
    /// The channel group messages go by: those that can be sent automatically.
    MemberChannel, "Select how they would like to be told of changes" {
        Email => "email", "Email";
        Sms => "sms", "Text message";
    }
);

impl MemberStatus {
    /// Holding a place (counted against the capacity).
    pub fn holds_place(self) -> bool {
        matches!(self, MemberStatus::Member | MemberStatus::Offered)
    }
}

/// The place someone asking now gets, with `holding` places already held (members and
/// offers) of `capacity` (none: no limit). Nobody is given a place ahead of the waiting
/// list: with anyone `waiting`, a newcomer waits too.
pub fn place_for(capacity: Option<u32>, holding: u64, waiting: u64) -> MemberStatus {
    match capacity {
        Some(c) if holding >= u64::from(c) || waiting > 0 => MemberStatus::Waiting,
        _ => MemberStatus::Member,
    }
}

/// How many of the waiting list to offer a place to now: the places free, at most the
/// number waiting.
pub fn places_to_offer(capacity: Option<u32>, holding: u64, waiting: u64) -> u64 {
    match capacity {
        None => waiting,
        Some(c) => u64::from(c).saturating_sub(holding).min(waiting),
    }
}

/// A member's details as typed, before they are checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct MemberFields {
    pub first_name: String,
    /// Only its initial is kept.
    pub last_name: String,
    pub email: String,
    pub phone: String,
    /// `email` or `sms`; with one contact only, it is that one's.
    pub channel: String,
    /// To be told of changes and offers by that channel.
    pub consent_contact: bool,
    /// Someone needs something to take part (step-free access, a hearing loop…); the
    /// register shows a flag, never the detail.
    pub access_needs: bool,
    pub emergency_contact: String,
    /// To have the emergency contact shown on the register.
    pub consent_emergency: bool,
}

/// A member's details, valid by construction: a first name and at least one contact.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewMember {
    pub first_name: String,
    /// Upper case, or empty.
    pub last_initial: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub channel: MemberChannel,
    pub consent_contact: bool,
    pub access_needs: bool,
    /// Only kept when consented to.
    pub emergency_contact: Option<String>,
}

impl NewMember {
    /// Check every field at once, naming each one that is wrong. `themselves`: the person
    /// is joining on their own (from the public directory), so the messages speak to them
    /// and consent to be contacted is needed to join.
    pub fn parse(f: &MemberFields, themselves: bool) -> Result<NewMember, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let whose = if themselves { "your" } else { "their" };
        let first_name = e.check("first_name", required_text(&format!("{whose} first name"), &f.first_name, 100));
        let last_initial = e.check("last_name", optional_text("Last name", &f.last_name, 100)).map(|l| {
            l.chars().find(|c| c.is_alphabetic()).map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default()
        });
        let email = e.check("email", optional(&f.email, EmailAddress::parse)).map(|m| m.map(|m| m.as_str().to_owned()));
        let phone = e.check("phone", optional(&f.phone, phone));
        let emergency = e.check(
            "emergency_contact",
            optional_text("The emergency contact", &f.emergency_contact, MAX_EMERGENCY_CONTACT),
        );
        let mut channel = None;
        if let (Some(email), Some(phone)) = (&email, &phone) {
            channel = match (email, phone, f.channel.trim()) {
                (None, None, _) => {
                    let why = if themselves {
                        "Enter an email address or a mobile number"
                    } else {
                        "Enter an email address or a mobile number for them"
                    };
                    e.add("email", why);
                    None
                }
                (Some(_), None, _) => Some(MemberChannel::Email),
                (None, Some(_), _) => Some(MemberChannel::Sms),
                (Some(_), Some(_), c) => e.check("channel", MemberChannel::parse(c)),
            };
        }
        if themselves && !f.consent_contact {
            e.add("consent_contact", "Tick the box to agree that we may contact you about the group");
        }
        let ok = (|| {
            Some(NewMember {
                first_name: first_name?,
                last_initial: last_initial?,
                email: email?,
                phone: phone?,
                channel: channel?,
                consent_contact: f.consent_contact,
                access_needs: f.access_needs,
                emergency_contact: Some(emergency?).filter(|c| !c.is_empty() && f.consent_emergency),
            })
        })();
        match ok {
            Some(m) if e.is_empty() => Ok(m),
            _ => Err(e),
        }
    }

    /// Where messages go: the chosen channel's address.
    pub fn recipient(&self) -> Option<&str> {
        match self.channel {
            MemberChannel::Email => self.email.as_deref(),
            MemberChannel::Sms => self.phone.as_deref(),
        }
    }

    /// "Ann K." — how a register shows them.
    pub fn register_name(first_name: &str, last_initial: &str) -> String {
        if last_initial.is_empty() { first_name.to_owned() } else { format!("{first_name} {last_initial}.") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields() -> MemberFields {
        MemberFields {
            first_name: "Ann".into(),
            last_name: "kaur".into(),
            email: "ann@example.org".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_member_needs_a_first_name_and_a_contact() {
        let m = NewMember::parse(&fields(), false).unwrap();
        assert_eq!(
            (m.last_initial.as_str(), m.channel, m.recipient()),
            ("K", MemberChannel::Email, Some("ann@example.org"))
        );
        let e = NewMember::parse(&MemberFields::default(), false).unwrap_err();
        let named: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["first_name", "email"]);
        // Both contacts: the channel must be chosen.
        let both = MemberFields { phone: "07700 900982".into(), ..fields() };
        assert!(NewMember::parse(&both, false).unwrap_err().for_field("channel").is_some());
        let sms = NewMember::parse(&MemberFields { channel: "sms".into(), ..both }, false).unwrap();
        assert_eq!(sms.recipient(), Some("07700 900982"));
        // A bad phone number is named, not dropped.
        let bad = MemberFields { email: String::new(), phone: "12".into(), ..fields() };
        assert!(NewMember::parse(&bad, false).unwrap_err().for_field("phone").is_some());
    }

    #[test]
    fn joining_alone_needs_consent_and_an_emergency_contact_needs_its_own() {
        let e = NewMember::parse(&fields(), true).unwrap_err();
        assert!(e.for_field("consent_contact").is_some());
        let f = MemberFields { consent_contact: true, emergency_contact: "Raj 07700 900001".into(), ..fields() };
        assert_eq!(NewMember::parse(&f, true).unwrap().emergency_contact, None);
        let f = MemberFields { consent_emergency: true, ..f };
        assert_eq!(NewMember::parse(&f, true).unwrap().emergency_contact.as_deref(), Some("Raj 07700 900001"));
        assert_eq!(NewMember::register_name("Ann", "K"), "Ann K.");
        assert_eq!(NewMember::register_name("Ann", ""), "Ann");
    }

    proptest! {
        /// However many ask, places held never pass the capacity, and no newcomer is
        /// given a place while anyone waits.
        #[test]
        fn places_never_pass_the_capacity(capacity in proptest::option::of(0u32..40), asks in 0u64..200, leaves in 0u64..50) {
            let (mut holding, mut waiting) = (0u64, 0u64);
            for _ in 0..asks {
                match place_for(capacity, holding, waiting) {
                    MemberStatus::Member => holding += 1,
                    _ => waiting += 1,
                }
                if let Some(c) = capacity { prop_assert!(holding <= u64::from(c)); }
            }
            let freed = leaves.min(holding);
            holding -= freed;
            let offered = places_to_offer(capacity, holding, waiting);
            prop_assert!(offered <= waiting);
            if let Some(c) = capacity {
                prop_assert!(holding + offered <= u64::from(c));
                prop_assert_eq!(offered, (u64::from(c) - holding).min(waiting));
            } else {
                prop_assert_eq!(waiting, 0);
            }
        }
    }
}
