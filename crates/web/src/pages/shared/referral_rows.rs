//! Referrals and sessions as table rows and labels, for every list that shows them.

use linkwell_domain::authz::Action;
use linkwell_domain::referrals::Urgency;
use linkwell_domain::referrals::response::{ResponseWindow, days_waiting};
use linkwell_store::caseload::ReferralSummary;
use minijinja::Value;

use crate::auth::Principal;
use crate::error::PageError;
use crate::state::AppState;
use linkwell_store::directory::{FollowUp, Prescription};

/// Summaries as table rows, with the worker's and practice's names.
pub async fn summary_rows(state: &AppState, p: &Principal, rows: &[ReferralSummary]) -> Result<Vec<Value>, PageError> {
    let scope = p.scope();
    // Only the practices and workers these rows name: an ICS has hundreds of each.
    let distinct = |ids: Vec<String>| {
        let mut ids = ids;
        ids.sort();
        ids.dedup();
        ids
    };
    let practice_ids = distinct(rows.iter().filter_map(|r| r.practice_id.map(|id| id.to_string())).collect());
    let practices = state.db.practices_by_ids(&scope, &practice_ids).await?;
    let worker_ids = distinct(rows.iter().filter_map(|r| r.assigned_worker_id.map(|w| w.to_string())).collect());
    let workers = state.db.users_by_ids(&scope, &worker_ids).await?;
    let today = linkwell_app::today();
    // A referrer follows the status of what they referred: the person as the referral named
    // them, and nothing from the case.
    let team = p.can(Action::WorkCases);
    Ok(rows
        .iter()
        .map(|r| {
            let received = linkwell_domain::time::london_date(r.received_at);
            let overdue = r.review_overdue(today);
            // Only a referral still waiting to be seen stands against the response window.
            let window = linkwell_store::caseload::WAITING
                .contains(&r.status.code())
                .then(|| ResponseWindow::of(received, today))
                .filter(|w| w.flagged());
            let (given, family, born) = if team {
                (&r.given_name, &r.family_name, &r.date_of_birth)
            } else {
                (&r.referred_as.given_name, &r.referred_as.family_name, &r.referred_as.date_of_birth)
            };
            if !team {
                return minijinja::context! {
                    id => r.id.to_string(),
                    name => format!("{given} {family}"),
                    date_of_birth => born.clone(),
                    nhs_number => r.referred_as.nhs_number.clone(),
                    practice => r.practice_id.and_then(|id| practices.iter().find(|pr| pr.id == id)).map(|pr| pr.name.clone()),
                    received_at => r.received_at,
                    status => r.status.label(),
                    status_code => r.status.code(),
                };
            }
            minijinja::context! {
                id => r.id.to_string(),
                name => format!("{given} {family}"),
                date_of_birth => born.clone(),
                practice => r.practice_id.and_then(|id| practices.iter().find(|pr| pr.id == id)).map(|pr| pr.name.clone()),
                received_at => r.received_at,
                days_waiting => days_waiting(received, today),
                window => window.map(|w| w.label()),
                window_flagged => window.is_some(),
                window_closing => matches!(window, Some(ResponseWindow::Closing { .. })),
                urgency => r.urgency.label(),
                urgent => r.urgency == Urgency::Urgent,
                needs => r.needs.iter().map(|n| n.label()).collect::<Vec<_>>().join(", "),
                status => r.status.label(),
                status_code => r.status.code(),
                worker => r.assigned_worker_id.and_then(|w| workers.iter().find(|u| u.id == w)).map(|u| u.display_name.clone()),
                safeguarding => r.safeguarding,
                next_session_at => r.next_session_at,
                next_review => r.next_review.clone(),
                review_overdue => overdue,
            }
        })
        .collect())
}

/// A referral's prescriptions as rows for the case, plan and discharge pages.
pub fn prescription_rows(list: &[Prescription]) -> Vec<Value> {
    list.iter()
        .map(|rx| {
            minijinja::context! {
                id => rx.id.to_string(),
                service_id => rx.service_id.to_string(),
                service => rx.service_name.clone(),
                kind => rx.kind.label(),
                on => linkwell_domain::time::display_london_date(rx.prescribed_on),
                outcome => rx.outcome.map(|o| o.label()),
                reason => rx.outcome_reason.clone(),
                due => rx.follow_up_due.map(linkwell_domain::time::display_london_date),
                overdue => rx.follow_up_due.is_some_and(|d| d <= linkwell_app::today()),
                notes => rx.notes.clone(),
            }
        })
        .collect()
}

/// Social prescriptions due a follow-up, as rows with the question to ask.
pub fn follow_up_rows(due: Vec<FollowUp>) -> Vec<Value> {
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

/// The team's caseloads as rows: each member, with their open cases split.
pub fn caseload_rows(loads: &[linkwell_app::casework::WorkerLoad]) -> Vec<Value> {
    loads
        .iter()
        .map(|l| {
            minijinja::context! {
                id => l.worker.id.to_string(), name => l.worker.display_name.clone(), disabled => l.worker.disabled,
                open => l.open, active => l.active, waiting => l.open - l.active,
            }
        })
        .collect()
}
