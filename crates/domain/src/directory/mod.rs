//! The community directory: the organisations, groups and services a link worker connects
//! people to, when and where they run, who they are for, whether they are really running,
//! and the social prescriptions and unmet needs recorded against them.
//!
//! The shapes follow Open Referral UK 3.0 (the UK profile of HSDS 3.0) so that the
//! published feed and imports map field for field, but the rules here are Linkwell's:
//! a paused service has an expected restart date, a closed one a reason, and a listing not
//! verified for six months is stale.

mod geo;
mod matching;
mod prescriptions;
mod schedule;
mod service;

pub use geo::{BoundingBox, LatLon, METRES_PER_MILE, display_miles, from_british_national_grid};
pub use matching::{Distance, Fit, Ineligible, Offer, Seeker, rank, reasons};
pub use prescriptions::{
    OutcomeFields, PrescriptionFields, PrescriptionInput, PrescriptionKind, PrescriptionOutcome, UnmetNeedFields,
    UnmetNeedInput, follow_up_due,
};
pub use schedule::{
    ByDay, DayPart, Freq, Recurrence, RecurrenceError, Schedule, ScheduleError, WeekSlot, day_code, day_name,
    parse_day, weekdays,
};
pub use service::{
    ClosureFields, LocationInput, PauseFields, ProviderFields, ProviderInput, ScheduleFields, ServiceFields,
    ServiceInput, check_note, date_off_note, flexible_date, parse_pounds,
};

use jiff::civil::Date;

use crate::referrals::Need;

vocabulary!(
    /// What kind of organisation runs a service.
    ProviderKind, "Select what kind of organisation it is" {
        Voluntary => "voluntary", "Voluntary organisation or charity";
        Community => "community", "Community group";
        Faith => "faith", "Faith group";
        SocialEnterprise => "social_enterprise", "Social enterprise";
        Statutory => "statutory", "Statutory service (council, NHS)";
        Own => "own", "Our own team";
    }
);

vocabulary!(
    /// What a service is, alongside the needs it meets: the second taxonomy of the directory.
    ActivityType, "Select an activity type from the list" {
        Walking => "walking", "Walking";
        Sport => "sport", "Sport and exercise";
        Dance => "dance", "Dance and movement";
        ArtsCrafts => "arts_crafts", "Arts and crafts";
        MusicSinging => "music_singing", "Music and singing";
        GardeningNature => "gardening_nature", "Gardening and nature";
        PeerSupport => "peer_support", "Peer support group";
        Counselling => "counselling", "Counselling and talking support";
        Learning => "learning", "Learning and skills";
        Volunteering => "volunteering", "Volunteering";
        CookingFood => "cooking_food", "Cooking and food";
        SocialClub => "social_club", "Social and lunch club";
        Advice => "advice", "Advice and advocacy";
        ParentBaby => "parent_baby", "Parents and babies";
        Digital => "digital", "Digital skills";
        Carers => "carers", "Carers' support";
    }
);

vocabulary!(
    /// Who a listing is only for, as structured criteria (its eligibility text says the
    /// rest in words): a person is eligible only if every one it names applies to them.
    /// The third taxonomy of the directory, so that the published feed carries it too.
    Audience, "Select who it is for from the list" {
        Women => "women", "Women";
        Men => "men", "Men";
        NewParents => "new_parents", "New and expectant parents";
        Carers => "carers", "Unpaid carers";
        Bereaved => "bereaved", "People who have been bereaved";
        Veterans => "veterans", "Armed forces veterans";
    }
);

impl Audience {
    /// The circumstances a link worker records about a person (a person's sex is on their
    /// record already).
    pub const CIRCUMSTANCES: [Audience; 4] =
        [Audience::NewParents, Audience::Carers, Audience::Bereaved, Audience::Veterans];

    /// A person's circumstances as sent (codes of `CIRCUMSTANCES`), each bad one named
    /// `circumstances[i]`; more than there are is refused without reading them.
    pub fn parse_circumstances(
        codes: &[String],
    ) -> Result<std::collections::BTreeSet<Audience>, crate::ValidationErrors> {
        let mut e = crate::ValidationErrors::new();
        if codes.len() > Audience::CIRCUMSTANCES.len() {
            e.add("circumstances", "Each circumstance may be given once: there are 4");
            return Err(e);
        }
        let mut out = std::collections::BTreeSet::new();
        for (i, code) in codes.iter().enumerate() {
            match Audience::parse(code) {
                Ok(a) if Audience::CIRCUMSTANCES.contains(&a) => {
                    out.insert(a);
                }
                _ => e.add(
                    &format!("circumstances[{i}]"),
                    "Each must be one of new_parents, carers, bereaved or veterans",
                ),
            }
        }
        if e.is_empty() { Ok(out) } else { Err(e) }
    }
}

/// The taxonomies services are classified by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Taxonomy {
    Needs,
    Activities,
    Audiences,
}

/// Deterministic ids, so a taxonomy term keeps its ORUK id across servers and restarts.
const TAXONOMY_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6c69_6e6b_7765_6c6c_8000_0000_0000_0001);

impl Taxonomy {
    pub const ALL: [Taxonomy; 3] = [Taxonomy::Needs, Taxonomy::Activities, Taxonomy::Audiences];

    pub fn code(self) -> &'static str {
        match self {
            Taxonomy::Needs => "needs",
            Taxonomy::Activities => "activities",
            Taxonomy::Audiences => "audiences",
        }
    }

    pub fn parse(s: &str) -> Option<Taxonomy> {
        Taxonomy::ALL.into_iter().find(|t| t.code() == s.trim())
    }

    pub fn name(self) -> &'static str {
        match self {
            Taxonomy::Needs => "Linkwell needs",
            Taxonomy::Activities => "Linkwell activity types",
            Taxonomy::Audiences => "Linkwell who it is only for",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Taxonomy::Needs => "The needs a social prescribing referral names and a service meets",
            Taxonomy::Activities => "What kind of activity, group or service it is",
            Taxonomy::Audiences => "Who a service is only for; a service with none of these is open to anyone",
        }
    }

    pub fn uuid(self) -> uuid::Uuid {
        uuid::Uuid::new_v5(&TAXONOMY_NAMESPACE, self.code().as_bytes())
    }

    pub fn terms(self) -> Vec<Term> {
        match self {
            Taxonomy::Needs => Need::ALL.iter().map(|n| Term::Need(*n)).collect(),
            Taxonomy::Activities => ActivityType::ALL.iter().map(|a| Term::Activity(*a)).collect(),
            Taxonomy::Audiences => Audience::ALL.iter().map(|a| Term::Audience(*a)).collect(),
        }
    }
}

/// A taxonomy term a service is classified by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Term {
    Need(Need),
    Activity(ActivityType),
    Audience(Audience),
}

impl Term {
    pub fn taxonomy(self) -> Taxonomy {
        match self {
            Term::Need(_) => Taxonomy::Needs,
            Term::Activity(_) => Taxonomy::Activities,
            Term::Audience(_) => Taxonomy::Audiences,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Term::Need(n) => n.code(),
            Term::Activity(a) => a.code(),
            Term::Audience(a) => a.code(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Term::Need(n) => n.label(),
            Term::Activity(a) => a.label(),
            Term::Audience(a) => a.label(),
        }
    }

    /// `needs:loneliness`: unique across both taxonomies, as stored and indexed.
    pub fn key(self) -> String {
        format!("{}:{}", self.taxonomy().code(), self.code())
    }

    pub fn parse_key(key: &str) -> Option<Term> {
        let (t, code) = key.split_once(':')?;
        Term::parse(Taxonomy::parse(t)?, code)
    }

    pub fn parse(taxonomy: Taxonomy, code: &str) -> Option<Term> {
        match taxonomy {
            Taxonomy::Needs => Need::parse(code).ok().map(Term::Need),
            Taxonomy::Activities => ActivityType::parse(code).ok().map(Term::Activity),
            Taxonomy::Audiences => Audience::parse(code).ok().map(Term::Audience),
        }
    }

    pub fn uuid(self) -> uuid::Uuid {
        uuid::Uuid::new_v5(&TAXONOMY_NAMESPACE, self.key().as_bytes())
    }

    /// The term with this ORUK id, if it is one of ours.
    pub fn from_uuid(id: uuid::Uuid) -> Option<Term> {
        Taxonomy::ALL.into_iter().flat_map(Taxonomy::terms).find(|t| t.uuid() == id)
    }
}

/// Whether a service is running. Only active services are offered to people.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ServiceStatus {
    Active,
    /// Not running for now; many groups paused in the pandemic and some restart.
    Paused {
        restart: Option<Date>,
    },
    Closed {
        reason: String,
    },
}

impl ServiceStatus {
    pub fn code(&self) -> &'static str {
        match self {
            ServiceStatus::Active => "active",
            ServiceStatus::Paused { .. } => "paused",
            ServiceStatus::Closed { .. } => "closed",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            ServiceStatus::Active => "Running",
            ServiceStatus::Paused { .. } => "Paused",
            ServiceStatus::Closed { .. } => "Closed",
        }
    }

    /// ORUK 3.0's `status`: paused maps to "temporarily closed", closed to "defunct".
    pub fn oruk(&self) -> &'static str {
        match self {
            ServiceStatus::Active => "active",
            ServiceStatus::Paused { .. } => "temporarily closed",
            ServiceStatus::Closed { .. } => "defunct",
        }
    }

    /// Our status for an imported ORUK status (both "defunct" and "inactive" are closed).
    pub fn from_oruk(s: &str) -> Option<ServiceStatus> {
        match s {
            "active" => Some(ServiceStatus::Active),
            "temporarily closed" => Some(ServiceStatus::Paused { restart: None }),
            "defunct" | "inactive" => Some(ServiceStatus::Closed { reason: format!("Listed as {s} by its publisher") }),
            _ => None,
        }
    }

    pub fn is_active(&self) -> bool {
        matches!(self, ServiceStatus::Active)
    }
}

/// How long a listing stays trusted without someone checking it is still running.
pub const STALE_AFTER_MONTHS: i8 = 6;

/// A listing never verified, or last verified six months or more ago, needs checking.
pub fn is_stale(last_verified: Option<Date>, today: Date) -> bool {
    match last_verified {
        None => true,
        Some(v) => v.checked_add(jiff::Span::new().months(STALE_AFTER_MONTHS)).is_ok_and(|due| due <= today),
    }
}

/// The date before which a verification is stale, for queries.
pub fn stale_before(today: Date) -> Date {
    today.checked_sub(jiff::Span::new().months(STALE_AFTER_MONTHS)).unwrap_or(today)
}

/// What a service costs the person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "cost", rename_all = "snake_case")]
pub enum Cost {
    Free,
    /// The amount in pence when there is one; the description says what for ("per
    /// session", "donation welcome").
    Paid {
        pence: Option<u32>,
        description: String,
    },
}

impl Cost {
    pub fn is_free(&self) -> bool {
        matches!(self, Cost::Free)
    }

    /// "Free", "£3.50 per session", "Donation welcome".
    pub fn summary(&self) -> String {
        match self {
            Cost::Free => "Free".into(),
            Cost::Paid { pence: Some(p), description } => {
                format!("£{}.{:02} {description}", p / 100, p % 100).trim_end().to_owned()
            }
            Cost::Paid { pence: None, description } if description.is_empty() => "There is a cost".into(),
            Cost::Paid { pence: None, description } => description.clone(),
        }
    }
}

/// How old a person is on `today`, in whole years.
pub fn age_on(date_of_birth: Date, today: Date) -> u8 {
    let mut years = today.year() - date_of_birth.year();
    if (today.month(), today.day()) < (date_of_birth.month(), date_of_birth.day()) {
        years -= 1;
    }
    u8::try_from(years.max(0)).unwrap_or(u8::MAX)
}

/// Whether someone of `age` is within a service's age range.
pub fn age_eligible(age: u8, minimum: Option<u8>, maximum: Option<u8>) -> bool {
    minimum.is_none_or(|m| age >= m) && maximum.is_none_or(|m| age <= m)
}

/// The most characters and words a directory search may have. Each word costs a term
/// query and a fuzzy automaton over the index: a 2,000-word search took 1.6 s over 151
/// listings, so the words are limited where they come in, and named in the error.
pub const MAX_SEARCH_CHARS: usize = 200;
pub const MAX_SEARCH_WORDS: usize = 10;

/// Words to search the directory for, trimmed; too long or too many is an error for the
/// search box.
pub fn search_words(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.chars().count() > MAX_SEARCH_CHARS {
        return Err(format!("Search words must be {MAX_SEARCH_CHARS} characters or fewer"));
    }
    if t.split_whitespace().count() > MAX_SEARCH_WORDS {
        return Err(format!("Enter no more than {MAX_SEARCH_WORDS} words to search for"));
    }
    if t.chars().any(char::is_control) {
        return Err("Search words must not contain control characters".into());
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn terms_have_stable_unique_keys_and_ids() {
        let all: Vec<Term> = Taxonomy::ALL.into_iter().flat_map(Taxonomy::terms).collect();
        let keys: std::collections::HashSet<_> = all.iter().map(|t| t.key()).collect();
        let ids: std::collections::HashSet<_> = all.iter().map(|t| t.uuid()).collect();
        assert_eq!(keys.len(), all.len());
        assert_eq!(ids.len(), all.len());
        for t in &all {
            assert_eq!(Term::parse_key(&t.key()), Some(*t));
            assert_eq!(Term::from_uuid(t.uuid()), Some(*t));
        }
        // Pinned: an id published in a feed must never change.
        assert_eq!(Term::Activity(ActivityType::Walking).key(), "activities:walking");
        assert_eq!(Term::Need(Need::Loneliness).uuid(), Term::Need(Need::Loneliness).uuid());
        assert_eq!(Term::Need(Need::Loneliness).uuid().get_version_num(), 5);
    }

    #[test]
    fn status_maps_to_oruk() {
        assert_eq!(ServiceStatus::Active.oruk(), "active");
        assert_eq!(ServiceStatus::Paused { restart: None }.oruk(), "temporarily closed");
        assert_eq!(ServiceStatus::Closed { reason: "Funding ended".into() }.oruk(), "defunct");
        for s in ["active", "temporarily closed", "defunct"] {
            assert_eq!(ServiceStatus::from_oruk(s).map(|x| x.oruk()), Some(s));
        }
        assert_eq!(ServiceStatus::from_oruk("inactive").map(|s| s.code()), Some("closed"));
        assert_eq!(ServiceStatus::from_oruk("open"), None);
    }

    #[test]
    fn six_months_without_verification_is_stale() {
        let today = date(2026, 11, 23);
        assert!(is_stale(None, today));
        assert!(is_stale(Some(date(2026, 5, 23)), today));
        assert!(!is_stale(Some(date(2026, 5, 24)), today));
        assert_eq!(stale_before(today), date(2026, 5, 23));
    }

    #[test]
    fn ages_and_costs() {
        assert_eq!(age_on(date(1950, 11, 24), date(2026, 11, 23)), 75);
        assert_eq!(age_on(date(1950, 11, 23), date(2026, 11, 23)), 76);
        assert!(age_eligible(75, Some(50), None));
        assert!(!age_eligible(17, Some(18), Some(65)));
        assert_eq!(Cost::Paid { pence: Some(350), description: "per session".into() }.summary(), "£3.50 per session");
        assert_eq!(Cost::Free.summary(), "Free");
    }
}
