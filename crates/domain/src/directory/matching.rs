//! Why a listing is suggested for a person: each suggestion on a person's page says which
//! of their needs it helps with, when it runs that they are free, how far it is, what it
//! costs and whether their age fits, so a link worker can weigh it at a glance.

use std::collections::BTreeSet;

use super::{Cost, Term, WeekSlot, display_miles};
use crate::referrals::Need;

/// What is known of the person a suggestion is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeker {
    pub needs: Vec<Need>,
    pub free: BTreeSet<WeekSlot>,
    pub age: Option<u8>,
}

/// The facts of a listing a suggestion is judged on.
#[derive(Debug, Clone, Copy)]
pub struct Offer<'a> {
    pub terms: &'a [Term],
    pub slots: &'a BTreeSet<WeekSlot>,
    pub cost: &'a Cost,
    pub minimum_age: Option<u8>,
    pub maximum_age: Option<u8>,
    pub wheelchair: bool,
}

/// How far it is, and whether measured from the person's own postcode or only its district.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distance {
    pub miles: f64,
    pub from_district: bool,
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The reasons, in the order a link worker weighs them.
pub fn reasons(seeker: &Seeker, offer: Offer<'_>, distance: Option<Distance>) -> Vec<String> {
    let mut out = vec![];
    let needs: Vec<String> = seeker
        .needs
        .iter()
        .filter(|n| offer.terms.contains(&Term::Need(**n)))
        .map(|n| n.label().to_lowercase())
        .collect();
    if !needs.is_empty() {
        out.push(format!("Helps with {}", and_list(&needs)));
    }
    let when: Vec<String> = if seeker.free.is_empty() {
        offer.slots.iter().map(|s| s.label()).collect()
    } else {
        offer.slots.intersection(&seeker.free).map(|s| s.label()).collect()
    };
    match (when.is_empty(), seeker.free.is_empty()) {
        (false, false) => out.push(format!("Runs {}, when they are free", and_list(&when))),
        (false, true) => out.push(format!("Runs {}", and_list(&when))),
        (true, _) => {}
    }
    if let Some(d) = distance {
        let from = if d.from_district { "their postcode district" } else { "their postcode" };
        out.push(format!("{} from {from}", display_miles(d.miles)));
    }
    out.push(offer.cost.summary());
    if offer.minimum_age.is_some() || offer.maximum_age.is_some() {
        let range = match (offer.minimum_age, offer.maximum_age) {
            (Some(a), Some(b)) => format!("ages {a} to {b}"),
            (Some(a), None) => format!("ages {a} and over"),
            (None, Some(b)) => format!("up to age {b}"),
            (None, None) => String::new(),
        };
        match seeker.age {
            Some(age) => out.push(format!("For {range}; they are {age}")),
            None => out.push(format!("For {range}")),
        }
    }
    if offer.wheelchair {
        out.push("Wheelchair accessible".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use jiff::civil::Weekday;

    use super::*;
    use crate::directory::{ActivityType, DayPart};

    #[test]
    fn each_reason_says_why() {
        let tue = WeekSlot { day: Weekday::Tuesday, part: DayPart::Morning };
        let thu = WeekSlot { day: Weekday::Thursday, part: DayPart::Evening };
        let seeker = Seeker {
            needs: vec![Need::Loneliness, Need::PhysicalActivity, Need::Housing],
            free: [tue].into(),
            age: Some(70),
        };
        let terms =
            [Term::Need(Need::Loneliness), Term::Need(Need::PhysicalActivity), Term::Activity(ActivityType::Walking)];
        let slots = [tue, thu].into();
        let offer = Offer {
            terms: &terms,
            slots: &slots,
            cost: &Cost::Free,
            minimum_age: Some(50),
            maximum_age: None,
            wheelchair: false,
        };
        assert_eq!(
            reasons(&seeker, offer, Some(Distance { miles: 1.24, from_district: false })),
            vec![
                "Helps with loneliness and isolation and physical activity",
                "Runs Tuesday morning, when they are free",
                "1.2 miles from their postcode",
                "Free",
                "For ages 50 and over; they are 70",
            ]
        );
        let anyone = Seeker::default();
        let r = reasons(
            &anyone,
            Offer { wheelchair: true, minimum_age: None, ..offer },
            Some(Distance { miles: 2.0, from_district: true }),
        );
        assert_eq!(
            r,
            vec![
                "Runs Tuesday morning and Thursday evening",
                "2.0 miles from their postcode district",
                "Free",
                "Wheelchair accessible"
            ]
        );
    }
}
