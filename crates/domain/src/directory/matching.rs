//! Which listings to suggest for a person, in what order, and why: a listing the person is
//! not eligible for (by age, or by who it is only for) is never suggested; the rest rank by
//! how many of their needs they meet, then by whether they run when the person is free,
//! then by distance. Each suggestion says which of their needs it helps with, when it runs
//! that they are free, how far it is, what it costs and who it is for, so a link worker can
//! weigh it at a glance.

use std::collections::BTreeSet;

use super::{Audience, Cost, Term, WeekSlot, age_eligible, display_miles};
use crate::people::Sex;
use crate::referrals::Need;

/// What is known of the person a suggestion is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeker {
    pub needs: Vec<Need>,
    pub free: BTreeSet<WeekSlot>,
    pub age: Option<u8>,
    pub sex: Option<Sex>,
    /// What the link worker recorded of them (new parent, carer, bereaved, veteran).
    pub circumstances: BTreeSet<Audience>,
}

impl Seeker {
    /// Whom of a listing's audiences they belong to: their sex as recorded, the
    /// circumstances recorded, and what their needs say (help as a carer makes them one).
    pub fn audiences(&self) -> BTreeSet<Audience> {
        let mut out = self.circumstances.clone();
        match self.sex {
            Some(Sex::Female) => {
                out.insert(Audience::Women);
            }
            Some(Sex::Male) => {
                out.insert(Audience::Men);
            }
            _ => {}
        }
        if self.needs.contains(&Need::Caring) {
            out.insert(Audience::Carers);
        }
        if self.needs.contains(&Need::Bereavement) {
            out.insert(Audience::Bereaved);
        }
        out
    }
}

/// Why a listing is not for someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    /// Their age is outside the listing's range.
    Age,
    /// The listing is only for people this does not apply to (as far as is recorded).
    Audience(Audience),
}

/// How well an eligible listing fits: what the ranking compares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// How many of the person's needs it meets.
    pub needs_met: usize,
    /// Whether it runs at a time they are free (true when their free times are unknown).
    pub when_free: bool,
    pub miles: Option<f64>,
}

impl Fit {
    /// Whether the listing is for this person at all, and if so how well it fits.
    pub fn of(seeker: &Seeker, offer: Offer<'_>, miles: Option<f64>) -> Result<Fit, Ineligible> {
        if let Some(age) = seeker.age
            && !age_eligible(age, offer.minimum_age, offer.maximum_age)
        {
            return Err(Ineligible::Age);
        }
        let theirs = seeker.audiences();
        for t in offer.terms {
            if let Term::Audience(a) = t
                && !theirs.contains(a)
            {
                return Err(Ineligible::Audience(*a));
            }
        }
        Ok(Fit {
            needs_met: seeker.needs.iter().filter(|n| offer.terms.contains(&Term::Need(**n))).count(),
            when_free: seeker.free.is_empty() || offer.slots.intersection(&seeker.free).next().is_some(),
            miles,
        })
    }
}

/// Order eligible listings best first: most needs met, then runs when they are free, then
/// nearest (unknown distance last); ties keep the order given (the search's).
pub fn rank<T>(mut candidates: Vec<(T, Fit)>) -> Vec<(T, Fit)> {
    candidates.sort_by(|(_, a), (_, b)| {
        b.needs_met
            .cmp(&a.needs_met)
            .then(b.when_free.cmp(&a.when_free))
            .then(a.miles.unwrap_or(f64::INFINITY).total_cmp(&b.miles.unwrap_or(f64::INFINITY)))
    });
    candidates
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
    let only_for: Vec<String> = offer
        .terms
        .iter()
        .filter_map(|t| if let Term::Audience(a) = t { Some(a.label().to_lowercase()) } else { None })
        .collect();
    if !only_for.is_empty() {
        out.push(format!("Only for {}", and_list(&only_for)));
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
            ..Default::default()
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

    fn slot(day: Weekday, part: DayPart) -> WeekSlot {
        WeekSlot { day, part }
    }

    /// The demo's older lonely walker: 68, a widow, lonely and wanting to be more active,
    /// free on Tuesday mornings, and the listings the users saw ranked above a walk.
    #[test]
    fn a_walk_that_meets_both_needs_comes_first_for_the_older_lonely_walker() {
        let tue = slot(Weekday::Tuesday, DayPart::Morning);
        let thu = slot(Weekday::Thursday, DayPart::Morning);
        let walker = Seeker {
            needs: vec![Need::Loneliness, Need::PhysicalActivity],
            free: [tue, thu].into(),
            age: Some(68),
            sex: Some(Sex::Female),
            circumstances: [Audience::Bereaved].into(),
        };
        let parent_baby =
            [Term::Need(Need::Loneliness), Term::Need(Need::MoodAnxietyStress), Term::Audience(Audience::NewParents)];
        let art = [Term::Need(Need::Loneliness), Term::Activity(ActivityType::ArtsCrafts)];
        let walk =
            [Term::Need(Need::Loneliness), Term::Need(Need::PhysicalActivity), Term::Activity(ActivityType::Walking)];
        let netball = [Term::Need(Need::Loneliness), Term::Need(Need::PhysicalActivity)];
        let thursday: BTreeSet<WeekSlot> = [thu].into();
        let tuesday: BTreeSet<WeekSlot> = [tue].into();
        let friday: BTreeSet<WeekSlot> = [slot(Weekday::Friday, DayPart::Evening)].into();
        let offer = |terms: &'static [Term], slots: &'static BTreeSet<WeekSlot>| Offer {
            terms,
            slots,
            cost: &Cost::Free,
            minimum_age: None,
            maximum_age: None,
            wheelchair: false,
        };
        // Leaked so the offers can borrow them for the test's length.
        let leak = |t: Vec<Term>| -> &'static [Term] { Box::leak(t.into_boxed_slice()) };
        let slots = |s: BTreeSet<WeekSlot>| -> &'static BTreeSet<WeekSlot> { Box::leak(Box::new(s)) };
        let listings = [
            ("Parent and Baby Group", offer(leak(parent_baby.to_vec()), slots(thursday.clone())), Some(0.2)),
            ("Art Group", offer(leak(art.to_vec()), slots(thursday)), Some(0.4)),
            ("Walking Netball, Friday evenings", offer(leak(netball.to_vec()), slots(friday)), Some(0.3)),
            ("Health Walk", offer(leak(walk.to_vec()), slots(tuesday)), Some(1.5)),
        ];
        let fits: Vec<(&str, Fit)> = listings
            .iter()
            .filter_map(|(name, o, miles)| Fit::of(&walker, *o, *miles).ok().map(|f| (*name, f)))
            .collect();
        let ranked: Vec<&str> = rank(fits).into_iter().map(|(name, _)| name).collect();
        assert_eq!(ranked, ["Health Walk", "Walking Netball, Friday evenings", "Art Group"]);
        assert_eq!(
            Fit::of(&walker, listings[0].1, None),
            Err(Ineligible::Audience(Audience::NewParents)),
            "not a new parent: out, not ranked low"
        );
    }

    #[test]
    fn needs_and_sex_say_whom_a_person_belongs_to() {
        let carer = Seeker { needs: vec![Need::Caring], sex: Some(Sex::Male), ..Default::default() };
        assert_eq!(carer.audiences(), [Audience::Men, Audience::Carers].into());
        let unknown = Seeker { sex: Some(Sex::NotKnown), ..Default::default() };
        assert!(unknown.audiences().is_empty());
    }
}
