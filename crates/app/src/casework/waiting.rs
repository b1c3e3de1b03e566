//! The waiting list as a coordinator works it: filtered by urgency, by whom it is assigned
//! to (or to nobody), by practice, by need and by the response window, in the list's
//! order (most urgent, then longest waiting). Pages, the API and the home page's counts
//! name the same filters, so a count links to the list it counts.

use linkwell_domain::referrals::response::WindowDates;
use linkwell_domain::referrals::{Need, Urgency};
use linkwell_domain::{PracticeId, ValidationErrors};
use linkwell_store::caseload::{ReferralFilter, ReferralOrder, ReferralSummary, WAITING};
use linkwell_store::{Db, Page, StoreError};

use super::CaseError;
use crate::Caller;

/// The filter as typed; an empty field filters nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct WaitingFields<'a> {
    /// An urgency code.
    pub urgency: &'a str,
    /// A worker's id, or [`UNASSIGNED`].
    pub assigned: &'a str,
    /// A practice's id.
    pub practice: &'a str,
    /// A need code.
    pub need: &'a str,
    /// A stage of the response window: `closing` or `missed`.
    pub window: &'a str,
}

/// What `assigned` says for "nobody yet".
pub const UNASSIGNED: &str = "none";

/// The window stages a filter may name, with their labels.
pub const WINDOW_FILTERS: &[(&str, &str)] =
    &[("closing", "Close to the 14-day response window"), ("missed", "Past the 14-day response window")];

/// Read the fields into a filter of waiting referrals; a worker or practice that is not
/// this organisation's is an error on its field, like a code that means nothing.
pub async fn waiting_filter(db: &Db, caller: &Caller, f: &WaitingFields<'_>) -> Result<ReferralFilter, CaseError> {
    let mut errors = ValidationErrors::default();
    let mut filter = ReferralFilter { statuses: WAITING.to_vec(), ..Default::default() };
    let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    if let Some(u) = given(f.urgency) {
        filter.urgency = errors.check("urgency", Urgency::parse(&u));
    }
    if let Some(n) = given(f.need) {
        filter.need = errors.check("need", Need::parse(&n));
    }
    match given(f.assigned).as_deref() {
        None => {}
        Some(UNASSIGNED) => filter.unassigned = true,
        Some(id) => filter.worker = super::caseload::team_member(db, caller, id).await?.map(|u| u.id),
    }
    if filter.worker.is_none() && given(f.assigned).is_some_and(|a| a != UNASSIGNED) {
        errors.add("assigned", "Select a link worker from the list");
    }
    if let Some(id) = given(f.practice) {
        filter.practice = practice(db, caller, &id).await?;
        if filter.practice.is_none() {
            errors.add("practice", "Select a practice from the list");
        }
    }
    if let Some(w) = given(f.window) {
        let dates = WindowDates::on(crate::today());
        let (closing_before, missed_before) = dates.instants();
        match w.as_str() {
            "closing" => {
                filter.received_from = Some(missed_before);
                filter.received_before = Some(closing_before);
            }
            "missed" => filter.received_before = Some(missed_before),
            _ => errors.add("window", "Select how long the referral has waited from the list"),
        }
    }
    if errors.is_empty() { Ok(filter) } else { Err(CaseError::Invalid(errors)) }
}

/// A practice of this organisation, by id; `None` for anything else.
async fn practice(db: &Db, caller: &Caller, id: &str) -> Result<Option<PracticeId>, StoreError> {
    let Ok(id) = id.parse::<PracticeId>() else { return Ok(None) };
    match db.practice(&caller.scope(), id).await {
        Ok(p) => Ok(Some(p.id)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A page of the waiting list, filtered: up to `limit` referrals after `cursor` (the
/// previous page's `next_cursor`).
pub async fn waiting_list(
    db: &Db,
    caller: &Caller,
    fields: &WaitingFields<'_>,
    cursor: Option<&str>,
    limit: usize,
) -> Result<Page<ReferralSummary>, CaseError> {
    let filter = waiting_filter(db, caller, fields).await?;
    Ok(db.referral_summaries(&caller.scope(), &filter, ReferralOrder::Waiting, cursor, limit).await?)
}
