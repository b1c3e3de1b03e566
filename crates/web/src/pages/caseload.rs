//! Caseloads (a link worker's own; a coordinator's choice of one worker or several) and
//! the waiting list: the team's lists, filtered, searched and sorted alike.

use crate::input::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::{self, TeamList};
use linkwell_domain::identity::Role;

use super::Page;
use super::shared::{
    CLEARED, TeamListQuery, caseload_rows, filter_choices, follow_up_rows, on_the_form, order_label, sort_headers,
    summary_rows,
};
use crate::error::PageError;
use crate::state::AppState;

const WAITING_PAGE: usize = 100;
/// Team members on a page of the team's caseloads.
const CASELOADS_PAGE: usize = 100;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CaseloadsQuery {
    /// The page, from 1; anything else is the first.
    page: String,
}

/// The team's caseloads: everyone who holds cases or can, by name, a hundred to a page
/// (the home lists the busiest).
pub async fn team(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<CaseloadsQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let loads = casework::team_loads(&state.db, &p.scope()).await?;
    let pages = loads.len().div_ceil(CASELOADS_PAGE).max(1);
    let n = q.page.trim().parse::<usize>().ok().filter(|n| (1..=pages).contains(n)).unwrap_or(1);
    let shown = loads.iter().skip((n - 1) * CASELOADS_PAGE).take(CASELOADS_PAGE).cloned().collect::<Vec<_>>();
    let href = |n: usize| format!("/caseloads?page={n}");
    Ok(page
        .render(
            &state,
            "pages/caseloads.html",
            minijinja::context! {
                title => "The team's caseloads",
                caseloads => caseload_rows(&shown), team_size => loads.len(),
                first => (n - 1) * CASELOADS_PAGE + 1, last => (n - 1) * CASELOADS_PAGE + shown.len(),
                previous_href => (n > 1).then(|| href(n - 1)), next_href => (n < pages).then(|| href(n + 1)),
            },
        )?
        .into_response())
}

pub async fn caseload(
    State(state): State<AppState>,
    page: Page,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let q = TeamListQuery::from_pairs(pairs);
    let base = "/caseload";
    let choices = filter_choices(&state, &p, &q, TeamList::Caseload).await?;
    let c = match casework::caseload(&state.db, &p, &q.fields()).await {
        Ok(c) => c,
        Err(casework::CaseError::Invalid(e)) => {
            let e = on_the_form(e);
            let html = page.render(
                &state,
                "pages/caseload.html",
                minijinja::context! {
                    title => "Caseload", choices => choices, filtered => true, clear_href => q.href(base, CLEARED, None),
                    errors => super::form_errors(&e), failed => true,
                },
            )?;
            return Ok((super::form_status(Some(&e)), html).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    // One set of rows (one lookup of the practices and workers they name), split after
    // the active cases.
    let mut active = summary_rows(&state, &p, &[c.active.as_slice(), c.waiting.as_slice()].concat()).await?;
    let waiting = active.split_off(c.active.len());
    let mine = c.workers.len() == 1 && c.workers[0].id == p.user.id;
    let title = match c.workers.as_slice() {
        _ if mine => "Your caseload".to_owned(),
        [one] => format!("{}'s caseload", one.display_name),
        several => format!("{} caseloads", several.len()),
    };
    let active_headers = sort_headers(
        &q,
        base,
        c.order,
        &[("Person", Some("name")), ("Link worker", None), ("Next session", None), ("Next review", None)],
    );
    let waiting_headers = sort_headers(
        &q,
        base,
        c.order,
        &[("Person", Some("name")), ("Link worker", None), ("Status", Some("status")), ("Waiting", Some("received"))],
    );
    Ok(page
        .render(
            &state,
            "pages/caseload.html",
            minijinja::context! {
                title => title,
                names => c.workers.iter().map(|w| w.display_name.clone()).collect::<Vec<_>>(),
                several => c.workers.len() > 1,
                active => active, waiting => waiting, overdue => c.reviews_overdue, follow_ups => follow_up_rows(c.follow_ups),
                no_baseline => c.baseline_missing.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                active_headers => active_headers, waiting_headers => waiting_headers,
                order => order_label(c.order),
                coordinator => p.user.role == Role::Coordinator,
                choices => choices, filtered => q.filtered(), clear_href => q.href(base, CLEARED, None),
                search_more => c.search_more,
            },
        )?
        .into_response())
}

pub async fn waiting_list(
    State(state): State<AppState>,
    page: Page,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let q = TeamListQuery::from_pairs(pairs);
    let base = "/waiting-list";
    let (listed, errors) =
        match casework::team_list(&state.db, &p, TeamList::Waiting, &q.fields(), q.cursor(), WAITING_PAGE).await {
            Ok(listed) => (Some(listed), None),
            Err(casework::CaseError::Invalid(e)) => (None, Some(on_the_form(e))),
            Err(e) => return Err(e.into()),
        };
    let rows = summary_rows(&state, &p, listed.as_ref().map(|l| l.page.items.as_slice()).unwrap_or_default()).await?;
    let order = listed.as_ref().and_then(|l| l.order);
    let columns: &[(&str, Option<&str>)] = &[
        ("Person", Some("name")),
        ("Urgency", Some("urgency")),
        ("Days waiting", Some("received")),
        ("Reasons", None),
        ("Status", Some("status")),
        ("Link worker", None),
    ];
    let html = page.render(
        &state,
        "pages/waiting_list.html",
        minijinja::context! {
            title => "Waiting list",
            rows => rows, choices => filter_choices(&state, &p, &q, TeamList::Waiting).await?,
            headers => sort_headers(&q, base, order, columns), order => order_label(order),
            filtered => q.filtered(), clear_href => q.href(base, CLEARED, None),
            search_more => listed.as_ref().is_some_and(|l| l.search_more),
            next_href => listed.as_ref().and_then(|l| l.page.next_cursor.as_deref()).map(|c| q.href(base, &[], Some(c))),
            first_href => q.cursor().map(|_| q.href(base, &[], None)),
            errors => errors.as_ref().map(super::form_errors),
        },
    )?;
    Ok((super::form_status(errors.as_ref()), html).into_response())
}
