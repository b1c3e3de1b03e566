//! The case page (coordinators, the assigned link worker) and the status page (the referrer).

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_domain::authz::Action;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::people::ContactChannel;
use linkwell_domain::referrals::{ContactOutcome, ReferralStatus};
use linkwell_domain::sessions::SessionStatus;
use linkwell_domain::{PersonId, ValidationErrors};
use linkwell_store::practices::room_label;
use linkwell_store::referrals::Referral;
use minijinja::Value;
use minijinja::value::Serde;

use crate::error::PageError;
use crate::pages::{Page, form_errors, path_id};
use crate::state::AppState;
use linkwell_app::casework::{self, View, open_referral};

use crate::pages::shared::*;

/// The case page, or the status page for a referrer.
pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id: ReferralId = path_id(&id)?;
    let (r, view) = open_referral(&state.db, &p, id).await?;
    match view {
        View::Status => render_status(&state, &page, &r).await,
        View::Case => render_case(&state, &page, &r, None, StatusCode::OK).await,
    }
}

/// A referral as its referrer follows it: the person as the referral named them, the
/// status and when it changed — nothing from the case or the person's record.
pub(super) async fn render_status(state: &AppState, page: &Page, r: &Referral) -> Result<Response, PageError> {
    let p = page.caller()?;
    let practice = match r.practice_id {
        Some(id) => Some(state.db.practice(&p.scope(), id).await?.name),
        None => None,
    };
    let name = format!("{} {}", r.referred_as.given_name, r.referred_as.family_name);
    Ok(page
        .render(
            state,
            "pages/referrals/status.html",
            minijinja::context! {
                title => format!("Referral for {name}"),
                name => name,
                received_at => r.received_at,
                status_changed_at => r.status_changed_at,
                active => r.status == ReferralStatus::Active,
                status => r.status.label(),
                status_hint => status_hint(r.status),
                outcome => r.discharge_reason.map(|d| d.label()),
                practice => practice,
            },
        )?
        .into_response())
}

/// What a status means, for the referrer (who sees nothing else).
pub(super) fn status_hint(s: ReferralStatus) -> &'static str {
    match s {
        ReferralStatus::Received => "The referral has been received and is waiting to be triaged.",
        ReferralStatus::Accepted => "The referral has been accepted and a link worker will contact the person.",
        ReferralStatus::Contacting { .. } => "A link worker is trying to contact the person.",
        ReferralStatus::Active => "The person is being supported by a link worker.",
        ReferralStatus::Discharged => "The person's support from the service has ended.",
        ReferralStatus::Declined => "The service could not accept this referral.",
        ReferralStatus::Redirected => "The referral was passed to a more suitable service.",
        ReferralStatus::UnableToContact => "The service could not reach the person, so the referral was closed.",
    }
}

/// Render the case page, with `errors` from one of its forms.
pub async fn render_case(
    state: &AppState,
    page: &Page,
    r: &Referral,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let scope = p.scope();
    let person = state.db.person(&scope, r.person_id).await?;
    let practice_ids: Vec<String> =
        [person.practice_id, r.practice_id].iter().flatten().map(|id| id.to_string()).collect();
    let practices = state.db.practices_by_ids(&scope, &practice_ids).await?;
    let practice_of = |id: Option<linkwell_domain::PracticeId>| {
        id.and_then(|id| practices.iter().find(|pr| pr.id == id)).map(|pr| format!("{} ({})", pr.name, pr.ods_code))
    };
    let sessions = state.db.sessions_for_referral(&scope, r.id).await?;
    let history = state.db.referral_history(&scope, r.id).await?;
    // The people this page names (the whole team only for a coordinator's chooser).
    let mut named: Vec<String> =
        r.assigned_worker_id.iter().chain(&r.referrer_user_id).map(|u| u.to_string()).collect();
    named.extend(sessions.iter().map(|s| s.worker_id.to_string()));
    named.extend(history.iter().filter_map(|e| e.actor_user_id.map(|u| u.to_string())));
    named.extend(
        history.iter().filter_map(|e| e.detail.split(' ').find_map(|kv| kv.strip_prefix("worker=")).map(str::to_owned)),
    );
    named.sort();
    named.dedup();
    let team = state.db.users_by_ids(&scope, &named).await?;
    let name_of = |id: Option<linkwell_domain::UserId>| {
        id.and_then(|id| team.iter().find(|u| u.id == id)).map(|u| u.display_name.clone())
    };
    let referrer = name_of(r.referrer_user_id);
    let choosable = if p.can(Action::TriageReferrals) { casework::workers(&state.db, &scope).await? } else { vec![] };
    let rooms = state.db.sites_with_rooms(&scope).await?;
    let room_name = |id: Option<linkwell_domain::RoomId>| id.and_then(|id| room_label(&rooms, id));
    let now = linkwell_store::now_ms();
    let session_rows: Vec<Value> = sessions
        .iter()
        .map(|s| {
            minijinja::context! {
                id => s.id.to_string(),
                kind => if s.kind == linkwell_domain::sessions::SessionKind::Initial { "Initial" } else { "Follow-up" },
                starts_at => s.starts_at,
                minutes => (s.ends_at - s.starts_at) / 60_000,
                mode => s.mode.label(),
                room => room_name(s.room_id),
                worker => name_of(Some(s.worker_id)),
                status => s.status.label(),
                booked => s.status == SessionStatus::Booked,
                past => s.starts_at <= now,
            }
        })
        .collect();
    let history_rows: Vec<Value> = history
        .iter()
        .map(|e| {
            minijinja::context! {
                at => e.at,
                what => event_label(&e.event, &e.detail, &name_of),
                by => e.actor_user_id.and_then(|id| team.iter().find(|u| u.id == id).map(|u| u.display_name.clone())),
            }
        })
        .collect();
    let triaging = p.can(Action::TriageReferrals) && r.status == ReferralStatus::Received;
    // The record holding the NHS number this referral gave, when its details differ.
    let nhs_match = match triaging {
        true => state.db.nhs_number_match_of(&scope, &person).await?,
        false => None,
    };
    let duplicates: Vec<Value> = if triaging {
        let mut found = state.db.possible_duplicates_of(&scope, &person).await?;
        found.retain(|d| nhs_match.as_ref().is_none_or(|m| m.id != d.id));
        let shown: Vec<PersonId> = nhs_match.iter().chain(found.iter()).map(|d| d.id).collect();
        casework::audit_shown(&state.db, &p, &shown, "possible_duplicate").await?;
        nhs_match
            .iter()
            .map(|d| (d, true))
            .chain(found.iter().map(|d| (d, false)))
            .map(|(d, same_nhs)| minijinja::context! { id => d.id.to_string(), name => format!("{} {}", d.given_name, d.family_name), dob => d.date_of_birth.to_string(), postcode => d.postcode.clone(), same_nhs_number => same_nhs })
            .collect()
    } else {
        vec![]
    };
    let plan = state.db.current_plan(&scope, r.id).await?;
    let programme = state.db.programmes(&scope).await?.into_iter().find(|pr| pr.id == r.programme_id);
    let live = sessions.iter().filter(|s| !s.status.is_cancelled()).count();
    let mut worker_items = vec![minijinja::context! { value => "", text => "Choose a link worker" }];
    worker_items.extend(items(
        choosable.iter().map(|u| (u.id.to_string(), u.display_name.as_str())),
        &[r.assigned_worker_id.map(|w| w.to_string()).unwrap_or_default()],
    ));
    let html = page.render(
        state,
        "pages/referrals/show.html",
        minijinja::context! {
            title => format!("{} {}", person.given_name, person.family_name),
            person => Serde(&person),
            person_practice => practice_of(person.practice_id),
            sex => person.sex.label(),
            ethnic_category => person.ethnic_category.map(|e| e.label()),
            channel => person.preferred_channel.label(),
            referral => Serde(r),
            referral_practice => practice_of(r.practice_id),
            referrer => referrer,
            source => r.source.label(),
            urgency => r.urgency.label(),
            needs => r.needs.iter().map(|n| n.label()).collect::<Vec<_>>(),
            status => r.status.label(),
            status_code => r.status.code(),
            failed_attempts => match r.status { ReferralStatus::Contacting { failed_attempts } => failed_attempts, _ => 0 },
            worker => name_of(r.assigned_worker_id),
            workers => worker_items,
            discharge_reason => r.discharge_reason.map(|d| d.label()),
            sessions => session_rows,
            sessions_live => live,
            history => history_rows,
            duplicates => duplicates,
            plan => Serde(plan.map(|v| v.version)),
            programme => Serde(programme),
            can_triage => p.can(Action::TriageReferrals),
            open => !r.status.is_closed(),
            waiting => r.status.is_waiting() && r.status != ReferralStatus::Received,
            active => r.status == ReferralStatus::Active,
            received => r.status == ReferralStatus::Received,
            contact_outcomes => items(ContactOutcome::ALL.iter().map(|o| (o.code(), o.label())), &[]),
            contact_channels => items(ContactChannel::ALL.iter().map(|c| (c.code(), c.label())), &[person.preferred_channel.code().to_owned()]),
            errors => errors.map(form_errors),
            prescriptions => crate::pages::shared::prescription_rows(&state.db.prescriptions_for_referral(&p.scope(), r.id).await?),
            unmet_needs => items(r.needs.iter().map(|n| (n.code(), n.label())).chain(linkwell_domain::referrals::Need::ALL.iter().filter(|n| !r.needs.contains(n)).map(|n| (n.code(), n.label()))), &[]),
            person_district => person.postcode.as_deref().and_then(|pc| linkwell_domain::people::Postcode::parse(pc).ok()).map(|pc| pc.outward().to_owned()),
        },
    )?;
    Ok((status, html).into_response())
}

pub(super) fn event_label(
    event: &str,
    detail: &str,
    name_of: &dyn Fn(Option<linkwell_domain::UserId>) -> Option<String>,
) -> String {
    let fact = |key: &str| detail.split(' ').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')).unwrap_or("");
    let worker = || name_of(fact("worker").parse().ok()).unwrap_or_else(|| "a link worker".into());
    let attempt = || {
        let channel = ContactChannel::parse(fact("channel")).map(|c| c.label()).unwrap_or("Contact");
        let outcome = ContactOutcome::parse(fact("outcome")).map(|o| o.label()).unwrap_or("");
        format!("{channel}: {outcome}")
    };
    match event {
        "accepted" => format!("Accepted and assigned to {}", worker()),
        "reassigned" => format!("Reassigned to {}", worker()),
        "declined" => "Declined".into(),
        "redirected" => "Redirected".into(),
        "contact_attempt_failed" => format!("Contact attempt failed ({})", attempt()),
        "contact_attempt_reached" => format!("Contact made ({})", attempt()),
        "contact_made" => "Contact made".into(),
        "follow_ups_extended" => format!("Follow-up limit extended by {}", fact("extra")),
        "discharged" => "Discharged".into(),
        other => other.replace('_', " "),
    }
}
