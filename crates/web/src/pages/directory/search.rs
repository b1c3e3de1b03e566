//! The directory search page: words, needs, activities, free times and distance.

use crate::input::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_domain::ProviderId;
use linkwell_domain::ValidationErrors;
use linkwell_domain::authz::Action;
use linkwell_domain::directory::{DayPart, Term, day_code, day_name, weekdays};
use linkwell_store::directory::Provider;
use linkwell_store::directory::ServiceFilter;
use linkwell_store::{OrgScope, StoreError};
use minijinja::Value;
use serde::Serialize;

use crate::error::PageError;
use crate::pages::shared::*;
use crate::pages::{Page, form_errors, form_status};
use crate::state::AppState;

use super::*;

/// The directory page's template context.
#[derive(Serialize)]
struct DirectoryView {
    title: &'static str,
    rows: Vec<Value>,
    total: u64,
    searched: bool,
    form: SearchForm,
    errors: Option<Value>,
    terms: Vec<Value>,
    days: Vec<Value>,
    times: Vec<Value>,
    /// The organisation the list is narrowed to (from its "listings" link), if any.
    provider: Option<ProviderChosen>,
    /// How many listings to check, for those who keep the directory ("1,000 or more" at most).
    to_check: Option<String>,
    can_edit: bool,
    previous: Option<String>,
    next: Option<String>,
    page_number: u64,
    pages: u64,
}

/// The search form as typed.
#[derive(Serialize)]
struct SearchForm {
    q: String,
    age: String,
    postcode: String,
    miles: String,
    free: bool,
    wheelchair: bool,
    all: bool,
}

#[derive(Serialize)]
struct ProviderChosen {
    id: String,
    name: String,
}

/// The directory: a search (words, need, day and time, cost, access, age, distance) or,
/// with no search, every listing by name. Either can be narrowed to one organisation.
pub async fn index(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let scope = p.scope();
    // An organisation that is not (or no longer) this organisation's narrows nothing.
    let provider = match q.provider.parse::<ProviderId>() {
        Ok(id) => match state.db.provider(&scope, id).await {
            Ok(found) => Some(found),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        Err(_) => None,
    };
    let found = listings(&state, &scope, &q, provider.as_ref().map(|p| p.id)).await?;
    let can_edit = p.can(Action::EditDirectory);
    let to_check = match can_edit {
        true => Some(match state.db.count_services_to_check(&scope, linkwell_app::today(), TO_CHECK_COUNTED).await? {
            n if n >= TO_CHECK_COUNTED => "1,000 or more".to_owned(),
            n => n.to_string(),
        }),
        false => None,
    };
    let status = form_status(found.errors.as_ref());
    let html = page.render(&state, "pages/directory/index.html", view(&q, found, provider, to_check, can_edit))?;
    Ok((status, html).into_response())
}

/// One page of the directory: a search's results, or a page of every listing by name.
struct Found {
    rows: Vec<Value>,
    total: u64,
    searched: bool,
    errors: Option<ValidationErrors>,
    page_number: u64,
    pages: u64,
}

async fn listings(
    state: &AppState,
    scope: &OrgScope,
    q: &ListQuery,
    provider: Option<ProviderId>,
) -> Result<Found, PageError> {
    let today = linkwell_app::today();
    // A page number is at most u32::MAX: its offset cannot overflow, whatever is typed.
    let page_number = q.page.parse::<u32>().ok().filter(|n| *n >= 1).map_or(1, u64::from);
    if !q.is_search() {
        let filter = ServiceFilter { term: Term::parse_key(&q.term), provider_id: provider, ..Default::default() };
        let (list, total) =
            state.db.services_page(scope, &filter, (page_number - 1) * LISTINGS_PER_PAGE, LISTINGS_PER_PAGE).await?;
        let services = state.db.services_by_ids(scope, &list.iter().map(|s| s.id).collect::<Vec<_>>()).await?;
        let rows = services.iter().map(|s| result_row(s, today, None)).collect();
        let pages = total.div_ceil(LISTINGS_PER_PAGE).max(1);
        return Ok(Found { rows, total, searched: false, errors: None, page_number, pages });
    }
    let query = match search_query(state, q).await? {
        Ok(query) => query,
        Err(e) => {
            return Ok(Found { rows: vec![], total: 0, searched: true, errors: Some(e), page_number: 1, pages: 1 });
        }
    };
    let found = linkwell_app::directory::search::find(&state.db, &state.search, scope, query).await?;
    let rows: Vec<Value> = found
        .iter()
        .filter(|f| provider.is_none_or(|p| f.service.provider_id == p))
        .map(|f| result_row(&f.service, today, f.miles))
        .collect();
    let total = rows.len() as u64;
    Ok(Found { rows, total, searched: true, errors: None, page_number: 1, pages: 1 })
}

fn view(
    q: &ListQuery,
    found: Found,
    provider: Option<Provider>,
    to_check: Option<String>,
    can_edit: bool,
) -> DirectoryView {
    let link = |n: u64| {
        let query = [("term", q.term.as_str()), ("provider", q.provider.as_str()), ("page", &n.to_string())];
        format!("/directory?{}", form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish())
    };
    let (number, pages, searched) = (found.page_number, found.pages, found.searched);
    DirectoryView {
        title: "Community directory",
        rows: found.rows,
        total: found.total,
        searched,
        form: SearchForm {
            q: q.q.clone(),
            age: q.age.clone(),
            postcode: q.postcode.clone(),
            miles: q.miles.clone(),
            free: !q.free.is_empty(),
            wheelchair: !q.wheelchair.is_empty(),
            all: q.show == "all",
        },
        errors: found.errors.as_ref().map(form_errors),
        terms: term_items(Term::parse_key(&q.term)),
        days: items(
            std::iter::once(("", "Any day")).chain(weekdays().map(|d| (day_code(d), day_name(d)))),
            std::slice::from_ref(&q.day),
        ),
        times: items(
            std::iter::once(("", "Any time")).chain(DayPart::ALL.iter().map(|p| (p.code(), p.label()))),
            std::slice::from_ref(&q.time),
        ),
        provider: provider.map(|p| ProviderChosen { id: p.id.to_string(), name: p.name }),
        to_check,
        can_edit,
        previous: (!searched && number > 1).then(|| link(number - 1)),
        next: (!searched && number < pages).then(|| link(number + 1)),
        page_number: number,
        pages,
    }
}
