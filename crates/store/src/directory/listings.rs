//! Listings: a service with its locations, schedules, exceptions and taxonomy terms, how
//! one is saved (created, edited or imported, in the caller's transaction or its own) and
//! how full listings, their places and the summary rows that lists show are read.

use std::collections::HashMap;

use jiff::civil::{Date, Time};
use linkwell_domain::directory::{
    Cost, LatLon, LocationInput, ProviderKind, Recurrence, Schedule, ServiceInput, ServiceStatus, Term,
};
use linkwell_domain::{LocationId, ProviderId, ServiceId, Version};

use super::status::{changed_fields, record_event};
use crate::error::stored;
use crate::versioned::expect_returned;
use crate::{Actor, Db, OrgScope, Result, StoreError, Tx, now_ms, push_in_list};

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

row_struct! {
    /// A `services` row with its provider's name and kind, as read (`SERVICE_COLUMNS`).
    struct ServiceRow {
        id: String,
        provider_id: String,
        provider_name: String,
        provider_kind: String,
        name: String,
        description: String,
        url: Option<String>,
        email: Option<String>,
        phone: Option<String>,
        contact_name: String,
        minimum_age: Option<i64>,
        maximum_age: Option<i64>,
        eligibility: String,
        cost_free: bool,
        cost_pence: Option<i64>,
        cost_description: String,
        wheelchair: bool,
        accessibility: String,
        languages: String,
        capacity: Option<i64>,
        is_full: bool,
        status: String,
        restart_on: Option<String>,
        closed_reason: Option<String>,
        last_verified: Option<String>,
        source: String,
        created_at: i64,
        updated_at: i64,
        version: i64,
    }
}

/// A listing without its terms, places, schedules and dates off (read separately).
impl TryFrom<ServiceRow> for Service {
    type Error = StoreError;

    fn try_from(r: ServiceRow) -> Result<Service> {
        Ok(Service {
            id: stored(r.id.parse())?,
            provider_id: stored(r.provider_id.parse())?,
            provider_name: r.provider_name,
            provider_kind: stored(ProviderKind::parse(&r.provider_kind))?,
            name: r.name,
            description: r.description,
            url: r.url,
            email: r.email,
            phone: r.phone,
            contact_name: r.contact_name,
            minimum_age: small(r.minimum_age)?,
            maximum_age: small(r.maximum_age)?,
            eligibility: r.eligibility,
            cost: if r.cost_free {
                Cost::Free
            } else {
                Cost::Paid { pence: small(r.cost_pence)?, description: r.cost_description }
            },
            wheelchair: r.wheelchair,
            accessibility: r.accessibility,
            languages: r.languages.lines().map(str::to_owned).collect(),
            terms: vec![],
            capacity: small(r.capacity)?,
            full: r.is_full,
            status: status_from(&r.status, r.restart_on, r.closed_reason)?,
            last_verified: parse_date(r.last_verified)?,
            source: r.source,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            locations: vec![],
            schedules: vec![],
            exceptions: vec![],
        })
    }
}

row_struct! {
    /// A place of a listing as read: its ORUK service_at_location (`sl`) with the location
    /// (`l`), the columns of `PLACE_COLUMNS` (also read by `published`).
    pub(super) struct PlaceRow {
        sal_id: String,
        service_id: String,
        id: String,
        name: String,
        address: String,
        town: String,
        postcode: Option<String>,
        latitude: Option<f64>,
        longitude: Option<f64>,
    }
}

/// What a place row holds: the listing it belongs to, and the place.
pub(super) const PLACE_COLUMNS: &str =
    "SELECT sl.id AS sal_id, sl.service_id, l.id, l.name, l.address, l.town, l.postcode, l.latitude, l.longitude";

impl TryFrom<PlaceRow> for (ServiceId, Location) {
    type Error = StoreError;

    fn try_from(r: PlaceRow) -> Result<(ServiceId, Location)> {
        Ok((
            stored(r.service_id.parse())?,
            Location {
                id: stored(r.id.parse())?,
                service_at_location_id: stored(r.sal_id.parse())?,
                name: r.name,
                address: r.address,
                town: r.town,
                postcode: r.postcode,
                point: r.latitude.zip(r.longitude).and_then(|(lat, lon)| LatLon::new(lat, lon)),
            },
        ))
    }
}

row_struct! {
    /// A `schedules` row as read.
    struct ScheduleRow {
        id: String,
        service_id: String,
        rrule: String,
        dtstart: String,
        opens_at: String,
        closes_at: String,
        valid_from: Option<String>,
        valid_to: Option<String>,
        description: String,
    }
}

impl TryFrom<ScheduleRow> for (ServiceId, StoredSchedule) {
    type Error = StoreError;

    fn try_from(r: ScheduleRow) -> Result<(ServiceId, StoredSchedule)> {
        let sid: ServiceId = stored(r.service_id.parse())?;
        let time = |t: &str| -> Result<Time> { stored(linkwell_domain::time::wall_time(t)) };
        let schedule = stored(Schedule::new(
            stored(Recurrence::parse(&r.rrule))?,
            stored(r.dtstart.parse::<Date>())?,
            time(&r.opens_at)?,
            time(&r.closes_at)?,
            parse_date(r.valid_from)?,
            parse_date(r.valid_to)?,
            r.description,
        ))?;
        Ok((sid, StoredSchedule { id: stored(r.id.parse())?, schedule }))
    }
}

row_struct! {
    /// A row of what a list shows of each listing (`SUMMARY_COLUMNS`), as read.
    pub(super) struct SummaryRow {
        id: String,
        name: String,
        provider_name: String,
        status: String,
        restart_on: Option<String>,
        closed_reason: Option<String>,
        last_verified: Option<String>,
        updated_at: i64,
    }
}

impl TryFrom<SummaryRow> for ServiceSummary {
    type Error = StoreError;

    fn try_from(r: SummaryRow) -> Result<ServiceSummary> {
        Ok(ServiceSummary {
            id: stored(r.id.parse())?,
            name: r.name,
            provider_name: r.provider_name,
            status: status_from(&r.status, r.restart_on, r.closed_reason)?,
            last_verified: parse_date(r.last_verified)?,
            updated_at: r.updated_at,
        })
    }
}

/// What a list shows of each listing (`s`, and its provider `p`).
pub(super) const SUMMARY_COLUMNS: &str = "SELECT s.id, s.name, p.name AS provider_name, s.status, s.restart_on, s.closed_reason, s.last_verified, s.updated_at";

/// Where a save came from, for the listing's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOrigin<'a> {
    /// Entered by someone in Linkwell.
    Here,
    /// From an ORUK feed or CSV file, named by its source.
    Import(&'a str),
}

impl Db {
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
            let rows = qb.build_query_as::<ServiceRow>().fetch_all(pool).await?;
            rows.into_iter().map(Service::try_from).collect::<Result<Vec<_>>>()?
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
            for (sid, term) in qb.build_query_as::<(String, String)>().fetch_all(pool).await? {
                let sid: ServiceId = stored(sid.parse())?;
                let term = Term::parse_key(&term).ok_or_else(|| StoreError::corrupt("taxonomy term"))?;
                if let Some(&i) = by_id.get(&sid) {
                    services[i].terms.push(term);
                }
            }
            let mut qb = sqlx::QueryBuilder::new(PLACE_COLUMNS);
            qb.push(" FROM service_locations sl JOIN locations l ON l.organisation_id = sl.organisation_id AND l.id = sl.location_id WHERE sl.organisation_id = ");
            qb.push_bind(scope.key()).push(" AND sl.service_id");
            push_in_list(&mut qb, keys);
            // No ORDER BY: sorting by sl.id led SQLite to walk the primary key (every place
            // of the organisation) instead of the (organisation, service) index. Sorted below.
            for r in qb.build_query_as::<PlaceRow>().fetch_all(pool).await? {
                let (sid, loc) = r.try_into()?;
                if let Some(&i) = by_id.get(&sid) {
                    services[i].locations.push(loc);
                }
            }
            let mut qb = sqlx::QueryBuilder::new("SELECT id, service_id, rrule, dtstart, opens_at, closes_at, valid_from, valid_to, description FROM schedules WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND service_id");
            push_in_list(&mut qb, keys);
            qb.push(" ORDER BY service_id, position");
            for r in qb.build_query_as::<ScheduleRow>().fetch_all(pool).await? {
                let (sid, schedule): (ServiceId, StoredSchedule) = r.try_into()?;
                if let Some(&i) = by_id.get(&sid) {
                    services[i].schedules.push(schedule);
                }
            }
            let mut qb = sqlx::QueryBuilder::new("SELECT service_id, on_date, note FROM service_exceptions WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND service_id");
            push_in_list(&mut qb, keys);
            qb.push(" ORDER BY on_date");
            for (sid, on_date, note) in qb.build_query_as::<(String, String, String)>().fetch_all(pool).await? {
                let sid: ServiceId = stored(sid.parse())?;
                let e = ServiceException { date: stored(on_date.parse())?, note };
                if let Some(&i) = by_id.get(&sid) {
                    services[i].exceptions.push(e);
                }
            }
        });
        Ok(())
    }

    /// One place of a listing, by its service_at_location id.
    pub async fn service_location(&self, scope: &OrgScope, id: uuid::Uuid) -> Result<(ServiceId, Location)> {
        let sql = format!(
            "{PLACE_COLUMNS} FROM service_locations sl JOIN locations l ON l.organisation_id = sl.organisation_id AND l.id = sl.location_id WHERE sl.organisation_id = $1 AND sl.id = $2"
        );
        on_db!(self, pool => {
            sqlx::query_as::<_, PlaceRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(id.to_string()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?.try_into()
        })
    }
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
    // An edit at a stale version, or an import over a listing made here: the listing is
    // there (Conflict); an edit of one that is not is NotFound.
    let version = expect_returned(tx, "services", scope, id, version).await?;
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
