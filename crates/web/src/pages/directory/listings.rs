//! Listings: adding, showing and editing one.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::directory::listings;
use linkwell_domain::ServiceId;
use linkwell_domain::ValidationErrors;
use linkwell_domain::authz::Action;
use linkwell_domain::directory::{
    ActivityType, ScheduleFields, ServiceFields, ServiceStatus, Term, day_code, day_name, is_stale, weekdays,
};
use linkwell_domain::referrals::Need;
use linkwell_store::directory::Service;
use minijinja::Value;
use minijinja::value::Serde;

use crate::error::PageError;
use crate::pages::shared::*;
use crate::pages::{FormPairs, Page, form_errors, form_status, form_version, path_id};
use crate::state::AppState;

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
                starts: super::status::date_boxes(f, &format!("schedules[{i}].starts")),
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
        audiences: f.all("audiences"),
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
pub(super) fn form_of(s: &Service) -> FormPairs {
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
            Term::Audience(_) => "audiences",
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
            ("starts_day", f.starts.typed_boxes().0),
            ("starts_month", f.starts.typed_boxes().1),
            ("starts_year", f.starts.typed_boxes().2),
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
pub(super) fn schedule_rows(form: &FormPairs) -> Vec<Value> {
    let rows = form.rows("schedules") + 1;
    (0..rows)
        .map(|i| {
            let g = |n: &str| form.get(&format!("schedules[{i}].{n}")).to_owned();
            let repeat = g("repeat");
            let day = g("day");
            let week = g("week");
            minijinja::context! {
                i => i,
                rule => g("rule"), starts_day => g("starts_day"), starts_month => g("starts_month"), starts_year => g("starts_year"), opens => g("opens"), closes => g("closes"), description => g("description"),
                repeats => items([("", "Choose"), ("weekly", "Every week"), ("fortnightly", "Every other week"), ("monthly", "Once a month")], &[repeat]),
                days => items(std::iter::once(("", "Choose")).chain(weekdays().map(|d| (day_code(d), day_name(d)))), &[day]),
                weeks => items([("", "Not monthly"), ("1", "First"), ("2", "Second"), ("3", "Third"), ("4", "Fourth"), ("-1", "Last")], &[week]),
            }
        })
        .collect()
}

pub(super) async fn render_form(
    state: &AppState,
    page: &Page,
    service: Option<&Service>,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
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
            audiences => items(linkwell_domain::directory::Audience::ALL.iter().map(|a| (a.code(), a.label())), &chosen("audiences")),
            schedules => schedule_rows(form),
            no_providers => providers.is_empty(),
        },
    )?;
    Ok((form_status(errors), html).into_response())
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
    let p = page.caller()?;
    let input = match listings::parse_listing(&state.db, &p.scope(), &service_fields(&form)).await {
        Err(CaseError::Invalid(e)) => return render_form(&state, &page, None, &form, Some(&e)).await,
        other => other?,
    };
    let s = listings::add_listing(&state.db, &state.search, &p, &input).await?;
    page.done(&format!("{} added to the directory", s.name), &format!("/directory/services/{}", s.id)).await
}

pub(super) async fn load(state: &AppState, page: &Page, id: &str) -> Result<Service, PageError> {
    let p = page.caller()?;
    Ok(state.db.service(&p.scope(), path_id::<ServiceId>(id)?).await?)
}

/// Everything about a listing, its dates off and its history.
pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let s = load(&state, &page, &id).await?;
    render_show(&state, &page, &s, &FormPairs(vec![]), None).await
}

/// The listing's page, with the date-off form as typed and its errors (422) if it failed.
pub(super) async fn render_show(
    state: &AppState,
    page: &Page,
    s: &Service,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
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
                form => minijinja::context! { exception_date_day => form.get("exception_date_day"), exception_date_month => form.get("exception_date_month"), exception_date_year => form.get("exception_date_year"), exception_note => form.get("exception_note") },
                errors => errors.map(form_errors),
            },
        )?;
    Ok((form_status(errors), html).into_response())
}

pub(super) fn event_label(kind: &str) -> &'static str {
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

pub(super) fn status_text(status: &ServiceStatus) -> String {
    match status {
        ServiceStatus::Active => "Running".into(),
        ServiceStatus::Paused { restart: Some(d) } => {
            format!("Paused, expected back {}", linkwell_domain::time::display_london_date(*d))
        }
        ServiceStatus::Paused { restart: None } => "Paused, no restart date".into(),
        ServiceStatus::Closed { reason } => format!("Closed: {reason}"),
    }
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
    let p = page.caller()?;
    let s = load(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let input = match listings::parse_listing(&state.db, &p.scope(), &service_fields(&form)).await {
        Err(CaseError::Invalid(e)) => return render_form(&state, &page, Some(&s), &form, Some(&e)).await,
        other => other?,
    };
    let saved = listings::change_listing(&state.db, &state.search, &p, s.id, version, &input).await?;
    page.done(&format!("{} saved", saved.name), &format!("/directory/services/{}", s.id)).await
}
