//! Referrals: the referral form (referrers and staff), the list each role may see, the case
//! page (coordinators, the assigned link worker) or status page (the referrer), triage,
//! contact attempts and follow-up extensions.

use std::num::NonZeroU32;

use crate::input::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_domain::authz::Action;
use linkwell_domain::identity::Role;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::people::{ContactChannel, EthnicCategory, PersonFields, PersonInput, Sex};
use linkwell_domain::referrals::{
    ContactOutcome, Need, ReferralFields, ReferralInput, ReferralSource, ReferralStatus, Urgency,
};
use linkwell_domain::validation::required_text;
use linkwell_domain::{PersonId, ValidationErrors};
use linkwell_store::StoreError;
use linkwell_store::caseload::{ReferralFilter, ReferralOrder, ReferralSummary};
use linkwell_store::people::Person;
use linkwell_store::practices::room_label;
use linkwell_store::referrals::{Change, ChangeError, Referral};
use minijinja::Value;
use minijinja::value::Serde;
use serde::Deserialize;

use super::{FormPairs, Page, form_errors, form_status, form_version, path_id};
use crate::auth::Principal;
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework::{self, DuplicateChoice, Intake, IntakeOutcome, View, open_case, open_referral};

/// Referrals shown per page of a list.
pub const PAGE_SIZE: usize = 50;

/// `{value, text, checked}` items for radios, checkboxes and selects.
pub fn items<K: AsRef<str>, T: AsRef<str>>(choices: impl IntoIterator<Item = (K, T)>, chosen: &[String]) -> Vec<Value> {
    choices
        .into_iter()
        .map(|(value, text)| {
            let (value, text) = (value.as_ref(), text.as_ref());
            let on = chosen.iter().any(|c| c == value);
            minijinja::context! { value => value, text => text, checked => on, selected => on }
        })
        .collect()
}

pub fn person_fields(f: &FormPairs) -> PersonFields {
    PersonFields {
        nhs_number: f.get("nhs_number").into(),
        given_name: f.get("given_name").into(),
        family_name: f.get("family_name").into(),
        dob_day: f.get("dob_day").into(),
        dob_month: f.get("dob_month").into(),
        dob_year: f.get("dob_year").into(),
        sex: f.get("sex").into(),
        gender_identity: f.get("gender_identity").into(),
        ethnic_category: f.get("ethnic_category").into(),
        postcode: f.get("postcode").into(),
        address: f.get("address").into(),
        phone: f.get("phone").into(),
        email: f.get("email").into(),
        preferred_channel: f.get("preferred_channel").into(),
        access_needs: f.get("access_needs").into(),
        practice_id: f.get("practice_id").into(),
        consent_contact: f.checked("consent_contact"),
        consent_share: f.checked("consent_share"),
        consent_feedback: f.checked("consent_feedback"),
    }
}

pub fn referral_fields(f: &FormPairs) -> ReferralFields {
    ReferralFields {
        source: f.get("source").into(),
        needs: f.all("needs"),
        urgency: f.get("urgency").into(),
        risk_flags: f.get("risk_flags").into(),
        safeguarding: f.checked("safeguarding"),
        free_text: f.get("free_text").into(),
        consent_confirmed: f.checked("consent_confirmed"),
    }
}

/// Sources a referrer may choose: the professions of primary care.
/// The choices of the person's fields (shared with the self-referral form).
pub async fn person_choices(
    state: &AppState,
    scope: &linkwell_store::OrgScope,
    form: &FormPairs,
    fixed_practice: Option<linkwell_domain::PracticeId>,
) -> Result<Value, PageError> {
    let practices = state.db.practices_by_name(scope).await?;
    let one = |name: &str| vec![form.get(name).to_owned()];
    let fixed = fixed_practice.and_then(|id| practices.iter().find(|pr| pr.id == id)).cloned();
    let mut practice_items = vec![minijinja::context! { value => "", text => "Choose a practice" }];
    practice_items.extend(items(practices.iter().map(|pr| (pr.id.to_string(), pr.name.as_str())), &one("practice_id")));
    let mut ethnic = vec![minijinja::context! { value => "", text => "Not recorded" }];
    ethnic.extend(items(EthnicCategory::ALL.iter().map(|e| (e.code(), e.label())), &one("ethnic_category")));
    let consented: Vec<String> = ["consent_contact", "consent_share", "consent_feedback"]
        .iter()
        .filter(|c| form.checked(c))
        .map(|c| c.to_string())
        .collect();
    Ok(minijinja::context! {
        form => form.values(),
        sexes => items(Sex::ALL.iter().map(|s| (s.code(), s.label())), &one("sex")),
        channels => items(ContactChannel::ALL.iter().map(|c| (c.code(), c.label())), &one("preferred_channel")),
        ethnic_categories => ethnic,
        consents => items([
            ("consent_contact", "They agree to be contacted by the service"),
            ("consent_share", "They agree that their details can be shared with community services they are referred to"),
            ("consent_feedback", "They agree to be asked for feedback"),
        ], &consented),
        practices => practice_items,
        fixed_practice => Serde(fixed),
        needs => items(Need::ALL.iter().map(|n| (n.code(), n.label())), &form.all("needs")),
    })
}

async fn render_new(
    state: &AppState,
    page: &Page,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
    duplicates: &[Person],
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let scope = p.scope();
    let programmes = state.db.programmes(&scope).await?;
    let one = |name: &str| vec![form.get(name).to_owned()];
    let mut programme_items = vec![minijinja::context! { value => "", text => "Choose a programme" }];
    programme_items
        .extend(items(programmes.iter().map(|pr| (pr.id.to_string(), pr.name.as_str())), &one("programme_id")));
    let dups: Vec<Value> = duplicates
        .iter()
        .map(|d| {
            minijinja::context! {
                value => d.id.to_string(),
                text => format!("{} {}, born {}{}", d.given_name, d.family_name, d.date_of_birth.strftime("%-d %b %Y"), d.postcode.as_ref().map(|c| format!(", {c}")).unwrap_or_default()),
            }
        })
        .collect();
    let person = person_choices(state, &scope, form, p.user.practice_id).await?;
    let html = page.render(
        state,
        "pages/referrals/new.html",
        minijinja::context! {
            ..person,
            ..minijinja::context! {
                title => "Refer someone",
                sources => items(ReferralSource::open_to_role(p.user.role).iter().map(|s| (s.code(), s.label())), &one("source")),
                urgencies => items(Urgency::ALL.iter().map(|u| (u.code(), u.label())), &one("urgency")),
                programmes => programme_items,
                many_programmes => programmes.len() > 1,
                duplicates => dups,
                errors => errors.map(form_errors),
            }
        },
    )?;
    let status = if duplicates.is_empty() { form_status(errors) } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn new(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_new(&state, &page, &FormPairs(vec![]), None, &[]).await
}

pub async fn create(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let scope = p.scope();
    let organisation = &p.organisation;
    let today = linkwell_app::today();
    let mut pf = person_fields(&form);
    if let Some(practice) = p.user.practice_id {
        // A referrer refers for their own practice, whatever the form says.
        pf.practice_id = practice.to_string();
    }
    let mut errors = ValidationErrors::new();
    let person =
        PersonInput::parse(&pf, organisation.test_mode, today).map_err(|e| errors.errors.extend(e.errors)).ok();
    let referral =
        ReferralInput::parse_by(p.user.role, &referral_fields(&form)).map_err(|e| errors.errors.extend(e.errors)).ok();
    let programmes = state.db.programmes(&scope).await?;
    let programme = casework::choose_programme(&programmes, form.get("programme_id"))
        .map_err(|e| errors.errors.extend(e.errors))
        .ok();
    let practice = person.as_ref().and_then(|p| p.practice_id);
    linkwell_app::users::check_practice_into(&state.db, &scope, practice, "practice_id", &mut errors).await?;
    let (Some(person), Some(referral), Some(programme)) = (person, referral, programme) else {
        return render_new(&state, &page, &form, Some(&errors), &[]).await;
    };
    if !errors.is_empty() {
        return render_new(&state, &page, &form, Some(&errors), &[]).await;
    }
    let duplicates = match form.get("duplicate") {
        _ if !p.can(Action::WorkCases) => DuplicateChoice::CreateAndFlag,
        "" => DuplicateChoice::Check,
        "new" => DuplicateChoice::CreateAndFlag,
        id => DuplicateChoice::Existing(
            path_id::<PersonId>(id)
                .map_err(|_| PageError::BadRequest("The chosen record is not one of those offered.".into()))?,
        ),
    };
    let intake = Intake::by(&p, person, referral, programme, duplicates);
    match casework::intake(&state.db, &scope, &page.actor(), &intake).await {
        Ok(IntakeOutcome::Created { referral, matched_existing }) => {
            // Only the team may learn that the person was known already.
            let message = if matched_existing && casework::IntakeFrom::of(&p) == casework::IntakeFrom::Team {
                "Referral sent. The person was already known to the service, so it was added to their record."
            } else {
                "Referral sent"
            };
            page.done(message, &format!("/referrals/{}", referral.id)).await
        }
        Ok(IntakeOutcome::PossibleDuplicates(found)) => {
            let ids: Vec<PersonId> = found.iter().map(|d| d.id).collect();
            casework::audit_shown(&state.db, &p, page.request_id.clone(), &ids, "possible_duplicate").await?;
            render_new(&state, &page, &form, None, &found).await
        }
        Err(StoreError::NotFound) => Err(PageError::BadRequest("The chosen record no longer exists.".into())),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    after: String,
}

/// The statuses a list can be filtered by, as (code, label).
const STATUS_FILTERS: &[(&str, &str)] = &[
    ("received", "Received"),
    ("accepted", "Accepted"),
    ("contacting", "Contacting"),
    ("active", "Active"),
    ("discharged", "Discharged"),
    ("declined", "Declined"),
    ("redirected", "Redirected"),
    ("unable_to_contact", "Unable to contact"),
];

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
            let received = linkwell_domain::time::from_millis(r.received_at).to_zoned(linkwell_domain::time::london()).date();
            let overdue = r.next_review.as_deref().and_then(|d| d.parse::<jiff::civil::Date>().ok()).is_some_and(|d| d < today);
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
                days_waiting => (today - received).get_days(),
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

/// What each role's list holds: a referrer their own and their practice's referrals, a
/// link worker their caseload's, a coordinator everyone's.
pub fn list_filter(p: &Principal, status: &str) -> ReferralFilter {
    let statuses: Vec<&'static str> =
        STATUS_FILTERS.iter().filter(|(code, _)| *code == status).map(|(code, _)| *code).collect();
    let mut filter = ReferralFilter { statuses, ..Default::default() };
    match p.user.role {
        Role::Referrer => filter.referred_by = Some((p.user.id, p.user.practice_id)),
        Role::LinkWorker => filter.worker = Some(p.user.id),
        _ => {}
    }
    filter
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let filter = list_filter(&p, q.status.trim());
    let cursor = Some(q.after.trim()).filter(|c| !c.is_empty());
    let result = state.db.referral_summaries(&p.scope(), &filter, ReferralOrder::Newest, cursor, PAGE_SIZE).await?;
    let rows = summary_rows(&state, &p, &result.items).await?;
    let status = q.status.trim();
    let mut filters = vec![minijinja::context! { value => "", text => "Any status" }];
    filters.extend(items(STATUS_FILTERS.iter().copied(), &[status.to_owned()]));
    let next = result.next_cursor.map(|c| format!("/referrals?status={status}&after={c}"));
    Ok(page
        .render(
            &state,
            "pages/referrals/list.html",
            minijinja::context! {
                title => if p.user.role == Role::Referrer { "Your practice's referrals" } else if p.user.role == Role::LinkWorker { "Your referrals" } else { "All referrals" },
                rows => rows, filters => filters, next_href => next,
                referrer => p.user.role == Role::Referrer,
                can_refer => p.can(Action::ReferPeople),
            },
        )?
        .into_response())
}

/// The case page, or the status page for a referrer.
pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let id: ReferralId = path_id(&id)?;
    let (r, view) = open_referral(&state.db, &p, id, page.request_id.clone()).await?;
    match view {
        View::Status => render_status(&state, &page, &r).await,
        View::Case => render_case(&state, &page, &r, None, StatusCode::OK).await,
    }
}

/// A referral as its referrer follows it: the person as the referral named them, the
/// status and when it changed — nothing from the case or the person's record.
async fn render_status(state: &AppState, page: &Page, r: &Referral) -> Result<Response, PageError> {
    let p = page.principal()?;
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
fn status_hint(s: ReferralStatus) -> &'static str {
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
    let p = page.principal()?.clone();
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
                status => session_status_label(&s.status),
                booked => s.status == "booked",
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
        casework::audit_shown(&state.db, &p, page.request_id.clone(), &shown, "possible_duplicate").await?;
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
    let live = sessions.iter().filter(|s| !s.status.starts_with("cancelled")).count();
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
            prescriptions => super::prescriptions::prescription_rows(&state.db.prescriptions_for_referral(&p.scope(), r.id).await?),
            unmet_needs => items(r.needs.iter().map(|n| (n.code(), n.label())).chain(linkwell_domain::referrals::Need::ALL.iter().filter(|n| !r.needs.contains(n)).map(|n| (n.code(), n.label()))), &[]),
            person_district => person.postcode.as_deref().and_then(|pc| linkwell_domain::people::Postcode::parse(pc).ok()).map(|pc| pc.outward().to_owned()),
        },
    )?;
    Ok((status, html).into_response())
}

pub fn session_status_label(code: &str) -> &'static str {
    match code {
        "booked" => "Booked",
        "attended" => "Attended",
        "did_not_attend" => "Did not attend",
        "cancelled_by_person" => "Cancelled by the person",
        "cancelled_by_service" => "Cancelled by the service",
        _ => "Unknown",
    }
}

fn event_label(
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

/// Apply a lifecycle change from a case-page form; an illegal move or stale form is shown
/// on the case page, naming `field`.
async fn change(
    state: &AppState,
    page: &Page,
    r: &Referral,
    version: linkwell_domain::Version,
    change: Change,
    field: &str,
    done: &str,
) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let result = state.db.change_referral(&p.scope(), &page.actor(), r.id, version, change).await;
    finish(state, page, r, result, field, done).await
}

/// After a change: back to the case with `done`, or the case page with the reason it was refused.
async fn finish(
    state: &AppState,
    page: &Page,
    r: &Referral,
    result: Result<Referral, ChangeError>,
    field: &str,
    done: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => page.done(done, &format!("/referrals/{}", r.id)).await,
        Err(ChangeError::Illegal(e)) => {
            let e = ValidationErrors::single(field, e.to_string());
            render_case(state, page, r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ChangeError::Store(StoreError::Conflict)) => stale(state, page, r.id, field).await,
        Err(ChangeError::Store(e)) => Err(e.into()),
    }
}

async fn stale(state: &AppState, page: &Page, id: ReferralId, field: &str) -> Result<Response, PageError> {
    let p = page.principal()?.clone();
    let current = state.db.referral(&p.scope(), id).await?;
    let e = ValidationErrors::single(
        field,
        "Someone else changed this referral while you had it open. Nothing was saved: check it below and try again.",
    );
    render_case(state, page, &current, Some(&e), StatusCode::CONFLICT).await
}

async fn case_for_form(state: &AppState, page: &Page, id: &str) -> Result<Referral, PageError> {
    let p = page.principal()?.clone();
    Ok(open_case(&state.db, &p, path_id(id)?, page.request_id.clone()).await?)
}

pub async fn accept(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    give_to_worker(&state, &page, &id, &form, false).await
}

pub async fn assign(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    give_to_worker(&state, &page, &id, &form, true).await
}

/// Accept a referral for the chosen worker, or (`reassign`) move it to another.
async fn give_to_worker(
    state: &AppState,
    page: &Page,
    id: &str,
    form: &FormPairs,
    reassign: bool,
) -> Result<Response, PageError> {
    let r = case_for_form(state, page, id).await?;
    let version = form_version(form.get("version"))?;
    let p = page.principal()?.clone();
    let worker = match casework::chosen_worker(&state.db, &p.scope(), form.get("worker_id"), "worker_id").await {
        Ok(w) => w,
        Err(e) => return render_case(state, page, &r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let (result, done) = if reassign {
        (state.db.reassign_referral(&p.scope(), &page.actor(), r.id, version, worker).await, "Referral reassigned")
    } else {
        let accept = Change::Accept { worker };
        (
            state.db.change_referral(&p.scope(), &page.actor(), r.id, version, accept).await,
            "Referral accepted and assigned",
        )
    };
    finish(state, page, &r, result, "worker_id", done).await
}

pub async fn decline(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let why = ("decline_reason", "why the referral is declined", 1000);
    close_with_text(&state, &page, &id, &form, why, |reason| Change::Decline { reason }, "Referral declined").await
}

pub async fn redirect(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let to = ("redirected_to", "where the referral is redirected to", 500);
    close_with_text(&state, &page, &id, &form, to, |to| Change::Redirect { to }, "Referral redirected").await
}

/// Decline or redirect: the form's required text `(field, what it is, max length)`
/// becomes the change.
async fn close_with_text(
    state: &AppState,
    page: &Page,
    id: &str,
    form: &FormPairs,
    (field, what, max): (&str, &str, usize),
    make: impl FnOnce(String) -> Change,
    done: &str,
) -> Result<Response, PageError> {
    let r = case_for_form(state, page, id).await?;
    let version = form_version(form.get("version"))?;
    match required_text(what, form.get(field), max) {
        Ok(text) => change(state, page, &r, version, make(text), field, done).await,
        Err(m) => {
            let e = ValidationErrors::single(field, m);
            render_case(state, page, &r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn contact(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let r = case_for_form(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let mut e = ValidationErrors::new();
    let channel = e.check("contact_channel", ContactChannel::parse(form.get("contact_channel")));
    let outcome = e.check("contact_outcome", ContactOutcome::parse(form.get("contact_outcome")));
    let (Some(channel), Some(outcome)) = (channel, outcome) else {
        return render_case(&state, &page, &r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let done = if outcome.reached() { "Contact made: the referral is now active" } else { "Contact attempt recorded" };
    change(&state, &page, &r, version, Change::contact_attempt(channel, outcome), "contact_outcome", done).await
}

pub async fn extend(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let r = case_for_form(&state, &page, &id).await?;
    let version = form_version(form.get("version"))?;
    let mut e = ValidationErrors::new();
    let extra = e.check(
        "extra",
        form.get("extra")
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=10).contains(n))
            .and_then(NonZeroU32::new)
            .ok_or("Enter how many more follow-ups, from 1 to 10"),
    );
    let reason = e
        .check("extension_reason", required_text("the reason for more follow-ups", form.get("extension_reason"), 1000));
    let (Some(extra), Some(reason)) = (extra, reason) else {
        return render_case(&state, &page, &r, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let p = page.principal()?.clone();
    match state.db.extend_follow_ups(&p.scope(), &page.actor(), r.id, version, extra, &reason).await {
        Ok(_) => page.done("Follow-up limit extended", &format!("/referrals/{}", r.id)).await,
        Err(StoreError::Conflict) => stale(&state, &page, r.id, "extra").await,
        Err(e) => Err(e.into()),
    }
}
