//! The community directory: providers (organisations that run services), services with
//! their locations, schedules, exceptions and taxonomy terms, and each listing's history.
//!
//! Every change to a service bumps its `version` and `updated_at` (which ORUK's
//! `modified_after` and the search index read), writes a `service_events` row for the
//! listing's history and an audit entry, all in one transaction.

mod postcodes;
mod prescriptions;

pub use postcodes::{Located, PostcodeRow};
pub use prescriptions::{FollowUp, Prescription, UnmetNeed};

use std::collections::HashMap;

use jiff::civil::{Date, Time};
use linkwell_domain::audit::AuditAction;
use linkwell_domain::directory::{
    Cost, LatLon, LocationInput, ProviderInput, ProviderKind, Recurrence, Schedule, ServiceInput, ServiceStatus, Term,
};
use linkwell_domain::{LocationId, ProviderId, ServiceId, Version};
use sqlx::Row;

use crate::audit::append_in;
use crate::error::stored;
use crate::{Actor, Db, OrgScope, Result, StoreError, Tx, now_ms, push_in_list};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Provider {
    pub id: ProviderId,
    pub name: String,
    pub kind: ProviderKind,
    pub description: String,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Where an imported record came from; empty when entered here.
    pub source: String,
    pub updated_at: i64,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Location {
    pub id: LocationId,
    /// The ORUK service_at_location id linking it to the service.
    pub service_at_location_id: uuid::Uuid,
    pub name: String,
    pub address: String,
    pub town: String,
    pub postcode: Option<String>,
    pub point: Option<LatLon>,
}

impl Location {
    /// "Roundhay Park, Princes Avenue, Leeds LS8 2HH".
    pub fn label(&self) -> String {
        let town = [self.town.as_str(), self.postcode.as_deref().unwrap_or("")]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        [self.name.as_str(), self.address.as_str(), town.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredSchedule {
    pub id: uuid::Uuid,
    #[serde(flatten)]
    pub schedule: Schedule,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceException {
    pub date: Date,
    pub note: String,
}

/// A listing with everything about it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Service {
    pub id: ServiceId,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub provider_kind: ProviderKind,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub contact_name: String,
    pub minimum_age: Option<u8>,
    pub maximum_age: Option<u8>,
    pub eligibility: String,
    pub cost: Cost,
    pub wheelchair: bool,
    pub accessibility: String,
    pub languages: Vec<String>,
    pub terms: Vec<Term>,
    pub capacity: Option<u32>,
    pub full: bool,
    pub status: ServiceStatus,
    pub last_verified: Option<Date>,
    pub source: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub locations: Vec<Location>,
    pub schedules: Vec<StoredSchedule>,
    pub exceptions: Vec<ServiceException>,
}

impl Service {
    pub fn exception_dates(&self) -> Vec<Date> {
        self.exceptions.iter().map(|e| e.date).collect()
    }

    /// Whether it can be offered to someone now: running and not full.
    pub fn is_offered(&self) -> bool {
        self.status.is_active() && !self.full
    }

    /// The weekdays and parts of the day it really runs on in the coming weeks, across all
    /// its schedules and dates off: what "free on Tuesday mornings" is matched against.
    pub fn week_slots(&self, today: Date) -> std::collections::BTreeSet<linkwell_domain::directory::WeekSlot> {
        let ex = self.exception_dates();
        self.schedules.iter().flat_map(|s| s.schedule.week_slots(today, &ex)).collect()
    }

    /// The dates it runs in the `days` from `today`, the first `limit` of them, in order.
    pub fn upcoming(&self, today: Date, days: i64, limit: usize) -> Vec<Date> {
        let ex = self.exception_dates();
        let to = today.checked_add(jiff::Span::new().days(days)).unwrap_or(today);
        let mut dates: Vec<Date> = self.schedules.iter().flat_map(|s| s.schedule.occurrences(today, to, &ex)).collect();
        dates.sort();
        dates.dedup();
        dates.truncate(limit);
        dates
    }

    /// The next date it runs, on or after `today`.
    pub fn next_date(&self, today: Date) -> Option<Date> {
        let ex = self.exception_dates();
        self.schedules.iter().filter_map(|s| s.schedule.next_on_or_after(today, &ex)).min()
    }
}

/// One entry of a listing's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceEvent {
    pub at: i64,
    pub actor_user_id: Option<String>,
    /// created, edited, paused, closed, reopened, verified, exception_added,
    /// exception_removed, imported.
    pub kind: String,
    pub detail: String,
}

/// A service in a list: enough to show it and decide what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceSummary {
    pub id: ServiceId,
    pub name: String,
    pub provider_name: String,
    pub status: ServiceStatus,
    pub last_verified: Option<Date>,
    pub updated_at: i64,
}

/// Which services a list shows.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub provider_id: Option<ProviderId>,
    pub term: Option<Term>,
    /// Any term of this taxonomy.
    pub taxonomy: Option<linkwell_domain::directory::Taxonomy>,
    /// Changed at or after this instant (epoch milliseconds).
    pub modified_after: Option<i64>,
    /// Only these ids (the search index's results), in any order.
    pub ids: Option<Vec<ServiceId>>,
}

impl ServiceFilter {
    /// Whether it lets every listing through (so a list of places need not look at them).
    fn is_everything(&self) -> bool {
        let ServiceFilter { provider_id, term, taxonomy, modified_after, ids } = self;
        provider_id.is_none() && term.is_none() && taxonomy.is_none() && modified_after.is_none() && ids.is_none()
    }
}

const SERVICE_COLUMNS: &str = "s.id, s.provider_id, p.name AS provider_name, p.kind AS provider_kind, s.name, s.description, s.url, s.email, s.phone, s.contact_name, s.minimum_age, s.maximum_age, s.eligibility, s.cost_free, s.cost_pence, s.cost_description, s.wheelchair, s.accessibility, s.languages, s.capacity, s.is_full, s.status, s.restart_on, s.closed_reason, s.last_verified, s.source, s.created_at, s.updated_at, s.version";

fn parse_date(s: Option<String>) -> Result<Option<Date>> {
    s.map(|d| stored(d.parse::<Date>())).transpose()
}

fn status_from(code: &str, restart: Option<String>, reason: Option<String>) -> Result<ServiceStatus> {
    Ok(match code {
        "active" => ServiceStatus::Active,
        "paused" => ServiceStatus::Paused { restart: parse_date(restart)? },
        "closed" => ServiceStatus::Closed { reason: reason.unwrap_or_default() },
        other => return Err(StoreError::corrupt(format!("service status {other}"))),
    })
}

fn small<T: TryFrom<i64>>(v: Option<i64>) -> Result<Option<T>> {
    v.map(|v| T::try_from(v).map_err(|_| StoreError::corrupt("number out of range"))).transpose()
}

macro_rules! service_from_row {
    ($r:expr) => {{
        let r = $r;
        let free: bool = r.try_get("cost_free")?;
        Service {
            id: stored(r.try_get::<String, _>("id")?.parse())?,
            provider_id: stored(r.try_get::<String, _>("provider_id")?.parse())?,
            provider_name: r.try_get("provider_name")?,
            provider_kind: stored(ProviderKind::parse(&r.try_get::<String, _>("provider_kind")?))?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            url: r.try_get("url")?,
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
            contact_name: r.try_get("contact_name")?,
            minimum_age: small(r.try_get("minimum_age")?)?,
            maximum_age: small(r.try_get("maximum_age")?)?,
            eligibility: r.try_get("eligibility")?,
            cost: if free {
                Cost::Free
            } else {
                Cost::Paid { pence: small(r.try_get("cost_pence")?)?, description: r.try_get("cost_description")? }
            },
            wheelchair: r.try_get("wheelchair")?,
            accessibility: r.try_get("accessibility")?,
            languages: r.try_get::<String, _>("languages")?.lines().map(str::to_owned).collect(),
            terms: vec![],
            capacity: small(r.try_get("capacity")?)?,
            full: r.try_get("is_full")?,
            status: status_from(
                &r.try_get::<String, _>("status")?,
                r.try_get("restart_on")?,
                r.try_get("closed_reason")?,
            )?,
            last_verified: parse_date(r.try_get("last_verified")?)?,
            source: r.try_get("source")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            version: r.try_get("version")?,
            locations: vec![],
            schedules: vec![],
            exceptions: vec![],
        }
    }};
}

macro_rules! provider_from_row {
    ($r:expr) => {{
        let r = $r;
        Provider {
            id: stored(r.try_get::<String, _>("id")?.parse())?,
            name: r.try_get("name")?,
            kind: stored(ProviderKind::parse(&r.try_get::<String, _>("kind")?))?,
            description: r.try_get("description")?,
            website: r.try_get("website")?,
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
            source: r.try_get("source")?,
            updated_at: r.try_get("updated_at")?,
            version: r.try_get("version")?,
        }
    }};
}

/// The fields of a listing whose values differ, for its history ("cost, schedules").
fn changed_fields(old: &Service, new: &ServiceInput) -> Vec<&'static str> {
    let mut changed = vec![];
    let mut note = |differs: bool, name: &'static str| {
        if differs {
            changed.push(name)
        }
    };
    note(old.provider_id != new.provider_id, "organisation");
    note(old.name != new.name, "name");
    note(old.description != new.description, "description");
    note(
        old.url != new.url
            || old.email.as_deref() != new.email.as_ref().map(|e| e.as_str())
            || old.phone != new.phone
            || old.contact_name != new.contact_name,
        "contact details",
    );
    note(
        old.minimum_age != new.minimum_age || old.maximum_age != new.maximum_age || old.eligibility != new.eligibility,
        "who it is for",
    );
    note(old.cost != new.cost, "cost");
    note(old.wheelchair != new.wheelchair || old.accessibility != new.accessibility, "accessibility");
    note(old.languages != new.languages, "languages");
    note(old.terms != new.terms, "needs and activities");
    note(old.capacity != new.capacity || old.full != new.full, "capacity");
    let places = |l: &Location| (l.name.clone(), l.address.clone(), l.town.clone(), l.postcode.clone());
    let new_places: Vec<_> = new
        .locations
        .iter()
        .map(|l| {
            (l.name.clone(), l.address.clone(), l.town.clone(), l.postcode.as_ref().map(|p| p.as_str().to_owned()))
        })
        .collect();
    note(old.locations.iter().map(places).collect::<Vec<_>>() != new_places, "where it meets");
    note(
        old.schedules.iter().map(|s| &s.schedule).collect::<Vec<_>>() != new.schedules.iter().collect::<Vec<_>>(),
        "when it runs",
    );
    changed
}

async fn record_event(
    tx: &mut Tx,
    scope: &OrgScope,
    actor: &Actor,
    service: ServiceId,
    kind: &str,
    detail: &str,
) -> Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("INSERT INTO service_events (organisation_id, id, service_id, at, actor_user_id, kind, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(scope.key())
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(service.to_string())
            .bind(now_ms())
            .bind(actor.user_id.clone())
            .bind(kind)
            .bind(detail)
            .execute(&mut *conn)
            .await?;
    });
    // The audit entry carries the kind only: listings are not personal data, but notes could be.
    append_in(
        tx,
        scope,
        &actor.event(AuditAction::DirectoryChanged, "service", service, Some(format!("service_{kind}"))),
    )
    .await?;
    Ok(())
}

/// A place of a listing as read: service_at_location id, service id, location id, name,
/// address, town, postcode, latitude, longitude.
type PlaceRow = (String, String, String, String, String, String, Option<String>, Option<f64>, Option<f64>);

/// The services (`s`) to filter. Counts and pages of keys read this alone, from indexes;
/// only the page found is joined to what it shows (a deferred join), because at 100,000
/// listings joining every row before counting or skipping cost tens of milliseconds.
const SERVICES_FROM: &str = " FROM services s WHERE s.organisation_id = ";
/// Each listing's places (ORUK service_at_location, `sl`) with their locations (`l`) and
/// services (`s`), to filter by where they are. Read from the locations in the box first
/// (`CROSS JOIN` fixes the order; the organisation is bound on `l` so its point index
/// applies): left to itself SQLite walked every place of the organisation (1.4 s at
/// 100,000 listings).
const SERVICE_LOCATIONS_WITH_PLACES_FROM: &str = " FROM locations l CROSS JOIN service_locations sl JOIN services s ON s.organisation_id = sl.organisation_id AND s.id = sl.service_id WHERE sl.organisation_id = l.organisation_id AND sl.location_id = l.id AND l.organisation_id = ";
/// Listings someone should check ($1 organisation, $2 the stale-before date, $3 today):
/// running or paused and not verified since $2, or paused past their restart date.
const TO_CHECK: &str = "s.organisation_id = $1 AND s.status <> 'closed' AND (s.last_verified IS NULL OR s.last_verified <= $2 OR (s.status = 'paused' AND s.restart_on <= $3))";
/// What a list shows of each listing (`s`, and its provider `p`).
const SUMMARY_COLUMNS: &str = "SELECT s.id, s.name, p.name AS provider_name, s.status, s.restart_on, s.closed_reason, s.last_verified, s.updated_at";

/// `from` (ending with the organisation to bind) and the conditions of a `ServiceFilter`,
/// written once for the lists of services and of their places.
macro_rules! filtered {
    ($qb:expr, $from:expr, $scope:expr, $filter:expr, $ids:expr) => {{
        let qb = $qb;
        let filter: &ServiceFilter = $filter;
        let ids: &Option<Vec<String>> = $ids;
        qb.push($from).push_bind($scope.key());
        if let Some(pid) = filter.provider_id {
            qb.push(" AND s.provider_id = ").push_bind(pid.to_string());
        }
        if let Some(t) = filter.term {
            qb.push(" AND EXISTS (SELECT 1 FROM service_terms t WHERE t.organisation_id = s.organisation_id AND t.service_id = s.id AND t.term = ").push_bind(t.key()).push(")");
        }
        if let Some(taxonomy) = filter.taxonomy {
            qb.push(" AND EXISTS (SELECT 1 FROM service_terms t WHERE t.organisation_id = s.organisation_id AND t.service_id = s.id AND t.term LIKE ").push_bind(format!("{}:%", taxonomy.code())).push(")");
        }
        // ORUK: modified on or after.
        if let Some(after) = filter.modified_after {
            qb.push(" AND s.updated_at >= ").push_bind(after);
        }
        if let Some(ids) = ids {
            qb.push(" AND s.id");
            push_in_list(qb, ids);
        }
    }};
}

/// The places (`sl`) of the listings `filter` lets through. Unfiltered, the places alone
/// are read: counting them through their services cost 100 ms at 100,000 listings.
fn push_places_filtered<DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<DB>,
    scope: &OrgScope,
    filter: &ServiceFilter,
    ids: &Option<Vec<String>>,
) where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    qb.push(" FROM service_locations sl WHERE sl.organisation_id = ").push_bind(scope.key());
    if !filter.is_everything() {
        qb.push(" AND sl.service_id IN (SELECT s.id");
        filtered!(&mut *qb, SERVICES_FROM, scope, filter, ids);
        qb.push(")");
    }
}

/// Where a save came from, for the listing's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOrigin<'a> {
    /// Entered by someone in Linkwell.
    Here,
    /// From an ORUK feed or CSV file, named by its source.
    Import(&'a str),
}

impl Db {
    pub async fn create_provider(&self, scope: &OrgScope, actor: &Actor, input: &ProviderInput) -> Result<Provider> {
        let id = ProviderId::new();
        self.save_provider(scope, actor, id, None, input, SaveOrigin::Here).await
    }

    pub async fn update_provider(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ProviderId,
        expected: Version,
        input: &ProviderInput,
    ) -> Result<Provider> {
        self.save_provider(scope, actor, id, Some(expected), input, SaveOrigin::Here).await
    }

    /// Insert or update a provider. With `expected`, the stored version must match; an
    /// import passes `None` and overwrites what was imported before (its publisher is the
    /// authority), never a provider made here (`Conflict`): a feed cannot take over this
    /// directory's own records by naming their ids, which its ORUK feed publishes.
    pub async fn save_provider(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ProviderId,
        expected: Option<Version>,
        input: &ProviderInput,
        origin: SaveOrigin<'_>,
    ) -> Result<Provider> {
        let mut tx = self.begin().await?;
        save_provider_in(&mut tx, scope, actor, id, expected, input, origin).await?;
        tx.commit().await?;
        self.provider(scope, id).await
    }

    pub async fn provider(&self, scope: &OrgScope, id: ProviderId) -> Result<Provider> {
        on_db!(self, pool => {
            let r = sqlx::query("SELECT id, name, kind, description, website, email, phone, source, updated_at, version FROM providers WHERE organisation_id = $1 AND id = $2")
                .bind(scope.key()).bind(id.to_string()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            Ok(provider_from_row!(&r))
        })
    }

    /// Every provider, by name.
    pub async fn providers(&self, scope: &OrgScope) -> Result<Vec<Provider>> {
        on_db!(self, pool => {
            let rows = sqlx::query("SELECT id, name, kind, description, website, email, phone, source, updated_at, version FROM providers WHERE organisation_id = $1 ORDER BY name, id")
                .bind(scope.key()).fetch_all(pool).await?;
            rows.iter().map(|r| Ok(provider_from_row!(r))).collect()
        })
    }

    /// Add a listing. Whoever adds it has just checked it, so it starts verified `today`.
    pub async fn create_service(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        input: &ServiceInput,
        today: Date,
    ) -> Result<Service> {
        let id = ServiceId::new();
        self.save_service(scope, actor, id, None, input, SaveOrigin::Here, Some(today)).await
    }

    /// Change a listing if it is still at `expected`.
    pub async fn update_service(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ServiceId,
        expected: Version,
        input: &ServiceInput,
    ) -> Result<Service> {
        self.save_service(scope, actor, id, Some(expected), input, SaveOrigin::Here, None).await
    }

    /// Insert or update a listing with its terms, locations and schedules. With
    /// `expected` the listing must exist at that version; without it (imports), it is
    /// created or overwritten under its id — but an import overwrites only what was
    /// imported, never a listing made here (`Conflict`). A new listing starts active.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_service(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ServiceId,
        expected: Option<Version>,
        input: &ServiceInput,
        origin: SaveOrigin<'_>,
        verified: Option<Date>,
    ) -> Result<Service> {
        let old = match self.service(scope, id).await {
            Ok(s) => Some(s),
            Err(StoreError::NotFound) if expected.is_none() => None,
            Err(e) => return Err(e),
        };
        let mut tx = self.begin().await?;
        let save = ServiceSave { id, expected, old: old.as_ref(), origin, verified };
        save_service_in(&mut tx, scope, actor, &save, input).await?;
        tx.commit().await?;
        self.service(scope, id).await
    }

    /// Pause, close or reopen a listing, with a note for its history.
    pub async fn set_service_status(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ServiceId,
        expected: Version,
        status: &ServiceStatus,
        note: &str,
    ) -> Result<Service> {
        let mut tx = self.begin().await?;
        set_service_status_in(&mut tx, scope, actor, id, expected, status, note).await?;
        tx.commit().await?;
        self.service(scope, id).await
    }

    /// Record that someone checked the listing is running as described.
    pub async fn verify_service(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ServiceId,
        today: Date,
        note: &str,
    ) -> Result<Service> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE services SET last_verified = $1, updated_at = $2, version = version + 1 WHERE organisation_id = $3 AND id = $4")
                .bind(today.to_string()).bind(now_ms()).bind(scope.key()).bind(id.to_string())
                .execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        record_event(&mut tx, scope, actor, id, "verified", note).await?;
        tx.commit().await?;
        self.service(scope, id).await
    }

    /// A date the service does not run (added) or runs after all (removed).
    pub async fn set_service_exception(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ServiceId,
        date: Date,
        note: Option<&str>,
    ) -> Result<Service> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            let n = sqlx::query("UPDATE services SET updated_at = $1, version = version + 1 WHERE organisation_id = $2 AND id = $3")
                .bind(now_ms()).bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?.rows_affected();
            if n > 0 {
                match note {
                    Some(note) => sqlx::query("INSERT INTO service_exceptions (organisation_id, service_id, on_date, note) VALUES ($1, $2, $3, $4) ON CONFLICT (organisation_id, service_id, on_date) DO UPDATE SET note = excluded.note")
                        .bind(scope.key()).bind(id.to_string()).bind(date.to_string()).bind(note).execute(&mut *conn).await?,
                    None => sqlx::query("DELETE FROM service_exceptions WHERE organisation_id = $1 AND service_id = $2 AND on_date = $3")
                        .bind(scope.key()).bind(id.to_string()).bind(date.to_string()).execute(&mut *conn).await?,
                };
            }
            n
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let when = linkwell_domain::time::display_london_date(date);
        let (kind, detail) = match note {
            Some("") => ("exception_added", format!("Not running on {when}")),
            Some(n) => ("exception_added", format!("Not running on {when}: {n}")),
            None => ("exception_removed", format!("Running on {when} after all")),
        };
        record_event(&mut tx, scope, actor, id, kind, &detail).await?;
        tx.commit().await?;
        self.service(scope, id).await
    }

    pub async fn service(&self, scope: &OrgScope, id: ServiceId) -> Result<Service> {
        self.services_by_ids(scope, &[id]).await?.pop().ok_or(StoreError::NotFound)
    }

    /// Full listings for `ids`, in the order given (missing ids are left out).
    pub async fn services_by_ids(&self, scope: &OrgScope, ids: &[ServiceId]) -> Result<Vec<Service>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let keys: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        let mut services: Vec<Service> = on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT {SERVICE_COLUMNS} FROM services s JOIN providers p ON p.organisation_id = s.organisation_id AND p.id = s.provider_id WHERE s.organisation_id = "));
            qb.push_bind(scope.key()).push(" AND s.id");
            push_in_list(&mut qb, &keys);
            let rows = qb.build().fetch_all(pool).await?;
            rows.iter().map(|r| Ok(service_from_row!(r))).collect::<Result<Vec<_>>>()?
        });
        let found: Vec<String> = services.iter().map(|s| s.id.to_string()).collect();
        let mut by_id: HashMap<ServiceId, usize> = services.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        if !found.is_empty() {
            self.fill_service_parts(scope, &found, &mut services, &mut by_id).await?;
        }
        // Terms in the domain's order (needs, then activities), as `ServiceInput` has them;
        // places in the order they were added (their ids are time-ordered).
        for s in &mut services {
            s.terms.sort();
            s.locations.sort_by_key(|l| l.service_at_location_id);
        }
        let position: HashMap<ServiceId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        services.sort_by_key(|s| position.get(&s.id).copied().unwrap_or(usize::MAX));
        Ok(services)
    }

    async fn fill_service_parts(
        &self,
        scope: &OrgScope,
        keys: &[String],
        services: &mut [Service],
        by_id: &mut HashMap<ServiceId, usize>,
    ) -> Result<()> {
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT service_id, term FROM service_terms WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND service_id");
            push_in_list(&mut qb, keys);
            // No ORDER BY (terms are sorted below): ordering by term led SQLite to walk the
            // (organisation, term) index, every term of the organisation, instead of
            // looking up these services.
            for r in qb.build().fetch_all(pool).await? {
                let sid: ServiceId = stored(r.try_get::<String, _>("service_id")?.parse())?;
                let term = Term::parse_key(&r.try_get::<String, _>("term")?).ok_or_else(|| StoreError::corrupt("taxonomy term"))?;
                if let Some(&i) = by_id.get(&sid) {
                    services[i].terms.push(term);
                }
            }
            let mut qb = sqlx::QueryBuilder::new("SELECT sl.id AS sal_id, sl.service_id, l.id, l.name, l.address, l.town, l.postcode, l.latitude, l.longitude FROM service_locations sl JOIN locations l ON l.organisation_id = sl.organisation_id AND l.id = sl.location_id WHERE sl.organisation_id = ");
            qb.push_bind(scope.key()).push(" AND sl.service_id");
            push_in_list(&mut qb, keys);
            // No ORDER BY: sorting by sl.id led SQLite to walk the primary key (every place
            // of the organisation) instead of the (organisation, service) index. Sorted below.
            for r in qb.build().fetch_all(pool).await? {
                let sid: ServiceId = stored(r.try_get::<String, _>("service_id")?.parse())?;
                let point = match (r.try_get::<Option<f64>, _>("latitude")?, r.try_get::<Option<f64>, _>("longitude")?) {
                    (Some(lat), Some(lon)) => LatLon::new(lat, lon),
                    _ => None,
                };
                let loc = Location {
                    id: stored(r.try_get::<String, _>("id")?.parse())?,
                    service_at_location_id: stored(r.try_get::<String, _>("sal_id")?.parse())?,
                    name: r.try_get("name")?,
                    address: r.try_get("address")?,
                    town: r.try_get("town")?,
                    postcode: r.try_get("postcode")?,
                    point,
                };
                if let Some(&i) = by_id.get(&sid) {
                    services[i].locations.push(loc);
                }
            }
            let mut qb = sqlx::QueryBuilder::new("SELECT id, service_id, rrule, dtstart, opens_at, closes_at, valid_from, valid_to, description FROM schedules WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND service_id");
            push_in_list(&mut qb, keys);
            qb.push(" ORDER BY service_id, position");
            for r in qb.build().fetch_all(pool).await? {
                let sid: ServiceId = stored(r.try_get::<String, _>("service_id")?.parse())?;
                let time = |c: &str| -> Result<Time> { stored(linkwell_domain::time::wall_time(&r.try_get::<String, _>(c)?)) };
                let schedule = stored(Schedule::new(
                    stored(Recurrence::parse(&r.try_get::<String, _>("rrule")?))?,
                    stored(r.try_get::<String, _>("dtstart")?.parse::<Date>())?,
                    time("opens_at")?,
                    time("closes_at")?,
                    parse_date(r.try_get("valid_from")?)?,
                    parse_date(r.try_get("valid_to")?)?,
                    r.try_get("description")?,
                ))?;
                if let Some(&i) = by_id.get(&sid) {
                    services[i].schedules.push(StoredSchedule { id: stored(r.try_get::<String, _>("id")?.parse())?, schedule });
                }
            }
            let mut qb = sqlx::QueryBuilder::new("SELECT service_id, on_date, note FROM service_exceptions WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND service_id");
            push_in_list(&mut qb, keys);
            qb.push(" ORDER BY on_date");
            for r in qb.build().fetch_all(pool).await? {
                let sid: ServiceId = stored(r.try_get::<String, _>("service_id")?.parse())?;
                let e = ServiceException { date: stored(r.try_get::<String, _>("on_date")?.parse())?, note: r.try_get("note")? };
                if let Some(&i) = by_id.get(&sid) {
                    services[i].exceptions.push(e);
                }
            }
        });
        Ok(())
    }

    /// A listing's history, newest first.
    pub async fn service_history(&self, scope: &OrgScope, id: ServiceId) -> Result<Vec<ServiceEvent>> {
        on_db!(self, pool => {
            let rows = sqlx::query("SELECT at, actor_user_id, kind, detail FROM service_events WHERE organisation_id = $1 AND service_id = $2 ORDER BY at DESC, id DESC")
                .bind(scope.key()).bind(id.to_string()).fetch_all(pool).await?;
            rows.iter().map(|r| Ok(ServiceEvent { at: r.try_get("at")?, actor_user_id: r.try_get("actor_user_id")?, kind: r.try_get("kind")?, detail: r.try_get("detail")? })).collect()
        })
    }

    /// Listings someone should check: running or paused ones not verified for six
    /// months, and paused ones whose expected restart date has passed. Oldest check first,
    /// the first `limit` of them, and how many there are in all.
    pub async fn services_to_check(
        &self,
        scope: &OrgScope,
        today: Date,
        limit: u64,
    ) -> Result<(Vec<ServiceSummary>, u64)> {
        let before = linkwell_domain::directory::stale_before(today).to_string();
        let count = format!("SELECT COUNT(*) AS n FROM services s WHERE {TO_CHECK}");
        // Never checked first, on both engines (PostgreSQL puts NULLs last by default); the
        // services_checking index gives this order, so the first page stops early.
        let list = format!(
            "{SUMMARY_COLUMNS} FROM services s JOIN providers p ON p.organisation_id = s.organisation_id AND p.id = s.provider_id WHERE {TO_CHECK} ORDER BY s.last_verified NULLS FIRST, s.name, s.id LIMIT $4"
        );
        on_db!(self, pool => {
            let total: i64 = sqlx::query(sqlx::AssertSqlSafe(count.clone())).bind(scope.key()).bind(&before).bind(today.to_string()).fetch_one(pool).await?.try_get("n")?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(list.clone()))
                .bind(scope.key()).bind(&before).bind(today.to_string()).bind(limit as i64).fetch_all(pool).await?;
            let items = rows.iter().map(|r| summary_from(r.try_get("id")?, r.try_get("name")?, r.try_get("provider_name")?, &r.try_get::<String, _>("status")?, r.try_get("restart_on")?, r.try_get("closed_reason")?, r.try_get("last_verified")?, r.try_get("updated_at")?)).collect::<Result<Vec<_>>>()?;
            Ok((items, total.max(0) as u64))
        })
    }

    /// How many listings someone should check (as `services_to_check`), counting no
    /// further than `at_most`: enough for a link to say "12" or "1,000 or more" without
    /// reading every listing on each page view.
    pub async fn count_services_to_check(&self, scope: &OrgScope, today: Date, at_most: u64) -> Result<u64> {
        let before = linkwell_domain::directory::stale_before(today).to_string();
        let count = format!("SELECT COUNT(*) AS n FROM (SELECT 1 FROM services s WHERE {TO_CHECK} LIMIT $4) AS c");
        on_db!(self, pool => {
            let n: i64 = sqlx::query(sqlx::AssertSqlSafe(count.clone())).bind(scope.key()).bind(&before).bind(today.to_string()).bind(at_most as i64).fetch_one(pool).await?.try_get("n")?;
            Ok(n.max(0) as u64)
        })
    }

    /// Providers by id (those a page of listings names).
    pub async fn providers_by_ids(&self, scope: &OrgScope, ids: &[ProviderId]) -> Result<Vec<Provider>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let keys: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, name, kind, description, website, email, phone, source, updated_at, version FROM providers WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND id");
            push_in_list(&mut qb, &keys);
            let rows = qb.build().fetch_all(pool).await?;
            rows.iter().map(|r| Ok(provider_from_row!(r))).collect()
        })
    }

    /// Listings matching `filter`, by name, the `limit` after `after` (a name and id from
    /// the last one read): a feed read from end to end in batches reads each listing once
    /// from the index, where an OFFSET would walk every earlier one again for each batch.
    pub async fn services_after(
        &self,
        scope: &OrgScope,
        filter: &ServiceFilter,
        after: Option<(&str, ServiceId)>,
        limit: u64,
    ) -> Result<Vec<ServiceSummary>> {
        if filter.ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(vec![]);
        }
        let ids: Option<Vec<String>> = filter.ids.as_ref().map(|ids| ids.iter().map(|i| i.to_string()).collect());
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(SUMMARY_COLUMNS);
            qb.push(" FROM (SELECT s.id");
            filtered!(&mut qb, SERVICES_FROM, scope, filter, &ids);
            if let Some((name, id)) = after {
                qb.push(" AND (s.name > ").push_bind(name.to_owned()).push(" OR (s.name = ").push_bind(name.to_owned())
                    .push(" AND s.id > ").push_bind(id.to_string()).push("))");
            }
            qb.push(" ORDER BY s.name, s.id LIMIT ").push_bind(limit as i64);
            qb.push(") AS k CROSS JOIN services s JOIN providers p ON p.organisation_id = s.organisation_id AND p.id = s.provider_id WHERE s.organisation_id = ").push_bind(scope.key());
            qb.push(" AND s.id = k.id ORDER BY s.name, s.id");
            let rows = qb.build().fetch_all(pool).await?;
            rows.iter().map(|r| summary_from(r.try_get("id")?, r.try_get("name")?, r.try_get("provider_name")?, &r.try_get::<String, _>("status")?, r.try_get("restart_on")?, r.try_get("closed_reason")?, r.try_get("last_verified")?, r.try_get("updated_at")?)).collect::<Result<Vec<_>>>()
        })
    }

    /// Providers whose name or description holds every one of `words` (any case), by
    /// name, `limit` from `offset`, and how many match in all: a page read in SQL rather
    /// than every provider loaded for each anonymous call.
    pub async fn providers_page(
        &self,
        scope: &OrgScope,
        words: &[String],
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Provider>, u64)> {
        let push_filter = |qb: &mut dyn FnMut(&str, Option<String>)| {
            qb(" FROM providers WHERE organisation_id = ", Some(scope.key()));
            for w in words {
                let pattern =
                    format!("%{}%", w.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
                qb(" AND LOWER(name || ' ' || description) LIKE ", Some(pattern));
                qb(" ESCAPE '\\'", None);
            }
        };
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT COUNT(*) AS n");
            push_filter(&mut |sql, bind| { qb.push(sql); if let Some(b) = bind { qb.push_bind(b); } });
            let total: i64 = qb.build().fetch_one(pool).await?.try_get("n")?;
            let mut qb = sqlx::QueryBuilder::new("SELECT id, name, kind, description, website, email, phone, source, updated_at, version");
            push_filter(&mut |sql, bind| { qb.push(sql); if let Some(b) = bind { qb.push_bind(b); } });
            qb.push(" ORDER BY name, id LIMIT ").push_bind(limit as i64).push(" OFFSET ").push_bind(offset as i64);
            let rows = qb.build().fetch_all(pool).await?;
            let list = rows.iter().map(|r| Ok(provider_from_row!(r))).collect::<Result<Vec<_>>>()?;
            Ok((list, total.max(0) as u64))
        })
    }

    /// Listings matching `filter`, by name, `limit` from `offset` (ORUK pages by number),
    /// and how many match in all.
    pub async fn services_page(
        &self,
        scope: &OrgScope,
        filter: &ServiceFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<ServiceSummary>, u64)> {
        if filter.ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok((vec![], 0));
        }
        let ids: Option<Vec<String>> = filter.ids.as_ref().map(|ids| ids.iter().map(|i| i.to_string()).collect());
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT COUNT(*) AS n");
            filtered!(&mut qb, SERVICES_FROM, scope, filter, &ids);
            let total: i64 = qb.build().fetch_one(pool).await?.try_get("n")?;
            let mut qb = sqlx::QueryBuilder::new(SUMMARY_COLUMNS);
            qb.push(" FROM (SELECT s.id");
            filtered!(&mut qb, SERVICES_FROM, scope, filter, &ids);
            qb.push(" ORDER BY s.name, s.id LIMIT ").push_bind(limit as i64).push(" OFFSET ").push_bind(offset as i64);
            // CROSS JOIN makes SQLite read the page of keys first and look each up; with a
            // plain JOIN its planner (3.51) walked every listing by name instead, probing
            // the page for each (230 ms at 100,000 listings).
            qb.push(") AS k CROSS JOIN services s JOIN providers p ON p.organisation_id = s.organisation_id AND p.id = s.provider_id WHERE s.organisation_id = ").push_bind(scope.key());
            qb.push(" AND s.id = k.id ORDER BY s.name, s.id");
            let rows = qb.build().fetch_all(pool).await?;
            let list = rows.iter().map(|r| summary_from(r.try_get("id")?, r.try_get("name")?, r.try_get("provider_name")?, &r.try_get::<String, _>("status")?, r.try_get("restart_on")?, r.try_get("closed_reason")?, r.try_get("last_verified")?, r.try_get("updated_at")?)).collect::<Result<Vec<_>>>()?;
            Ok((list, total.max(0) as u64))
        })
    }

    /// Listings' places (ORUK service_at_location) matching `filter`, `limit` from
    /// `offset`, with how many match in all. With `near`, only places within that many
    /// miles, nearest first (an indexed box, then the exact distance); otherwise by id.
    pub async fn service_locations_page(
        &self,
        scope: &OrgScope,
        filter: &ServiceFilter,
        near: Option<(LatLon, f64)>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<(ServiceId, Location)>, u64)> {
        if filter.ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok((vec![], 0));
        }
        let ids: Option<Vec<String>> = filter.ids.as_ref().map(|ids| ids.iter().map(|i| i.to_string()).collect());
        const COLUMNS: &str = "SELECT sl.id AS sal_id, sl.service_id, l.id, l.name, l.address, l.town, l.postcode, l.latitude, l.longitude";
        let read = |rows: &[PlaceRow]| -> Result<Vec<(ServiceId, Location)>> {
            rows.iter()
                .map(|(sal, sid, id, name, address, town, postcode, lat, lon)| {
                    Ok((
                        stored(sid.parse())?,
                        Location {
                            id: stored(id.parse())?,
                            service_at_location_id: stored(sal.parse())?,
                            name: name.clone(),
                            address: address.clone(),
                            town: town.clone(),
                            postcode: postcode.clone(),
                            point: lat.zip(*lon).and_then(|(a, o)| LatLon::new(a, o)),
                        },
                    ))
                })
                .collect()
        };
        macro_rules! tuples {
            ($rows:expr) => {
                $rows
                    .iter()
                    .map(|r| {
                        Ok((
                            r.try_get("sal_id")?,
                            r.try_get("service_id")?,
                            r.try_get("id")?,
                            r.try_get("name")?,
                            r.try_get("address")?,
                            r.try_get("town")?,
                            r.try_get("postcode")?,
                            r.try_get("latitude")?,
                            r.try_get("longitude")?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?
            };
        }
        match near {
            Some((point, miles)) => {
                let b = point.bounding_box(miles);
                let rows = on_db!(self, pool => {
                    let mut qb = sqlx::QueryBuilder::new(COLUMNS);
                    filtered!(&mut qb, SERVICE_LOCATIONS_WITH_PLACES_FROM, scope, filter, &ids);
                    qb.push(" AND l.latitude BETWEEN ").push_bind(b.min_lat).push(" AND ").push_bind(b.max_lat);
                    qb.push(" AND l.longitude BETWEEN ").push_bind(b.min_lon).push(" AND ").push_bind(b.max_lon);
                    let rows = qb.build().fetch_all(pool).await?;
                    tuples!(rows)
                });
                let mut all: Vec<(f64, (ServiceId, Location))> = read(&rows)?
                    .into_iter()
                    .filter_map(|x| x.1.point.map(|p| (point.miles_to(p), x)))
                    .filter(|(d, _)| *d <= miles)
                    .collect();
                all.sort_by(|a, b| {
                    a.0.total_cmp(&b.0).then(a.1.1.service_at_location_id.cmp(&b.1.1.service_at_location_id))
                });
                let total = all.len() as u64;
                Ok((all.into_iter().skip(offset as usize).take(limit as usize).map(|(_, x)| x).collect(), total))
            }
            None => on_db!(self, pool => {
                let mut qb = sqlx::QueryBuilder::new("SELECT COUNT(*) AS n");
                push_places_filtered(&mut qb, scope, filter, &ids);
                let total: i64 = qb.build().fetch_one(pool).await?.try_get("n")?;
                let mut qb = sqlx::QueryBuilder::new(COLUMNS);
                qb.push(" FROM (SELECT sl.id");
                push_places_filtered(&mut qb, scope, filter, &ids);
                qb.push(" ORDER BY sl.id LIMIT ").push_bind(limit as i64).push(" OFFSET ").push_bind(offset as i64);
                // CROSS JOIN keeps SQLite reading the page first (see services_page).
                qb.push(") AS k CROSS JOIN service_locations sl JOIN locations l ON l.organisation_id = sl.organisation_id AND l.id = sl.location_id WHERE sl.organisation_id = ").push_bind(scope.key());
                qb.push(" AND sl.id = k.id ORDER BY sl.id");
                let rows = qb.build().fetch_all(pool).await?;
                let rows = tuples!(rows);
                Ok((read(&rows)?, total.max(0) as u64))
            }),
        }
    }

    /// One place of a listing, by its service_at_location id.
    pub async fn service_location(&self, scope: &OrgScope, id: uuid::Uuid) -> Result<(ServiceId, Location)> {
        on_db!(self, pool => {
            let r = sqlx::query("SELECT sl.id AS sal_id, sl.service_id, l.id, l.name, l.address, l.town, l.postcode, l.latitude, l.longitude FROM service_locations sl JOIN locations l ON l.organisation_id = sl.organisation_id AND l.id = sl.location_id WHERE sl.organisation_id = $1 AND sl.id = $2")
                .bind(scope.key()).bind(id.to_string()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            let point = match (r.try_get::<Option<f64>, _>("latitude")?, r.try_get::<Option<f64>, _>("longitude")?) {
                (Some(a), Some(o)) => LatLon::new(a, o),
                _ => None,
            };
            Ok((stored(r.try_get::<String, _>("service_id")?.parse())?, Location {
                id: stored(r.try_get::<String, _>("id")?.parse())?,
                service_at_location_id: stored(r.try_get::<String, _>("sal_id")?.parse())?,
                name: r.try_get("name")?,
                address: r.try_get("address")?,
                town: r.try_get("town")?,
                postcode: r.try_get("postcode")?,
                point,
            }))
        })
    }

    /// Services changed after the cursor `(updated_at, id)` in every organisation, oldest
    /// first, `limit` at a time: how the search index (one per server, for every tenant)
    /// catches up with the database. Start from `(0, "")`; continue from the last row.
    pub async fn services_changed_since(
        &self,
        since: (i64, &str),
        limit: u64,
    ) -> Result<Vec<(crate::OrgScope, ServiceId, i64)>> {
        on_db!(self, pool => {
            let rows = sqlx::query("SELECT organisation_id, id, updated_at FROM services WHERE updated_at > $1 OR (updated_at = $1 AND id > $2) ORDER BY updated_at, id LIMIT $3")
                .bind(since.0).bind(since.1).bind(limit as i64).fetch_all(pool).await?;
            rows.iter().map(|r| Ok((
                crate::OrgScope::new(stored(r.try_get::<String, _>("organisation_id")?.parse())?),
                stored(r.try_get::<String, _>("id")?.parse())?,
                r.try_get("updated_at")?,
            ))).collect()
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn summary_from(
    id: String,
    name: String,
    provider_name: String,
    status: &str,
    restart: Option<String>,
    reason: Option<String>,
    last_verified: Option<String>,
    updated_at: i64,
) -> Result<ServiceSummary> {
    Ok(ServiceSummary {
        id: stored(id.parse())?,
        name,
        provider_name,
        status: status_from(status, restart, reason)?,
        last_verified: parse_date(last_verified)?,
        updated_at,
    })
}

/// Insert or update a provider inside the caller's transaction (see `Db::save_provider`).
pub async fn save_provider_in(
    tx: &mut Tx,
    scope: &OrgScope,
    actor: &Actor,
    id: ProviderId,
    expected: Option<Version>,
    input: &ProviderInput,
    origin: SaveOrigin<'_>,
) -> Result<()> {
    let now = now_ms();
    let source = match origin {
        SaveOrigin::Here => "",
        SaveOrigin::Import(s) => s,
    };
    let n = on_tx!(tx, conn => {
        match expected {
            Some(v) => sqlx::query("UPDATE providers SET name = $1, kind = $2, description = $3, website = $4, email = $5, phone = $6, updated_at = $7, version = version + 1 WHERE organisation_id = $8 AND id = $9 AND version = $10")
                .bind(&input.name).bind(input.kind.code()).bind(&input.description).bind(&input.website)
                .bind(input.email.as_ref().map(|e| e.as_str())).bind(&input.phone).bind(now)
                .bind(scope.key()).bind(id.to_string()).bind(v.0)
                .execute(&mut *conn).await?.rows_affected(),
            // An import updates only what was imported, never a provider made here.
            None => sqlx::query("INSERT INTO providers (organisation_id, id, name, kind, description, website, email, phone, source, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1) ON CONFLICT (organisation_id, id) DO UPDATE SET name = excluded.name, kind = excluded.kind, description = excluded.description, website = excluded.website, email = excluded.email, phone = excluded.phone, source = excluded.source, updated_at = excluded.updated_at, version = providers.version + 1 WHERE providers.source <> ''")
                .bind(scope.key()).bind(id.to_string()).bind(&input.name).bind(input.kind.code()).bind(&input.description)
                .bind(&input.website).bind(input.email.as_ref().map(|e| e.as_str())).bind(&input.phone).bind(source).bind(now)
                .execute(&mut *conn).await?.rows_affected(),
        }
    });
    if n == 0 {
        let exists: Option<String> = on_tx!(tx, conn => {
            sqlx::query_scalar("SELECT id FROM providers WHERE organisation_id = $1 AND id = $2")
                .bind(scope.key()).bind(id.to_string()).fetch_optional(&mut *conn).await?
        });
        return Err(if exists.is_some() { StoreError::Conflict } else { StoreError::NotFound });
    }
    // Its listings show its name: they have changed too (for ORUK's modified_after
    // and the search index), though not in content their history need record.
    on_tx!(tx, conn => {
        sqlx::query("UPDATE services SET updated_at = $1 WHERE organisation_id = $2 AND provider_id = $3")
            .bind(now).bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?;
    });
    append_in(tx, scope, &actor.event(AuditAction::DirectoryChanged, "provider", id, None)).await?;
    Ok(())
}

/// How one listing is to be saved (see `Db::save_service`): its id, the version an edit
/// was based on, what was stored before (read by the caller), where the change comes
/// from, and the date it was checked for a new listing.
pub struct ServiceSave<'a> {
    pub id: ServiceId,
    pub expected: Option<Version>,
    pub old: Option<&'a Service>,
    pub origin: SaveOrigin<'a>,
    pub verified: Option<Date>,
}

/// Insert or update a listing inside the caller's transaction (see `Db::save_service`).
/// Returns its new version.
pub async fn save_service_in(
    tx: &mut Tx,
    scope: &OrgScope,
    actor: &Actor,
    save: &ServiceSave<'_>,
    input: &ServiceInput,
) -> Result<i64> {
    let ServiceSave { id, expected, old, origin, verified } = *save;
    let now = now_ms();
    let source = match origin {
        SaveOrigin::Here => old.map(|o| o.source.clone()).unwrap_or_default(),
        SaveOrigin::Import(s) => s.to_owned(),
    };
    let (free, pence, cost_description) = match &input.cost {
        Cost::Free => (true, None, String::new()),
        Cost::Paid { pence, description } => (false, pence.map(i64::from), description.clone()),
    };
    let languages = input.languages.join("\n");
    let sql = match expected {
        // $23 is the expected version for an update and the verified date for an insert.
        Some(_) => {
            "UPDATE services SET provider_id = $3, name = $4, description = $5, url = $6, email = $7, phone = $8, contact_name = $9, minimum_age = $10, maximum_age = $11, eligibility = $12, cost_free = $13, cost_pence = $14, cost_description = $15, wheelchair = $16, accessibility = $17, languages = $18, capacity = $19, is_full = $20, source = $21, updated_at = $22, version = version + 1 WHERE organisation_id = $1 AND id = $2 AND version = $23 RETURNING version"
        }
        // An import updates only what was imported, never a listing made here.
        None => {
            "INSERT INTO services (organisation_id, id, provider_id, name, description, url, email, phone, contact_name, minimum_age, maximum_age, eligibility, cost_free, cost_pence, cost_description, wheelchair, accessibility, languages, capacity, is_full, source, created_at, updated_at, version, status, last_verified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, 1, 'active', $23) ON CONFLICT (organisation_id, id) DO UPDATE SET provider_id = excluded.provider_id, name = excluded.name, description = excluded.description, url = excluded.url, email = excluded.email, phone = excluded.phone, contact_name = excluded.contact_name, minimum_age = excluded.minimum_age, maximum_age = excluded.maximum_age, eligibility = excluded.eligibility, cost_free = excluded.cost_free, cost_pence = excluded.cost_pence, cost_description = excluded.cost_description, wheelchair = excluded.wheelchair, accessibility = excluded.accessibility, languages = excluded.languages, capacity = excluded.capacity, is_full = excluded.is_full, source = excluded.source, updated_at = excluded.updated_at, version = services.version + 1, last_verified = COALESCE(excluded.last_verified, services.last_verified) WHERE services.source <> '' RETURNING version"
        }
    };
    let version: Option<i64> = on_tx!(tx, conn => {
        let q = sqlx::query_scalar(sql).bind(scope.key())
            .bind(id.to_string())
            .bind(input.provider_id.to_string())
            .bind(&input.name)
            .bind(&input.description)
            .bind(&input.url)
            .bind(input.email.as_ref().map(|e| e.as_str()))
            .bind(&input.phone)
            .bind(&input.contact_name)
            .bind(input.minimum_age.map(i64::from))
            .bind(input.maximum_age.map(i64::from))
            .bind(&input.eligibility)
            .bind(free)
            .bind(pence)
            .bind(&cost_description)
            .bind(input.wheelchair)
            .bind(&input.accessibility)
            .bind(&languages)
            .bind(input.capacity.map(i64::from))
            .bind(input.full)
            .bind(&source)
            .bind(now);
        let q = match expected {
            Some(v) => q.bind(v.0),
            None => q.bind(verified.map(|d| d.to_string())),
        };
        q.fetch_optional(&mut *conn).await?
    });
    let Some(version) = version else {
        return Err(StoreError::Conflict);
    };
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM service_terms WHERE organisation_id = $1 AND service_id = $2")
            .bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?;
        for t in &input.terms {
            sqlx::query("INSERT INTO service_terms (organisation_id, service_id, term) VALUES ($1, $2, $3)")
                .bind(scope.key()).bind(id.to_string()).bind(t.key()).execute(&mut *conn).await?;
        }
        sqlx::query("DELETE FROM schedules WHERE organisation_id = $1 AND service_id = $2")
            .bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?;
        for (i, s) in input.schedules.iter().enumerate() {
            sqlx::query("INSERT INTO schedules (organisation_id, id, service_id, position, rrule, dtstart, opens_at, closes_at, valid_from, valid_to, description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .bind(scope.key())
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(id.to_string())
                .bind(i as i64)
                .bind(s.recurrence.to_string())
                .bind(s.dtstart.to_string())
                .bind(s.opens_at.strftime("%H:%M").to_string())
                .bind(s.closes_at.strftime("%H:%M").to_string())
                .bind(s.valid_from.map(|d| d.to_string()))
                .bind(s.valid_to.map(|d| d.to_string()))
                .bind(&s.description)
                .execute(&mut *conn).await?;
        }
    });
    save_locations(tx, scope, id, old.map(|o| o.locations.as_slice()).unwrap_or(&[]), &input.locations).await?;
    let (kind, detail) = match (origin, old) {
        (SaveOrigin::Import(s), _) => ("imported", format!("from {s}")),
        (SaveOrigin::Here, None) => ("created", String::new()),
        (SaveOrigin::Here, Some(old)) => ("edited", changed_fields(old, input).join(", ")),
    };
    record_event(tx, scope, actor, id, kind, &detail).await?;
    Ok(version)
}

/// Pause, close or reopen a listing inside the caller's transaction.
pub async fn set_service_status_in(
    tx: &mut Tx,
    scope: &OrgScope,
    actor: &Actor,
    id: ServiceId,
    expected: Version,
    status: &ServiceStatus,
    note: &str,
) -> Result<()> {
    let (restart, reason) = match status {
        ServiceStatus::Active => (None, None),
        ServiceStatus::Paused { restart } => (restart.map(|d| d.to_string()), None),
        ServiceStatus::Closed { reason } => (None, Some(reason.clone())),
    };
    let n = on_tx!(tx, conn => {
        sqlx::query("UPDATE services SET status = $1, restart_on = $2, closed_reason = $3, updated_at = $4, version = version + 1 WHERE organisation_id = $5 AND id = $6 AND version = $7")
            .bind(status.code()).bind(restart).bind(reason).bind(now_ms())
            .bind(scope.key()).bind(id.to_string()).bind(expected.0)
            .execute(&mut *conn).await?.rows_affected()
    });
    if n == 0 {
        let exists: Option<String> = on_tx!(tx, conn => {
            sqlx::query_scalar("SELECT id FROM services WHERE organisation_id = $1 AND id = $2")
                .bind(scope.key()).bind(id.to_string()).fetch_optional(&mut *conn).await?
        });
        return Err(if exists.is_some() { StoreError::Conflict } else { StoreError::NotFound });
    }
    let (kind, detail) = match status {
        ServiceStatus::Active => ("reopened", note.to_owned()),
        ServiceStatus::Paused { restart } => (
            "paused",
            [
                restart.map(|d| format!("expected back {}", linkwell_domain::time::display_london_date(d))),
                Some(note.to_owned()),
            ]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(". "),
        ),
        ServiceStatus::Closed { reason } => ("closed", reason.clone()),
    };
    record_event(tx, scope, actor, id, kind, &detail).await
}

/// Make the service's locations match `wanted`, keeping the ids of those it already had
/// (position by position) so ORUK ids stay stable across edits.
async fn save_locations(
    tx: &mut Tx,
    scope: &OrgScope,
    service: ServiceId,
    old: &[Location],
    wanted: &[LocationInput],
) -> Result<()> {
    let mut kept = vec![];
    for (i, l) in wanted.iter().enumerate() {
        let previous = old.get(i);
        let id = l.id.or(previous.map(|p| p.id)).unwrap_or_default();
        let sal = previous.filter(|p| p.id == id).map(|p| p.service_at_location_id).unwrap_or_else(uuid::Uuid::now_v7);
        kept.push(id);
        on_tx!(tx, conn => {
            sqlx::query("INSERT INTO locations (organisation_id, id, name, address, town, postcode, latitude, longitude) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (organisation_id, id) DO UPDATE SET name = excluded.name, address = excluded.address, town = excluded.town, postcode = excluded.postcode, latitude = excluded.latitude, longitude = excluded.longitude")
                .bind(scope.key()).bind(id.to_string()).bind(&l.name).bind(&l.address).bind(&l.town)
                .bind(l.postcode.as_ref().map(|p| p.as_str().to_owned()))
                .bind(l.point.map(|p| p.lat())).bind(l.point.map(|p| p.lon()))
                .execute(&mut *conn).await?;
            sqlx::query("INSERT INTO service_locations (organisation_id, id, service_id, location_id) VALUES ($1, $2, $3, $4) ON CONFLICT (organisation_id, service_id, location_id) DO NOTHING")
                .bind(scope.key()).bind(sal.to_string()).bind(service.to_string()).bind(id.to_string())
                .execute(&mut *conn).await?;
        });
    }
    for gone in old.iter().filter(|o| !kept.contains(&o.id)) {
        on_tx!(tx, conn => {
            sqlx::query("DELETE FROM service_locations WHERE organisation_id = $1 AND service_id = $2 AND location_id = $3")
                .bind(scope.key()).bind(service.to_string()).bind(gone.id.to_string()).execute(&mut *conn).await?;
            // A venue no other service uses goes with it.
            sqlx::query("DELETE FROM locations WHERE organisation_id = $1 AND id = $2 AND NOT EXISTS (SELECT 1 FROM service_locations WHERE organisation_id = $1 AND location_id = $2)")
                .bind(scope.key()).bind(gone.id.to_string()).execute(&mut *conn).await?;
        });
    }
    Ok(())
}
