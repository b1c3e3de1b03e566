//! The team's lists of referrals — the waiting list, all referrals, caseloads — filtered,
//! searched, sorted and paged the same way. Pages, the API and the home page's counts name
//! the same filters, so a count links to the list it counts.
//!
//! What a list holds is decided by who asks before any filter applies: a referrer their
//! own and their practice's referrals, a link worker their cases, a coordinator everyone's.
//! A filter only narrows that.

use linkwell_domain::identity::Role;
use linkwell_domain::people::search::PersonQuery;
use linkwell_domain::referrals::response::WindowDates;
use linkwell_domain::referrals::{Need, Urgency};
use linkwell_domain::{PracticeId, UserId, ValidationErrors};
use linkwell_store::caseload::{OPEN, ReferralFilter, ReferralOrder, ReferralSummary, SortBy, WAITING};
use linkwell_store::{Db, Page, StoreError};

use super::CaseError;
use crate::Caller;

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamList {
    /// Referrals not yet seen (received, accepted, being contacted).
    Waiting,
    /// Every referral the caller may follow.
    All,
    /// Open cases (accepted, being contacted, active) of one or more workers.
    Caseload,
}

impl TeamList {
    /// The order when none is chosen (`None`: the caseload's, soonest session first, which
    /// the caller sorts).
    pub fn default_order(self) -> Option<ReferralOrder> {
        match self {
            TeamList::Waiting => Some(ReferralOrder::WAITING),
            TeamList::All => Some(ReferralOrder { by: SortBy::Received, descending: true }),
            TeamList::Caseload => None,
        }
    }
}

/// The filters as typed; an empty field filters nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFields<'a> {
    /// A status code.
    pub status: &'a str,
    /// An urgency code.
    pub urgency: &'a str,
    /// Workers' ids separated by commas, or [`UNASSIGNED`].
    pub assigned: &'a str,
    /// A practice's id.
    pub practice: &'a str,
    /// A need code.
    pub need: &'a str,
    /// A stage of the response window: `closing` or `missed`.
    pub window: &'a str,
    /// A name, NHS number, date of birth or postcode.
    pub search: &'a str,
    /// A column of [`SORTS`].
    pub sort: &'a str,
    /// `ascending` or `descending`.
    pub direction: &'a str,
}

/// What `assigned` says for "nobody yet".
pub const UNASSIGNED: &str = "none";

/// The most workers one filter names: a team's lead picks a few, not hundreds.
pub const MAX_WORKERS: usize = 50;

/// The window stages a filter may name, with their labels.
pub const WINDOW_FILTERS: &[(&str, &str)] =
    &[("closing", "Close to the 14-day response window"), ("missed", "Past the 14-day response window")];

/// The statuses a list can be filtered by, as (code, label).
pub const STATUS_FILTERS: &[(&str, &str)] = &[
    ("received", "Received"),
    ("accepted", "Accepted"),
    ("contacting", "Contacting"),
    ("active", "Active"),
    ("discharged", "Discharged"),
    ("declined", "Declined"),
    ("redirected", "Redirected"),
    ("unable_to_contact", "Unable to contact"),
];

/// The columns a list sorts by, as (code, what it sorts).
pub const SORTS: &[(&str, SortBy)] =
    &[("received", SortBy::Received), ("name", SortBy::Name), ("urgency", SortBy::Urgency), ("status", SortBy::Status)];

/// A page of a list, and what its search did.
pub struct Listed {
    pub page: Page<ReferralSummary>,
    /// The order the page is in (`None`: the caseload's own, soonest session first).
    pub order: Option<ReferralOrder>,
    /// The search matched more people than a list is narrowed to: the closest are listed,
    /// and typing more of the name would narrow it.
    pub search_more: bool,
}

/// What the caller's role lets a list hold, before any filter.
pub fn visible(caller: &Caller) -> ReferralFilter {
    let mut filter = ReferralFilter::default();
    match caller.user.role {
        Role::Referrer => filter.referred_by = Some((caller.user.id, caller.user.practice_id)),
        Role::LinkWorker => filter.workers = vec![caller.user.id],
        _ => {}
    }
    filter
}

/// What the list holds for the caller, narrowed by the fields; each bad field is named.
/// A search is a search for people: audited, and finding only whom the caller may see.
pub async fn list_filter(
    db: &Db,
    caller: &Caller,
    list: TeamList,
    f: &ListFields<'_>,
) -> Result<(ReferralFilter, bool), CaseError> {
    let mut errors = ValidationErrors::default();
    let mut filter = visible(caller);
    let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let within: &[&'static str] = match list {
        TeamList::Waiting => WAITING,
        TeamList::Caseload => OPEN,
        TeamList::All => &[],
    };
    filter.statuses = within.to_vec();
    // A caseload is someone's: the caller's own unless a coordinator names others below.
    if list == TeamList::Caseload {
        filter.workers = vec![caller.user.id];
    }
    if let Some(s) = given(f.status) {
        match STATUS_FILTERS.iter().find(|(code, _)| *code == s) {
            Some((code, _)) if within.is_empty() || within.contains(code) => filter.statuses = vec![*code],
            _ => errors.add("status", "Select a status from the list"),
        }
    }
    if let Some(u) = given(f.urgency) {
        filter.urgency = errors.check("urgency", Urgency::parse(&u));
    }
    if let Some(n) = given(f.need) {
        filter.need = errors.check("need", Need::parse(&n));
    }
    // Only a coordinator chooses whose cases; a link worker's list is always their own.
    if let Some(a) = given(f.assigned).filter(|_| caller.user.role == Role::Coordinator) {
        if a == UNASSIGNED && list != TeamList::Caseload {
            filter.unassigned = true;
        } else {
            match team_members(db, caller, &a).await? {
                Some(workers) => filter.workers = workers,
                None => errors.add("assigned", "Select link workers from the list"),
            }
        }
    }
    if let Some(id) = given(f.practice) {
        filter.practice = practice(db, caller, &id).await?;
        if filter.practice.is_none() {
            errors.add("practice", "Select a practice from the list");
        }
    }
    if let Some(w) = given(f.window) {
        let (closing_before, missed_before) = WindowDates::on(crate::today()).instants();
        match w.as_str() {
            "closing" => {
                filter.received_from = Some(missed_before);
                filter.received_before = Some(closing_before);
            }
            "missed" => filter.received_before = Some(missed_before),
            _ => errors.add("window", "Select how long the referral has waited from the list"),
        }
    }
    let mut more = false;
    if !f.search.trim().is_empty() && errors.is_empty() {
        match searched(db, caller, f.search, &mut filter).await {
            Ok(m) => more = m,
            Err(CaseError::Invalid(e)) => errors.errors.extend(e.errors),
            Err(e) => return Err(e),
        }
    }
    if errors.is_empty() { Ok((filter, more)) } else { Err(CaseError::Invalid(errors)) }
}

/// Narrow `filter` to what the search finds. The team's search is the person search
/// (audited; a link worker finds only their own cases' people); a referrer's looks only
/// at their referrals, as the referral named the person.
async fn searched(db: &Db, caller: &Caller, text: &str, filter: &mut ReferralFilter) -> Result<bool, CaseError> {
    // A reference as given (`LW-4K7-Q2M`, the LW required so that no six-letter name is
    // taken for one) finds that referral, among those the list holds.
    if text.trim().to_ascii_uppercase().starts_with("LW")
        && let Ok(reference) = linkwell_domain::referrals::reference::Reference::parse(text)
    {
        filter.reference = Some(reference.as_stored().to_owned());
        return Ok(false);
    }
    if caller.user.role == Role::Referrer {
        let query = PersonQuery::parse(text, caller.organisation.test_mode)
            .map_err(|e| CaseError::Invalid(ValidationErrors::single("search", e.to_string())))?;
        if matches!(query, PersonQuery::Postcode(_)) {
            let why = "Search by name, NHS number or date of birth";
            return Err(CaseError::Invalid(ValidationErrors::single("search", why)));
        }
        filter.referred = Some(query);
        return Ok(false);
    }
    let found = super::find_people(db, caller, text, "search").await?;
    filter.people = Some(found.people.iter().map(|p| p.id).collect());
    Ok(found.more)
}

/// The order chosen, or the list's own; an unknown column or direction is an error.
pub fn list_order(list: TeamList, f: &ListFields<'_>) -> Result<Option<ReferralOrder>, CaseError> {
    let (sort, direction) = (f.sort.trim(), f.direction.trim());
    let descending = match direction {
        "" | "ascending" => false,
        "descending" => true,
        _ => return Err(CaseError::Invalid(ValidationErrors::single("direction", "Select ascending or descending"))),
    };
    if sort.is_empty() {
        return Ok(list
            .default_order()
            .map(|o| if direction.is_empty() { o } else { ReferralOrder { descending, ..o } }));
    }
    match SORTS.iter().find(|(code, _)| *code == sort) {
        Some((_, by)) => Ok(Some(ReferralOrder { by: *by, descending })),
        None => Err(CaseError::Invalid(ValidationErrors::single("sort", "Sort by received, name, urgency or status"))),
    }
}

/// A page of a list: up to `limit` referrals after `cursor` (the previous page's
/// `next_cursor`).
pub async fn team_list(
    db: &Db,
    caller: &Caller,
    list: TeamList,
    fields: &ListFields<'_>,
    cursor: Option<&str>,
    limit: usize,
) -> Result<Listed, CaseError> {
    let (filter, search_more, order) = checked(db, caller, list, fields).await?;
    let page = fetch(db, caller, &filter, order, cursor, limit).await?;
    Ok(Listed { page, order, search_more })
}

/// The filter and the order, both checked first so that every bad field is named at once.
pub(super) async fn checked(
    db: &Db,
    caller: &Caller,
    list: TeamList,
    fields: &ListFields<'_>,
) -> Result<(ReferralFilter, bool, Option<ReferralOrder>), CaseError> {
    match (list_filter(db, caller, list, fields).await, list_order(list, fields)) {
        (Ok((filter, more)), Ok(order)) => Ok((filter, more, order)),
        (Err(CaseError::Invalid(mut e)), Err(CaseError::Invalid(o))) => {
            e.errors.extend(o.errors);
            Err(CaseError::Invalid(e))
        }
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
    }
}

/// Read a page in `order`; with none, every row (a caseload's, at most
/// [`super::CASELOAD_LIMIT`]) soonest session first, then those with none booked, longest
/// waiting first.
pub(super) async fn fetch(
    db: &Db,
    caller: &Caller,
    filter: &ReferralFilter,
    order: Option<ReferralOrder>,
    cursor: Option<&str>,
    limit: usize,
) -> Result<Page<ReferralSummary>, CaseError> {
    let scope = caller.scope();
    let page = match order {
        Some(o) => db.referral_summaries(&scope, filter, o, cursor, limit).await,
        None => db.referral_summaries(&scope, filter, ReferralOrder::NEWEST, None, limit).await.map(|mut page| {
            page.items.sort_by_key(|r| (r.next_session_at.is_none(), r.next_session_at, r.received_at));
            page
        }),
    };
    page.map_err(|e| match e {
        StoreError::BadCursor => {
            CaseError::Invalid(ValidationErrors::single("cursor", "Start from a page this list gave"))
        }
        other => other.into(),
    })
}

/// Users of the caller's organisation who can hold cases (also ones since disabled), by
/// ids separated by commas; `None` if any is not such a user, or too many are named.
async fn team_members(db: &Db, caller: &Caller, ids: &str) -> Result<Option<Vec<UserId>>, StoreError> {
    let ids: Vec<&str> = ids.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if ids.is_empty() || ids.len() > MAX_WORKERS {
        return Ok(None);
    }
    let mut workers = Vec::with_capacity(ids.len());
    for id in ids {
        match super::caseload::team_member(db, caller, id).await? {
            Some(u) if !workers.contains(&u.id) => workers.push(u.id),
            Some(_) => {}
            None => return Ok(None),
        }
    }
    Ok(Some(workers))
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
