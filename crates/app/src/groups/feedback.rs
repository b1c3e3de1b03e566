//! Feedback after a session: the follow-up message to each member who came — sent when
//! the register is saved, for a session just past — with a link that gives feedback once;
//! feedback a facilitator records on the day; and a group's feedback for the team.

use jiff::Timestamp;
use linkwell_domain::groups::feedback::{Feedback, FeedbackFields, follow_up_at, link_expires};
use linkwell_domain::identity::{Secret, SecretHash};
use linkwell_domain::ids::GroupSessionId;
use linkwell_domain::time::from_millis;
use linkwell_domain::{ServiceId, ValidationErrors};
use linkwell_store::group_feedback::FeedbackSummary;
use linkwell_store::group_registers::RegisterTaken;
use linkwell_store::{Db, OrgScope, StoreError, now_ms};

use super::members::Letterhead;
use super::registers::{check_takeable, reachable_session};
use crate::Caller;
use crate::casework::CaseError;

/// The path of a feedback link, under the service's public address.
pub fn link_path(secret: &Secret) -> String {
    format!("/group-feedback/{}", secret.expose())
}

/// Queue the follow-up of the session `taken` to each member who came and may be
/// messaged, once each: for when the session ends (a register taken at the start waits),
/// at once for a register saved after it, and not at all for one saved more than two days
/// after (a register corrected later asks nobody). Returns how many were queued now.
pub(crate) async fn follow_up(
    db: &Db,
    scope: &OrgScope,
    taken: &RegisterTaken,
    base_url: &str,
) -> Result<usize, StoreError> {
    let s = &taken.session;
    let Some(due) = follow_up_at(from_millis(s.ends_at), Timestamp::now()) else { return Ok(0) };
    if taken.attended.is_empty() {
        return Ok(0);
    }
    let head = Letterhead::of(db, scope, s.service_id, base_url).await?;
    let when = (due.as_millisecond(), link_expires(due).as_millisecond());
    let compose =
        |_: &linkwell_store::group_members::Member, feedback: &Secret, own: &Secret| head.follow_up(s, feedback, own);
    db.send_follow_ups(scope, s.id, &taken.attended, when, &compose).await
}

/// Where a feedback link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// It can give feedback.
    Open,
    /// It gave feedback already.
    Given,
    /// Its time passed unused.
    Lapsed,
}

/// What a feedback link's page shows: the group, the session's date, and whether it can
/// still be used.
pub struct FeedbackAsk {
    pub group: String,
    pub on_date: jiff::civil::Date,
    pub state: LinkState,
}

/// The session a feedback link asks about; `None` for a link never made.
pub async fn by_link(db: &Db, secret: &str) -> Result<Option<FeedbackAsk>, StoreError> {
    let Some(link) = db.feedback_link(&SecretHash::of(secret)).await? else { return Ok(None) };
    let group = db.service(&link.scope, link.service_id).await?.name;
    let state = match link.used_at {
        Some(_) => LinkState::Given,
        None if link.expires_at <= now_ms() => LinkState::Lapsed,
        None => LinkState::Open,
    };
    Ok(Some(FeedbackAsk { group, on_date: link.on_date, state }))
}

/// Give feedback by a link. `Ok(false)`: the link was used already or has lapsed, and
/// nothing is recorded; `NotFound`: no such link.
pub async fn give_by_link(db: &Db, secret: &str, fields: &FeedbackFields) -> Result<bool, CaseError> {
    let key = SecretHash::of(secret);
    if db.feedback_link(&key).await?.is_none() {
        return Err(CaseError::NotFound);
    }
    let feedback = Feedback::parse(fields).map_err(CaseError::Invalid)?;
    Ok(db.give_feedback_by_link(&key, &feedback, now_ms()).await?)
}

/// A facilitator (or the team) records feedback someone gave on the day of `session`,
/// once it has started. The same form sent twice records once: `false` the second time.
pub async fn record(
    db: &Db,
    caller: &Caller,
    session: GroupSessionId,
    fields: &FeedbackFields,
) -> Result<bool, CaseError> {
    let s = reachable_session(db, caller, session).await?;
    check_takeable(caller, &s, "rating")?;
    if s.starts_at > now_ms() {
        let why = "This session has not started yet: record feedback once it has";
        return Err(CaseError::Invalid(ValidationErrors::single("rating", why)));
    }
    let feedback = Feedback::parse(fields).map_err(CaseError::Invalid)?;
    Ok(db.record_feedback(&caller.scope(), &caller.actor(), session, &feedback, caller.principal.user.id).await?)
}

/// The feedback on the group on `service`, for the team.
pub async fn summary(db: &Db, caller: &Caller, service: ServiceId) -> Result<FeedbackSummary, CaseError> {
    let scope = caller.scope();
    db.group(&scope, service).await?;
    Ok(db.group_feedback(&scope, service).await?)
}

/// The error a feedback form shows when its link cannot be used any more.
pub fn spent(state: LinkState) -> ValidationErrors {
    let why = match state {
        LinkState::Lapsed => "This link has expired: feedback is asked for in the two weeks after a session",
        _ => "Feedback has been given with this link already: thank you",
    };
    ValidationErrors::single("rating", why)
}
