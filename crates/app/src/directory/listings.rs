//! The staff directory's changes, one function each for pages and the API alike: the
//! organisations that run listings, and listings added, changed, paused, closed, reopened,
//! checked and given dates off. Each change re-indexes what it touched, so whoever made it
//! finds it in their next search without waiting for the follower.

use jiff::civil::Date;
use linkwell_domain::directory::{ProviderInput, ServiceFields, ServiceInput, ServiceStatus};
use linkwell_domain::{ProviderId, ServiceId, ValidationErrors, Version};
use linkwell_search::DirectoryIndex;
use linkwell_store::directory::{Provider, Service, ServiceFilter, ServiceSummary};
use linkwell_store::{Db, OrgScope, StoreError};

use super::search::refresh;
use crate::Caller;
use crate::casework::CaseError;

/// A listing as entered, checked: its fields, that the organisation running it is this
/// tenant's, and each place's point from the postcode directory.
pub async fn parse_listing(db: &Db, scope: &OrgScope, fields: &ServiceFields) -> Result<ServiceInput, CaseError> {
    let mut input = ServiceInput::parse(fields, crate::today()).map_err(CaseError::Invalid)?;
    match db.provider(scope, input.provider_id).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => {
            return Err(CaseError::Invalid(ValidationErrors::single(
                "provider_id",
                "Select the organisation that runs it",
            )));
        }
        Err(e) => return Err(e.into()),
    }
    db.locate_places(&mut input.locations).await?;
    Ok(input)
}

/// Add a listing. Whoever adds it has just checked it, so it starts checked today.
pub async fn add_listing(
    db: &Db,
    index: &DirectoryIndex,
    caller: &Caller,
    input: &ServiceInput,
) -> Result<Service, StoreError> {
    let s = db.create_service(&caller.scope(), &caller.actor(), input, crate::today()).await?;
    refresh(db, index, &caller.scope(), &[s.id]).await;
    Ok(s)
}

/// Change a listing that is still at `version` (else `Conflict`).
pub async fn change_listing(
    db: &Db,
    index: &DirectoryIndex,
    caller: &Caller,
    id: ServiceId,
    version: Version,
    input: &ServiceInput,
) -> Result<Service, StoreError> {
    let s = db.update_service(&caller.scope(), &caller.actor(), id, version, input).await?;
    refresh(db, index, &caller.scope(), &[id]).await;
    crate::groups::listing_changed(db, &caller.scope(), &caller.actor(), &s).await?;
    Ok(s)
}

/// Pause (with an expected restart date, or none), close (with the reason) or reopen a
/// listing still at `version`; `note` goes into its history. A listing that is not
/// running is never offered to anyone.
pub async fn set_status(
    db: &Db,
    index: &DirectoryIndex,
    caller: &Caller,
    id: ServiceId,
    version: Version,
    status: &ServiceStatus,
    note: &str,
) -> Result<Service, StoreError> {
    let s = db.set_service_status(&caller.scope(), &caller.actor(), id, version, status, note).await?;
    refresh(db, index, &caller.scope(), &[id]).await;
    Ok(s)
}

/// Record that someone checked today that the listing runs as described.
pub async fn verify(
    db: &Db,
    index: &DirectoryIndex,
    caller: &Caller,
    id: ServiceId,
    note: &str,
) -> Result<Service, StoreError> {
    let s = db.verify_service(&caller.scope(), &caller.actor(), id, crate::today(), note).await?;
    refresh(db, index, &caller.scope(), &[id]).await;
    Ok(s)
}

/// A date the listing does not run (`Some(note)`), or runs after all (`None`). Removing a
/// date off the listing does not have is done already: it changes nothing and writes no
/// history (a second click, a retried request).
pub async fn set_date_off(
    db: &Db,
    index: &DirectoryIndex,
    caller: &Caller,
    id: ServiceId,
    date: Date,
    note: Option<&str>,
) -> Result<Service, StoreError> {
    let s = match db.set_service_exception(&caller.scope(), &caller.actor(), id, date, note).await {
        Err(StoreError::NotFound) if note.is_none() => return db.service(&caller.scope(), id).await,
        other => other?,
    };
    refresh(db, index, &caller.scope(), &[id]).await;
    crate::groups::listing_changed(db, &caller.scope(), &caller.actor(), &s).await?;
    Ok(s)
}

/// Add an organisation that runs listings.
pub async fn add_provider(db: &Db, caller: &Caller, input: &ProviderInput) -> Result<Provider, StoreError> {
    db.create_provider(&caller.scope(), &caller.actor(), input).await
}

/// Change an organisation still at `version`. Its listings carry its name in search, so
/// they are re-indexed.
pub async fn change_provider(
    db: &Db,
    index: &DirectoryIndex,
    caller: &Caller,
    id: ProviderId,
    version: Version,
    input: &ProviderInput,
) -> Result<Provider, StoreError> {
    let scope = caller.scope();
    let saved = db.update_provider(&scope, &caller.actor(), id, version, input).await?;
    let filter = ServiceFilter { provider_id: Some(id), ..Default::default() };
    let (listings, _) = db.services_page(&scope, &filter, 0, 10_000).await?;
    refresh(db, index, &scope, &listings.iter().map(|l| l.id).collect::<Vec<_>>()).await;
    Ok(saved)
}

/// How many listings the check list shows at once (never checked first, then the oldest).
pub const CHECK_LIMIT: u64 = 200;

/// Why a listing is due a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckReason {
    NeverChecked,
    /// Last checked on this date, more than six months ago.
    NotCheckedSince(Date),
    /// Paused, and its expected restart date has come.
    PastRestart(Date),
}

impl CheckReason {
    pub fn of(s: &ServiceSummary, today: Date) -> CheckReason {
        match (&s.status, s.last_verified) {
            (ServiceStatus::Paused { restart: Some(d) }, _) if *d <= today => CheckReason::PastRestart(*d),
            (_, None) => CheckReason::NeverChecked,
            (_, Some(d)) => CheckReason::NotCheckedSince(d),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            CheckReason::NeverChecked => "never_checked",
            CheckReason::NotCheckedSince(_) => "not_checked_recently",
            CheckReason::PastRestart(_) => "past_restart_date",
        }
    }
}

/// The listings due a check (the first [`CHECK_LIMIT`]) with why, and how many are due.
pub async fn to_check(db: &Db, scope: &OrgScope) -> Result<(Vec<(ServiceSummary, CheckReason)>, u64), StoreError> {
    let today = crate::today();
    let (list, total) = db.services_to_check(scope, today, CHECK_LIMIT).await?;
    Ok((list.into_iter().map(|s| (CheckReason::of(&s, today), s)).map(|(r, s)| (s, r)).collect(), total))
}

/// Import a CSV sheet of listings, all or nothing, and re-index what it saved. A sheet
/// with problems changes nothing: the report lists them by line and column.
pub async fn import_sheet(
    db: &Db,
    index: &DirectoryIndex,
    caller: &Caller,
    data: &[u8],
) -> Result<super::csv::CsvReport, StoreError> {
    let (report, saved) = super::csv::import(db, &caller.scope(), &caller.actor(), data, crate::today()).await?;
    if report.errors.is_empty() {
        refresh(db, index, &caller.scope(), &saved).await;
    }
    Ok(report)
}
