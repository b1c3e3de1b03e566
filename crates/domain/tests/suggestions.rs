//! The rules of suggestions as properties: a listing a person is not eligible for is never
//! suggested, whatever the person and the listing, and what is suggested comes best first.

use std::collections::BTreeSet;

use jiff::civil::Weekday;
use linkwell_domain::directory::{Audience, Cost, DayPart, Fit, Offer, Seeker, Term, WeekSlot, rank};
use linkwell_domain::people::Sex;
use linkwell_domain::referrals::Need;
use proptest::prelude::*;

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    (0..all.len()).prop_map(move |i| all[i])
}

fn slot() -> impl Strategy<Value = WeekSlot> {
    const DAYS: &[Weekday] = &[Weekday::Monday, Weekday::Tuesday, Weekday::Friday, Weekday::Sunday];
    const PARTS: &[DayPart] = &[DayPart::Morning, DayPart::Afternoon, DayPart::Evening];
    (pick(DAYS), pick(PARTS)).prop_map(|(day, part)| WeekSlot { day, part })
}

fn seeker() -> impl Strategy<Value = Seeker> {
    (
        prop::collection::vec(pick(Need::ALL), 0..4),
        prop::collection::btree_set(slot(), 0..4),
        prop::option::of(0u8..110),
        prop::option::of(pick(Sex::ALL)),
        prop::collection::btree_set(pick(&Audience::CIRCUMSTANCES), 0..3),
    )
        .prop_map(|(needs, free, age, sex, circumstances)| Seeker { needs, free, age, sex, circumstances })
}

/// A listing's terms, slots, ages and distance.
type Listing = (Vec<Term>, BTreeSet<WeekSlot>, Option<u8>, Option<u8>, Option<f64>);

fn listing() -> impl Strategy<Value = Listing> {
    (
        prop::collection::vec(pick(Need::ALL).prop_map(Term::Need), 0..4),
        prop::collection::vec(pick(Audience::ALL).prop_map(Term::Audience), 0..3),
        prop::collection::btree_set(slot(), 0..3),
        prop::option::of(0u8..90),
        prop::option::of(10u8..120),
        prop::option::of(0.0f64..30.0),
    )
        .prop_map(|(mut terms, audiences, slots, min, max, miles)| {
            terms.extend(audiences);
            (terms, slots, min, max, miles)
        })
}

/// Eligibility said again, plainly, from the rules as users told them.
fn eligible(s: &Seeker, (terms, _, min, max, _): &Listing) -> bool {
    let age_fits = s.age.is_none_or(|a| min.is_none_or(|m| a >= m) && max.is_none_or(|m| a <= m));
    let applies = |a: Audience| match a {
        Audience::Women => s.sex == Some(Sex::Female),
        Audience::Men => s.sex == Some(Sex::Male),
        Audience::Carers => s.circumstances.contains(&a) || s.needs.contains(&Need::Caring),
        Audience::Bereaved => s.circumstances.contains(&a) || s.needs.contains(&Need::Bereavement),
        other => s.circumstances.contains(&other),
    };
    age_fits && terms.iter().all(|t| if let Term::Audience(a) = t { applies(*a) } else { true })
}

proptest! {
    #[test]
    fn a_listing_the_person_is_not_eligible_for_is_never_suggested(
        s in seeker(),
        listings in prop::collection::vec(listing(), 0..12),
    ) {
        fn offer(l: &Listing) -> Offer<'_> {
            Offer { terms: &l.0, slots: &l.1, cost: &Cost::Free, minimum_age: l.2, maximum_age: l.3, wheelchair: false }
        }
        let fits: Vec<(usize, Fit)> = listings
            .iter()
            .enumerate()
            .filter_map(|(i, l)| Fit::of(&s, offer(l), l.4).ok().map(|f| (i, f)))
            .collect();
        for (i, l) in listings.iter().enumerate() {
            prop_assert_eq!(fits.iter().any(|(j, _)| *j == i), eligible(&s, l), "listing {}: {:?}", i, l);
        }
        let ranked = rank(fits);
        for pair in ranked.windows(2) {
            let (a, b) = (pair[0].1, pair[1].1);
            prop_assert!(a.needs_met >= b.needs_met);
            if a.needs_met == b.needs_met {
                prop_assert!(a.when_free >= b.when_free);
                if a.when_free == b.when_free {
                    prop_assert!(a.miles.unwrap_or(f64::INFINITY) <= b.miles.unwrap_or(f64::INFINITY));
                }
            }
        }
    }
}
