//! A link worker's caseload (coordinators can open anyone's) and the waiting list.

use crate::input::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_domain::identity::Role;
use linkwell_store::directory::FollowUp;
use minijinja::Value;
use serde::Deserialize;

use super::Page;
use super::shared::{items, summary_rows};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework;

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
