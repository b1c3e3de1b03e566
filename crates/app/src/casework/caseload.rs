//! Caseloads: whose they are (a coordinator may open anyone's, several at once; a link
//! worker sees their own), their open cases, and the social prescriptions due a
//! follow-up on them.

use linkwell_domain::UserId;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::referrals::ReferralStatus;
use linkwell_store::caseload::{ReferralOrder, ReferralSummary};
use linkwell_store::directory::FollowUp;
use linkwell_store::users::User;
use linkwell_store::{Db, StoreError};

use super::CaseError;
use super::lists::{ListFields, TeamList, checked, fetch};
use crate::Caller;

/// More than any real caseload (200–250 people a year), so nobody's list is cut short.
pub const CASELOAD_LIMIT: usize = 1000;

pub struct Caseload {
    /// Whose caseload this is: one worker, or several a coordinator chose.
    pub workers: Vec<User>,
    /// Open cases being worked (active), in the order chosen (soonest session first if none).
    pub active: Vec<ReferralSummary>,
    /// Assigned cases not yet active (accepted, being contacted).
    pub waiting: Vec<ReferralSummary>,
    /// Active cases whose plan's review date has passed.
    pub reviews_overdue: usize,
    /// Active cases with no baseline questionnaire yet.
    pub baseline_missing: Vec<ReferralId>,
    /// Social prescriptions on these cases due a follow-up today or before.
    pub follow_ups: Vec<FollowUp>,
    /// The order the cases are in (`None`: soonest session first).
    pub order: Option<ReferralOrder>,
    /// The search matched more people than a list is narrowed to.
    pub search_more: bool,
}

/// A user of the caller's organisation who can hold cases (also one since disabled), by
/// id as typed; `None` for anything else.
pub(super) async fn team_member(db: &Db, caller: &Caller, id: &str) -> Result<Option<User>, StoreError> {
    let Ok(id) = id.trim().parse::<UserId>() else { return Ok(None) };
    match db.user(&caller.scope(), id).await {
        Ok(u) if super::holds_cases(u.role) => Ok(Some(u)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The caseload page and API: the open cases of the workers `assigned` names (a
/// coordinator may name anyone who can hold cases, also a worker since disabled whose
/// cases must be handed on; anyone else gets their own), filtered, searched and sorted as
/// the other lists are, split into active and waiting, with the follow-ups due on them.
pub async fn caseload(db: &Db, caller: &Caller, fields: &ListFields<'_>) -> Result<Caseload, CaseError> {
    let (filter, search_more, order) = checked(db, caller, TeamList::Caseload, fields).await?;
    let scope = caller.scope();
    let ids: Vec<String> = filter.workers.iter().map(|w| w.to_string()).collect();
    let workers = db.users_by_ids(&scope, &ids).await?;
    let cases = fetch(db, caller, &filter, order, None, CASELOAD_LIMIT).await?.items;
    let (active, waiting): (Vec<_>, Vec<_>) = cases.into_iter().partition(|r| r.status == ReferralStatus::Active);
    let today = crate::today();
    let reviews_overdue = active.iter().filter(|r| r.review_overdue(today)).count();
    let active_ids: Vec<ReferralId> = active.iter().map(|r| r.id).collect();
    let baseline_missing = crate::outcomes::missing_baselines(db, &scope, &active_ids).await?;
    let mut follow_ups = Vec::new();
    for w in &filter.workers {
        follow_ups.extend(db.prescription_follow_ups_due(&scope, Some(*w), today).await?);
    }
    Ok(Caseload { workers, active, waiting, reviews_overdue, baseline_missing, follow_ups, order, search_more })
}
