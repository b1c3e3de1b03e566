//! The home page: what the day leads with for this role (see `linkwell_app::home`), then
//! what the role can do, with the organisation's key figures.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_app::home::{self, Home, PracticeReferrals, TeamDay, WorkerDay};
use linkwell_domain::authz::Action;
use linkwell_domain::identity::Role;
use linkwell_store::caseload::ReferralSummary;
use minijinja::Value;
use serde::Serialize;

use linkwell_app::Caller;

use super::Page;
use super::shared::{caseload_rows, follow_up_rows, summary_rows};
use crate::error::PageError;
use crate::state::AppState;

#[derive(Serialize)]
struct Card {
    heading: &'static str,
    href: &'static str,
    description: String,
}

/// A count that links to the list it counts.
#[derive(Serialize)]
struct Figure {
    count: i64,
    label: &'static str,
    href: String,
}

pub async fn home(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.caller()?;
    let day = match home::home(&state.db, &p).await? {
        Home::LinkWorker(d) => worker_day(&state, &p, d).await?,
        Home::Coordinator(d) => team_day(&state, &p, d).await?,
        Home::Referrer(d) => practice_referrals(&state, &p, d).await?,
        Home::Other => minijinja::context! { kind => "none" },
    };
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
                today => linkwell_domain::time::display_london_date(linkwell_app::today()),
                day => day,
                cards => minijinja::value::Serde(cards),
                practice => minijinja::value::Serde(practice),
                organisation => minijinja::value::Serde(&p.organisation),
            },
        )?
        .into_response())
}

/// Several lists of referrals as rows, with one lookup of the names they need.
async fn row_lists(
    state: &AppState,
    p: &Caller,
    lists: &[&[ReferralSummary]],
) -> Result<std::vec::IntoIter<Vec<Value>>, PageError> {
    let mut rows = summary_rows(state, p, &lists.concat()).await?.into_iter();
    let split: Vec<Vec<Value>> = lists.iter().map(|l| rows.by_ref().take(l.len()).collect()).collect();
    Ok(split.into_iter())
}

async fn worker_day(state: &AppState, p: &Caller, d: WorkerDay) -> Result<Value, PageError> {
    let now = linkwell_store::now_ms();
    let sessions: Vec<Value> = d
        .sessions
        .iter()
        .map(|s| {
            minijinja::context! {
                id => s.session.id.to_string(),
                referral_id => s.session.referral_id.to_string(),
                starts_at => s.session.starts_at, ends_at => s.session.ends_at,
                with => s.with.clone(), place => s.place.clone(), kind => s.session.kind.label(),
                // Once it has started, the next thing to do is to record how it went.
                to_record => s.session.status == linkwell_domain::sessions::SessionStatus::Booked && s.session.starts_at <= now,
                outcome => s.session.status.label(),
            }
        })
        .collect();
    let mut lists =
        row_lists(state, p, &[&d.new_assignments, &d.contact_attempts, &d.reviews_due, &d.safeguarding]).await?;
    let mut next = || lists.next().unwrap_or_default();
    let (new_assignments, contact_attempts, reviews_due, safeguarding) = (next(), next(), next(), next());
    let attempts: Vec<u32> = d.contact_attempts.iter().map(|r| r.status.failed_attempts()).collect();
    Ok(minijinja::context! {
        kind => "worker",
        sessions => sessions,
        new_assignments => new_assignments,
        contact_attempts => contact_attempts, attempts => attempts,
        reviews_due => reviews_due,
        follow_ups => follow_up_rows(d.follow_ups),
        safeguarding => safeguarding,
    })
}

async fn team_day(state: &AppState, p: &Caller, d: TeamDay) -> Result<Value, PageError> {
    let w = d.waiting;
    let figures = vec![
        Figure { count: w.waiting, label: "waiting to be seen", href: "/waiting-list".into() },
        Figure { count: w.unassigned, label: "not assigned", href: "/waiting-list?assigned=none".into() },
        Figure { count: w.urgent, label: "urgent", href: "/waiting-list?urgency=urgent".into() },
        Figure {
            count: w.closing,
            label: "close to the 14-day response window",
            href: "/waiting-list?window=closing".into(),
        },
        Figure {
            count: w.missed,
            label: "past the 14-day response window",
            href: "/waiting-list?window=missed".into(),
        },
    ];
    let mut lists = row_lists(state, p, &[&d.unassigned, &d.closing]).await?;
    let (unassigned, closing) = (lists.next().unwrap_or_default(), lists.next().unwrap_or_default());
    let follow_ups_due = d.follow_ups.len();
    let follow_ups = follow_up_rows(d.follow_ups.into_iter().take(home::LISTED).collect());
    Ok(minijinja::context! {
        kind => "team",
        figures => minijinja::value::Serde(figures),
        unassigned => unassigned, unassigned_count => w.unassigned,
        closing => closing, closing_count => w.closing,
        caseloads => caseload_rows(&d.caseloads), team_size => d.team_size,
        follow_ups => follow_ups, follow_ups_due => follow_ups_due,
    })
}

async fn practice_referrals(state: &AppState, p: &Caller, d: PracticeReferrals) -> Result<Value, PageError> {
    let figures: Vec<Figure> = d
        .by_status
        .iter()
        .map(|(code, label, n)| Figure { count: *n, label, href: format!("/referrals?status={code}") })
        .collect();
    Ok(minijinja::context! {
        kind => "practice",
        figures => minijinja::value::Serde(figures),
        newest => summary_rows(state, p, &d.newest).await?,
    })
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
        cards.push(Card {
            heading: "Diary",
            href: "/diary",
            description: "Sessions by day, and your working hours.".into(),
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
