//! Directory listings as search results and detail rows, for the staff directory and the
//! public one.

use linkwell_domain::ValidationErrors;
use linkwell_domain::directory::{ActivityType, DayPart, Term, display_miles, is_stale, parse_day};
use linkwell_domain::referrals::Need;
use linkwell_search::SearchQuery;
use linkwell_store::directory::Service;
use minijinja::Value;
use serde::Deserialize;

use crate::error::PageError;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Words to search for.
    pub(crate) q: String,
    /// A term key such as `needs:loneliness`.
    pub(crate) term: String,
    pub(crate) provider: String,
    /// `MO`..`SU`.
    pub(crate) day: String,
    /// `morning`, `afternoon` or `evening`.
    pub(crate) time: String,
    pub(crate) free: String,
    pub(crate) wheelchair: String,
    pub(crate) age: String,
    pub(crate) postcode: String,
    pub(crate) miles: String,
    /// "all" to include paused, closed and full listings in a search.
    pub(crate) show: String,
    pub(crate) page: String,
}

impl ListQuery {
    /// The search as an address's query (what "back to the search" returns to).
    pub(crate) fn query_string(&self) -> String {
        [
            ("q", &self.q),
            ("term", &self.term),
            ("day", &self.day),
            ("time", &self.time),
            ("free", &self.free),
            ("wheelchair", &self.wheelchair),
            ("postcode", &self.postcode),
            ("miles", &self.miles),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", crate::access::urlencode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }

    pub(crate) fn is_search(&self) -> bool {
        [&self.q, &self.day, &self.time, &self.free, &self.wheelchair, &self.age, &self.postcode]
            .iter()
            .any(|s| !s.trim().is_empty())
    }
}

/// Listings shown on a page of results.
pub const LISTINGS_PER_PAGE: u64 = 50;

/// How far a search by postcode reaches unless told otherwise.
pub const DEFAULT_MILES: f64 = 5.0;

/// A search of the index from the page's fields, each problem under its field.
pub async fn search_query(state: &AppState, q: &ListQuery) -> Result<Result<SearchQuery, ValidationErrors>, PageError> {
    let mut e = ValidationErrors::new();
    let text = e.check("q", linkwell_domain::directory::search_words(&q.q)).unwrap_or_default();
    let day = match q.day.trim() {
        "" => None,
        d => e.check("day", parse_day(d).ok_or("Select a day from the list")),
    };
    let part = match q.time.trim() {
        "" => None,
        t => e.check("time", DayPart::parse(t).ok_or("Select a time of day from the list")),
    };
    let age = match q.age.trim() {
        "" => None,
        a => e.check("age", a.parse::<u8>().ok().filter(|a| *a <= 120).ok_or("Enter an age in years, like 67")),
    };
    let miles = match q.miles.trim() {
        "" => None,
        m => e.check(
            "miles",
            m.parse::<f64>()
                .ok()
                .filter(|m| *m > 0.0 && *m <= 100.0)
                .ok_or("Enter a distance in miles from 0.5 to 100"),
        ),
    };
    let near = match q.postcode.trim() {
        "" => {
            if miles.is_some() {
                e.add("postcode", "Enter a postcode to measure the distance from");
            }
            None
        }
        p => e.check("postcode", state.db.locate_typed(p).await?),
    };
    if !e.is_empty() {
        return Ok(Err(e));
    }
    Ok(Ok(SearchQuery {
        text,
        terms: Term::parse_key(&q.term).into_iter().collect(),
        days: day.into_iter().collect(),
        parts: part.into_iter().collect(),
        free_only: !q.free.is_empty(),
        wheelchair: !q.wheelchair.is_empty(),
        age,
        near,
        within_miles: near.map(|_| miles.unwrap_or(DEFAULT_MILES)),
        offered_only: q.show != "all",
        limit: LISTINGS_PER_PAGE as usize,
        ..Default::default()
    }))
}

/// A listing in a list of results: what someone choosing needs at a glance.
pub fn result_row(s: &Service, today: jiff::civil::Date, miles: Option<f64>) -> Value {
    minijinja::context! {
        id => s.id.to_string(), name => s.name.clone(), provider => s.provider_name.clone(),
        status => s.status.label(), active => s.status.is_active(), full => s.full, stale => is_stale(s.last_verified, today),
        when => s.schedules.first().map(|x| x.schedule.summary()),
        next => s.next_date(today).map(linkwell_domain::time::display_london_date),
        cost => s.cost.summary(),
        miles => miles.map(display_miles),
    }
}

/// The needs and activities taxonomies as one select, grouped by a prefix in the label.
pub fn term_items(chosen: Option<Term>) -> Vec<Value> {
    let mut out =
        vec![minijinja::context! { value => "", text => "Any need or activity", selected => chosen.is_none() }];
    for t in Need::ALL.iter().map(|n| Term::Need(*n)).chain(ActivityType::ALL.iter().map(|a| Term::Activity(*a))) {
        let prefix = match t {
            Term::Need(_) => "Need",
            Term::Activity(_) | Term::Audience(_) => "Activity",
        };
        out.push(minijinja::context! { value => t.key(), text => format!("{prefix}: {}", t.label()), selected => Some(t) == chosen });
    }
    out
}

/// The summary list of a listing, shared by the staff and public pages.
pub fn detail_rows(s: &Service) -> Vec<Value> {
    let row = |k: &str, v: String| minijinja::context! { key => minijinja::context! { text => k }, value => minijinja::context! { text => v } };
    let none = |v: String, or: &str| if v.trim().is_empty() { or.to_owned() } else { v };
    let ages = match (s.minimum_age, s.maximum_age) {
        (Some(a), Some(b)) => format!("Ages {a} to {b}"),
        (Some(a), None) => format!("Ages {a} and over"),
        (None, Some(b)) => format!("Up to age {b}"),
        (None, None) => "All ages".into(),
    };
    let only_for: Vec<String> =
        s.terms.iter().filter(|t| matches!(t, Term::Audience(_))).map(|t| t.label().to_lowercase()).collect();
    let only_for = if only_for.is_empty() { String::new() } else { format!("Only for {}", only_for.join(" and ")) };
    let who =
        [ages, only_for, s.eligibility.clone()].into_iter().filter(|x| !x.is_empty()).collect::<Vec<_>>().join(". ");
    let needs = s.terms.iter().filter(|t| matches!(t, Term::Need(_))).map(|t| t.label()).collect::<Vec<_>>().join(", ");
    let activities =
        s.terms.iter().filter(|t| matches!(t, Term::Activity(_))).map(|t| t.label()).collect::<Vec<_>>().join(", ");
    let access =
        [if s.wheelchair { "Wheelchair accessible".to_owned() } else { String::new() }, s.accessibility.clone()]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(". ");
    let capacity = match (s.capacity, s.full) {
        (_, true) => "Full at the moment".to_owned(),
        (Some(c), false) => format!("{c} places"),
        (None, false) => "No limit given".to_owned(),
    };
    // Tap to call, tap to email: each part escaped, the links made only from what they are.
    let esc = |t: &str| minijinja::HtmlEscape(t).to_string();
    let contact = [
        Some(s.contact_name.clone()).filter(|n| !n.trim().is_empty()).map(|n| esc(&n)),
        s.phone.as_deref().filter(|p| !p.trim().is_empty()).map(|p| {
            let dial: String = p.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
            format!("<a href=\"tel:{dial}\">{}</a>", esc(p))
        }),
        s.email.as_deref().filter(|e| !e.trim().is_empty()).map(|e| format!("<a href=\"mailto:{0}\">{0}</a>", esc(e))),
        s.url
            .as_deref()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(|u| format!("<a href=\"{0}\">{0}</a>", esc(u))),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    vec![
        row("Run by", s.provider_name.clone()),
        row(
            "Where",
            none(
                s.locations.iter().map(|l| l.label()).collect::<Vec<_>>().join("; "),
                "No fixed place (online or by phone)",
            ),
        ),
        row("Who it is for", who),
        row("Cost", s.cost.summary()),
        row("Helps with", none(needs, "Not given")),
        row("Activity", none(activities, "Not given")),
        row("Accessibility", none(access, "Not recorded")),
        row("Languages", none(s.languages.join(", "), "Not recorded")),
        row("Places", capacity),
        minijinja::context! {
            key => minijinja::context! { text => "Contact" },
            value => minijinja::context! { html => none(contact, "Not given") },
        },
    ]
}
