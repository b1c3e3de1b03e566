//! A listing as entered — by a link worker on a form, through the API, or from an import —
//! and its validated form. Every error names its field, including schedule rows
//! (`schedules[0].day`).

use jiff::civil::{Date, Time, Weekday};
use serde::Deserialize;

use super::schedule::{ByDay, Freq, Recurrence, Schedule, ScheduleError, parse_day};
use super::{ActivityType, Cost, LatLon, ProviderKind, Term};
use crate::identity::EmailAddress;
use crate::people::Postcode;
use crate::people::person::{optional, phone};
use crate::referrals::Need;
use crate::time::{DateEntry, optional_civil_date, wall_time};
use crate::validation::{ValidationErrors, optional_text, required_text};
use crate::{LocationId, ProviderId, ValidationErrors as Errors};

/// A date as a spreadsheet or a feed writes it: `2026-12-01`, `1/12/2026` or `1 12 2026`
/// (`DateEntry::Sheet`, with its message).
pub fn flexible_date(input: &str) -> Result<Date, String> {
    crate::time::civil_date(&DateEntry::Sheet(input.to_owned()))
}

/// An amount of money typed as `3.50`, `£3.50` or `3`, in pence.
pub fn parse_pounds(input: &str) -> Result<u32, &'static str> {
    const MESSAGE: &str = "Enter the cost in pounds, like 3.50";
    let t = input.trim().trim_start_matches('£').trim();
    let (pounds, pence) = t.split_once('.').unwrap_or((t, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(pounds) || !digits(pence) || pence.len() > 2 || pounds.len() > 6 {
        return Err(MESSAGE);
    }
    let pence = if pence.len() == 1 { pence.parse::<u32>().map(|p| p * 10) } else { pence.parse::<u32>() };
    Ok(pounds.parse::<u32>().map_err(|_| MESSAGE)? * 100 + pence.map_err(|_| MESSAGE)?)
}

fn web_address(s: &str) -> Result<String, &'static str> {
    const MESSAGE: &str = "Enter a web address starting with https://, like https://example.org";
    let t = s.trim();
    let ok = (t.starts_with("https://") || t.starts_with("http://"))
        && t.len() <= 500
        && !t.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
        && t.split("://").nth(1).is_some_and(|rest| rest.split('/').next().is_some_and(|host| host.contains('.')));
    if ok { Ok(t.to_owned()) } else { Err(MESSAGE) }
}

fn optional_age(label: &str, s: &str) -> Result<Option<u8>, String> {
    optional(s, |s| {
        s.trim().parse::<u8>().ok().filter(|a| *a <= 120).ok_or(format!("{label} must be a whole number from 0 to 120"))
    })
}

/// A schedule row as entered. A form fills `repeat`, `day` and `week`; an import or the
/// API may give an RRULE in `rule` instead.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScheduleFields {
    pub rule: String,
    /// `weekly`, `fortnightly` or `monthly`.
    pub repeat: String,
    /// `MO`..`SU` or the day's name.
    pub day: String,
    /// For monthly: 1 to 4, or -1 for the last.
    pub week: String,
    /// The first date; today if empty.
    pub starts: DateEntry,
    pub opens: String,
    pub closes: String,
    pub description: String,
}

impl ScheduleFields {
    fn is_blank(&self) -> bool {
        [&self.rule, &self.repeat, &self.day, &self.week, &self.opens, &self.closes, &self.description]
            .iter()
            .all(|s| s.trim().is_empty())
            && self.starts.is_empty()
    }

    /// Fields for a stored schedule, so an edit form shows what is there.
    pub fn from_schedule(s: &Schedule) -> ScheduleFields {
        let r = &s.recurrence;
        let simple_day = match r.by_day.as_slice() {
            [b] if r.by_month_day.is_empty() && r.until.is_none() && r.count.is_none() => Some(*b),
            _ => None,
        };
        let (repeat, day, week, rule) = match (r.freq, r.interval, simple_day) {
            (Freq::Weekly, 1, Some(b)) => ("weekly", super::day_code(b.day), String::new(), String::new()),
            (Freq::Weekly, 2, Some(b)) => ("fortnightly", super::day_code(b.day), String::new(), String::new()),
            (Freq::Monthly, 1, Some(ByDay { nth: Some(n), day })) => {
                ("monthly", super::day_code(day), n.to_string(), String::new())
            }
            _ => ("", "", String::new(), r.to_string()),
        };
        ScheduleFields {
            rule,
            repeat: repeat.into(),
            day: day.into(),
            week,
            starts: DateEntry::of(s.dtstart),
            opens: s.opens_at.strftime("%H:%M").to_string(),
            closes: s.closes_at.strftime("%H:%M").to_string(),
            description: s.description.clone(),
        }
    }

    fn parse(&self, i: usize, today: Date, e: &mut ValidationErrors) -> Option<Schedule> {
        let f = |name: &str| format!("schedules[{i}].{name}");
        let recurrence = if !self.rule.trim().is_empty() {
            e.check(&f("rule"), Recurrence::parse(&self.rule))
        } else {
            let day: Option<Weekday> = e.check(&f("day"), parse_day(&self.day).ok_or("Select the day it runs on"));
            let repeat = self.repeat.trim();
            match (repeat, day) {
                ("weekly" | "", Some(day)) => Some(Recurrence::weekly(day)),
                ("fortnightly", Some(day)) => Some(Recurrence { interval: 2, ..Recurrence::weekly(day) }),
                ("monthly", Some(day)) => {
                    let nth = e.check(
                        &f("week"),
                        self.week
                            .trim()
                            .parse::<i8>()
                            .ok()
                            .filter(|n| matches!(n, 1..=4 | -1))
                            .ok_or("Select which week of the month"),
                    );
                    nth.map(|n| Recurrence {
                        freq: Freq::Monthly,
                        by_day: vec![ByDay { nth: Some(n), day }],
                        ..Recurrence::weekly(day)
                    })
                }
                ("weekly" | "fortnightly" | "monthly", None) => None,
                _ => {
                    e.add(&f("repeat"), "Select how often it runs");
                    None
                }
            }
        };
        let starts = e.check(&f("starts"), optional_civil_date(&self.starts)).map(|d| d.unwrap_or(today));
        let opens: Option<Time> = e.check(&f("opens"), wall_time(&self.opens));
        let closes: Option<Time> = e.check(&f("closes"), wall_time(&self.closes));
        let description =
            e.check(&f("description"), optional_text("Description of when it runs", &self.description, 500));
        let (recurrence, starts, opens, closes, description) = (recurrence?, starts?, opens?, closes?, description?);
        match Schedule::new(recurrence, starts, opens, closes, None, None, description) {
            Ok(s) => Some(s),
            Err(ScheduleError::ClosesBeforeOpens) => {
                e.add(&f("closes"), "The finishing time must be after the starting time");
                None
            }
            Err(other) => {
                e.add(&f("rule"), other.to_string());
                None
            }
        }
    }
}

/// A listing's fields as entered, all text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceFields {
    pub provider_id: String,
    pub name: String,
    pub description: String,
    pub url: String,
    pub email: String,
    pub phone: String,
    pub contact_name: String,
    pub minimum_age: String,
    pub maximum_age: String,
    pub eligibility: String,
    /// `free` or `paid`.
    pub cost: String,
    pub cost_amount: String,
    pub cost_description: String,
    pub wheelchair: bool,
    pub accessibility: String,
    /// Comma-separated, as people type them: "English, Urdu".
    pub languages: String,
    pub needs: Vec<String>,
    pub activities: Vec<String>,
    /// Who it is only for (audience codes); none for anyone.
    pub audiences: Vec<String>,
    pub capacity: String,
    pub full: bool,
    pub location_name: String,
    pub address: String,
    pub town: String,
    pub postcode: String,
    pub schedules: Vec<ScheduleFields>,
}

/// Where a service meets. The point comes from the postcode (looked up by the caller in
/// the postcode directory) unless an import gives one.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationInput {
    /// An imported location keeps its publisher's id; one entered here gets a new id.
    pub id: Option<LocationId>,
    pub name: String,
    pub address: String,
    pub town: String,
    pub postcode: Option<Postcode>,
    pub point: Option<LatLon>,
}

/// A listing, valid by construction.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceInput {
    pub provider_id: ProviderId,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<String>,
    pub contact_name: String,
    pub minimum_age: Option<u8>,
    pub maximum_age: Option<u8>,
    /// Other criteria in words ("for carers", "women only").
    pub eligibility: String,
    pub cost: Cost,
    pub wheelchair: bool,
    pub accessibility: String,
    pub languages: Vec<String>,
    pub terms: Vec<Term>,
    pub capacity: Option<u32>,
    pub full: bool,
    /// Where it meets; a form gives at most one, an import may give several.
    pub locations: Vec<LocationInput>,
    pub schedules: Vec<Schedule>,
}

impl ServiceInput {
    /// Validate every field; `today` is when a schedule with no start date starts.
    pub fn parse(f: &ServiceFields, today: Date) -> Result<ServiceInput, Errors> {
        let mut e = ValidationErrors::new();
        let provider_id = e.check(
            "provider_id",
            f.provider_id.trim().parse::<ProviderId>().map_err(|_| "Select the organisation that runs it"),
        );
        let name = e.check("name", required_text("the name of the service", &f.name, 200));
        let description = e.check("description", required_text("a description of the service", &f.description, 5000));
        let url = e.check("url", optional(&f.url, web_address));
        let email = e.check("email", optional(&f.email, EmailAddress::parse));
        let phone = e.check("phone", optional(&f.phone, phone));
        let contact_name = e.check("contact_name", optional_text("Contact name", &f.contact_name, 200));
        let minimum_age = e.check("minimum_age", optional_age("Minimum age", &f.minimum_age));
        let maximum_age = e.check("maximum_age", optional_age("Maximum age", &f.maximum_age));
        if let (Some(Some(min)), Some(Some(max))) = (minimum_age, maximum_age)
            && max < min
        {
            e.add("maximum_age", "Maximum age must be the same as or more than the minimum age");
        }
        let eligibility = e.check("eligibility", optional_text("Who it is for", &f.eligibility, 1000));
        let cost_description =
            e.check("cost_description", optional_text("What the cost covers", &f.cost_description, 200));
        let cost = match f.cost.trim() {
            "free" => Some(Cost::Free),
            "paid" => {
                let pence = e.check("cost_amount", optional(&f.cost_amount, parse_pounds));
                match (pence, cost_description.clone()) {
                    (Some(pence), Some(description)) => Some(Cost::Paid { pence, description }),
                    _ => None,
                }
            }
            _ => {
                e.add("cost", "Select whether it is free");
                None
            }
        };
        let accessibility = e.check("accessibility", optional_text("Accessibility", &f.accessibility, 1000));
        let languages: Vec<String> =
            f.languages.split([',', ';', '\n']).map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
        if languages.len() > 20 || languages.iter().any(|l| l.chars().count() > 40 || l.chars().any(char::is_control)) {
            e.add("languages", "Enter up to 20 languages, separated by commas, like English, Urdu");
        }
        let before = e.errors.len();
        crate::validation::check_rows(&mut e, "needs", "needs", f.needs.len());
        crate::validation::check_rows(&mut e, "activities", "activity types", f.activities.len());
        crate::validation::check_rows(&mut e, "audiences", "who it is for", f.audiences.len());
        crate::validation::check_rows(&mut e, "schedules", "times it runs", f.schedules.len());
        if e.errors.len() > before {
            // Too many rows: say so, without an error for each of thousands of rows.
            return Err(e);
        }
        let mut terms = Vec::new();
        for n in f.needs.iter().filter(|n| !n.trim().is_empty()) {
            if let Some(n) = e.check("needs", Need::parse(n)) {
                terms.push(Term::Need(n));
            }
        }
        for a in f.activities.iter().filter(|a| !a.trim().is_empty()) {
            if let Some(a) = e.check("activities", ActivityType::parse(a)) {
                terms.push(Term::Activity(a));
            }
        }
        let mut for_sexes = 0;
        for a in f.audiences.iter().filter(|a| !a.trim().is_empty()) {
            if let Some(a) = e.check("audiences", super::Audience::parse(a)) {
                for_sexes += usize::from(matches!(a, super::Audience::Women | super::Audience::Men));
                terms.push(Term::Audience(a));
            }
        }
        if for_sexes > 1 {
            e.add("audiences", "Select women or men, not both: a listing for anyone selects neither");
        }
        terms.sort();
        terms.dedup();
        if !terms.iter().any(|t| !matches!(t, Term::Audience(_))) {
            e.add("needs", "Select at least one need it helps with, or an activity type");
        }
        let capacity = e.check(
            "capacity",
            optional(&f.capacity, |s| {
                s.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|c| (1..=100_000).contains(c))
                    .ok_or("Capacity must be a whole number of places, like 20")
            }),
        );
        let location_name = e.check("location_name", optional_text("Name of the place", &f.location_name, 200));
        let address = e.check("address", optional_text("Address", &f.address, 500));
        let town = e.check("town", optional_text("Town or city", &f.town, 100));
        let postcode = e.check("postcode", optional(&f.postcode, Postcode::parse));
        let has_place = [&f.location_name, &f.address, &f.town].iter().any(|s| !s.trim().is_empty());
        if has_place && matches!(postcode, Some(None)) {
            e.add("postcode", "Enter the postcode of where it meets, so people can see how far it is");
        }
        let mut schedules = Vec::new();
        for (i, s) in f.schedules.iter().enumerate().take(crate::validation::MAX_ROWS) {
            if !s.is_blank()
                && let Some(s) = s.parse(i, today, &mut e)
            {
                schedules.push(s);
            }
        }
        let ok = (|| {
            let postcode = postcode?;
            let location = (has_place || postcode.is_some()).then(|| LocationInput {
                id: None,
                name: location_name.clone().unwrap_or_default(),
                address: address.clone().unwrap_or_default(),
                town: town.clone().unwrap_or_default(),
                postcode,
                point: None,
            });
            Some(ServiceInput {
                provider_id: provider_id?,
                name: name?,
                description: description?,
                url: url?,
                email: email?,
                phone: phone?,
                contact_name: contact_name?,
                minimum_age: minimum_age?,
                maximum_age: maximum_age?,
                eligibility: eligibility?,
                cost: cost?,
                wheelchair: f.wheelchair,
                accessibility: accessibility?,
                languages,
                terms,
                capacity: capacity?,
                full: f.full,
                locations: location.into_iter().collect(),
                schedules,
            })
        })();
        match ok {
            Some(s) if e.is_empty() => Ok(s),
            _ => Err(e),
        }
    }
}

/// An organisation that runs services, as entered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProviderFields {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub website: String,
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderInput {
    pub name: String,
    pub kind: ProviderKind,
    pub description: String,
    pub website: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<String>,
}

impl ProviderInput {
    pub fn parse(f: &ProviderFields) -> Result<ProviderInput, Errors> {
        let mut e = ValidationErrors::new();
        let name = e.check("name", required_text("the organisation's name", &f.name, 200));
        let kind = e.check("kind", ProviderKind::parse(&f.kind));
        let description = e.check("description", required_text("what the organisation does", &f.description, 5000));
        let website = e.check("website", optional(&f.website, web_address));
        let email = e.check("email", optional(&f.email, EmailAddress::parse));
        let phone = e.check("phone", optional(&f.phone, phone));
        match (name, kind, description, website, email, phone) {
            (Some(name), Some(kind), Some(description), Some(website), Some(email), Some(phone)) if e.is_empty() => {
                Ok(ProviderInput { name, kind, description, website, email, phone })
            }
            _ => Err(e),
        }
    }
}

/// Pausing a service: when it is expected back, and why.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PauseFields {
    /// When it is expected back, if known.
    pub restart: DateEntry,
    pub note: String,
}

impl PauseFields {
    pub fn parse(&self, today: Date) -> Result<(Option<Date>, String), Errors> {
        let mut e = ValidationErrors::new();
        let restart = e.check("restart", optional_civil_date(&self.restart));
        if let Some(Some(r)) = restart
            && r <= today
        {
            e.add("restart", "The restart date must be in the future");
        }
        let note = e.check("note", optional_text("Note", &self.note, 1000));
        match (restart, note) {
            (Some(r), Some(n)) if e.is_empty() => Ok((r, n)),
            _ => Err(e),
        }
    }
}

/// The note kept with a check ("Rang the organiser"): optional, at most 1,000 characters.
pub fn check_note(input: &str) -> Result<String, String> {
    optional_text("Note", input, 1000)
}

/// Why a listing does not run on a date ("Bank holiday"), shown to people: optional, at
/// most 500 characters.
pub fn date_off_note(input: &str) -> Result<String, String> {
    optional_text("Note", input, 500)
}

/// Closing a service, with the reason (it may reopen later).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ClosureFields {
    pub reason: String,
}

impl ClosureFields {
    pub fn parse(&self) -> Result<String, Errors> {
        required_text("why it has closed", &self.reason, 1000).map_err(|m| Errors::single("reason", m))
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn walk_and_talk() -> ServiceFields {
        ServiceFields {
            provider_id: ProviderId::new().to_string(),
            name: "Walk and Talk".into(),
            description: "A gentle walk round the park with a cuppa after.".into(),
            cost: "free".into(),
            needs: vec!["loneliness".into(), "physical_activity".into()],
            activities: vec!["walking".into()],
            location_name: "Roundhay Park".into(),
            postcode: "ls8 2hh".into(),
            schedules: vec![
                ScheduleFields {
                    repeat: "weekly".into(),
                    day: "TU".into(),
                    opens: "10:00".into(),
                    closes: "11:30".into(),
                    ..Default::default()
                },
                ScheduleFields::default(),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_whole_listing_parses() {
        let s = ServiceInput::parse(&walk_and_talk(), date(2026, 11, 23)).unwrap();
        assert_eq!(s.schedules.len(), 1, "a blank schedule row is ignored");
        assert_eq!(s.schedules[0].recurrence.to_string(), "FREQ=WEEKLY;BYDAY=TU");
        assert_eq!(s.locations.first().and_then(|l| l.postcode.as_ref()).map(|p| p.as_str()), Some("LS8 2HH"));
        assert_eq!(s.terms.len(), 3);
        assert!(s.cost.is_free());
        let back = ScheduleFields::from_schedule(&s.schedules[0]);
        assert_eq!((back.repeat.as_str(), back.day.as_str(), back.opens.as_str()), ("weekly", "TU", "10:00"));
    }

    #[test]
    fn every_error_names_its_field() {
        let mut f = walk_and_talk();
        f.name = " ".into();
        f.provider_id = "nope".into();
        f.url = "example.org".into();
        f.minimum_age = "50".into();
        f.maximum_age = "18".into();
        f.cost = "paid".into();
        f.cost_amount = "three pounds".into();
        f.needs = vec!["flying".into()];
        f.activities = vec![];
        f.postcode = String::new();
        f.schedules = vec![
            ScheduleFields {
                repeat: "monthly".into(),
                day: "MO".into(),
                week: "9".into(),
                opens: "10:00".into(),
                closes: "09:00".into(),
                ..Default::default()
            },
            ScheduleFields {
                rule: "FREQ=DAILY".into(),
                opens: "10:00".into(),
                closes: "11:00".into(),
                ..Default::default()
            },
        ];
        let e = ServiceInput::parse(&f, date(2026, 11, 23)).unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "provider_id",
            "name",
            "url",
            "maximum_age",
            "cost_amount",
            "needs",
            "postcode",
            "schedules[0].week",
            "schedules[1].rule",
        ] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }
        f.schedules = vec![ScheduleFields {
            repeat: "weekly".into(),
            day: "MO".into(),
            opens: "10:00".into(),
            closes: "09:00".into(),
            ..Default::default()
        }];
        let e = ServiceInput::parse(&f, date(2026, 11, 23)).unwrap_err();
        assert_eq!(e.for_field("schedules[0].closes"), Some("The finishing time must be after the starting time"));
    }

    #[test]
    fn money_dates_and_pauses() {
        assert_eq!(parse_pounds("£3.50"), Ok(350));
        assert_eq!(parse_pounds("3.5"), Ok(350));
        assert_eq!(parse_pounds("12"), Ok(1200));
        assert!(parse_pounds("3.505").is_err());
        assert_eq!(flexible_date("1/12/2026"), Ok(date(2026, 12, 1)));
        assert_eq!(flexible_date("2026-12-01"), Ok(date(2026, 12, 1)));
        assert!(flexible_date("31/2/2026").is_err());
        let today = date(2026, 11, 23);
        assert_eq!(
            PauseFields { restart: DateEntry::boxes("1", "3", "2027"), note: "Winter break".into() }.parse(today),
            Ok((Some(date(2027, 3, 1)), "Winter break".into()))
        );
        let e =
            PauseFields { restart: DateEntry::boxes("1", "3", "2020"), note: String::new() }.parse(today).unwrap_err();
        assert_eq!(e.for_field("restart"), Some("The restart date must be in the future"));
        assert_eq!(
            ClosureFields { reason: " ".into() }.parse().unwrap_err().for_field("reason"),
            Some("Enter why it has closed")
        );
    }

    #[test]
    fn providers() {
        let f = ProviderFields {
            name: "Leeds Ramblers".into(),
            kind: "voluntary".into(),
            description: "Walks".into(),
            website: "https://ramblers.example.org".into(),
            ..Default::default()
        };
        assert_eq!(ProviderInput::parse(&f).map(|p| p.kind), Ok(ProviderKind::Voluntary));
        let e = ProviderInput::parse(&ProviderFields::default()).unwrap_err();
        assert_eq!(e.errors.len(), 3);
    }
}
