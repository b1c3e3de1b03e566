//! A link worker's caseload (coordinators can open anyone's) and the waiting list.

use crate::input::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_domain::UserId;
use linkwell_domain::identity::Role;
use linkwell_domain::referrals::ReferralStatus;
use linkwell_store::directory::FollowUp;
use minijinja::Value;
use serde::Deserialize;

use super::shared::{items, summary_rows};
use super::{Page, path_id};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework;

/// More than any real caseload (200–250 people a year), so nobody's list is cut short.
const CASELOAD_LIMIT: usize = 1000;
const WAITING_PAGE: usize = 100;

/// Social prescriptions due a follow-up on this worker's open cases.
fn follow_up_rows(due: Vec<FollowUp>) -> Vec<Value> {
    due.into_iter()
        .map(|f| {
            minijinja::context! {
                id => f.prescription.id.to_string(),
                referral_id => f.prescription.referral_id.to_string(),
                name => format!("{} {}", f.given_name, f.family_name),
                service => f.prescription.service_name.clone(),
                due => f.prescription.follow_up_due.map(linkwell_domain::time::display_london_date),
                stage => if f.prescription.outcome.is_some() { "still going at 6 weeks?" } else { "did they start?" },
            }
        })
        .collect()
}

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
    let scope = p.scope();
    // Coordinators choose whose caseload; a link worker always sees their own.
    let worker: UserId = match (p.user.role, q.worker.trim()) {
        (Role::Coordinator, raw) if !raw.is_empty() => path_id(raw)?,
        _ => p.user.id,
    };
    let whose = state.db.user(&scope, worker).await?;
    if !matches!(whose.role, Role::LinkWorker | Role::Coordinator) {
        return Err(PageError::NotFound);
    }
    // The whole team only for a coordinator's chooser.
    let team = if p.user.role == Role::Coordinator { casework::workers(&state.db, &scope).await? } else { vec![] };
    let (mut cases, waiting): (Vec<_>, Vec<_>) = state
        .db
        .caseload(&scope, worker, CASELOAD_LIMIT)
        .await?
        .into_iter()
        .partition(|r| r.status == ReferralStatus::Active);
    let today = linkwell_app::today();
    let overdue = cases.iter().filter(|r| r.review_overdue(today)).count();
    // One set of rows (one lookup of the practices and workers they name), split after
    // the active cases.
    let active_count = cases.len();
    cases.extend(waiting);
    let mut active = summary_rows(&state, &p, &cases).await?;
    let waiting = active.split_off(active_count);
    let follow_ups = follow_up_rows(state.db.prescription_follow_ups_due(&scope, Some(worker), today).await?);
    Ok(page
        .render(
            &state,
            "pages/caseload.html",
            minijinja::context! {
                title => if worker == p.user.id { "Your caseload".to_owned() } else { format!("{}'s caseload", whose.display_name) },
                worker_name => whose.display_name.clone(),
                worker_id => worker.to_string(),
                active => active, waiting => waiting, overdue => overdue, follow_ups => follow_ups,
                coordinator => p.user.role == Role::Coordinator,
                workers => items(team.iter().map(|u| (u.id.to_string(), u.display_name.clone())), &[worker.to_string()]),
            },
        )?
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct WaitingQuery {
    #[serde(default)]
    after: String,
}

pub async fn waiting_list(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<WaitingQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let cursor = Some(q.after.trim()).filter(|c| !c.is_empty());
    let list = state.db.waiting_list(&p.scope(), cursor, WAITING_PAGE).await?;
    let rows = summary_rows(&state, &p, &list.items).await?;
    Ok(page
        .render(
            &state,
            "pages/waiting_list.html",
            minijinja::context! {
                title => "Waiting list",
                rows => rows,
                next_href => list.next_cursor.map(|c| format!("/waiting-list?after={}", crate::access::urlencode(&c))),
                first_page => cursor.is_none(),
            },
        )?
        .into_response())
}
