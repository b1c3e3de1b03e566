use jiff::civil::Weekday;
use linkwell_domain::directory::{ActivityType, DayPart, LatLon, Term, WeekSlot};
use linkwell_domain::referrals::Need;
use linkwell_domain::{OrganisationId, ServiceId};
use proptest::prelude::*;

use super::*;

fn slot(day: Weekday, part: DayPart) -> WeekSlot {
    WeekSlot { day, part }
}

/// Headingley (LS6), where the person lives.
fn headingley() -> LatLon {
    LatLon::new(53.8195, -1.5762).unwrap()
}

fn listing(org: OrganisationId, name: &str, description: &str) -> Listing {
    Listing {
        organisation: org,
        id: ServiceId::new(),
        name: name.into(),
        description: description.into(),
        provider: "Riverside Ramblers".into(),
        terms: vec![],
        slots: BTreeSet::new(),
        free: true,
        wheelchair: false,
        minimum_age: None,
        maximum_age: None,
        points: vec![],
        placeless: false,
        offered: true,
        changed: (1, 1),
    }
}

struct Fixture {
    org: OrganisationId,
    index: DirectoryIndex,
    walk: Listing,
    nordic: Listing,
    knit: Listing,
    paused: Listing,
    yoga: Listing,
    phone: Listing,
    unmapped: Listing,
}

fn fixture() -> Fixture {
    let org = OrganisationId::new();
    let mut walk = listing(org, "Walk and Talk", "An easy walk round the park, then a cuppa.");
    walk.terms = vec![Term::Need(Need::Loneliness), Term::Activity(ActivityType::Walking)];
    walk.slots = [slot(Weekday::Tuesday, DayPart::Morning)].into();
    walk.points = vec![LatLon::new(53.8225, -1.5066).unwrap()]; // Roundhay, about 2.9 miles
    let mut nordic = listing(org, "Nordic Walking", "Walking with poles.");
    nordic.terms = vec![Term::Need(Need::PhysicalActivity), Term::Activity(ActivityType::Walking)];
    nordic.slots = [slot(Weekday::Saturday, DayPart::Morning)].into();
    nordic.free = false;
    nordic.points = vec![LatLon::new(53.8580, -1.5300).unwrap()]; // Moortown, about 3.2 miles
    let mut knit = listing(org, "Knit and Natter", "Knitting and conversation.");
    knit.terms = vec![Term::Need(Need::Bereavement)];
    knit.slots = [slot(Weekday::Thursday, DayPart::Afternoon)].into();
    knit.wheelchair = true;
    knit.points = vec![headingley()];
    let mut paused = listing(org, "Meanwood Strollers", "A Tuesday stroll along the valley.");
    paused.terms = vec![Term::Need(Need::Loneliness), Term::Activity(ActivityType::Walking)];
    paused.slots = [slot(Weekday::Tuesday, DayPart::Morning)].into();
    paused.offered = false;
    paused.points = vec![LatLon::new(53.8330, -1.5690).unwrap()];
    let mut yoga = listing(org, "Chair Yoga", "Gentle stretches, seated.");
    yoga.minimum_age = Some(55);
    yoga.slots = [slot(Weekday::Tuesday, DayPart::Morning)].into();
    yoga.points = vec![headingley()];
    let mut phone = listing(org, "Money Advice Line", "Ring for free advice on debts.");
    phone.terms = vec![Term::Need(Need::MoneyDebt)];
    phone.placeless = true;
    let mut unmapped = listing(org, "Somewhere Unknown", "A group whose postcode is not loaded.");
    unmapped.slots = [slot(Weekday::Tuesday, DayPart::Morning)].into();
    let index = DirectoryIndex::new().unwrap();
    index
        .upsert(&[
            walk.clone(),
            nordic.clone(),
            knit.clone(),
            paused.clone(),
            yoga.clone(),
            phone.clone(),
            unmapped.clone(),
        ])
        .unwrap();
    Fixture { org, index, walk, nordic, knit, paused, yoga, phone, unmapped }
}

fn ids(hits: &[Hit]) -> Vec<ServiceId> {
    hits.iter().map(|h| h.id).collect()
}

fn q(text: &str) -> SearchQuery {
    SearchQuery { text: text.into(), limit: 20, ..Default::default() }
}

#[test]
fn stemming_and_typos() {
    let f = fixture();
    let walks = ids(&f.index.search(f.org, &q("walks")).unwrap());
    for l in [&f.walk, &f.nordic, &f.paused] {
        assert!(walks.contains(&l.id), "{} found by a stem", l.name);
    }
    assert!(!walks.contains(&f.knit.id));
    let typo = f.index.search(f.org, &q("walkng")).unwrap();
    assert_eq!(typo.first().map(|h| h.id), Some(f.walk.id), "the name's own word ranks first: {typo:?}");
    assert!(ids(&f.index.search(f.org, &q("nattr")).unwrap()).contains(&f.knit.id));
    // Taxonomy labels are searchable: nothing in the text says bereavement.
    assert_eq!(ids(&f.index.search(f.org, &q("bereavement")).unwrap()), vec![f.knit.id]);
    // The provider's name finds its listings.
    assert_eq!(f.index.search(f.org, &q("ramblers")).unwrap().len(), 7);
    assert!(f.index.search(f.org, &q("zzzz qqqq")).unwrap().is_empty());
}

#[test]
fn filters_are_anded() {
    let f = fixture();
    let tuesday_mornings =
        SearchQuery { days: vec![Weekday::Tuesday], parts: vec![DayPart::Morning], limit: 20, ..Default::default() };
    let mut found = ids(&f.index.search(f.org, &tuesday_mornings).unwrap());
    found.sort();
    let mut expected = vec![f.walk.id, f.paused.id, f.yoga.id, f.unmapped.id];
    expected.sort();
    assert_eq!(found, expected);
    let offered = SearchQuery { offered_only: true, age: Some(40), ..tuesday_mornings.clone() };
    let mut found = ids(&f.index.search(f.org, &offered).unwrap());
    found.sort();
    let mut expected = vec![f.walk.id, f.unmapped.id];
    expected.sort();
    assert_eq!(found, expected, "paused and 55-plus left out");
    let free_walks = SearchQuery {
        terms: vec![Term::Activity(ActivityType::Walking)],
        free_only: true,
        offered_only: true,
        limit: 20,
        ..Default::default()
    };
    assert_eq!(ids(&f.index.search(f.org, &free_walks).unwrap()), vec![f.walk.id]);
    let wheelchair = SearchQuery { wheelchair: true, limit: 20, ..Default::default() };
    assert_eq!(ids(&f.index.search(f.org, &wheelchair).unwrap()), vec![f.knit.id]);
    let person =
        SearchQuery { free_slots: vec![slot(Weekday::Thursday, DayPart::Afternoon)], limit: 20, ..Default::default() };
    assert_eq!(ids(&f.index.search(f.org, &person).unwrap()), vec![f.knit.id]);
}

#[test]
fn distance_filters_and_ranks() {
    let f = fixture();
    let near = SearchQuery { near: Some(headingley()), within_miles: Some(3.0), limit: 20, ..Default::default() };
    let hits = f.index.search(f.org, &near).unwrap();
    let found = ids(&hits);
    assert!(found.contains(&f.walk.id), "Roundhay is within 3 miles of Headingley");
    assert!(!found.contains(&f.nordic.id), "Moortown is not");
    assert!(found.contains(&f.phone.id), "a phone line has no distance");
    assert!(!found.contains(&f.unmapped.id), "a place whose point is unknown is not known to be near");
    assert_eq!(found.len(), 5);
    // Nearest first when there are no words to rank by.
    assert!(found.iter().position(|i| *i == f.knit.id) < found.iter().position(|i| *i == f.walk.id));
    let walk = hits.iter().find(|h| h.id == f.walk.id).unwrap();
    assert!((walk.miles.unwrap() - 2.6).abs() < 0.3, "{walk:?}");
    // With words, a near listing beats a far one of the same relevance.
    let walking = SearchQuery { text: "walking".into(), near: Some(headingley()), limit: 20, ..Default::default() };
    let found = ids(&f.index.search(f.org, &walking).unwrap());
    assert!(found.contains(&f.nordic.id), "no radius, so far ones are still found");
}

#[test]
fn organisations_are_separate_and_upserts_replace() {
    let f = fixture();
    let other = OrganisationId::new();
    assert!(f.index.search(other, &q("walk")).unwrap().is_empty());
    let mut renamed = f.walk.clone();
    renamed.name = "Wander and Wonder".into();
    renamed.changed = (2, 2);
    f.index.upsert(&[renamed]).unwrap();
    // A stale copy arriving late changes nothing.
    f.index.upsert(std::slice::from_ref(&f.walk)).unwrap();
    assert_eq!(f.index.len(), 7, "replaced, not added");
    assert!(!ids(&f.index.search(f.org, &q("talk")).unwrap()).contains(&f.walk.id));
    f.index.remove(f.org, &[f.walk.id]).unwrap();
    assert_eq!(f.index.len(), 6);
}

/// Issue 10 item 6: the index keyed listings by id alone, but ids are unique only within
/// an organisation (imports keep the publisher's ids): another organisation importing the
/// same ids replaced this one's listings in its own search.
#[test]
fn the_same_id_in_two_organisations_is_two_listings() {
    let f = fixture();
    let other = OrganisationId::new();
    let mut copy = f.walk.clone();
    copy.organisation = other;
    copy.name = "Imported copy".into();
    copy.changed = (9, 9);
    f.index.upsert(&[copy]).unwrap();
    assert_eq!(f.index.len(), 8, "added beside, not replacing");
    assert!(ids(&f.index.search(f.org, &q("walk talk")).unwrap()).contains(&f.walk.id), "still found at home");
    assert_eq!(ids(&f.index.search(other, &q("imported")).unwrap()), [f.walk.id]);
    // An older copy in one organisation is not refused because the other's is newer.
    let mut older = f.walk.clone();
    older.name = "Walk and Talk renamed".into();
    older.changed = (3, 3);
    f.index.upsert(&[older]).unwrap();
    assert!(ids(&f.index.search(f.org, &q("renamed")).unwrap()).contains(&f.walk.id));
    f.index.remove(other, &[f.walk.id]).unwrap();
    assert!(ids(&f.index.search(f.org, &q("walk")).unwrap()).contains(&f.walk.id), "removing theirs keeps ours");
}

#[test]
fn a_long_search_is_cut_to_its_first_words() {
    let f = fixture();
    let long = format!("walk {}", "zzzz ".repeat(5000));
    let mut query = q(&long);
    query.limit = usize::MAX;
    assert!(ids(&f.index.search(f.org, &query).unwrap()).contains(&f.walk.id));
}

fn arb_listing(org: OrganisationId) -> impl Strategy<Value = Listing> {
    (
        prop::collection::vec(0usize..Need::ALL.len(), 0..3),
        prop::collection::btree_set((0i8..7, 0usize..3), 0..4),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(0u8..70),
        prop::option::of((0.0f64..0.2, 0.0f64..0.3)),
    )
        .prop_map(move |(needs, slots, free, wheelchair, offered, min_age, point)| {
            let mut l = listing(org, "Group", "A group.");
            l.terms = needs.into_iter().map(|i| Term::Need(Need::ALL[i])).collect();
            l.slots = slots
                .into_iter()
                .map(|(d, p)| slot(Weekday::from_monday_zero_offset(d).unwrap(), DayPart::ALL[p]))
                .collect();
            l.free = free;
            l.wheelchair = wheelchair;
            l.offered = offered;
            l.minimum_age = min_age;
            l.points = point.map(|(a, o)| LatLon::new(53.75 + a, -1.65 + o).unwrap()).into_iter().collect();
            l.placeless = l.points.is_empty();
            l
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Against brute force: a search with filters finds exactly the listings that satisfy
    /// every one of them.
    #[test]
    fn every_filter_holds_and_nothing_is_missed(
        listings in prop::collection::vec(arb_listing(OrganisationId::from_str_const()), 1..40),
        need in prop::option::of(0usize..Need::ALL.len()),
        day in prop::option::of(0i8..7),
        part in prop::option::of(0usize..3),
        free_only in any::<bool>(),
        wheelchair in any::<bool>(),
        offered_only in any::<bool>(),
        age in prop::option::of(0u8..90),
        within in prop::option::of(0.5f64..6.0),
    ) {
        let org = OrganisationId::from_str_const();
        let index = DirectoryIndex::new().unwrap();
        index.upsert(&listings).unwrap();
        let centre = LatLon::new(53.8, -1.55).unwrap();
        let query = SearchQuery {
            terms: need.map(|i| Term::Need(Need::ALL[i])).into_iter().collect(),
            days: day.map(|d| Weekday::from_monday_zero_offset(d).unwrap()).into_iter().collect(),
            parts: part.map(|p| DayPart::ALL[p]).into_iter().collect(),
            free_only, wheelchair, offered_only, age,
            near: within.map(|_| centre),
            within_miles: within,
            limit: 100,
            ..Default::default()
        };
        let mut found = ids(&index.search(org, &query).unwrap());
        found.sort();
        let mut expected: Vec<ServiceId> = listings.iter().filter(|l| {
            (query.terms.is_empty() || l.terms.iter().any(|t| query.terms.contains(t)))
                && l.slots.iter().any(|s| (query.days.is_empty() || query.days.contains(&s.day)) && (query.parts.is_empty() || query.parts.contains(&s.part)))
                    | (query.days.is_empty() && query.parts.is_empty())
                && (!free_only || l.free)
                && (!wheelchair || l.wheelchair)
                && (!offered_only || l.offered)
                && age.is_none_or(|a| l.minimum_age.is_none_or(|m| a >= m))
                && within.is_none_or(|w| l.points.is_empty() || l.points.iter().any(|p| centre.miles_to(*p) <= w))
        }).map(|l| l.id).collect();
        expected.sort();
        prop_assert_eq!(found, expected);
    }
}

trait ConstOrg {
    fn from_str_const() -> OrganisationId;
}

impl ConstOrg for OrganisationId {
    /// One organisation for every generated listing (strategies cannot share a fresh id).
    fn from_str_const() -> OrganisationId {
        OrganisationId(uuid::Uuid::from_u128(42))
    }
}
