//! Social prescriptions and unmet needs. Both are about a person, so each change writes a
//! `record_changed` audit entry naming only ids.

use jiff::civil::Date;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::chronology;
use linkwell_domain::directory::{
    PrescriptionInput, PrescriptionKind, PrescriptionOutcome, UnmetNeedInput, follow_up_due,
};
use linkwell_domain::ids::ReferralId;
use linkwell_domain::referrals::Need;
use linkwell_domain::{PersonId, PrescriptionId, ServiceId, UnmetNeedId, UserId, Version};

use crate::audit::append_in;
use crate::error::stored;
use crate::versioned::expect_version;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Prescription {
    pub id: PrescriptionId,
    pub referral_id: ReferralId,
    pub person_id: PersonId,
    pub service_id: ServiceId,
    pub service_name: String,
    pub prescribed_on: Date,
    pub kind: PrescriptionKind,
    pub notes: String,
    pub outcome: Option<PrescriptionOutcome>,
    pub outcome_reason: String,
    pub outcome_on: Option<Date>,
    pub follow_up_due: Option<Date>,
    pub created_by: Option<String>,
    pub version: i64,
}

/// A prescription due a follow-up, with whose case it is, for the caseload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FollowUp {
    pub prescription: Prescription,
    pub given_name: String,
    pub family_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnmetNeed {
    pub id: UnmetNeedId,
    pub need: Need,
    pub area: String,
    pub notes: String,
    pub referral_id: Option<ReferralId>,
    pub recorded_by: Option<String>,
    pub recorded_at: i64,
}

const COLUMNS: &str = "sp.id, sp.referral_id, sp.person_id, sp.service_id, s.name AS service_name, sp.prescribed_on, sp.kind, sp.notes, sp.outcome, sp.outcome_reason, sp.outcome_on, sp.follow_up_due, sp.created_by, sp.version";
const FROM: &str =
    "FROM social_prescriptions sp JOIN services s ON s.organisation_id = sp.organisation_id AND s.id = sp.service_id";

row_struct! {
    /// A `social_prescriptions` row with its service's name, as read (`COLUMNS`).
    struct PrescriptionRow {
        id: String,
        referral_id: String,
        person_id: String,
        service_id: String,
        service_name: String,
        prescribed_on: String,
        kind: String,
        notes: String,
        outcome: Option<String>,
        outcome_reason: String,
        outcome_on: Option<String>,
        follow_up_due: Option<String>,
        created_by: Option<String>,
        version: i64,
    }
}

impl TryFrom<PrescriptionRow> for Prescription {
    type Error = StoreError;

    fn try_from(r: PrescriptionRow) -> Result<Prescription> {
        Ok(Prescription {
            id: stored(r.id.parse())?,
            referral_id: stored(r.referral_id.parse())?,
            person_id: stored(r.person_id.parse())?,
            service_id: stored(r.service_id.parse())?,
            service_name: r.service_name,
            prescribed_on: stored(r.prescribed_on.parse())?,
            kind: stored(PrescriptionKind::parse(&r.kind))?,
            notes: r.notes,
            outcome: r.outcome.map(|o| stored(PrescriptionOutcome::parse(&o))).transpose()?,
            outcome_reason: r.outcome_reason,
            outcome_on: r.outcome_on.map(|d| stored(d.parse())).transpose()?,
            follow_up_due: r.follow_up_due.map(|d| stored(d.parse())).transpose()?,
            created_by: r.created_by,
            version: r.version,
        })
    }
}

row_struct! {
    /// A prescription's row with the names of the person it is for.
    struct FollowUpRow {
        given_name: String,
        family_name: String,
    }
    flatten {
        prescription: PrescriptionRow,
    }
}

impl TryFrom<FollowUpRow> for FollowUp {
    type Error = StoreError;

    fn try_from(r: FollowUpRow) -> Result<FollowUp> {
        Ok(FollowUp { prescription: r.prescription.try_into()?, given_name: r.given_name, family_name: r.family_name })
    }
}

row_struct! {
    /// An `unmet_needs` row as read.
    struct UnmetNeedRow {
        id: String,
        need: String,
        area: String,
        notes: String,
        referral_id: Option<String>,
        recorded_by: Option<String>,
        recorded_at: i64,
    }
}

impl TryFrom<UnmetNeedRow> for UnmetNeed {
    type Error = StoreError;

    fn try_from(r: UnmetNeedRow) -> Result<UnmetNeed> {
        Ok(UnmetNeed {
            id: stored(r.id.parse())?,
            need: stored(Need::parse(&r.need))?,
            area: r.area,
            notes: r.notes,
            referral_id: r.referral_id.map(|x| stored(x.parse())).transpose()?,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
    }
}

impl Db {
    /// Record that the person was connected to a service in this referral.
    pub async fn record_prescription(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        referral: ReferralId,
        person: PersonId,
        input: &PrescriptionInput,
    ) -> Result<Prescription> {
        let id = PrescriptionId::new();
        let now = now_ms();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO social_prescriptions (organisation_id, id, referral_id, person_id, service_id, prescribed_on, kind, notes, follow_up_due, created_by, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 1)")
                .bind(scope.key())
                .bind(id.to_string())
                .bind(referral.to_string())
                .bind(person.to_string())
                .bind(input.service_id.to_string())
                .bind(input.date.to_string())
                .bind(input.kind.code())
                .bind(&input.notes)
                .bind(follow_up_due(input.date, None).map(|d| d.to_string()))
                .bind(actor.user_id.clone())
                .bind(now)
                .execute(&mut *conn)
                .await?;
        });
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::RecordChanged, "social_prescription", id, Some("prescribed".into())),
        );
        tx.commit().await?;
        self.prescription(scope, id).await
    }

    /// Record what came of a prescription, if it is still at `expected`; the next
    /// follow-up moves on (to six weeks after "started") or ends. `first_meeting` is when
    /// the service first met on or after the day of the connection, if its times are known:
    /// nothing is said to have come of it before the service could have run.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_prescription_outcome(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: PrescriptionId,
        expected: Version,
        outcome: PrescriptionOutcome,
        reason: &str,
        today: Date,
        first_meeting: Option<Date>,
    ) -> Result<Prescription> {
        let current = self.prescription(scope, id).await?;
        if current.version != expected.0 {
            return Err(StoreError::Conflict);
        }
        // The day of the connection never changes, so it is checked as read.
        chronology::connection_outcome(outcome, current.prescribed_on, first_meeting, today)?;
        let due = follow_up_due(current.prescribed_on, Some(outcome));
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE social_prescriptions SET outcome = $1, outcome_reason = $2, outcome_on = $3, follow_up_due = $4, updated_at = $5, version = version + 1 WHERE organisation_id = $6 AND id = $7 AND version = $8")
                .bind(outcome.code()).bind(reason).bind(today.to_string()).bind(due.map(|d| d.to_string())).bind(now_ms())
                .bind(scope.key()).bind(id.to_string()).bind(expected.0)
                .execute(&mut *conn).await?.rows_affected()
        });
        expect_version(&mut tx, "social_prescriptions", scope, id, n).await?;
        append_in(
            &mut tx,
            scope,
            &actor.event(
                AuditAction::RecordChanged,
                "social_prescription",
                id,
                Some(format!("outcome={}", outcome.code())),
            ),
        );
        tx.commit().await?;
        self.prescription(scope, id).await
    }

    pub async fn prescription(&self, scope: &OrgScope, id: PrescriptionId) -> Result<Prescription> {
        let sql = format!("SELECT {COLUMNS} {FROM} WHERE sp.organisation_id = $1 AND sp.id = $2");
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, PrescriptionRow>(sqlx::AssertSqlSafe(sql.clone())).bind(scope.key()).bind(id.to_string()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            r.try_into()
        })
    }

    /// A referral's prescriptions, oldest first.
    pub async fn prescriptions_for_referral(
        &self,
        scope: &OrgScope,
        referral: ReferralId,
    ) -> Result<Vec<Prescription>> {
        let sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE sp.organisation_id = $1 AND sp.referral_id = $2 ORDER BY sp.prescribed_on, sp.id"
        );
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, PrescriptionRow>(sqlx::AssertSqlSafe(sql.clone())).bind(scope.key()).bind(referral.to_string()).fetch_all(pool).await?;
            rows.into_iter().map(Prescription::try_from).collect()
        })
    }

    /// Follow-ups due by `today` on open cases — a worker's own, or everyone's.
    pub async fn prescription_follow_ups_due(
        &self,
        scope: &OrgScope,
        worker: Option<UserId>,
        today: Date,
    ) -> Result<Vec<FollowUp>> {
        let sql = format!(
            "SELECT {COLUMNS}, pe.given_name, pe.family_name {FROM} JOIN referrals r ON r.organisation_id = sp.organisation_id AND r.id = sp.referral_id JOIN people pe ON pe.organisation_id = sp.organisation_id AND pe.id = sp.person_id WHERE sp.organisation_id = $1 AND sp.follow_up_due IS NOT NULL AND sp.follow_up_due <= $2 AND r.status IN ('accepted', 'contacting', 'active') AND ($3 = '' OR r.assigned_worker_id = $3) ORDER BY sp.follow_up_due, sp.id LIMIT 200"
        );
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, FollowUpRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(scope.key()).bind(today.to_string()).bind(worker.map(|w| w.to_string()).unwrap_or_default())
                .fetch_all(pool).await?;
            rows.into_iter().map(FollowUp::try_from).collect()
        })
    }

    /// Record a need nothing in the directory met, from a case or on its own.
    pub async fn record_unmet_need(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        referral: Option<ReferralId>,
        input: &UnmetNeedInput,
    ) -> Result<UnmetNeed> {
        let u = UnmetNeed {
            id: UnmetNeedId::new(),
            need: input.need,
            area: input.area.clone(),
            notes: input.notes.clone(),
            referral_id: referral,
            recorded_by: actor.user_id.clone(),
            recorded_at: now_ms(),
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO unmet_needs (organisation_id, id, need, area, notes, referral_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(scope.key()).bind(u.id.to_string()).bind(u.need.code()).bind(&u.area).bind(&u.notes)
                .bind(referral.map(|r| r.to_string())).bind(&u.recorded_by).bind(u.recorded_at)
                .execute(&mut *conn).await?;
        });
        append_in(&mut tx, scope, &actor.event(AuditAction::RecordChanged, "unmet_need", u.id, None));
        tx.commit().await?;
        Ok(u)
    }

    /// Unmet needs, newest first, `limit` at a time before the `before` cursor.
    pub async fn unmet_needs(
        &self,
        scope: &OrgScope,
        need: Option<Need>,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UnmetNeed>> {
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, UnmetNeedRow>("SELECT id, need, area, notes, referral_id, recorded_by, recorded_at FROM unmet_needs WHERE organisation_id = $1 AND ($2 = '' OR need = $2) AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4")
                .bind(scope.key()).bind(need.map(|n| n.code()).unwrap_or_default()).bind(before.unwrap_or_default()).bind(limit as i64)
                .fetch_all(pool).await?;
            rows.into_iter().map(UnmetNeed::try_from).collect()
        })
    }
}
