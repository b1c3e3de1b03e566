//! Triage: accepting a referral for a worker, moving it to another, declining it or
//! redirecting it elsewhere — the same decisions from the case page and the API.

use linkwell_domain::validation::required_text;
use linkwell_domain::{UserId, ValidationErrors, Version};
use linkwell_store::Db;
use linkwell_store::referrals::{Change, ChangeError, Referral};

use crate::Caller;

/// What the coordinator decided about a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriageDecision {
    /// Accept it and give it to this worker.
    Accept(UserId),
    /// Give an accepted referral to another worker.
    Reassign(UserId),
    /// Decline it, saying why.
    Decline(String),
    /// Send it elsewhere, saying where.
    Redirect(String),
}

/// Why a referral is declined, as typed: required, at most 1,000 characters; an error
/// names `field`.
pub fn decline_reason(raw: &str, field: &str) -> Result<TriageDecision, ValidationErrors> {
    let reason = required_text("why the referral is declined", raw, 1000);
    reason.map(TriageDecision::Decline).map_err(|m| ValidationErrors::single(field, m))
}

/// Where a referral is redirected, as typed: required, at most 500 characters.
pub fn redirect_destination(raw: &str, field: &str) -> Result<TriageDecision, ValidationErrors> {
    let to = required_text("where the referral is redirected to", raw, 500);
    to.map(TriageDecision::Redirect).map_err(|m| ValidationErrors::single(field, m))
}

/// Apply a triage decision to a referral the caller opened, if it is still at `version`
/// (the worker was chosen with `chosen_worker`). A move the referral's state does not
/// allow is `ChangeError::Illegal`.
pub async fn triage(
    db: &Db,
    caller: &Caller,
    referral: &Referral,
    version: Version,
    decision: TriageDecision,
) -> Result<Referral, ChangeError> {
    let (scope, actor, id) = (caller.scope(), caller.actor(), referral.id);
    match decision {
        TriageDecision::Reassign(worker) => db.reassign_referral(&scope, &actor, id, version, worker).await,
        TriageDecision::Accept(worker) => {
            db.change_referral(&scope, &actor, id, version, Change::Accept { worker }).await
        }
        TriageDecision::Decline(reason) => {
            db.change_referral(&scope, &actor, id, version, Change::Decline { reason }).await
        }
        TriageDecision::Redirect(to) => db.change_referral(&scope, &actor, id, version, Change::Redirect { to }).await,
    }
}
