//! The fixed vocabularies of a referral. Each has a stable code (stored) and a label.

vocabulary!(
    /// Who referred: the PRSB "source of referral" categories Linkwell records.
    ReferralSource, "Select who made the referral" {
        Gp => "gp", "GP";
        PracticeNurse => "practice_nurse", "Practice nurse";
        Pharmacist => "pharmacist", "Pharmacist";
        Physiotherapist => "physiotherapist", "Physiotherapist";
        OtherPrimaryCare => "other_primary_care", "Other primary care professional";
        SelfReferral => "self", "Self-referral";
        OtherAgency => "other_agency", "Other agency";
    }
);

vocabulary!(
    /// The needs taxonomy: the reasons for a referral, and later the needs that services meet.
    Need, "Select a need from the list" {
        Loneliness => "loneliness", "Loneliness and isolation";
        MoodAnxietyStress => "mood_anxiety_stress", "Low mood, anxiety or stress";
        MoneyDebt => "money_debt", "Money and debt";
        Employment => "employment", "Employment";
        Housing => "housing", "Housing";
        PhysicalActivity => "physical_activity", "Physical activity";
        LongTermCondition => "long_term_condition", "Living with a long-term condition";
        Bereavement => "bereavement", "Bereavement";
        Caring => "caring", "Caring for someone";
        WeightEating => "weight_eating", "Weight and healthy eating";
        DigitalInclusion => "digital_inclusion", "Digital inclusion";
        Other => "other", "Other";
    }
);

vocabulary!(
    /// How soon the person should be contacted; orders the waiting list.
    Urgency, "Select how urgent the referral is" {
        Urgent => "urgent", "Urgent";
        Soon => "soon", "Soon";
        Routine => "routine", "Routine";
    }
);

vocabulary!(
    /// What happened when the link worker tried to reach the person.
    ContactOutcome, "Select what happened" {
        Reached => "reached", "Spoke to the person";
        NoAnswer => "no_answer", "No answer";
        LeftMessage => "left_message", "Left a message";
        WrongNumber => "wrong_number", "Wrong number or address";
        NotDelivered => "not_delivered", "Message not delivered";
    }
);

impl ContactOutcome {
    /// Only speaking to the person ends the search for them.
    pub fn reached(self) -> bool {
        self == ContactOutcome::Reached
    }
}

impl Urgency {
    /// Lower sorts first on the waiting list.
    pub fn rank(self) -> u8 {
        match self {
            Urgency::Urgent => 0,
            Urgency::Soon => 1,
            Urgency::Routine => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for n in Need::ALL {
            assert_eq!(Need::parse(n.code()), Ok(*n));
        }
        let mut codes: Vec<_> = ReferralSource::ALL.iter().map(|s| s.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ReferralSource::ALL.len());
        assert_eq!(Need::ALL.len(), 12);
        assert_eq!(Urgency::parse("nope"), Err("Select how urgent the referral is"));
        assert!(Urgency::Urgent.rank() < Urgency::Routine.rank());
    }
}
