//! The home page: what this role can do, with the organisation's key figures.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_domain::authz::Action;
use linkwell_domain::identity::Role;
use serde::Serialize;

use linkwell_app::Caller;

use super::Page;
use crate::error::PageError;
use crate::state::AppState;

#[derive(Serialize)]
struct Card {
    heading: &'static str,
    href: &'static str,
    description: String,
}

pub async fn home(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.caller()?;
    let cards = cards(&state, &p).await?;
    let practice = match p.user.practice_id {
        Some(id) => Some(state.db.practice(&p.scope(), id).await?),
        None => None,
    };
    Ok(page
        .render(
            &state,
            "pages/home.html",
            minijinja::context! {
                title => "Home",
                intro => intro(p.user.role),
                cards => minijinja::value::Serde(cards),
                practice => minijinja::value::Serde(practice),
                organisation => minijinja::value::Serde(&p.organisation),
            },
        )?
        .into_response())
}

/// What this role can do from here, with the organisation's figures it may see.
async fn cards(state: &AppState, p: &Caller) -> Result<Vec<Card>, PageError> {
    let scope = p.scope();
    let mut cards = Vec::new();
    if p.can(Action::ReferPeople) {
        cards.push(Card {
            heading: "Refer someone",
            href: "/referrals/new",
            description: "Refer a person to a link worker.".into(),
        });
    }
    if p.can(Action::WorkCases) {
        cards.push(Card {
            heading: "Caseload",
            href: "/caseload",
            description: "People you support: next sessions, reviews due, and who is waiting for contact.".into(),
        });
    }
    if p.can(Action::TriageReferrals) {
        cards.push(Card {
            heading: "Waiting list",
            href: "/waiting-list",
            description: "Referrals to triage and assign, most urgent first.".into(),
        });
    }
    if p.can(Action::ViewReferrals) && !p.can(Action::WorkCases) {
        cards.push(Card {
            heading: "Your practice's referrals",
            href: "/referrals",
            description: "Follow the status of the referrals you and your practice made.".into(),
        });
    }
    if p.can(Action::ViewUsers) {
        let (active, workers) = state.db.count_active_users(&scope).await?;
        cards.push(Card {
            heading: if p.user.role == Role::Admin { "Users" } else { "Team" },
            href: "/admin/users",
            description: format!("{active} active users, {workers} of them link workers."),
        });
    }
    if p.can(Action::ViewPractices) {
        let n = state.db.count_practices(&scope).await?;
        cards.push(Card {
            heading: "Practices",
            href: "/practices",
            description: format!("{n} GP practices refer to this service."),
        });
    }
    if p.can(Action::ManageSitesAndRooms) {
        cards.push(Card {
            heading: "Sites and rooms",
            href: "/admin/sites",
            description: "Where sessions are held.".into(),
        });
    }
    if p.can(Action::ManageProgrammes) {
        cards.push(Card {
            heading: "Programmes",
            href: "/admin/programmes",
            description: "Session lengths, follow-up limits and contact attempts.".into(),
        });
    }
    if p.can(Action::ViewAudit) {
        cards.push(Card {
            heading: "Audit trail",
            href: "/admin/audit",
            description: "Who signed in, and who read or changed what.".into(),
        });
    }
    cards.push(Card { heading: "Your account", href: "/account", description: "Your details and password.".into() });
    Ok(cards)
}

/// What the role is for, in a sentence.
fn intro(role: Role) -> &'static str {
    match role {
        Role::Admin => {
            "You manage who uses Linkwell in your organisation, the practices you work with, and where sessions are held."
        }
        Role::Coordinator => "You triage referrals, assign them to link workers and see every caseload.",
        Role::LinkWorker => {
            "You support the people on your caseload: sessions, plans and connections to community groups."
        }
        Role::Referrer => {
            "You refer people from your practice to the social prescribing service and follow their referrals."
        }
        Role::Facilitator => "You keep the register of the groups you run.",
        Role::Commissioner => "You see the service's impact in aggregate reports, with small numbers suppressed.",
    }
}
