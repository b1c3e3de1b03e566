//! The community directory for staff: listings (add, edit, pause, close, reopen, verify,
//! dates off), the organisations that run them, and the listings due a check.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_domain::ValidationErrors;
use linkwell_domain::authz::Action;
use linkwell_domain::directory::{
    ActivityType, ClosureFields, DayPart, PauseFields, ProviderFields, ProviderInput, ProviderKind, ScheduleFields,
    ServiceFields, ServiceInput, ServiceStatus, Term, day_code, day_name, display_miles, flexible_date, is_stale,
    parse_day, weekdays,
};
use linkwell_domain::referrals::Need;
use linkwell_domain::{ProviderId, ServiceId};
use linkwell_search::SearchQuery;
use linkwell_store::directory::{Service, ServiceFilter};
use linkwell_store::{OrgScope, StoreError};
use minijinja::Value;
use minijinja::value::Serde;
use serde::Deserialize;

use super::referrals::items;
use super::{FormPairs, Page, form_errors, form_status, form_version, path_id};
use crate::error::PageError;
use crate::state::AppState;

const PAGE_SIZE: u64 = 50;
/// How many listings the check list shows at once (the oldest checks first).
const CHECK_LIMIT: u64 = 200;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Words to search for.
    pub(super) q: String,
    /// A term key such as `needs:loneliness`.
    pub(super) term: String,
    pub(super) provider: String,
    /// `MO`..`SU`.
    pub(super) day: String,
    /// `morning`, `afternoon` or `evening`.
    pub(super) time: String,
    pub(super) free: String,
    pub(super) wheelchair: String,
    pub(super) age: String,
    pub(super) postcode: String,
    pub(super) miles: String,
    /// "all" to include paused, closed and full listings in a search.
    pub(super) show: String,
    pub(super) page: String,
}

impl ListQuery {
    pub(super) fn is_search(&self) -> bool {
        [&self.q, &self.day, &self.time, &self.free, &self.wheelchair, &self.age, &self.postcode]
            .iter()
            .any(|s| !s.trim().is_empty())
    }
}

/// How far a search by postcode reaches unless told otherwise.
const DEFAULT_MILES: f64 = 5.0;

/// A search of the index from the page's fields, each problem under its field.
pub(super) async fn search_query(
    state: &AppState,
    q: &ListQuery,
) -> Result<Result<SearchQuery, ValidationErrors>, PageError> {
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
        limit: PAGE_SIZE as usize,
        ..Default::default()
    }))
}

/// How far the directory page counts listings to check (the check page has the total).
const TO_CHECK_COUNTED: u64 = 1_000;

/// The directory: a search (words, need, day and time, cost, access, age, distance) or,
/// with no search, every listing by name.
pub async fn index(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let scope = p.scope();
    let term = Term::parse_key(&q.term);
    let provider = q.provider.parse::<ProviderId>().ok();
    let number = q.page.parse::<u64>().ok().filter(|n| *n >= 1).unwrap_or(1);
    let today = linkwell_app::today();
    let searched = q.is_search();
    let mut errors = None;
    let (rows, total, pages) = if searched {
        match search_query(&state, &q).await? {
            Ok(query) => {
                let hits = state.search(scope.organisation_id(), query).await.map_err(PageError::Internal)?;
                let services = state.db.services_by_ids(&scope, &hits.iter().map(|h| h.id).collect::<Vec<_>>()).await?;
                let rows: Vec<Value> = services
                    .iter()
                    .filter(|s| provider.is_none_or(|p| s.provider_id == p))
                    .map(|s| result_row(s, today, hits.iter().find(|h| h.id == s.id).and_then(|h| h.miles)))
                    .collect();
                let n = rows.len() as u64;
                (rows, n, 1)
            }
            Err(e) => {
                errors = Some(e);
                (vec![], 0, 1)
            }
        }
    } else {
        let filter = ServiceFilter { term, provider_id: provider, ..Default::default() };
        let (list, total) = state.db.services_page(&scope, &filter, (number - 1) * PAGE_SIZE, PAGE_SIZE).await?;
        let services = state.db.services_by_ids(&scope, &list.iter().map(|s| s.id).collect::<Vec<_>>()).await?;
        let rows = services.iter().map(|s| result_row(s, today, None)).collect();
        (rows, total, total.div_ceil(PAGE_SIZE).max(1))
    };
    let providers = state.db.providers(&scope).await?;
    let to_check = match state.db.count_services_to_check(&scope, today, TO_CHECK_COUNTED).await? {
        n if n >= TO_CHECK_COUNTED => "1,000 or more".to_owned(),
        n => n.to_string(),
    };
    let link = |n: u64| format!("/directory?term={}&provider={}&page={n}", q.term, q.provider);
    let status = form_status(errors.as_ref());
    let html = page.render(
        &state,
        "pages/directory/index.html",
        minijinja::context! {
            title => "Community directory",
            rows => rows,
            total => total,
            searched => searched,
            form => minijinja::context! {
                q => q.q.clone(), age => q.age.clone(), postcode => q.postcode.clone(), miles => q.miles.clone(),
                free => !q.free.is_empty(), wheelchair => !q.wheelchair.is_empty(), all => q.show == "all",
            },
            errors => errors.as_ref().map(form_errors),
            terms => term_items(term),
            days => items(std::iter::once(("", "Any day")).chain(weekdays().map(|d| (day_code(d), day_name(d)))), std::slice::from_ref(&q.day)),
            times => items(std::iter::once(("", "Any time")).chain(DayPart::ALL.iter().map(|p| (p.code(), p.label()))), std::slice::from_ref(&q.time)),
            providers => items(providers.iter().map(|p| (p.id.to_string(), p.name.clone())), std::slice::from_ref(&q.provider)),
            to_check => to_check,
            can_edit => p.can(Action::EditDirectory),
            previous => (!searched && number > 1).then(|| link(number - 1)),
            next => (!searched && number < pages).then(|| link(number + 1)),
            page_number => number,
            pages => pages,
        },
    )?;
    Ok((status, html).into_response())
}

/// A listing in a list of results: what someone choosing needs at a glance.
pub(super) fn result_row(s: &Service, today: jiff::civil::Date, miles: Option<f64>) -> Value {
    minijinja::context! {
        id => s.id.to_string(), name => s.name.clone(), provider => s.provider_name.clone(),
        status => s.status.label(), active => s.status.is_active(), full => s.full, stale => is_stale(s.last_verified, today),
        when => s.schedules.first().map(|x| x.schedule.summary()),
        next => s.next_date(today).map(linkwell_domain::time::display_london_date),
        cost => s.cost.summary(),
        miles => miles.map(display_miles),
    }
}

/// Both taxonomies as one select, grouped by a prefix in the label.
pub(super) fn term_items(chosen: Option<Term>) -> Vec<Value> {
    let mut out =
        vec![minijinja::context! { value => "", text => "Any need or activity", selected => chosen.is_none() }];
    for t in Need::ALL.iter().map(|n| Term::Need(*n)).chain(ActivityType::ALL.iter().map(|a| Term::Activity(*a))) {
        let prefix = match t {
            Term::Need(_) => "Need",
            Term::Activity(_) => "Activity",
        };
        out.push(minijinja::context! { value => t.key(), text => format!("{prefix}: {}", t.label()), selected => Some(t) == chosen });
    }
    out
}

/// The listing form's fields from the posted pairs (needs and activities repeat;
/// schedules are numbered rows).
pub(crate) fn service_fields(f: &FormPairs) -> ServiceFields {
    let rows = f.rows("schedules");
    let schedules = (0..rows)
        .map(|i| {
            let g = |n: &str| f.get(&format!("schedules[{i}].{n}")).to_owned();
            ScheduleFields {
                rule: g("rule"),
                repeat: g("repeat"),
                day: g("day"),
                week: g("week"),
                starts: g("starts"),
                opens: g("opens"),
                closes: g("closes"),
                description: g("description"),
            }
        })
        .collect();
    ServiceFields {
        provider_id: f.get("provider_id").into(),
        name: f.get("name").into(),
        description: f.get("description").into(),
        url: f.get("url").into(),
        email: f.get("email").into(),
        phone: f.get("phone").into(),
        contact_name: f.get("contact_name").into(),
        minimum_age: f.get("minimum_age").into(),
        maximum_age: f.get("maximum_age").into(),
        eligibility: f.get("eligibility").into(),
        cost: f.get("cost").into(),
        cost_amount: f.get("cost_amount").into(),
        cost_description: f.get("cost_description").into(),
        wheelchair: f.checked("wheelchair"),
        accessibility: f.get("accessibility").into(),
        languages: f.get("languages").into(),
        needs: f.all("needs"),
        activities: f.all("activities"),
        capacity: f.get("capacity").into(),
        full: f.checked("full"),
        location_name: f.get("location_name").into(),
        address: f.get("address").into(),
        town: f.get("town").into(),
        postcode: f.get("postcode").into(),
        schedules,
    }
}

/// A stored listing as the form's pairs, for the edit form.
fn form_of(s: &Service) -> FormPairs {
    let mut v: Vec<(String, String)> = vec![
        ("provider_id".into(), s.provider_id.to_string()),
        ("name".into(), s.name.clone()),
        ("description".into(), s.description.clone()),
        ("url".into(), s.url.clone().unwrap_or_default()),
        ("email".into(), s.email.clone().unwrap_or_default()),
        ("phone".into(), s.phone.clone().unwrap_or_default()),
        ("contact_name".into(), s.contact_name.clone()),
        ("minimum_age".into(), s.minimum_age.map(|a| a.to_string()).unwrap_or_default()),
        ("maximum_age".into(), s.maximum_age.map(|a| a.to_string()).unwrap_or_default()),
        ("eligibility".into(), s.eligibility.clone()),
        ("accessibility".into(), s.accessibility.clone()),
        ("languages".into(), s.languages.join(", ")),
        ("capacity".into(), s.capacity.map(|c| c.to_string()).unwrap_or_default()),
    ];
    match &s.cost {
        linkwell_domain::directory::Cost::Free => v.push(("cost".into(), "free".into())),
        linkwell_domain::directory::Cost::Paid { pence, description } => {
            v.push(("cost".into(), "paid".into()));
            v.push(("cost_amount".into(), pence.map(|p| format!("{}.{:02}", p / 100, p % 100)).unwrap_or_default()));
            v.push(("cost_description".into(), description.clone()));
        }
    }
    for (name, on) in [("wheelchair", s.wheelchair), ("full", s.full)] {
        if on {
            v.push((name.into(), "true".into()));
        }
    }
    for t in &s.terms {
        let name = match t {
            Term::Need(_) => "needs",
            Term::Activity(_) => "activities",
        };
        v.push((name.into(), t.code().into()));
    }
    if let Some(l) = s.locations.first() {
        v.push(("location_name".into(), l.name.clone()));
        v.push(("address".into(), l.address.clone()));
        v.push(("town".into(), l.town.clone()));
        v.push(("postcode".into(), l.postcode.clone().unwrap_or_default()));
    }
    for (i, sched) in s.schedules.iter().enumerate() {
        let f = ScheduleFields::from_schedule(&sched.schedule);
        for (k, val) in [
            ("rule", f.rule),
            ("repeat", f.repeat),
            ("day", f.day),
            ("week", f.week),
            ("starts", f.starts),
            ("opens", f.opens),
            ("closes", f.closes),
            ("description", f.description),
        ] {
            v.push((format!("schedules[{i}].{k}"), val));
        }
    }
    FormPairs(v)
}

/// The schedule rows a form shows: those entered plus one blank row to add another.
fn schedule_rows(form: &FormPairs) -> Vec<Value> {
    let rows = form.rows("schedules") + 1;
    (0..rows)
        .map(|i| {
            let g = |n: &str| form.get(&format!("schedules[{i}].{n}")).to_owned();
            let repeat = g("repeat");
            let day = g("day");
            let week = g("week");
            minijinja::context! {
                i => i,
                rule => g("rule"), starts => g("starts"), opens => g("opens"), closes => g("closes"), description => g("description"),
                repeats => items([("", "Choose"), ("weekly", "Every week"), ("fortnightly", "Every other week"), ("monthly", "Once a month")], &[repeat]),
                days => items(std::iter::once(("", "Choose")).chain(weekdays().map(|d| (day_code(d), day_name(d)))), &[day]),
                weeks => items([("", "Not monthly"), ("1", "First"), ("2", "Second"), ("3", "Third"), ("4", "Fourth"), ("-1", "Last")], &[week]),
            }
        })
        .collect()
}

async fn render_form(
    state: &AppState,
    page: &Page,
    service: Option<&Service>,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let providers = state.db.providers(&p.scope()).await?;
    let chosen = |name: &str| form.all(name);
    let html = page.render(
        state,
        "pages/directory/service_form.html",
        minijinja::context! {
            title => if service.is_some() { "Change a listing" } else { "Add a service to the directory" },
            service => Serde(service),
            form => form.values(),
            errors => errors.map(form_errors),
            providers => items(std::iter::once(("".to_owned(), "Choose an organisation".to_owned())).chain(providers.iter().map(|p| (p.id.to_string(), p.name.clone()))), &chosen("provider_id")),
            costs => items([("free", "Free"), ("paid", "There is a cost")], &chosen("cost")),
            needs => items(Need::ALL.iter().map(|n| (n.code(), n.label())), &chosen("needs")),
            activities => items(ActivityType::ALL.iter().map(|a| (a.code(), a.label())), &chosen("activities")),
            schedules => schedule_rows(form),
            no_providers => providers.is_empty(),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

/// Parse a posted listing: the fields, the organisation (this tenant's), and each
/// location's point from the postcode directory.
async fn parse_listing(
    state: &AppState,
    scope: &OrgScope,
    form: &FormPairs,
) -> Result<Result<ServiceInput, ValidationErrors>, PageError> {
    let fields = service_fields(form);
    let mut input = match ServiceInput::parse(&fields, linkwell_app::today()) {
        Ok(i) => i,
        Err(e) => return Ok(Err(e)),
    };
    match state.db.provider(scope, input.provider_id).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => {
            return Ok(Err(ValidationErrors::single("provider_id", "Select the organisation that runs it")));
        }
        Err(e) => return Err(e.into()),
    }
    state.db.locate_places(&mut input.locations).await?;
    Ok(Ok(input))
}

pub async fn new(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut pairs = vec![("cost".to_owned(), "free".to_owned())];
    if let Some(provider) = q.get("provider") {
        pairs.push(("provider_id".into(), provider.clone()));
    }
    render_form(&state, &page, None, &FormPairs(pairs), None).await
}

pub async fn create(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let input = match parse_listing(&state, &p.scope(), &form).await? {
        Ok(i) => i,
        Err(e) => return render_form(&state, &page, None, &form, Some(&e)).await,
    };
    let s = state.db.create_service(&p.scope(), &page.actor(), &input, linkwell_app::today()).await?;
    linkwell_app::directory::search::refresh(&state.db, &state.search, &p.scope(), &[s.id]).await;
    page.done(&format!("{} added to the directory", s.name), &format!("/directory/services/{}", s.id)).await
}

async fn load(state: &AppState, page: &Page, id: &str) -> Result<Service, PageError> {
    let p = page.principal()?;
    Ok(state.db.service(&p.scope(), path_id::<ServiceId>(id)?).await?)
}

/// Everything about a listing, its dates off and its history.
pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let s = load(&state, &page, &id).await?;
    render_show(&state, &page, &s, &FormPairs(vec![]), None).await
}

/// The listing's page, with the date-off form as typed and its errors (422) if it failed.
async fn render_show(
    state: &AppState,
    page: &Page,
    s: &Service,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let today = linkwell_app::today();
    let history = state.db.service_history(&p.scope(), s.id).await?;
    let user_ids: Vec<String> = history.iter().filter_map(|e| e.actor_user_id.clone()).collect();
    let users = state.db.users_by_ids(&p.scope(), &user_ids).await?;
    let who = |id: &Option<String>| match id {
        Some(id) => users
            .iter()
            .find(|u| u.id.to_string() == *id)
            .map(|u| u.display_name.clone())
            .unwrap_or_else(|| "A former user".into()),
        None => "Linkwell (import or command line)".into(),
    };
    let history: Vec<Value> = history
        .iter()
        .map(|e| minijinja::context! { at => e.at, who => who(&e.actor_user_id), what => event_label(&e.kind), detail => e.detail.clone() })
        .collect();
    let unmapped = s.locations.iter().any(|l| l.point.is_none());
    let upcoming: Vec<String> =
        s.upcoming(today, 42, 6).into_iter().map(linkwell_domain::time::display_london_date).collect();
    let html = page.render(
            state,
            "pages/directory/service.html",
            minijinja::context! {
                title => s.name.clone(),
                s => Serde(s),
                rows => detail_rows(s),
                status => status_text(&s.status),
                stale => is_stale(s.last_verified, today),
                last_verified => s.last_verified.map(linkwell_domain::time::display_london_date),
                schedules => s.schedules.iter().map(|x| if x.schedule.description.is_empty() { x.schedule.summary() } else { format!("{} ({})", x.schedule.summary(), x.schedule.description) }).collect::<Vec<_>>(),
                upcoming => upcoming,
                exceptions => s.exceptions.iter().map(|e| minijinja::context! { date => e.date.to_string(), label => linkwell_domain::time::display_london_date(e.date), note => e.note.clone() }).collect::<Vec<_>>(),
                history => history,
                unmapped => unmapped,
                can_edit => p.can(Action::EditDirectory),
                form => minijinja::context! { exception_date => form.get("exception_date"), exception_note => form.get("exception_note") },
                errors => errors.map(form_errors),
            },
        )?;
    Ok((form_status(errors), html).into_response())
}

fn event_label(kind: &str) -> &'static str {
    match kind {
        "created" => "Added",
        "edited" => "Changed",
        "paused" => "Paused",
        "closed" => "Closed",
        "reopened" => "Running again",
        "verified" => "Checked",
        "exception_added" => "Date off added",
        "exception_removed" => "Date off removed",
        "imported" => "Imported",
        _ => "Changed",
    }
}

fn status_text(status: &ServiceStatus) -> String {
    match status {
        ServiceStatus::Active => "Running".into(),
        ServiceStatus::Paused { restart: Some(d) } => {
            format!("Paused, expected back {}", linkwell_domain::time::display_london_date(*d))
        }
        ServiceStatus::Paused { restart: None } => "Paused, no restart date".into(),
        ServiceStatus::Closed { reason } => format!("Closed: {reason}"),
    }
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
    let who = [ages, s.eligibility.clone()].into_iter().filter(|x| !x.is_empty()).collect::<Vec<_>>().join(". ");
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
    let contact = [
        s.contact_name.clone(),
        s.phone.clone().unwrap_or_default(),
        s.email.clone().unwrap_or_default(),
        s.url.clone().unwrap_or_default(),
    ]
    .into_iter()
    .filter(|x| !x.is_empty())
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
        row("Contact", none(contact, "Not given")),
    ]
}

pub async fn edit(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let s = load(&state, &page, &id).await?;
    let mut form = form_of(&s);
    form.0.push(("version".into(), s.version.to_string()));
    render_form(&state, &page, Some(&s), &form, None).await
}

pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let s = load(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let input = match parse_listing(&state, &p.scope(), &form).await? {
        Ok(i) => i,
        Err(e) => return render_form(&state, &page, Some(&s), &form, Some(&e)).await,
    };
    let saved = state.db.update_service(&p.scope(), &page.actor(), s.id, version, &input).await?;
    linkwell_app::directory::search::refresh(&state.db, &state.search, &p.scope(), &[s.id]).await;
    page.done(&format!("{} saved", saved.name), &format!("/directory/services/{}", s.id)).await
}

/// Which status form: pausing (with a restart date) or closing (with a reason).
#[derive(Debug, Clone, Copy)]
enum StatusForm {
    Pause,
    Close,
}

async fn render_status(
    state: &AppState,
    page: &Page,
    s: &Service,
    which: StatusForm,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let (title, action) = match which {
        StatusForm::Pause => (format!("Pause {}", s.name), "pause"),
        StatusForm::Close => (format!("Close {}", s.name), "close"),
    };
    let html = page.render(
        state,
        "pages/directory/status.html",
        minijinja::context! { title => title, action => action, s => Serde(s), form => form.values(), errors => errors.map(form_errors) },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn pause_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let s = load(&state, &page, &id).await?;
    render_status(&state, &page, &s, StatusForm::Pause, &FormPairs(vec![]), None).await
}

pub async fn close_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let s = load(&state, &page, &id).await?;
    render_status(&state, &page, &s, StatusForm::Close, &FormPairs(vec![]), None).await
}

pub async fn pause(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let s = load(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let fields = PauseFields { restart: form.get("restart").into(), note: form.get("note").into() };
    let (restart, note) = match fields.parse(linkwell_app::today()) {
        Ok(v) => v,
        Err(e) => return render_status(&state, &page, &s, StatusForm::Pause, &form, Some(&e)).await,
    };
    state
        .db
        .set_service_status(&p.scope(), &page.actor(), s.id, version, &ServiceStatus::Paused { restart }, &note)
        .await?;
    linkwell_app::directory::search::refresh(&state.db, &state.search, &p.scope(), &[s.id]).await;
    page.done(
        &format!("{} is paused: it will not be offered to people until it runs again", s.name),
        &format!("/directory/services/{}", s.id),
    )
    .await
}

pub async fn close(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let s = load(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let reason = match (ClosureFields { reason: form.get("reason").into() }).parse() {
        Ok(r) => r,
        Err(e) => return render_status(&state, &page, &s, StatusForm::Close, &form, Some(&e)).await,
    };
    state
        .db
        .set_service_status(&p.scope(), &page.actor(), s.id, version, &ServiceStatus::Closed { reason }, "")
        .await?;
    linkwell_app::directory::search::refresh(&state.db, &state.search, &p.scope(), &[s.id]).await;
    page.done(&format!("{} is closed", s.name), &format!("/directory/services/{}", s.id)).await
}

pub async fn reopen(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let s = load(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    state.db.set_service_status(&p.scope(), &page.actor(), s.id, version, &ServiceStatus::Active, "").await?;
    linkwell_app::directory::search::refresh(&state.db, &state.search, &p.scope(), &[s.id]).await;
    page.done(&format!("{} is running again", s.name), &format!("/directory/services/{}", s.id)).await
}

pub async fn verify(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let s = load(&state, &page, &id).await?;
    let note =
        linkwell_domain::validation::optional_text("Note", form.get("note"), 1000).map_err(PageError::BadRequest)?;
    state.db.verify_service(&p.scope(), &page.actor(), s.id, linkwell_app::today(), &note).await?;
    linkwell_app::directory::search::refresh(&state.db, &state.search, &p.scope(), &[s.id]).await;
    let back = form.get("back");
    let to = if back == "/directory/check" { back.to_owned() } else { format!("/directory/services/{}", s.id) };
    page.done(&format!("{} checked today", s.name), &to).await
}

/// Add a date it does not run on (`date` and `note`), or remove one (`remove`).
pub async fn exception(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let s = load(&state, &page, &id).await?;
    let remove = form.get("remove");
    if !remove.is_empty() {
        let date = remove
            .parse::<jiff::civil::Date>()
            .map_err(|_| PageError::BadRequest("That date could not be read.".into()))?;
        state.db.set_service_exception(&p.scope(), &page.actor(), s.id, date, None).await?;
        linkwell_app::directory::search::refresh(&state.db, &state.search, &p.scope(), &[s.id]).await;
        return page.done("Date off removed", &format!("/directory/services/{}", s.id)).await;
    }
    let mut e = ValidationErrors::new();
    let date = e.check("exception_date", flexible_date(form.get("exception_date")));
    let note =
        e.check("exception_note", linkwell_domain::validation::optional_text("Note", form.get("exception_note"), 500));
    let (Some(date), Some(note)) = (date, note) else {
        return render_show(&state, &page, &s, &form, Some(&e)).await;
    };
    state.db.set_service_exception(&p.scope(), &page.actor(), s.id, date, Some(&note)).await?;
    linkwell_app::directory::search::refresh(&state.db, &state.search, &p.scope(), &[s.id]).await;
    let message =
        format!("{} will show as not running on {}", s.name, linkwell_domain::time::display_london_date(date));
    page.done(&message, &format!("/directory/services/{}", s.id)).await
}

/// Listings someone should check: not verified for six months, or past their restart date.
pub async fn to_check(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let today = linkwell_app::today();
    let (list, total) = state.db.services_to_check(&p.scope(), today, CHECK_LIMIT).await?;
    let rows: Vec<Value> = list
        .iter()
        .map(|s| {
            let why = match (&s.status, s.last_verified) {
                (ServiceStatus::Paused { restart: Some(d) }, _) if *d <= today => format!("Expected back {}", linkwell_domain::time::display_london_date(*d)),
                (_, None) => "Never checked".to_owned(),
                (_, Some(d)) => format!("Last checked {}", linkwell_domain::time::display_london_date(d)),
            };
            minijinja::context! { id => s.id.to_string(), name => s.name.clone(), provider => s.provider_name.clone(), status => s.status.label(), why => why }
        })
        .collect();
    Ok(page
        .render(&state, "pages/directory/check.html", minijinja::context! { title => "Listings to check", rows => rows, total => total, can_edit => p.can(Action::EditDirectory) })?
        .into_response())
}

fn provider_fields(f: &FormPairs) -> ProviderFields {
    ProviderFields {
        name: f.get("name").into(),
        kind: f.get("kind").into(),
        description: f.get("description").into(),
        website: f.get("website").into(),
        email: f.get("email").into(),
        phone: f.get("phone").into(),
    }
}

async fn render_providers(
    state: &AppState,
    page: &Page,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let providers = state.db.providers(&p.scope()).await?;
    let rows: Vec<Value> = providers
        .iter()
        .map(|x| minijinja::context! { id => x.id.to_string(), name => x.name.clone(), kind => x.kind.label(), website => x.website.clone() })
        .collect();
    let html = page.render(
        state,
        "pages/directory/providers.html",
        minijinja::context! {
            title => "Organisations in the directory",
            rows => rows,
            form => form.values(),
            errors => errors.map(form_errors),
            kinds => items(ProviderKind::ALL.iter().map(|k| (k.code(), k.label())), &form.all("kind")),
            can_edit => p.can(Action::EditDirectory),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn providers(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_providers(&state, &page, &FormPairs(vec![]), None).await
}

pub async fn create_provider(
    State(state): State<AppState>,
    page: Page,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let input = match ProviderInput::parse(&provider_fields(&form)) {
        Ok(i) => i,
        Err(e) => return render_providers(&state, &page, &form, Some(&e)).await,
    };
    let saved = state.db.create_provider(&p.scope(), &page.actor(), &input).await?;
    page.done(&format!("{} added", saved.name), "/directory/providers").await
}

async fn render_provider_edit(
    state: &AppState,
    page: &Page,
    provider: &linkwell_store::directory::Provider,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let html = page.render(
        state,
        "pages/directory/provider.html",
        minijinja::context! {
            title => format!("Change {}", provider.name),
            provider => Serde(provider),
            form => form.values(),
            errors => errors.map(form_errors),
            kinds => items(ProviderKind::ALL.iter().map(|k| (k.code(), k.label())), &form.all("kind")),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn edit_provider(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let provider = state.db.provider(&p.scope(), path_id(&id)?).await?;
    let form = FormPairs(vec![
        ("name".into(), provider.name.clone()),
        ("kind".into(), provider.kind.code().into()),
        ("description".into(), provider.description.clone()),
        ("website".into(), provider.website.clone().unwrap_or_default()),
        ("email".into(), provider.email.clone().unwrap_or_default()),
        ("phone".into(), provider.phone.clone().unwrap_or_default()),
        ("version".into(), provider.version.to_string()),
    ]);
    render_provider_edit(&state, &page, &provider, &form, None).await
}

pub async fn update_provider(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let provider = state.db.provider(&p.scope(), path_id(&id)?).await?;
    let version = form_version(form.get("version"))?;
    let input = match ProviderInput::parse(&provider_fields(&form)) {
        Ok(i) => i,
        Err(e) => return render_provider_edit(&state, &page, &provider, &form, Some(&e)).await,
    };
    let saved = state.db.update_provider(&p.scope(), &page.actor(), provider.id, version, &input).await?;
    // Its listings carry its name in search.
    let filter = ServiceFilter { provider_id: Some(provider.id), ..Default::default() };
    let (listings, _) = state.db.services_page(&p.scope(), &filter, 0, 10_000).await?;
    linkwell_app::directory::search::refresh(
        &state.db,
        &state.search,
        &p.scope(),
        &listings.iter().map(|l| l.id).collect::<Vec<_>>(),
    )
    .await;
    page.done(&format!("{} saved", saved.name), "/directory/providers").await
}

fn csv_download(name: &str, body: Vec<u8>) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

/// Every listing as CSV (a row per time it runs), for spreadsheets and other systems.
pub async fn export_csv(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let body = linkwell_app::directory::csv::export(&state.db, &p.scope()).await?;
    Ok(csv_download("directory.csv", body))
}

/// The import template: the columns and one example row.
pub async fn template_csv() -> Response {
    csv_download("directory-template.csv", linkwell_app::directory::csv::template())
}

async fn render_import(
    state: &AppState,
    page: &Page,
    report: Option<&linkwell_app::directory::csv::CsvReport>,
) -> Result<Response, PageError> {
    let errors = report.filter(|r| !r.errors.is_empty()).map(linkwell_app::directory::csv::as_errors);
    let html = page.render(
        state,
        "pages/directory/import.html",
        minijinja::context! {
            title => "Import listings from a spreadsheet",
            columns => linkwell_app::directory::csv::COLUMNS.iter().map(|(c, d)| minijinja::context! { name => *c, description => *d }).collect::<Vec<_>>(),
            problems => report.map(|r| r.errors.clone()).unwrap_or_default(),
            errors => errors.as_ref().map(form_errors),
        },
    )?;
    Ok((form_status(errors.as_ref()), html).into_response())
}

pub async fn import_form(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_import(&state, &page, None).await
}

/// Import a CSV file of listings: all or nothing, each problem by line and column.
pub async fn import_csv(
    State(state): State<AppState>,
    page: Page,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let unreadable = || {
        PageError::BadRequest(
            "The upload could not be read. Choose the file on the import page, then upload it.".into(),
        )
    };
    let mut multipart = multipart.map_err(|_| unreadable())?;
    let mut data = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        if field.name() == Some("file") {
            data = Some(field.bytes().await.map_err(|_| unreadable())?);
        }
    }
    let data = match data {
        Some(d) if !d.is_empty() => d,
        _ => {
            let report = linkwell_app::directory::csv::CsvReport {
                errors: vec!["Choose a CSV file to import".into()],
                ..Default::default()
            };
            return render_import(&state, &page, Some(&report)).await;
        }
    };
    let (report, saved) =
        linkwell_app::directory::csv::import(&state.db, &p.scope(), &page.actor(), &data, linkwell_app::today())
            .await?;
    if !report.errors.is_empty() {
        return render_import(&state, &page, Some(&report)).await;
    }
    linkwell_app::directory::search::refresh(&state.db, &state.search, &p.scope(), &saved).await;
    let message = format!(
        "Imported {} listings: {} new, {} updated",
        report.created + report.updated,
        report.created,
        report.updated
    );
    page.done(&message, "/directory").await
}
