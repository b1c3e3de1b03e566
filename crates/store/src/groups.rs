//! Groups the team runs: a group's settings (one row beside its listing), its
//! facilitators, and its sessions — generated from the listing's schedule and brought in
//! line with it in one transaction (`linkwell_domain::groups::sessions::regenerate`).

use jiff::Timestamp;
use jiff::civil::Date;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::groups::GroupSettings;
use linkwell_domain::groups::sessions::{Occurrence, Stored, regenerate};
use linkwell_domain::ids::GroupSessionId;
use linkwell_domain::{ServiceId, UserId, Version};

use crate::audit::append_in;
use crate::db::Tx;
use crate::error::stored;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// A group: its listing's id and what running it needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Group {
    pub service_id: ServiceId,
    pub settings: GroupSettings,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// Whether a session goes ahead as the schedule says, was moved (its time or venue), or
/// is called off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupSessionStatus {
    Scheduled,
    Moved,
    Cancelled,
}

impl GroupSessionStatus {
    pub fn code(self) -> &'static str {
        match self {
            GroupSessionStatus::Scheduled => "scheduled",
            GroupSessionStatus::Moved => "moved",
            GroupSessionStatus::Cancelled => "cancelled",
        }
    }

    fn stored(code: &str) -> Result<GroupSessionStatus> {
        [GroupSessionStatus::Scheduled, GroupSessionStatus::Moved, GroupSessionStatus::Cancelled]
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| StoreError::corrupt(code))
    }
}

/// One date a group meets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupSession {
    pub id: GroupSessionId,
    pub service_id: ServiceId,
    /// The London date it meets on (one session per group and date).
    pub on_date: Date,
    pub starts_at: i64,
    pub ends_at: i64,
    pub status: GroupSessionStatus,
    /// Why it was moved or cancelled, as members were told.
    pub reason: String,
    /// Where it meets instead of the usual venue; empty: the usual place.
    pub venue: String,
    /// When its register was taken, if it was.
    pub register_taken_at: Option<i64>,
    /// What the facilitator noted on the register (the weather, the venue).
    pub register_note: String,
    pub version: i64,
}

impl GroupSession {
    fn as_stored(&self) -> Stored {
        Stored {
            date: self.on_date,
            starts_at: Timestamp::from_millisecond(self.starts_at).unwrap_or(Timestamp::MIN),
            ends_at: Timestamp::from_millisecond(self.ends_at).unwrap_or(Timestamp::MIN),
            changed_alone: self.status != GroupSessionStatus::Scheduled,
            has_register: self.register_taken_at.is_some(),
        }
    }
}

/// What bringing a group's sessions in line with its schedule did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionsRegenerated {
    pub added: usize,
    pub retimed: usize,
    pub removed: usize,
}

const GROUP_COLUMNS: &str = "service_id, public_join, what_to_bring, risk_assessment, risk_review_due, wet_weather, created_at, updated_at, version";
pub(crate) const SESSION_COLUMNS: &str =
    "id, service_id, on_date, starts_at, ends_at, status, reason, venue, register_taken_at, register_note, version";

row_struct! {
    struct GroupRow {
        service_id: String,
        public_join: bool,
        what_to_bring: String,
        risk_assessment: String,
        risk_review_due: Option<String>,
        wet_weather: String,
        created_at: i64,
        updated_at: i64,
        version: i64,
    }
}

impl TryFrom<GroupRow> for Group {
    type Error = StoreError;

    fn try_from(r: GroupRow) -> Result<Group> {
        Ok(Group {
            service_id: stored(r.service_id.parse())?,
            settings: GroupSettings {
                public_join: r.public_join,
                what_to_bring: r.what_to_bring,
                risk_assessment: r.risk_assessment,
                risk_review_due: r.risk_review_due.map(|d| stored(d.parse())).transpose()?,
                wet_weather: r.wet_weather,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

row_struct! {
    pub(crate) struct GroupSessionRow {
        id: String,
        service_id: String,
        on_date: String,
        starts_at: i64,
        ends_at: i64,
        status: String,
        reason: String,
        venue: String,
        register_taken_at: Option<i64>,
        register_note: String,
        version: i64,
    }
}

impl TryFrom<GroupSessionRow> for GroupSession {
    type Error = StoreError;

    fn try_from(r: GroupSessionRow) -> Result<GroupSession> {
        Ok(GroupSession {
            id: stored(r.id.parse())?,
            service_id: stored(r.service_id.parse())?,
            on_date: stored(r.on_date.parse())?,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            status: GroupSessionStatus::stored(&r.status)?,
            reason: r.reason,
            venue: r.venue,
            register_taken_at: r.register_taken_at,
            register_note: r.register_note,
            version: r.version,
        })
    }
}

impl Db {
    /// Make the listing `service` a group the team runs. A listing is a group once: a
    /// second time is `Duplicate`.
    pub async fn create_group(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        service: ServiceId,
        settings: &GroupSettings,
    ) -> Result<Group> {
        let now = now_ms();
        let s = settings;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO team_groups (organisation_id, service_id, public_join, what_to_bring, risk_assessment, risk_review_due, wet_weather, created_at, updated_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)",
            )
            .bind(scope.key()).bind(service.to_string()).bind(s.public_join).bind(&s.what_to_bring)
            .bind(&s.risk_assessment).bind(s.risk_review_due.map(|d| d.to_string())).bind(&s.wet_weather).bind(now)
            .execute(&mut *conn).await.map_err(StoreError::unique_as("service_id"))?;
        });
        append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group", service, Some("created".into())));
        tx.commit().await?;
        Ok(Group { service_id: service, settings: settings.clone(), created_at: now, updated_at: now, version: 1 })
    }

    /// Change a group's settings if it is still at `expected`; a stale version is a
    /// `Conflict`.
    pub async fn update_group(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        service: ServiceId,
        expected: Version,
        settings: &GroupSettings,
    ) -> Result<Group> {
        let s = settings;
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE team_groups SET public_join = $1, what_to_bring = $2, risk_assessment = $3, risk_review_due = $4, wet_weather = $5, updated_at = $6, version = version + 1 \
                 WHERE organisation_id = $7 AND service_id = $8 AND version = $9",
            )
            .bind(s.public_join).bind(&s.what_to_bring).bind(&s.risk_assessment).bind(s.risk_review_due.map(|d| d.to_string()))
            .bind(&s.wet_weather).bind(now_ms()).bind(scope.key()).bind(service.to_string()).bind(expected.0)
            .execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return Err(if group_in(&mut tx, scope, service).await.is_ok() {
                StoreError::Conflict
            } else {
                StoreError::NotFound
            });
        }
        append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group", service, Some("settings".into())));
        let group = group_in(&mut tx, scope, service).await?;
        tx.commit().await?;
        Ok(group)
    }

    /// The group on the listing `service`; `NotFound` if the listing is not a group.
    pub async fn group(&self, scope: &OrgScope, service: ServiceId) -> Result<Group> {
        let row: Option<GroupRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {GROUP_COLUMNS} FROM team_groups WHERE organisation_id = $1 AND service_id = $2")))
                .bind(scope.key()).bind(service.to_string()).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Every organisation's groups, for the job that keeps their sessions to the horizon:
    /// up to `limit` after `after` (the last of the previous call), in key order.
    pub async fn every_group(
        &self,
        after: Option<(OrgScope, ServiceId)>,
        limit: usize,
    ) -> Result<Vec<(OrgScope, ServiceId)>> {
        let (org, service) = after.map(|(o, s)| (o.key(), s.to_string())).unwrap_or_default();
        let rows: Vec<(String, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT organisation_id, service_id FROM team_groups WHERE (organisation_id, service_id) > ($1, $2) ORDER BY organisation_id, service_id LIMIT $3")
                .bind(org).bind(service).bind(limit as i64).fetch_all(pool).await?
        });
        rows.into_iter().map(|(o, s)| Ok((OrgScope::new(stored(o.parse())?), stored(s.parse())?))).collect()
    }

    /// The organisation's groups, in the order they were made.
    pub async fn groups(&self, scope: &OrgScope) -> Result<Vec<Group>> {
        let rows: Vec<GroupRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {GROUP_COLUMNS} FROM team_groups WHERE organisation_id = $1 ORDER BY created_at, service_id")))
                .bind(scope.key()).fetch_all(pool).await?
        });
        rows.into_iter().map(Group::try_from).collect()
    }

    /// Replace the group's facilitators with `users` (each once), if the group is still at
    /// `expected` (its version counts its facilitators' changes too).
    pub async fn set_group_facilitators(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        service: ServiceId,
        expected: Version,
        users: &[UserId],
    ) -> Result<()> {
        let mut users = users.to_vec();
        users.sort();
        users.dedup();
        let mut tx = self.begin().await?;
        // The group row first, so that a missing group is `NotFound`, not a foreign key.
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE team_groups SET updated_at = $1, version = version + 1 WHERE organisation_id = $2 AND service_id = $3 AND version = $4")
                .bind(now_ms()).bind(scope.key()).bind(service.to_string()).bind(expected.0).execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return Err(if group_in(&mut tx, scope, service).await.is_ok() {
                StoreError::Conflict
            } else {
                StoreError::NotFound
            });
        }
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM group_facilitators WHERE organisation_id = $1 AND service_id = $2")
                .bind(scope.key()).bind(service.to_string()).execute(&mut *conn).await?;
            for u in &users {
                sqlx::query("INSERT INTO group_facilitators (organisation_id, service_id, user_id) VALUES ($1, $2, $3)")
                    .bind(scope.key()).bind(service.to_string()).bind(u.to_string()).execute(&mut *conn).await?;
            }
        });
        let detail = format!("facilitators={}", users.len());
        append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group", service, Some(detail)));
        tx.commit().await
    }

    /// The group's facilitators.
    pub async fn group_facilitators(&self, scope: &OrgScope, service: ServiceId) -> Result<Vec<UserId>> {
        let ids: Vec<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT user_id FROM group_facilitators WHERE organisation_id = $1 AND service_id = $2 ORDER BY user_id")
                .bind(scope.key()).bind(service.to_string()).fetch_all(pool).await?
        });
        ids.into_iter().map(|id| stored(id.parse())).collect()
    }

    /// The groups `user` facilitates.
    pub async fn groups_facilitated_by(&self, scope: &OrgScope, user: UserId) -> Result<Vec<ServiceId>> {
        let ids: Vec<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT service_id FROM group_facilitators WHERE organisation_id = $1 AND user_id = $2 ORDER BY service_id")
                .bind(scope.key()).bind(user.to_string()).fetch_all(pool).await?
        });
        ids.into_iter().map(|id| stored(id.parse())).collect()
    }

    /// The group's sessions on `from` to `to` inclusive, in date order.
    pub async fn group_sessions(
        &self,
        scope: &OrgScope,
        service: ServiceId,
        from: Date,
        to: Date,
    ) -> Result<Vec<GroupSession>> {
        let rows: Vec<GroupSessionRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {SESSION_COLUMNS} FROM group_sessions WHERE organisation_id = $1 AND service_id = $2 AND on_date >= $3 AND on_date <= $4 ORDER BY on_date",
            )))
            .bind(scope.key()).bind(service.to_string()).bind(from.to_string()).bind(to.to_string())
            .fetch_all(pool).await?
        });
        rows.into_iter().map(GroupSession::try_from).collect()
    }

    /// One of the organisation's group sessions.
    pub async fn group_session(&self, scope: &OrgScope, session: GroupSessionId) -> Result<GroupSession> {
        let row: Option<GroupSessionRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {SESSION_COLUMNS} FROM group_sessions WHERE organisation_id = $1 AND id = $2")))
                .bind(scope.key()).bind(session.to_string()).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Bring the group's sessions from `from` on in line with `planned` (its schedule's
    /// sessions from `from` to the horizon) at `now`, in one transaction: the past and
    /// any session with a register stay, a session moved or cancelled on its own keeps
    /// its change while its date is still planned.
    pub async fn regenerate_group_sessions(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        service: ServiceId,
        from: Date,
        planned: &[Occurrence],
        now: Timestamp,
    ) -> Result<SessionsRegenerated> {
        let mut tx = self.begin().await?;
        // Two regenerations of one group run one after the other.
        crate::group_members::lock_group_in(&mut tx, scope, service).await?;
        let held = sessions_from_in(&mut tx, scope, service, from).await?;
        let stored: Vec<Stored> = held.iter().map(GroupSession::as_stored).collect();
        let change = regenerate(&stored, planned, now);
        let done =
            SessionsRegenerated { added: change.add.len(), retimed: change.retime.len(), removed: change.remove.len() };
        if change.is_empty() {
            return Ok(done);
        }
        let stamp = now_ms();
        let org = scope.key();
        let group = service.to_string();
        on_tx!(&mut tx, conn => {
            for d in &change.remove {
                sqlx::query("DELETE FROM group_sessions WHERE organisation_id = $1 AND service_id = $2 AND on_date = $3")
                    .bind(&org).bind(&group).bind(d.to_string()).execute(&mut *conn).await?;
            }
            for o in &change.retime {
                sqlx::query("UPDATE group_sessions SET starts_at = $1, ends_at = $2, updated_at = $3, version = version + 1 WHERE organisation_id = $4 AND service_id = $5 AND on_date = $6 AND status = 'scheduled' AND register_taken_at IS NULL")
                    .bind(o.starts_at.as_millisecond()).bind(o.ends_at.as_millisecond()).bind(stamp)
                    .bind(&org).bind(&group).bind(o.date.to_string()).execute(&mut *conn).await?;
            }
            for chunk in change.add.chunks(500) {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO group_sessions (organisation_id, id, service_id, on_date, starts_at, ends_at, status, created_at, updated_at) ");
                qb.push_values(chunk, |mut b, o| {
                    b.push_bind(org.clone()).push_bind(GroupSessionId::new().to_string()).push_bind(group.clone())
                        .push_bind(o.date.to_string()).push_bind(o.starts_at.as_millisecond()).push_bind(o.ends_at.as_millisecond())
                        .push_bind("scheduled").push_bind(stamp).push_bind(stamp);
                });
                qb.build().execute(&mut *conn).await?;
            }
        });
        let detail = format!("sessions added={} retimed={} removed={}", done.added, done.retimed, done.removed);
        append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group", service, Some(detail)));
        tx.commit().await?;
        Ok(done)
    }
}

async fn group_in(tx: &mut Tx, scope: &OrgScope, service: ServiceId) -> Result<Group> {
    let row: Option<GroupRow> = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {GROUP_COLUMNS} FROM team_groups WHERE organisation_id = $1 AND service_id = $2")))
            .bind(scope.key()).bind(service.to_string()).fetch_optional(&mut *conn).await?
    });
    row.ok_or(StoreError::NotFound)?.try_into()
}

async fn sessions_from_in(tx: &mut Tx, scope: &OrgScope, service: ServiceId, from: Date) -> Result<Vec<GroupSession>> {
    let rows: Vec<GroupSessionRow> = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM group_sessions WHERE organisation_id = $1 AND service_id = $2 AND on_date >= $3 ORDER BY on_date",
        )))
        .bind(scope.key()).bind(service.to_string()).bind(from.to_string())
        .fetch_all(&mut *conn).await?
    });
    rows.into_iter().map(GroupSession::try_from).collect()
}

pub(crate) async fn session_in(tx: &mut Tx, scope: &OrgScope, session: GroupSessionId) -> Result<GroupSession> {
    let row: Option<GroupSessionRow> = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {SESSION_COLUMNS} FROM group_sessions WHERE organisation_id = $1 AND id = $2")))
            .bind(scope.key()).bind(session.to_string()).fetch_optional(&mut *conn).await?
    });
    row.ok_or(StoreError::NotFound)?.try_into()
}
