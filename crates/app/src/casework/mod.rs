//! Casework: who may open which case (the record-level half of authorization; the route
//! table does the role half), audited reads, choosing a worker, and — in `intake`,
//! `case_file` and `discharge` — taking a referral in, reading a case whole, and
//! summarising it for the practice at the end.

mod case_file;
mod caseload;
mod discharge;
mod find;
mod intake;
mod lists;
mod people;
mod plan_copy;
mod timeline;
mod triage;

pub use case_file::CaseFile;
pub use caseload::{CASELOAD_LIMIT, Caseload, caseload};
pub use discharge::{cancelled_by_discharge, discharge, discharge_of, discharge_summary, summary_of_case};
pub use find::{Found, RESULTS as FOUND_PER_PAGE, find_people};
pub use intake::{
    CheckedIntake, DuplicateChoice, Intake, IntakeDraft, IntakeFrom, IntakeOutcome, ProgrammeChoice, expected_wait,
    intake, wait_sentence,
};
pub use lists::{
    ListFields, Listed, MAX_WORKERS, SORTS, STATUS_FILTERS, TeamList, UNASSIGNED, WINDOW_FILTERS, list_filter,
    list_order, team_list, visible,
};
pub use people::{PersonRecord, person_record, update_person};
pub use plan_copy::{plan_copy, plan_copy_filename};
pub use timeline::{
    TimelineEntry, TimelineKind, TimelineRecord, add_note, correct_note, event_label, note_versions, timeline,
};
pub use triage::{TriageDecision, decline_reason, redirect_destination, triage};

use linkwell_domain::audit::AuditAction;
use linkwell_domain::authz::{follows_referral, sees_case};
use linkwell_domain::identity::Role;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::{PersonId, UserId, ValidationErrors};
use linkwell_store::people::Person;
use linkwell_store::referrals::Referral;
use linkwell_store::users::UserName;
use linkwell_store::{Db, OrgScope, StoreError};

use crate::{Caller, Principal};

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
            StoreError::Untimely(u) => CaseError::Invalid(ValidationErrors::single(u.field(), u.to_string())),
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
pub async fn open_referral(db: &Db, p: &Caller, id: ReferralId) -> Result<(Referral, View), CaseError> {
    let r = db.referral(&p.scope(), id).await?;
    let view = view_of(p, &r).ok_or(CaseError::NotYours)?;
    let detail = match view {
        View::Case => "case",
        View::Status => "status",
    };
    db.audit(&p.scope(), &p.actor().event(AuditAction::RecordViewed, "referral", id, Some(detail.into()))).await?;
    Ok((r, view))
}

/// Load a referral for casework (reading or changing it); anything less than the whole
/// case is refused.
pub async fn open_case(db: &Db, p: &Caller, id: ReferralId) -> Result<Referral, CaseError> {
    match open_referral(db, p, id).await? {
        (r, View::Case) => Ok(r),
        (_, View::Status) => Err(CaseError::NotYours),
    }
}

/// A person's record, for those who work one of their cases (coordinators: anyone).
pub async fn open_person(db: &Db, p: &Caller, id: PersonId) -> Result<Person, CaseError> {
    let person = db.person(&p.scope(), id).await?;
    // The same rule as for cases: "assigned" means one of the person's referrals is theirs
    // (only asked when the role's answer depends on it).
    let assigned = p.user.role == Role::LinkWorker && {
        let filter = linkwell_store::caseload::ReferralFilter {
            person: Some(id),
            workers: vec![p.user.id],
            ..Default::default()
        };
        let order = linkwell_store::caseload::ReferralOrder::NEWEST;
        !db.referral_summaries(&p.scope(), &filter, order, None, 1).await?.items.is_empty()
    };
    if !sees_case(p.user.role, assigned) {
        return Err(CaseError::NotYours);
    }
    db.audit(&p.scope(), &p.actor().event(AuditAction::RecordViewed, "person", id, None)).await?;
    Ok(person)
}

/// Records shown to staff as possible duplicates are people outside their caseload: each
/// one shown is a read of that record, audited as one (`detail` says why it was shown).
pub async fn audit_shown(db: &Db, p: &Caller, people: &[PersonId], detail: &str) -> Result<(), StoreError> {
    let actor = p.actor();
    for id in people {
        db.audit(&p.scope(), &actor.event(AuditAction::RecordViewed, "person", id, Some(detail.into()))).await?;
    }
    Ok(())
}

/// Whether a user of `role` can hold cases: whoever works them (link workers and
/// coordinators), by the one access rule.
pub(crate) fn holds_cases(role: Role) -> bool {
    linkwell_domain::authz::allows(role, linkwell_domain::authz::Action::WorkCases)
}

/// The roles that can hold cases.
fn case_holders() -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| holds_cases(*r)).collect()
}

/// The people a referral can be assigned to, by name: active link workers and coordinators.
pub async fn workers(db: &Db, scope: &OrgScope) -> Result<Vec<UserName>, StoreError> {
    Ok(db.user_names_by_role(scope, &case_holders()).await?.into_iter().filter(|u| !u.disabled).collect())
}

/// A member of the team with their open cases as counts.
#[derive(Debug, Clone)]
pub struct WorkerLoad {
    pub worker: UserName,
    /// Accepted, being contacted or active.
    pub open: i64,
    /// Of those, active.
    pub active: i64,
}

/// The team by name, each with their open cases: the active link workers and coordinators
/// (whom a referral can be assigned to), and anyone since disabled who still holds cases
/// (to hand on).
pub async fn team_loads(db: &Db, scope: &OrgScope) -> Result<Vec<WorkerLoad>, StoreError> {
    let counts: std::collections::HashMap<UserId, (i64, i64)> =
        db.open_cases_by_worker(scope).await?.into_iter().map(|c| (c.worker, (c.open, c.active))).collect();
    Ok(db
        .user_names_by_role(scope, &case_holders())
        .await?
        .into_iter()
        .filter_map(|u| {
            let (open, active) = counts.get(&u.id).copied().unwrap_or((0, 0));
            (!u.disabled || open > 0).then_some(WorkerLoad { worker: u, open, active })
        })
        .collect())
}

/// A worker chosen on a form or in a body: someone in `workers`, or an error on `field`.
pub async fn chosen_worker(db: &Db, scope: &OrgScope, raw: &str, field: &str) -> Result<UserId, ValidationErrors> {
    let bad = || ValidationErrors::single(field, "Select a link worker from the list");
    let id: UserId = raw.trim().parse().map_err(|_| bad())?;
    match db.user(scope, id).await {
        Ok(u) if !u.disabled && holds_cases(u.role) => Ok(id),
        _ => Err(bad()),
    }
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

/// Save a new version of the plan of a case the caller opened, based on version
/// `based_on` (0 for a first plan; a stale one is `Conflict`). Its tools must be on the
/// organisation's list, or kept from the version before.
pub async fn save_plan(
    db: &Db,
    caller: &Caller,
    case: &Referral,
    based_on: i64,
    plan: &linkwell_domain::plans::Plan,
) -> Result<linkwell_store::plans::PlanVersion, CaseError> {
    let scope = caller.scope();
    let previous = db.current_plan(&scope, case.id).await?.map(|v| v.plan.tools).unwrap_or_default();
    check_tools(db, &scope, &plan.tools, &previous).await?;
    Ok(db.save_plan(&scope, &caller.actor(), case.id, based_on, plan).await?)
}

/// Merge a duplicate person's record into the one kept, if the duplicate is still at
/// `version`: its referrals move to the kept record, and it is marked merged. Another
/// organisation's record is not found; a record cannot be merged into itself.
pub async fn merge_people(
    db: &Db,
    caller: &Caller,
    keep: PersonId,
    duplicate: PersonId,
    version: linkwell_domain::Version,
) -> Result<Person, CaseError> {
    db.person(&caller.scope(), duplicate).await?;
    if keep == duplicate {
        return Err(CaseError::Invalid(ValidationErrors::single(
            "into",
            "Choose another record to keep: this is the duplicate",
        )));
    }
    db.person(&caller.scope(), keep).await?;
    Ok(db.merge_people(&caller.scope(), &caller.actor(), keep, duplicate, version).await?)
}
