//! A listing's standing and history: pausing, closing and reopening it, recording that it
//! was checked, the dates it does not run, the listings due a check, and the history
//! (`service_events`, with an audit entry) that each of these changes and every save writes.

use jiff::civil::Date;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::directory::{ServiceInput, ServiceStatus};
use linkwell_domain::{ServiceId, Version};

use super::listings::{SUMMARY_COLUMNS, SummaryRow};
use super::{Location, Service, ServiceSummary};
use crate::audit::append_in;
use crate::versioned::expect_version;
use crate::{Actor, Db, OrgScope, Result, StoreError, Tx, now_ms};

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

/// The fields of a listing whose values differ, for its history ("cost, schedules").
pub(super) fn changed_fields(old: &Service, new: &ServiceInput) -> Vec<&'static str> {
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

row_struct! {
    /// A `service_events` row as read. Every column is as the event holds it.
    struct ServiceEventRow {
        at: i64,
        actor_user_id: Option<String>,
        kind: String,
        detail: String,
    }
}

impl From<ServiceEventRow> for ServiceEvent {
    fn from(r: ServiceEventRow) -> ServiceEvent {
        ServiceEvent { at: r.at, actor_user_id: r.actor_user_id, kind: r.kind, detail: r.detail }
    }
}

pub(super) async fn record_event(
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
    );
    Ok(())
}

/// Listings someone should check ($1 organisation, $2 the stale-before date, $3 today):
/// running or paused and not verified since $2, or paused past their restart date.
const TO_CHECK: &str = "s.organisation_id = $1 AND s.status <> 'closed' AND (s.last_verified IS NULL OR s.last_verified <= $2 OR (s.status = 'paused' AND s.restart_on <= $3))";

impl Db {
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
        // No version to check: no row changed is NotFound.
        expect_version(&mut tx, "services", scope, id, n).await?;
        record_event(&mut tx, scope, actor, id, "verified", note).await?;
        tx.commit().await?;
        self.service(scope, id).await
    }

    /// A date the service does not run (added) or runs after all (removed). `NotFound` for
    /// another organisation's listing, or for removing a date off it does not have.
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
            sqlx::query("UPDATE services SET updated_at = $1, version = version + 1 WHERE organisation_id = $2 AND id = $3")
                .bind(now_ms()).bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?.rows_affected()
        });
        // No version to check: no row changed is NotFound.
        expect_version(&mut tx, "services", scope, id, n).await?;
        let n = on_tx!(&mut tx, conn => {
            match note {
                Some(note) => sqlx::query("INSERT INTO service_exceptions (organisation_id, service_id, on_date, note) VALUES ($1, $2, $3, $4) ON CONFLICT (organisation_id, service_id, on_date) DO UPDATE SET note = excluded.note")
                    .bind(scope.key()).bind(id.to_string()).bind(date.to_string()).bind(note).execute(&mut *conn).await?.rows_affected(),
                None => sqlx::query("DELETE FROM service_exceptions WHERE organisation_id = $1 AND service_id = $2 AND on_date = $3")
                    .bind(scope.key()).bind(id.to_string()).bind(date.to_string()).execute(&mut *conn).await?.rows_affected(),
            }
        });
        // Removing a date off that is not there changes nothing (the version bump rolls
        // back) and says so, rather than writing history.
        // Not expect_version: this is NotFound though the listing is there.
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

    /// A listing's history, newest first.
    pub async fn service_history(&self, scope: &OrgScope, id: ServiceId) -> Result<Vec<ServiceEvent>> {
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, ServiceEventRow>("SELECT at, actor_user_id, kind, detail FROM service_events WHERE organisation_id = $1 AND service_id = $2 ORDER BY at DESC, id DESC")
                .bind(scope.key()).bind(id.to_string()).fetch_all(pool).await?;
            Ok(rows.into_iter().map(ServiceEvent::from).collect())
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
            let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(scope.key()).bind(&before).bind(today.to_string()).fetch_one(pool).await?;
            let rows = sqlx::query_as::<_, SummaryRow>(sqlx::AssertSqlSafe(list.clone()))
                .bind(scope.key()).bind(&before).bind(today.to_string()).bind(limit as i64).fetch_all(pool).await?;
            let items = rows.into_iter().map(ServiceSummary::try_from).collect::<Result<Vec<_>>>()?;
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
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(scope.key()).bind(&before).bind(today.to_string()).bind(at_most as i64).fetch_one(pool).await?;
            Ok(n.max(0) as u64)
        })
    }
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
    expect_version(tx, "services", scope, id, n).await?;
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
