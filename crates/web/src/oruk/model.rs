//! The Open Referral UK 3.0 shapes Linkwell publishes, built from stored listings.
//!
//! Optional fields without a value are left out, never `null` (ORUK's rule), which the
//! `skip_serializing_if` on every optional field does. Entities Linkwell does not store
//! with ids of their own (a cost option, a contact, an attribute) get UUIDv5 ids derived
//! from their listing's id, so they are the same in every response.

use linkwell_domain::directory::{Cost, Freq, ServiceStatus, Taxonomy, Term};
use linkwell_store::directory::{Location, Provider, Service, StoredSchedule};
use serde::Serialize;
use uuid::Uuid;

pub const VERSION: &str = "HSDS-UK-3.0";
pub const PROFILE: &str = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md";
pub const OPENAPI_URL: &str = "https://openreferraluk.org/specifications/3.0/openapi.json";

#[derive(Debug, Serialize)]
pub struct ApiDetails {
    pub version: &'static str,
    pub profile: &'static str,
    pub openapi_url: &'static str,
}

/// A numbered page of results, as every ORUK list is.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub total_items: u64,
    pub total_pages: u64,
    pub page_number: u64,
    pub size: u64,
    pub first_page: bool,
    pub last_page: bool,
    pub empty: bool,
    pub contents: Vec<T>,
}

impl<T> Page<T> {
    pub fn new(contents: Vec<T>, total_items: u64, page_number: u64, per_page: u64) -> Page<T> {
        let total_pages = total_items.div_ceil(per_page.max(1)).max(1);
        Page {
            total_items,
            total_pages,
            page_number,
            size: contents.len() as u64,
            first_page: page_number == 1,
            last_page: page_number >= total_pages,
            empty: contents.is_empty(),
            contents,
        }
    }
}

fn some(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_owned())
}

/// A stable id for something of a listing that has none of its own.
fn derived(parent: Uuid, what: &str) -> Uuid {
    Uuid::new_v5(&parent, what.as_bytes())
}

#[derive(Debug, Serialize)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

impl Organization {
    pub fn of(p: &Provider) -> Organization {
        Organization {
            id: p.id.0,
            name: p.name.clone(),
            description: p.description.clone(),
            email: p.email.clone(),
            website: p.website.clone(),
        }
    }

    fn of_service(s: &Service, provider: Option<&Provider>) -> Organization {
        match provider {
            Some(p) => Organization::of(p),
            None => Organization {
                id: s.provider_id.0,
                name: s.provider_name.clone(),
                description: s.provider_name.clone(),
                email: None,
                website: None,
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TaxonomyOut {
    pub id: Uuid,
    pub name: &'static str,
    pub description: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub taxonomy_terms: Vec<TaxonomyTerm>,
}

impl TaxonomyOut {
    pub fn of(t: Taxonomy, with_terms: bool) -> TaxonomyOut {
        TaxonomyOut {
            id: t.uuid(),
            name: t.name(),
            description: t.description(),
            taxonomy_terms: if with_terms { t.terms().into_iter().map(TaxonomyTerm::of).collect() } else { vec![] },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TaxonomyTerm {
    pub id: Uuid,
    pub name: &'static str,
    pub description: &'static str,
    pub taxonomy: &'static str,
    pub taxonomy_id: Uuid,
    pub term: &'static str,
}

impl TaxonomyTerm {
    pub fn of(t: Term) -> TaxonomyTerm {
        TaxonomyTerm {
            id: t.uuid(),
            name: t.label(),
            description: t.label(),
            taxonomy: t.taxonomy().name(),
            taxonomy_id: t.taxonomy().uuid(),
            term: t.code(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Attribute {
    pub id: Uuid,
    pub link_id: Uuid,
    pub link_type: &'static str,
    pub taxonomy_term_id: Uuid,
    pub taxonomy_term: TaxonomyTerm,
}

#[derive(Debug, Serialize)]
pub struct Schedule {
    pub id: Uuid,
    pub service_id: Uuid,
    pub freq: &'static str,
    pub interval: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byday: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bymonthday: Option<String>,
    pub dtstart: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
    pub opens_at: String,
    pub closes_at: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// HSDS 3.0's time zone, which the UK profile leaves implicit: our times are London's.
    pub timezone: &'static str,
}

impl Schedule {
    fn of(service: Uuid, s: &StoredSchedule) -> Schedule {
        let r = &s.schedule.recurrence;
        // ORUK has no UNTIL: it is the end of the schedule's validity.
        let valid_to = match (s.schedule.valid_to, r.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Schedule {
            id: s.id,
            service_id: service,
            freq: match r.freq {
                Freq::Weekly => "WEEKLY",
                Freq::Monthly => "MONTHLY",
            },
            interval: r.interval,
            byday: some(&r.by_day_text()),
            bymonthday: some(&r.by_month_day_text()),
            dtstart: s.schedule.dtstart.to_string(),
            valid_from: s.schedule.valid_from.map(|d| d.to_string()),
            valid_to: valid_to.map(|d| d.to_string()),
            opens_at: s.schedule.opens_at.strftime("%H:%M:%S").to_string(),
            closes_at: s.schedule.closes_at.strftime("%H:%M:%S").to_string(),
            description: if s.schedule.description.is_empty() {
                s.schedule.summary()
            } else {
                format!("{}. {}", s.schedule.summary(), s.schedule.description)
            },
            notes: r.count.map(|c| format!("Runs {c} times in all (RRULE {r})")),
            timezone: "Europe/London",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Address {
    pub id: Uuid,
    pub location_id: Uuid,
    pub address_1: String,
    pub city: String,
    pub state_province: String,
    pub postal_code: String,
    pub country: &'static str,
    pub address_type: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Accessibility {
    pub id: Uuid,
    pub location_id: Uuid,
    pub description: String,
}

#[derive(Debug, Serialize)]
pub struct LocationOut {
    pub id: Uuid,
    pub location_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accessibility: Vec<Accessibility>,
}

impl LocationOut {
    fn of(l: &Location, service: Option<&Service>) -> LocationOut {
        let id = l.id.0;
        let address = (!l.address.is_empty() || l.postcode.is_some()).then(|| Address {
            id: derived(id, "address"),
            location_id: id,
            address_1: if l.address.is_empty() { l.name.clone() } else { l.address.clone() },
            city: l.town.clone(),
            state_province: String::new(),
            postal_code: l.postcode.clone().unwrap_or_default(),
            country: "GB",
            address_type: "physical",
        });
        let access = service.and_then(|s| {
            let text = [
                if s.wheelchair { "Wheelchair accessible".to_owned() } else { String::new() },
                s.accessibility.clone(),
            ]
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(". ");
            some(&text).map(|description| Accessibility {
                id: derived(id, &format!("accessibility:{}", s.id)),
                location_id: id,
                description,
            })
        });
        LocationOut {
            id,
            location_type: "physical",
            name: some(&l.name),
            latitude: l.point.map(|p| p.lat()),
            longitude: l.point.map(|p| p.lon()),
            addresses: address.into_iter().collect(),
            accessibility: access.into_iter().collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ServiceAtLocation {
    pub id: Uuid,
    pub service_id: Uuid,
    pub location_id: Uuid,
    pub location: LocationOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<Box<ServiceOut>>,
}

impl ServiceAtLocation {
    pub fn of(
        service_id: Uuid,
        l: &Location,
        service: Option<&Service>,
        nested: Option<ServiceOut>,
    ) -> ServiceAtLocation {
        ServiceAtLocation {
            id: l.service_at_location_id,
            service_id,
            location_id: l.id.0,
            location: LocationOut::of(l, service),
            service: nested.map(Box::new),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CostOption {
    pub id: Uuid,
    pub service_id: Uuid,
    pub option: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_description: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Phone {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub number: String,
}

#[derive(Debug, Serialize)]
pub struct Contact {
    pub id: Uuid,
    pub service_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HSDS 3.0 puts phones on a contact; the UK profile's schema allows them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
}

#[derive(Debug, Serialize)]
pub struct Language {
    pub id: Uuid,
    pub service_id: Uuid,
    /// HSDS 3.0's name of the language, which the UK profile's schema allows.
    pub name: String,
}

/// A service: summary fields always; with `full`, everything nested.
#[derive(Debug, Serialize)]
pub struct ServiceOut {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fees: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_age: Option<u8>,
    /// When the team last checked it is running as listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assured_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    pub last_modified: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Schedule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub service_at_locations: Vec<ServiceAtLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<Language>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cost_options: Vec<CostOption>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
}

/// How much of a service to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// id, name, status and when it changed.
    Minimal,
    /// The summary fields, its organisation and taxonomy terms (list items).
    Summary,
    /// Everything, fully nested (`/services/{id}` and `full=true`).
    Full,
}

impl ServiceOut {
    pub fn of(s: &Service, provider: Option<&Provider>, detail: Detail) -> ServiceOut {
        let id = s.id.0;
        let last_modified = jiff::Timestamp::from_millisecond(s.updated_at).map(|t| t.to_string()).unwrap_or_default();
        let mut out = ServiceOut {
            id,
            organization_id: s.provider_id.0,
            name: s.name.clone(),
            description: s.description.clone(),
            url: None,
            email: None,
            status: s.status.oruk(),
            fees: None,
            minimum_age: None,
            maximum_age: None,
            assured_date: None,
            alert: None,
            last_modified,
            organization: None,
            schedules: vec![],
            service_at_locations: vec![],
            languages: vec![],
            cost_options: vec![],
            contacts: vec![],
            attributes: vec![],
        };
        if detail == Detail::Minimal {
            return out;
        }
        out.url = s.url.clone();
        out.email = s.email.clone();
        out.fees = Some(s.cost.summary());
        out.minimum_age = s.minimum_age;
        out.maximum_age = s.maximum_age;
        out.assured_date = s.last_verified.map(|d| d.to_string());
        out.alert = match &s.status {
            ServiceStatus::Active if s.full => Some("Full at the moment".into()),
            ServiceStatus::Active => None,
            ServiceStatus::Paused { restart: Some(d) } => {
                Some(format!("Paused; expected back {}", linkwell_domain::time::display_london_date(*d)))
            }
            ServiceStatus::Paused { restart: None } => Some("Paused".into()),
            ServiceStatus::Closed { reason } => Some(format!("Closed: {reason}")),
        };
        out.organization = Some(Organization::of_service(s, provider));
        out.attributes = s
            .terms
            .iter()
            .map(|t| Attribute {
                id: derived(id, &format!("attribute:{}", t.key())),
                link_id: id,
                link_type: "service",
                taxonomy_term_id: t.uuid(),
                taxonomy_term: TaxonomyTerm::of(*t),
            })
            .collect();
        if detail == Detail::Summary {
            return out;
        }
        out.schedules = s.schedules.iter().map(|x| Schedule::of(id, x)).collect();
        out.service_at_locations = s.locations.iter().map(|l| ServiceAtLocation::of(id, l, Some(s), None)).collect();
        out.languages = s
            .languages
            .iter()
            .map(|l| Language { id: derived(id, &format!("language:{l}")), service_id: id, name: l.clone() })
            .collect();
        out.cost_options = vec![match &s.cost {
            Cost::Free => CostOption {
                id: derived(id, "cost"),
                service_id: id,
                option: "Free".into(),
                amount: Some(0.0),
                amount_description: None,
            },
            Cost::Paid { pence, description } => CostOption {
                id: derived(id, "cost"),
                service_id: id,
                option: s.cost.summary(),
                amount: pence.map(|p| f64::from(p) / 100.0),
                amount_description: some(description),
            },
        }];
        if !s.contact_name.is_empty() || s.phone.is_some() {
            let contact = derived(id, "contact");
            out.contacts = vec![Contact {
                id: contact,
                service_id: id,
                name: some(&s.contact_name),
                phones: s
                    .phone
                    .iter()
                    .map(|n| Phone { id: derived(contact, "phone"), contact_id: contact, number: n.clone() })
                    .collect(),
            }];
        }
        out
    }
}
