//! Casework shared by pages and the API: who may open which case (the record-level half
//! of authorization; the route table does the role half), audited reads, referral intake
//! with duplicate detection, and choosing a worker.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::authz::{follows_referral, sees_case};
use linkwell_domain::identity::Role;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::people::PersonInput;
use linkwell_domain::referrals::ReferralInput;
use linkwell_domain::{PersonId, PracticeId, ProgrammeId, UserId, ValidationErrors};
use linkwell_store::people::Person;
use linkwell_store::programmes::Programme;
use linkwell_store::referrals::Referral;
use linkwell_store::users::User;
use linkwell_store::{Actor, Db, OrgScope, StoreError};

use crate::auth::Principal;

/// Why a case could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// Not in this organisation (or no such record): never says which.
    #[error("not found")]
    NotFound,
    /// In this organisation, but not this user's to see.
    #[error("not on your caseload")]
    NotYours,
    /// Input that breaks an organisation-level rule (e.g. a tool not on the list).
    #[error("invalid")]
    Invalid(ValidationErrors),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CaseError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => CaseError::NotFound,
            other => CaseError::Store(other),
        }
    }
}

/// How much of a referral the principal may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The whole case: person, notes, sessions, plan.
    Case,
    /// Only its status (the referrer who made it, or their practice).
    Status,
}

/// What the principal may see of `r`, if anything.
pub fn view_of(p: &Principal, r: &Referral) -> Option<View> {
    let role = p.user.role;
    if sees_case(role, r.assigned_worker_id == Some(p.user.id)) {
        return Some(View::Case);
    }
    let made_by_me = r.referrer_user_id == Some(p.user.id);
    let for_my_practice = p.user.practice_id.is_some() && r.practice_id == p.user.practice_id;
    follows_referral(role, made_by_me, for_my_practice).then_some(View::Status)
}

/// Load a referral the principal may see, and record the read in the audit trail (a
/// person's record was viewed: by whom, which record, how much of it).
pub async fn open_referral(
    db: &Db,
    p: &Principal,
    id: ReferralId,
    request_id: Option<String>,
) -> Result<(Referral, View), CaseError> {
    let r = db.referral(&p.scope(), id).await?;
    let view = view_of(p, &r).ok_or(CaseError::NotYours)?;
    let detail = match view {
        View::Case => "case",
        View::Status => "status",
    };
    let actor = Actor::user(p.user.id, request_id);
    db.audit(&p.scope(), &actor.event(AuditAction::RecordViewed, "referral", id, Some(detail.into()))).await?;
    Ok((r, view))
}

/// Load a referral for casework (reading or changing it); anything less than the whole
/// case is refused.
pub async fn open_case(
    db: &Db,
    p: &Principal,
    id: ReferralId,
    request_id: Option<String>,
) -> Result<Referral, CaseError> {
    match open_referral(db, p, id, request_id).await? {
        (r, View::Case) => Ok(r),
        (_, View::Status) => Err(CaseError::NotYours),
    }
}

/// A person's record, for those who work one of their cases (coordinators: anyone).
pub async fn open_person(
    db: &Db,
    p: &Principal,
    id: PersonId,
    request_id: Option<String>,
) -> Result<Person, CaseError> {
    let person = db.person(&p.scope(), id).await?;
    // The same rule as for cases: "assigned" means one of the person's referrals is theirs
    // (only asked when the role's answer depends on it).
    let assigned = p.user.role == Role::LinkWorker && {
        let filter = linkwell_store::caseload::ReferralFilter {
            person: Some(id),
            worker: Some(p.user.id),
            ..Default::default()
        };
        let order = linkwell_store::caseload::ReferralOrder::Newest;
        !db.referral_summaries(&p.scope(), &filter, order, None, 1).await?.items.is_empty()
    };
    if !sees_case(p.user.role, assigned) {
        return Err(CaseError::NotYours);
    }
    let actor = Actor::user(p.user.id, request_id);
    db.audit(&p.scope(), &actor.event(AuditAction::RecordViewed, "person", id, None)).await?;
    Ok(person)
}

/// Records shown to staff as possible duplicates are people outside their caseload: each
/// one shown is a read of that record, audited as one (`detail` says why it was shown).
pub async fn audit_shown(
    db: &Db,
    p: &Principal,
    request_id: Option<String>,
    people: &[PersonId],
    detail: &str,
) -> Result<(), StoreError> {
    let actor = Actor::user(p.user.id, request_id);
    for id in people {
        db.audit(&p.scope(), &actor.event(AuditAction::RecordViewed, "person", id, Some(detail.into()))).await?;
    }
    Ok(())
}

/// The people a referral can be assigned to: active link workers and coordinators.
pub async fn workers(db: &Db, scope: &OrgScope) -> Result<Vec<User>, StoreError> {
    Ok(db
        .users_by_name(scope)
        .await?
        .into_iter()
        .filter(|u| !u.disabled && matches!(u.role, Role::LinkWorker | Role::Coordinator))
        .collect())
}

/// A worker chosen on a form or in a body: someone in `workers`, or an error on `field`.
pub async fn chosen_worker(db: &Db, scope: &OrgScope, raw: &str, field: &str) -> Result<UserId, ValidationErrors> {
    let bad = || ValidationErrors::single(field, "Select a link worker from the list");
    let id: UserId = raw.trim().parse().map_err(|_| bad())?;
    match db.user(scope, id).await {
        Ok(u) if !u.disabled && matches!(u.role, Role::LinkWorker | Role::Coordinator) => Ok(id),
        _ => Err(bad()),
    }
}

/// What to do about possible duplicates of the person being referred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateChoice {
    /// Show possible duplicates before creating anyone (staff who may see people).
    Check,
    /// Create the person; possible duplicates are shown to the coordinator at triage
    /// (referrers and self-referrals may not see other people's records).
    CreateAndFlag,
    /// The person chose an existing record.
    Existing(PersonId),
}

pub struct Intake {
    pub person: PersonInput,
    pub referral: ReferralInput,
    pub programme: ProgrammeId,
    pub practice: Option<PracticeId>,
    pub referrer: Option<UserId>,
    pub duplicates: DuplicateChoice,
    /// Who is referring: the team, or someone who must learn nothing about the records
    /// the service already holds (a referrer, an integration acting for a practice, the
    /// person themselves).
    pub from: IntakeFrom,
}

/// Who a referral comes from, which decides what an NHS number that is already known may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeFrom {
    /// Staff who may see people: the same NHS number and date of birth is the same person.
    Team,
    /// A referrer or the person: the known record is used only when the details they gave
    /// are its details to the letter; otherwise the referral gets a record of its own with
    /// the number unconfirmed, and the coordinator merges at triage.
    Outside,
}

impl IntakeFrom {
    pub fn of(p: &Principal) -> IntakeFrom {
        if p.can(linkwell_domain::authz::Action::WorkCases) { IntakeFrom::Team } else { IntakeFrom::Outside }
    }
}

pub enum IntakeOutcome {
    Created {
        referral: Box<Referral>,
        /// The NHS number matched a person already known: same NHS number, same person.
        matched_existing: bool,
    },
    /// Nothing was created: these records might be the same person.
    PossibleDuplicates(Vec<Person>),
}

/// Record a referral. A known NHS number joins the record that holds it when the details
/// agree (see [`IntakeFrom`]); when they do not, a referral from outside the team gets a
/// record of its own with the number unconfirmed (flagged at triage), and staff are shown
/// the record to choose. Otherwise possible duplicates are checked (or flagged) as
/// `duplicates` says.
pub async fn intake(db: &Db, scope: &OrgScope, actor: &Actor, i: &Intake) -> Result<IntakeOutcome, StoreError> {
    let existing = match i.person.nhs_number {
        Some(nhs) => db.person_by_nhs_number(scope, &nhs).await?,
        None => None,
    };
    let given = &i.person;
    let (existing, conflicting) = match existing {
        Some(p) => {
            let agrees = match i.from {
                IntakeFrom::Team => p.date_of_birth == given.date_of_birth,
                IntakeFrom::Outside => linkwell_domain::people::same_details(
                    (&p.given_name, &p.family_name, p.date_of_birth),
                    (&given.given_name, &given.family_name, given.date_of_birth),
                ),
            };
            if agrees { (Some(p), None) } else { (None, Some(p)) }
        }
        None => (None, None),
    };
    let (person, matched) = match (existing, conflicting, i.duplicates) {
        (Some(p), _, _) => (p.id, true),
        (None, _, DuplicateChoice::Existing(id)) => {
            let p = db.person(scope, id).await?;
            (p.merged_into.unwrap_or(p.id), true)
        }
        // Staff checking: the record with this NHS number is shown first, for them to choose.
        (None, Some(known), DuplicateChoice::Check) => {
            let known_id = known.id;
            let others = db.possible_duplicates(scope, &i.person).await?.into_iter().filter(move |d| d.id != known_id);
            return Ok(IntakeOutcome::PossibleDuplicates(std::iter::once(known).chain(others).collect()));
        }
        (None, Some(_), DuplicateChoice::CreateAndFlag) => {
            (db.create_person_with_unconfirmed_nhs_number(scope, actor, &i.person).await?.id, false)
        }
        (None, None, DuplicateChoice::Check) => {
            let found = db.possible_duplicates(scope, &i.person).await?;
            if !found.is_empty() {
                return Ok(IntakeOutcome::PossibleDuplicates(found));
            }
            (db.create_person(scope, actor, &i.person).await?.id, false)
        }
        (None, None, DuplicateChoice::CreateAndFlag) => (db.create_person(scope, actor, &i.person).await?.id, false),
    };
    // The referral keeps the person as it named them: what a referrer is shown of it.
    let referred_as = linkwell_store::referrals::ReferredAs {
        given_name: i.person.given_name.clone(),
        family_name: i.person.family_name.clone(),
        date_of_birth: i.person.date_of_birth.to_string(),
    };
    let referral = db
        .create_referral_as(scope, actor, person, i.programme, i.referrer, i.practice, &i.referral, &referred_as)
        .await?;
    Ok(IntakeOutcome::Created { referral: Box::new(referral), matched_existing: matched })
}

/// The programme a new referral joins: the one named, or the organisation's only one.
pub fn choose_programme(programmes: &[Programme], raw: &str) -> Result<ProgrammeId, ValidationErrors> {
    match raw.trim() {
        "" if programmes.len() == 1 => Ok(programmes[0].id),
        "" if programmes.is_empty() => Err(ValidationErrors::single(
            "programme_id",
            "No programme has been set up yet: ask an admin to add one before referrals can be taken",
        )),
        "" => Err(ValidationErrors::single("programme_id", "Select the programme")),
        s => s
            .parse::<ProgrammeId>()
            .ok()
            .filter(|id| programmes.iter().any(|p| p.id == *id))
            .ok_or_else(|| ValidationErrors::single("programme_id", "Select a programme from the list")),
    }
}

/// The discharge summary of a discharged referral, from its record, sessions and plan.
pub async fn discharge_summary(
    db: &Db,
    scope: &OrgScope,
    r: &Referral,
) -> Result<linkwell_domain::discharge::DischargeSummary, StoreError> {
    use linkwell_domain::discharge::{
        CodedEntry, DischargeSummary, GoalLine, SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING, SessionLine,
    };
    use linkwell_domain::time::{display_london, from_millis, london};
    let day = |ms: i64| from_millis(ms).to_zoned(london()).strftime("%-d %b %Y").to_string();
    let organisation = db.organisation(scope).await?;
    let person = db.person(scope, r.person_id).await?;
    let programme = db.programmes(scope).await?.into_iter().find(|p| p.id == r.programme_id);
    let practice = match person.practice_id.or(r.practice_id) {
        Some(id) => db.practice(scope, id).await.ok().map(|p| format!("{} ({})", p.name, p.ods_code)),
        None => None,
    };
    let history = db.referral_history(scope, r.id).await?;
    let accepted = history.iter().find(|e| e.event == "accepted").map(|e| day(e.at));
    let discharged =
        history.iter().rev().find(|e| e.event == "discharged").map(|e| e.at).unwrap_or(r.status_changed_at);
    let sessions = db
        .sessions_for_referral(scope, r.id)
        .await?
        .into_iter()
        .filter(|s| s.status == "attended" || s.status == "did_not_attend")
        .map(|s| SessionLine {
            when: display_london(from_millis(s.starts_at)),
            kind: if s.kind == linkwell_domain::sessions::SessionKind::Initial { "Initial" } else { "Follow-up" }
                .into(),
            outcome: if s.status == "attended" { "Attended" } else { "Did not attend" }.into(),
        })
        .collect();
    let goals = db
        .current_plan(scope, r.id)
        .await?
        .map(|v| {
            v.plan
                .goals
                .into_iter()
                .map(|g| GoalLine {
                    text: g.text,
                    progress: g.progress,
                    target: g.target.map(|d| d.strftime("%-d %b %Y").to_string()),
                })
                .collect()
        })
        .unwrap_or_default();
    let worker = match r.assigned_worker_id {
        Some(id) => db.user(scope, id).await.ok().map(|u| u.display_name),
        None => None,
    };
    Ok(DischargeSummary {
        organisation: organisation.name,
        programme: programme.map(|p| p.name).unwrap_or_default(),
        practice,
        person_name: format!("{} {}", person.given_name, person.family_name),
        nhs_number: person
            .nhs_number
            .as_deref()
            .and_then(|n| linkwell_domain::people::NhsNumber::parse(n, true).ok())
            .map(|n| n.to_string()),
        date_of_birth: person.date_of_birth.strftime("%-d %b %Y").to_string(),
        received: day(r.received_at),
        source: r.source.label().into(),
        needs: r.needs.iter().map(|n| n.label().to_owned()).collect(),
        codes: accepted
            .iter()
            .map(|date| CodedEntry {
                code: SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
                term: "Referral to social prescribing service",
                date: date.clone(),
            })
            .collect(),
        accepted,
        sessions,
        goals,
        connections: db
            .prescriptions_for_referral(scope, r.id)
            .await?
            .into_iter()
            .map(|rx| linkwell_domain::discharge::ConnectionLine {
                service: rx.service_name,
                how: rx.kind.label().split(" (").next().unwrap_or_default().to_owned(),
                on: rx.prescribed_on.strftime("%-d %b %Y").to_string(),
                outcome: rx.outcome.map_or("Not known yet", |o| o.label()).to_owned(),
            })
            .collect(),
        discharged: day(discharged),
        reason: r.discharge_reason.map(|d| d.label().to_owned()).unwrap_or_default(),
        summary: r.discharge_summary.clone().unwrap_or_default(),
        worker,
    })
}

/// The tools a plan gives must be on the organisation's list and offered, or already in
/// the plan being edited (a tool given earlier stays, even once retired).
pub async fn check_tools(db: &Db, scope: &OrgScope, chosen: &[String], previous: &[String]) -> Result<(), CaseError> {
    let listed = db.tools(scope).await?;
    let unknown: Vec<&str> = chosen
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .filter(|t| !previous.iter().any(|p| p == t) && !listed.iter().any(|l| !l.retired && l.name == *t))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(CaseError::Invalid(ValidationErrors::single(
            "tools",
            format!("Choose tools from the organisation's list; not on it: {}", unknown.join(", ")),
        )))
    }
}
