//! The case page (coordinators, the assigned link worker) and the status page (the referrer).

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_domain::ValidationErrors;
use linkwell_domain::authz::Action;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::outcomes::instruments::Timepoint;
use linkwell_domain::people::ContactChannel;
use linkwell_domain::people::Postcode;
use linkwell_domain::referrals::Need;
use linkwell_domain::referrals::{ContactOutcome, ReferralStatus};
use linkwell_domain::sessions::{Outcome, SessionStatus};
use linkwell_store::people::Person;
use linkwell_store::programmes::Programme;
use linkwell_store::referrals::Referral;
use minijinja::Value;
use serde::Serialize;

use crate::error::PageError;
use crate::pages::{Page, form_errors, path_id};
use crate::state::AppState;
use linkwell_app::casework::{CaseFile, View, open_referral};

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
                reference => r.reference.as_ref().map(|x| x.to_string()),
                referral_id => r.id.to_string(),
                discharged => r.status == linkwell_domain::referrals::ReferralStatus::Discharged,
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
        ReferralStatus::UnableToContact { .. } => "The service could not reach the person, so the referral was closed.",
    }
}

/// The case page's template context: one field per thing the page shows.
#[derive(Serialize)]
struct CaseView<'a> {
    title: String,
    person: &'a Person,
    person_practice: Option<String>,
    sex: &'static str,
    ethnic_category: Option<&'static str>,
    channel: &'static str,
    referral: &'a Referral,
    referral_practice: Option<String>,
    referrer: Option<String>,
    source: &'static str,
    urgency: &'static str,
    needs: Vec<&'static str>,
    status: &'static str,
    status_code: &'static str,
    failed_attempts: u32,
    worker: Option<String>,
    /// The link worker chooser (coordinators only).
    workers: Vec<Value>,
    discharge_reason: Option<&'static str>,
    sessions: Vec<SessionRow>,
    /// Sessions that still count towards the follow-up limit.
    sessions_live: usize,
    history: Vec<HistoryRow>,
    duplicates: Vec<DuplicateRow>,
    /// The plan's current version, if one was saved.
    plan: Option<i64>,
    programme: Option<&'a Programme>,
    can_triage: bool,
    open: bool,
    waiting: bool,
    active: bool,
    received: bool,
    contact_outcomes: Vec<Value>,
    contact_channels: Vec<Value>,
    errors: Option<Value>,
    prescriptions: Vec<Value>,
    /// The referral's needs first, then the rest: for recording a need nothing meets.
    unmet_needs: Vec<Value>,
    /// The postcode district (never the full postcode) for directory searches.
    person_district: Option<String>,
    /// The questionnaires recorded, oldest first, and whether the baseline is still missing.
    questionnaires: Vec<Value>,
    baseline_missing: bool,
    /// The links sent for the person to answer, and the choices for sending one.
    questionnaire_links: Vec<Value>,
    instruments: Vec<Value>,
    timepoints: Vec<Value>,
}

#[derive(Serialize)]
struct SessionRow {
    id: String,
    kind: &'static str,
    starts_at: i64,
    minutes: i64,
    mode: &'static str,
    room: Option<String>,
    worker: Option<String>,
    status: &'static str,
    booked: bool,
    past: bool,
    /// Questionnaires can be recorded in it: it has started and was not missed or cancelled.
    questionnaires: bool,
}

#[derive(Serialize)]
struct HistoryRow {
    at: i64,
    what: String,
    by: Option<String>,
}

#[derive(Serialize)]
struct DuplicateRow {
    id: String,
    name: String,
    dob: String,
    postcode: Option<String>,
    /// The record holds the NHS number this referral gave.
    same_nhs_number: bool,
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
    let file = CaseFile::read(&state.db, &p, r).await?;
    let html =
        page.render(state, "pages/referrals/show.html", case_view(&file, r, p.can(Action::TriageReferrals), errors))?;
    Ok((status, html).into_response())
}

fn case_view<'a>(
    file: &'a CaseFile,
    r: &'a Referral,
    can_triage: bool,
    errors: Option<&ValidationErrors>,
) -> CaseView<'a> {
    let person = &file.person;
    let now = linkwell_store::now_ms();
    let name_of = |id| file.name_of(id);
    let sessions = file
        .sessions
        .iter()
        .map(|s| SessionRow {
            id: s.id.to_string(),
            kind: s.kind.label(),
            starts_at: s.starts_at,
            minutes: (s.ends_at - s.starts_at) / 60_000,
            mode: s.mode.label(),
            room: file.room_name(s.room_id),
            worker: file.name_of(Some(s.worker_id)),
            status: s.status.label(),
            booked: s.status == SessionStatus::Booked,
            past: s.starts_at <= now,
            questionnaires: s.starts_at <= now
                && matches!(s.status, SessionStatus::Booked | SessionStatus::Ended(Outcome::Attended)),
        })
        .collect();
    let history = file
        .history
        .iter()
        .map(|e| HistoryRow {
            at: e.at,
            what: linkwell_app::casework::event_label(&e.event, &name_of),
            by: file.name_of(e.actor_user_id),
        })
        .collect();
    let duplicates = file
        .same_nhs_number
        .iter()
        .map(|d| (d, true))
        .chain(file.possible_duplicates.iter().map(|d| (d, false)))
        .map(|(d, same_nhs_number)| DuplicateRow {
            id: d.id.to_string(),
            name: format!("{} {}", d.given_name, d.family_name),
            dob: d.date_of_birth.to_string(),
            postcode: d.postcode.clone(),
            same_nhs_number,
        })
        .collect();
    let mut workers = vec![minijinja::context! { value => "", text => "Choose a link worker" }];
    workers.extend(items(
        file.choosable_workers.iter().map(|w| {
            let cases = if w.open == 1 { "1 open case".to_owned() } else { format!("{} open cases", w.open) };
            (w.worker.id.to_string(), format!("{} ({cases})", w.worker.display_name))
        }),
        &[r.assigned_worker_id.map(|w| w.to_string()).unwrap_or_default()],
    ));
    CaseView {
        title: format!("{} {}", person.given_name, person.family_name),
        person,
        person_practice: file.practice(person.practice_id),
        sex: person.sex.label(),
        ethnic_category: person.ethnic_category.map(|e| e.label()),
        channel: person.preferred_channel.label(),
        referral: r,
        referral_practice: file.practice(r.practice_id),
        referrer: file.name_of(r.referrer_user_id),
        source: r.source.label(),
        urgency: r.urgency.label(),
        needs: r.needs.iter().map(|n| n.label()).collect(),
        status: r.status.label(),
        status_code: r.status.code(),
        failed_attempts: r.status.failed_attempts(),
        worker: file.name_of(r.assigned_worker_id),
        workers,
        discharge_reason: r.discharge_reason.map(|d| d.label()),
        sessions,
        sessions_live: file.live_sessions(),
        history,
        duplicates,
        plan: file.plan_version,
        programme: file.programme.as_ref(),
        can_triage,
        open: !r.status.is_closed(),
        waiting: r.status.is_waiting() && r.status != ReferralStatus::Received,
        active: r.status == ReferralStatus::Active,
        received: r.status == ReferralStatus::Received,
        contact_outcomes: items(ContactOutcome::ALL.iter().map(|o| (o.code(), o.label())), &[]),
        contact_channels: items(
            ContactChannel::ALL.iter().map(|c| (c.code(), c.label())),
            &[person.preferred_channel.code().to_owned()],
        ),
        errors: errors.map(form_errors),
        prescriptions: prescription_rows(&file.prescriptions),
        unmet_needs: items(
            r.needs
                .iter()
                .map(|n| (n.code(), n.label()))
                .chain(Need::ALL.iter().filter(|n| !r.needs.contains(n)).map(|n| (n.code(), n.label()))),
            &[],
        ),
        person_district: person
            .postcode
            .as_deref()
            .and_then(|pc| Postcode::parse(pc).ok())
            .map(|pc| pc.outward().to_owned()),
        questionnaires: file
            .questionnaires
            .iter()
            .map(|q| {
                let given = file.catalogue.find_version(&q.instrument, q.version);
                let label = |m: &str| given.map_or_else(|| "Score".to_owned(), |g| g.measure_label(m));
                let scores: Vec<String> = q.scores.iter().map(|(m, v)| format!("{} {}", label(m), number(*v))).collect();
                minijinja::context! {
                    day => linkwell_domain::time::display_london_date(q.answered_on),
                    name => file.catalogue.name(&q.instrument), timepoint => q.timepoint.label(),
                    scores => if scores.is_empty() { "Not scored (incomplete)".to_owned() } else { scores.join(", ") },
                }
            })
            .collect(),
        baseline_missing: r.status == ReferralStatus::Active
            && !file.questionnaires.iter().any(|q| q.timepoint == Timepoint::Baseline),
        questionnaire_links: file
            .questionnaire_links
            .iter()
            .map(|l| {
                let state = match l.used_at {
                    Some(at) => format!("Answered {}", linkwell_domain::time::display_london(linkwell_domain::time::from_millis(at))),
                    None if l.expires_at <= now => "Expired unanswered".to_owned(),
                    None => format!("Works until {}", linkwell_domain::time::display_london(linkwell_domain::time::from_millis(l.expires_at))),
                };
                minijinja::context! { name => file.catalogue.name(&l.instrument), timepoint => l.timepoint.label(), sent_at => l.created_at, state => state }
            })
            .collect(),
        instruments: {
            let mut all = vec![minijinja::context! { value => "", text => "Choose a questionnaire" }];
            // A licensed questionnaire's score comes from its own scoring, in a session.
            all.extend(items(file.catalogue.offered().filter(|q| !q.licensed()).map(|q| (q.code(), q.name())), &[]));
            all
        },
        timepoints: items(
            Timepoint::ALL.iter().map(|t| (t.code(), t.label())),
            &[if r.status == ReferralStatus::Discharged { Timepoint::FollowUp } else { Timepoint::Review }.code().to_owned()],
        ),
    }
}
