//! A worker's caseload: whose it is (a coordinator may open anyone's, a link worker sees
//! their own), their open cases, and the social prescriptions due a follow-up on them.

use linkwell_domain::UserId;
use linkwell_domain::ValidationErrors;
use linkwell_domain::identity::Role;
use linkwell_domain::referrals::ReferralStatus;
use linkwell_store::caseload::ReferralSummary;
use linkwell_store::directory::FollowUp;
use linkwell_store::users::User;
use linkwell_store::{Db, StoreError};

use super::CaseError;
use crate::Caller;

/// More than any real caseload (200–250 people a year), so nobody's list is cut short.
pub const CASELOAD_LIMIT: usize = 1000;

pub struct Caseload {
    /// Whose caseload this is.
    pub worker: User,
    /// Open cases being worked (active), soonest session first.
    pub active: Vec<ReferralSummary>,
    /// Assigned cases not yet active (accepted, being contacted).
    pub waiting: Vec<ReferralSummary>,
    /// Active cases whose plan's review date has passed.
    pub reviews_overdue: usize,
    /// Social prescriptions on these cases due a follow-up today or before.
    pub follow_ups: Vec<FollowUp>,
}

/// The worker a caseload is asked for: a coordinator may name anyone who can hold cases
/// (also a worker since disabled, whose cases must be handed on); anyone else gets their
/// own, whatever they name. A name that is not such a worker is an error on `field`.
pub async fn whose_caseload(db: &Db, caller: &Caller, named: &str, field: &str) -> Result<User, CaseError> {
    let named = named.trim();
    if caller.user.role != Role::Coordinator || named.is_empty() {
        return Ok(caller.user.clone());
    }
    team_member(db, caller, named)
        .await?
        .ok_or_else(|| CaseError::Invalid(ValidationErrors::single(field, "Select a link worker from the list")))
}

/// A user of the caller's organisation who can hold cases (also one since disabled), by
/// id as typed; `None` for anything else.
pub(super) async fn team_member(db: &Db, caller: &Caller, id: &str) -> Result<Option<User>, StoreError> {
    let Ok(id) = id.trim().parse::<UserId>() else { return Ok(None) };
    match db.user(&caller.scope(), id).await {
        Ok(u) if matches!(u.role, Role::LinkWorker | Role::Coordinator) => Ok(Some(u)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The open cases assigned to `worker`, soonest session first.
pub async fn open_cases(db: &Db, caller: &Caller, worker: &User) -> Result<Vec<ReferralSummary>, CaseError> {
    Ok(db.caseload(&caller.scope(), worker.id, CASELOAD_LIMIT).await?)
}

/// The caseload page: cases split into active and waiting, overdue reviews counted, and
/// the follow-ups due.
pub async fn caseload(db: &Db, caller: &Caller, worker: User) -> Result<Caseload, CaseError> {
    let (active, waiting): (Vec<_>, Vec<_>) =
        open_cases(db, caller, &worker).await?.into_iter().partition(|r| r.status == ReferralStatus::Active);
    let today = crate::today();
    let reviews_overdue = active.iter().filter(|r| r.review_overdue(today)).count();
    let follow_ups = db.prescription_follow_ups_due(&caller.scope(), Some(worker.id), today).await?;
    Ok(Caseload { worker, active, waiting, reviews_overdue, follow_ups })
}
