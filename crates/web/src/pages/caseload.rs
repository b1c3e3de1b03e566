//! A link worker's caseload (coordinators can open anyone's) and the waiting list.

use crate::input::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_domain::identity::Role;
use minijinja::Value;
use serde::Deserialize;

use super::Page;
use super::shared::{follow_up_rows, items, summary_rows};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework;

const WAITING_PAGE: usize = 100;

#[derive(Deserialize, Default)]
pub struct CaseloadQuery {
    #[serde(default)]
    worker: String,
}

pub async fn caseload(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<CaseloadQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let whose = casework::whose_caseload(&state.db, &p, &q.worker, "worker").await?;
    // The whole team only for a coordinator's chooser.
    let team = if p.user.role == Role::Coordinator { casework::workers(&state.db, &p.scope()).await? } else { vec![] };
    let c = casework::caseload(&state.db, &p, whose).await?;
    // One set of rows (one lookup of the practices and workers they name), split after
    // the active cases.
    let mut active = summary_rows(&state, &p, &[c.active.as_slice(), c.waiting.as_slice()].concat()).await?;
    let waiting = active.split_off(c.active.len());
    let (worker, mine) = (c.worker.id.to_string(), c.worker.id == p.user.id);
    Ok(page
        .render(
            &state,
            "pages/caseload.html",
            minijinja::context! {
                title => if mine { "Your caseload".to_owned() } else { format!("{}'s caseload", c.worker.display_name) },
                worker_name => c.worker.display_name, worker_id => worker.clone(),
                active => active, waiting => waiting, overdue => c.reviews_overdue, follow_ups => follow_up_rows(c.follow_ups),
                coordinator => p.user.role == Role::Coordinator,
                workers => items(team.iter().map(|u| (u.id.to_string(), u.display_name.clone())), &[worker]),
            },
        )?
        .into_response())
}

/// The waiting list's filters (see [`casework::WaitingFields`]) and the page after which
/// to read.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WaitingQuery {
    urgency: String,
    assigned: String,
    practice: String,
    need: String,
    window: String,
    after: String,
}

impl WaitingQuery {
    fn fields(&self) -> casework::WaitingFields<'_> {
        casework::WaitingFields {
            urgency: &self.urgency,
            assigned: &self.assigned,
            practice: &self.practice,
            need: &self.need,
            window: &self.window,
        }
    }

    /// This list's address with its filters, from `after` if given.
    fn href(&self, after: Option<&str>) -> String {
        let pairs = [
            ("urgency", self.urgency.as_str()),
            ("assigned", &self.assigned),
            ("practice", &self.practice),
            ("need", &self.need),
            ("window", &self.window),
            ("after", after.unwrap_or("")),
        ];
        let query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", crate::access::urlencode(v.trim())))
            .collect();
        if query.is_empty() { "/waiting-list".into() } else { format!("/waiting-list?{}", query.join("&")) }
    }
}

pub async fn waiting_list(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<WaitingQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let cursor = Some(q.after.trim()).filter(|c| !c.is_empty());
    let (list, errors) = match casework::waiting_list(&state.db, &p, &q.fields(), cursor, WAITING_PAGE).await {
        Ok(list) => (list, None),
        Err(casework::CaseError::Invalid(e)) => (linkwell_store::Page { items: vec![], next_cursor: None }, Some(e)),
        Err(e) => return Err(e.into()),
    };
    let rows = summary_rows(&state, &p, &list.items).await?;
    let filtered = q.href(None) != "/waiting-list";
    let choices = filter_choices(&state, &p, &q).await?;
    let html = page.render(
        &state,
        "pages/waiting_list.html",
        minijinja::context! {
            title => "Waiting list",
            rows => rows, choices => choices, filtered => filtered,
            next_href => list.next_cursor.map(|c| q.href(Some(&c))),
            first_href => cursor.map(|_| q.href(None)),
            errors => errors.as_ref().map(super::form_errors),
        },
    )?;
    Ok((super::form_status(errors.as_ref()), html).into_response())
}

/// The choices of each filter, the ones in `q` selected.
async fn filter_choices(state: &AppState, p: &linkwell_app::Caller, q: &WaitingQuery) -> Result<Value, PageError> {
    use linkwell_domain::referrals::{Need, Urgency};
    let any = |text: &str| minijinja::context! { value => "", text => text };
    let with_any = |text: &str, rest: Vec<Value>| std::iter::once(any(text)).chain(rest).collect::<Vec<_>>();
    // Names only: the counts of open cases are the home page's, and cost a count of them.
    let team = casework::workers(&state.db, &p.scope()).await?;
    let practices = state.db.practices_by_name(&p.scope()).await?;
    let mut assigned = vec![
        any("Anyone or nobody"),
        minijinja::context! { value => casework::UNASSIGNED, text => "Not assigned", selected => q.assigned.trim() == casework::UNASSIGNED },
    ];
    assigned.extend(items(
        team.iter().map(|w| (w.id.to_string(), w.display_name.as_str())),
        &[q.assigned.trim().to_owned()],
    ));
    Ok(minijinja::context! {
        urgency => with_any("Any urgency", items(Urgency::ALL.iter().map(|u| (u.code(), u.label())), &[q.urgency.trim().to_owned()])),
        assigned => assigned,
        practice => with_any("Any practice", items(practices.iter().map(|pr| (pr.id.to_string(), pr.name.as_str())), &[q.practice.trim().to_owned()])),
        need => with_any("Any reason", items(Need::ALL.iter().map(|n| (n.code(), n.label())), &[q.need.trim().to_owned()])),
        window => with_any("Any time waiting", items(casework::WINDOW_FILTERS.iter().copied(), &[q.window.trim().to_owned()])),
    })
}
