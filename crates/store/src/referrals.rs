//! Referrals: intake, the lifecycle transitions (each recorded as an event and audited),
//! and the waiting list.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::chronology::{self, Untimely};
use linkwell_domain::ids::ReferralId;
use linkwell_domain::people::ContactChannel;
use linkwell_domain::referrals::{ContactOutcome, HistoryEvent};
use linkwell_domain::referrals::{
    DischargeReason, Event, Need, ReferralInput, ReferralSource, ReferralStatus, TransitionError, Urgency,
};
use linkwell_domain::time::from_millis;
use linkwell_domain::{PersonId, PracticeId, ProgrammeId, UserId, Version};

use crate::audit::append_in;
use crate::error::stored;
use crate::versioned::expect_version;
use crate::{Actor, Db, OrgScope, Result, StoreError, Tx, now_ms};
use linkwell_domain::referrals::reference::Reference;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Referral {
    pub id: ReferralId,
    pub person_id: PersonId,
    pub programme_id: ProgrammeId,
    pub source: ReferralSource,
    pub referrer_user_id: Option<UserId>,
    pub practice_id: Option<PracticeId>,
    pub received_at: i64,
    pub urgency: Urgency,
    pub needs: Vec<Need>,
    pub risk_flags: String,
    pub safeguarding: bool,
    pub free_text: String,
    pub status: ReferralStatus,
    pub assigned_worker_id: Option<UserId>,
    pub follow_up_extension: i64,
    pub decline_reason: Option<String>,
    pub redirected_to: Option<String>,
    pub discharge_reason: Option<DischargeReason>,
    pub discharge_summary: Option<String>,
    pub status_changed_at: i64,
    /// The person as the referral named them, for those who see only its status.
    pub referred_as: ReferredAs,
    /// What the referrer and the person quote over the phone (every referral has one once
    /// migration 16 has run; `None` only for rows loaded in bulk around the store).
    pub reference: Option<Reference>,
    pub version: i64,
}

/// The person as a referral named them: the names and date of birth given, kept with the
/// referral whatever later happens to the person's record (merges, corrections).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReferredAs {
    pub given_name: String,
    pub family_name: String,
    /// ISO date.
    pub date_of_birth: String,
    /// The ten digits, if the referral gave an NHS number.
    pub nhs_number: Option<String>,
}

/// A change to a referral, with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Accept {
        worker: UserId,
    },
    Decline {
        reason: String,
    },
    Redirect {
        to: String,
    },
    /// An attempt to reach the person: how, and what happened.
    ContactAttempt {
        channel: ContactChannel,
        outcome: ContactOutcome,
    },
    ContactMade,
    Discharge {
        reason: DischargeReason,
        summary: String,
    },
}

impl Change {
    fn event(&self) -> Event {
        match self {
            Change::Accept { .. } => Event::Accept,
            Change::Decline { .. } => Event::Decline,
            Change::Redirect { .. } => Event::Redirect,
            Change::ContactAttempt { outcome, .. } => Event::ContactAttempt { reached: outcome.reached() },
            Change::ContactMade => Event::ContactMade,
            Change::Discharge { .. } => Event::Discharge,
        }
    }

    /// The step the referral's history records for this change.
    fn history(&self) -> HistoryEvent {
        match self {
            Change::Accept { worker } => HistoryEvent::Accepted { worker: *worker },
            Change::Decline { .. } => HistoryEvent::Declined,
            Change::Redirect { .. } => HistoryEvent::Redirected,
            Change::ContactAttempt { channel, outcome } => {
                HistoryEvent::ContactAttempt { channel: *channel, outcome: *outcome }
            }
            Change::ContactMade => HistoryEvent::ContactMade,
            Change::Discharge { reason, .. } => HistoryEvent::Discharged { reason: *reason },
        }
    }
}

impl Change {
    /// An attempt to reach the person.
    pub fn contact_attempt(channel: ContactChannel, outcome: ContactOutcome) -> Change {
        Change::ContactAttempt { channel, outcome }
    }
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Illegal(#[from] TransitionError),
    /// A discharge before a session of the case (`chronology::discharge`).
    #[error(transparent)]
    Untimely(#[from] Untimely),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn status_from(code: &str, failed: i64) -> Result<ReferralStatus> {
    Ok(match code {
        "received" => ReferralStatus::Received,
        "accepted" => ReferralStatus::Accepted,
        "contacting" => {
            ReferralStatus::Contacting { failed_attempts: u32::try_from(failed).map_err(StoreError::corrupt)? }
        }
        "unable_to_contact" => {
            ReferralStatus::UnableToContact { failed_attempts: u32::try_from(failed).map_err(StoreError::corrupt)? }
        }
        "declined" => ReferralStatus::Declined,
        "redirected" => ReferralStatus::Redirected,
        "active" => ReferralStatus::Active,
        "discharged" => ReferralStatus::Discharged,
        other => return Err(StoreError::corrupt(format!("referral status {other}"))),
    })
}

fn failed_attempts(s: ReferralStatus) -> i64 {
    i64::from(s.failed_attempts())
}

const COLUMNS: &str = "id, person_id, programme_id, source, referrer_user_id, practice_id, received_at, urgency, needs, risk_flags, safeguarding, free_text, status, failed_attempts, assigned_worker_id, follow_up_extension, decline_reason, redirected_to, discharge_reason, discharge_summary, status_changed_at, referred_given_name, referred_family_name, referred_date_of_birth, referred_nhs_number, reference, version";

row_struct! {
    /// A `referrals` row as read (the columns of `COLUMNS`).
    struct ReferralRow {
        id: String,
        person_id: String,
        programme_id: String,
        source: String,
        referrer_user_id: Option<String>,
        practice_id: Option<String>,
        received_at: i64,
        urgency: String,
        needs: String,
        risk_flags: String,
        safeguarding: bool,
        free_text: String,
        status: String,
        failed_attempts: i64,
        assigned_worker_id: Option<String>,
        follow_up_extension: i64,
        decline_reason: Option<String>,
        redirected_to: Option<String>,
        discharge_reason: Option<String>,
        discharge_summary: Option<String>,
        status_changed_at: i64,
        referred_given_name: Option<String>,
        referred_family_name: Option<String>,
        referred_date_of_birth: Option<String>,
        referred_nhs_number: Option<String>,
        reference: Option<String>,
        version: i64,
    }
}

/// The needs as stored: codes separated by commas.
pub(crate) fn needs_from(codes: &str) -> Result<Vec<Need>> {
    codes.split(',').filter(|s| !s.is_empty()).map(|n| stored(Need::parse(n))).collect()
}

impl TryFrom<ReferralRow> for Referral {
    type Error = StoreError;

    fn try_from(r: ReferralRow) -> Result<Referral> {
        Ok(Referral {
            id: stored(r.id.parse())?,
            person_id: stored(r.person_id.parse())?,
            programme_id: stored(r.programme_id.parse())?,
            source: stored(ReferralSource::parse(&r.source))?,
            referrer_user_id: r.referrer_user_id.map(|s| stored(s.parse())).transpose()?,
            practice_id: r.practice_id.map(|s| stored(s.parse())).transpose()?,
            received_at: r.received_at,
            urgency: stored(Urgency::parse(&r.urgency))?,
            needs: needs_from(&r.needs)?,
            risk_flags: r.risk_flags,
            safeguarding: r.safeguarding,
            free_text: r.free_text,
            status: status_from(&r.status, r.failed_attempts)?,
            assigned_worker_id: r.assigned_worker_id.map(|s| stored(s.parse())).transpose()?,
            follow_up_extension: r.follow_up_extension,
            decline_reason: r.decline_reason,
            redirected_to: r.redirected_to,
            discharge_reason: r.discharge_reason.map(|s| stored(DischargeReason::parse(&s))).transpose()?,
            discharge_summary: r.discharge_summary,
            status_changed_at: r.status_changed_at,
            referred_as: ReferredAs {
                given_name: r.referred_given_name.unwrap_or_default(),
                family_name: r.referred_family_name.unwrap_or_default(),
                date_of_birth: r.referred_date_of_birth.unwrap_or_default(),
                nhs_number: r.referred_nhs_number,
            },
            reference: r.reference.map(|s| stored(Reference::from_stored(&s))).transpose()?,
            version: r.version,
        })
    }
}

row_struct! {
    /// A `referral_events` row as read.
    struct ReferralEventRow {
        event: String,
        from_status: String,
        to_status: String,
        at: i64,
        actor_user_id: Option<String>,
        detail: String,
    }
}

impl TryFrom<ReferralEventRow> for ReferralEvent {
    type Error = StoreError;

    fn try_from(r: ReferralEventRow) -> Result<ReferralEvent> {
        Ok(ReferralEvent {
            event: HistoryEvent::parse(&r.event, &r.detail).map_err(StoreError::corrupt)?,
            from_status: r.from_status,
            to_status: r.to_status,
            at: r.at,
            actor_user_id: r.actor_user_id.map(|s| stored(s.parse())).transpose()?,
        })
    }
}

impl Db {
    /// The references of the referrals with these ids (those that exist here), by id: how
    /// the audit trail names a referral to someone who may not open it.
    pub async fn referral_references(&self, scope: &OrgScope, ids: &[String]) -> Result<Vec<(String, String)>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, reference FROM referrals WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND reference IS NOT NULL AND id");
            crate::push_in_list(&mut qb, ids);
            Ok(qb.build_query_as::<(String, String)>().fetch_all(pool).await?)
        })
    }

    /// Record a new referral (status received), audited, in a transaction of its own.
    pub async fn create_referral(&self, scope: &OrgScope, actor: &Actor, new: &NewReferral<'_>) -> Result<Referral> {
        let mut tx = self.begin().await?;
        let id = create_referral_in(&mut tx, scope, actor, new).await?;
        tx.commit().await?;
        self.referral(scope, id).await
    }

    pub async fn referral(&self, scope: &OrgScope, id: ReferralId) -> Result<Referral> {
        let sql = format!("SELECT {COLUMNS} FROM referrals WHERE organisation_id = $1 AND id = $2");
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, ReferralRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(id.to_string()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            r.try_into()
        })
    }

    /// Apply a lifecycle change if the referral is still at `expected`: checked against the
    /// state machine with the programme's contact-attempt limit, recorded as an event and
    /// audited in one transaction.
    pub async fn change_referral(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ReferralId,
        expected: Version,
        change: Change,
    ) -> std::result::Result<Referral, ChangeError> {
        let current = self.referral(scope, id).await?;
        if current.version != expected.0 {
            return Err(StoreError::Conflict.into());
        }
        let limit = self
            .programmes(scope)
            .await?
            .into_iter()
            .find(|p| p.id == current.programme_id)
            .map(|p| p.rules.contact_attempt_limit)
            .ok_or(StoreError::NotFound)?;
        let mut tx = self.begin().await?;
        change_referral_in(&mut tx, scope, actor, &current, limit, &change).await?;
        tx.commit().await.map_err(ChangeError::from)?;
        Ok(self.referral(scope, id).await?)
    }

    /// Allow more follow-up sessions than the programme's limit for this referral, with the
    /// coordinator's reason. Recorded as an event and audited.
    pub async fn extend_follow_ups(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ReferralId,
        expected: Version,
        extension: &linkwell_domain::referrals::FollowUpExtension,
    ) -> Result<Referral> {
        let (extra, reason) = (extension.extra.get(), extension.reason.as_str());
        let step = HistoryEvent::FollowUpsExtended { extra };
        let current = self.referral(scope, id).await?;
        let now = now_ms();
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            let n = sqlx::query("UPDATE referrals SET follow_up_extension = follow_up_extension + $1, extension_reason = $2, updated_at = $3, version = version + 1 WHERE organisation_id = $4 AND id = $5 AND version = $6")
                .bind(i64::from(extra)).bind(reason).bind(now).bind(scope.key()).bind(id.to_string()).bind(expected.0)
                .execute(&mut *conn).await?.rows_affected();
            if n == 1 {
                sqlx::query(
                    "INSERT INTO referral_events (organisation_id, referral_id, seq, at, actor_user_id, event, from_status, to_status, detail) \
                     SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $6, $7 FROM referral_events WHERE organisation_id = $1 AND referral_id = $2",
                )
                .bind(scope.key()).bind(id.to_string()).bind(now).bind(&actor.user_id).bind(step.code()).bind(current.status.code()).bind(step.facts())
                .execute(&mut *conn).await?;
            }
            n
        });
        expect_version(&mut tx, "referrals", scope, id, n).await?;
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::RecordChanged, "referral", id, Some(format!("follow_ups_extended={extra}"))),
        );
        tx.commit().await?;
        self.referral(scope, id).await
    }

    /// The lifecycle events of a referral, oldest first.
    /// How long the most recent first contacts since `since` (ms) took from receipt, in
    /// ms, newest first, at most `limit`: what an expected wait is worked out from.
    pub async fn first_contact_waits(&self, scope: &OrgScope, since: i64, limit: usize) -> Result<Vec<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar(
                "SELECT e.at - r.received_at FROM referral_events e \
                 JOIN referrals r ON r.organisation_id = e.organisation_id AND r.id = e.referral_id \
                 WHERE e.organisation_id = $1 AND e.to_status = 'active' AND e.from_status <> 'active' AND e.at >= $2 \
                 ORDER BY e.at DESC LIMIT $3",
            )
            .bind(scope.key()).bind(since).bind(limit as i64).fetch_all(pool).await?
        }))
    }

    pub async fn referral_history(&self, scope: &OrgScope, id: ReferralId) -> Result<Vec<ReferralEvent>> {
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, ReferralEventRow>("SELECT event, from_status, to_status, at, actor_user_id, detail FROM referral_events WHERE organisation_id = $1 AND referral_id = $2 ORDER BY seq")
                .bind(scope.key()).bind(id.to_string()).fetch_all(pool).await?;
            rows.into_iter().map(ReferralEvent::try_from).collect()
        })
    }

    /// Give an accepted, open referral to another worker (the state stays as it is).
    pub async fn reassign_referral(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ReferralId,
        expected: Version,
        worker: UserId,
    ) -> std::result::Result<Referral, ChangeError> {
        let current = self.referral(scope, id).await?;
        current.status.check_reassign()?;
        let step = HistoryEvent::Reassigned { worker };
        let now = now_ms();
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            let n = sqlx::query("UPDATE referrals SET assigned_worker_id = $1, updated_at = $2, version = version + 1 WHERE organisation_id = $3 AND id = $4 AND version = $5")
                .bind(worker.to_string()).bind(now).bind(scope.key()).bind(id.to_string()).bind(expected.0)
                .execute(&mut *conn).await.map_err(StoreError::from)?.rows_affected();
            if n == 1 {
                sqlx::query(
                    "INSERT INTO referral_events (organisation_id, referral_id, seq, at, actor_user_id, event, from_status, to_status, detail) \
                     SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $6, $7 FROM referral_events WHERE organisation_id = $1 AND referral_id = $2",
                )
                .bind(scope.key()).bind(id.to_string()).bind(now).bind(&actor.user_id).bind(step.code()).bind(current.status.code()).bind(step.facts())
                .execute(&mut *conn).await.map_err(StoreError::from)?;
            }
            n
        });
        expect_version(&mut tx, "referrals", scope, id, n).await?;
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::RecordChanged, "referral", id, Some(format!("event=reassigned worker={worker}"))),
        );
        tx.commit().await.map_err(ChangeError::from)?;
        Ok(self.referral(scope, id).await?)
    }
}

/// One step in a referral's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralEvent {
    /// What happened, with its facts (never the person's words).
    pub event: HistoryEvent,
    pub from_status: String,
    pub to_status: String,
    pub at: i64,
    pub actor_user_id: Option<UserId>,
}

/// A referral to record: for whom, into which programme, from whom, and what it says.
#[derive(Debug, Clone, Copy)]
pub struct NewReferral<'a> {
    pub person: PersonId,
    pub programme: ProgrammeId,
    pub referrer: Option<UserId>,
    pub practice: Option<PracticeId>,
    pub input: &'a ReferralInput,
    /// When it was received, if earlier than now (a letter, an import): the waiting list
    /// counts from it.
    pub received_at: Option<i64>,
    /// The person as the referral named them, which may differ from the record it joins;
    /// without it, the record's own details (a referral made by staff for someone they chose).
    pub referred_as: Option<&'a ReferredAs>,
}

impl<'a> NewReferral<'a> {
    /// A referral received now, naming the person as their record does.
    pub fn new(person: PersonId, programme: ProgrammeId, input: &'a ReferralInput) -> NewReferral<'a> {
        NewReferral { person, programme, referrer: None, practice: None, input, received_at: None, referred_as: None }
    }
}

/// Record a new referral inside the caller's transaction, audited there.
pub async fn create_referral_in(
    tx: &mut Tx,
    scope: &OrgScope,
    actor: &Actor,
    new: &NewReferral<'_>,
) -> Result<ReferralId> {
    let id = ReferralId::new();
    let reference = unused_reference_in(tx, &scope.key()).await?;
    let now = new.received_at.unwrap_or_else(now_ms);
    let input = new.input;
    let referred_as = new.referred_as;
    let needs: Vec<&str> = input.needs.iter().map(|n| n.code()).collect();
    let inserted = on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO referrals (organisation_id, id, person_id, programme_id, source, referrer_user_id, practice_id, received_at, urgency, urgency_rank, needs, risk_flags, safeguarding, free_text, consent_confirmed, status, status_changed_at, created_at, updated_at, version, \
             referred_given_name, referred_family_name, referred_date_of_birth, referred_nhs_number, reference) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'received', $8, $8, $8, 1, \
             COALESCE($16, p.given_name), COALESCE($17, p.family_name), COALESCE($18, p.date_of_birth), CASE WHEN $19 THEN $20 ELSE p.nhs_number END, $21 \
             FROM people p WHERE p.organisation_id = $1 AND p.id = $3",
        )
        .bind(scope.key())
        .bind(id.to_string())
        .bind(new.person.to_string())
        .bind(new.programme.to_string())
        .bind(input.source.code())
        .bind(new.referrer.map(|u| u.to_string()))
        .bind(new.practice.map(|p| p.to_string()))
        .bind(now)
        .bind(input.urgency.code())
        .bind(i64::from(input.urgency.rank()))
        .bind(needs.join(","))
        .bind(&input.risk_flags)
        .bind(input.safeguarding)
        .bind(&input.free_text)
        .bind(input.consent_confirmed)
        .bind(referred_as.map(|r| r.given_name.clone()))
        .bind(referred_as.map(|r| r.family_name.clone()))
        .bind(referred_as.map(|r| r.date_of_birth.clone()))
        // Named as the referral gave it: its NHS number too, or none; otherwise the person's.
        .bind(referred_as.is_some())
        .bind(referred_as.and_then(|r| r.nhs_number.clone()))
        .bind(reference.as_stored())
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if inserted == 0 {
        // The person is not in this organisation.
        return Err(StoreError::NotFound);
    }
    append_in(tx, scope, &actor.event(AuditAction::RecordChanged, "referral", id, Some("created".into())));
    Ok(id)
}

/// A reference no referral of the organisation has yet. At 244 million a clash is rare
/// even at hundreds of thousands of referrals; the unique index catches the race of two
/// intakes drawing the same one at once.
async fn unused_reference_in(tx: &mut crate::Tx, organisation: &str) -> Result<Reference> {
    loop {
        let candidate = Reference::random();
        let taken: Option<i64> = on_tx!(tx, conn => {
            sqlx::query_scalar("SELECT 1 FROM referrals WHERE organisation_id = $1 AND reference = $2")
                .bind(organisation).bind(candidate.as_stored()).fetch_optional(&mut *conn).await?
        });
        if taken.is_none() {
            return Ok(candidate);
        }
    }
}

/// Give a reference to every referral without one (those made before migration 16), in
/// `tx`, a thousand at a time.
pub(crate) async fn reference_every_referral_in(tx: &mut crate::Tx) -> Result<()> {
    loop {
        let batch: Vec<(String, String)> = on_tx!(tx, conn => {
            sqlx::query_as("SELECT organisation_id, id FROM referrals WHERE reference IS NULL ORDER BY organisation_id, id LIMIT 1000")
                .fetch_all(&mut *conn).await?
        });
        if batch.is_empty() {
            return Ok(());
        }
        for (org, id) in batch {
            let reference = unused_reference_in(tx, &org).await?;
            on_tx!(tx, conn => {
                sqlx::query("UPDATE referrals SET reference = $1 WHERE organisation_id = $2 AND id = $3")
                    .bind(reference.as_stored()).bind(&org).bind(&id).execute(&mut *conn).await?.rows_affected()
            });
        }
    }
}

/// Apply a lifecycle change to `current` inside the caller's transaction: checked against
/// the state machine with the programme's contact-attempt limit, and only if the row is
/// still at `current`'s version; recorded as an event and audited.
pub async fn change_referral_in(
    tx: &mut crate::Tx,
    scope: &OrgScope,
    actor: &Actor,
    current: &Referral,
    contact_attempt_limit: u32,
    change: &Change,
) -> std::result::Result<(), ChangeError> {
    let (id, limit) = (current.id, contact_attempt_limit);
    let next = current.status.apply(change.event(), limit)?;
    let now = now_ms();
    let (worker, decline, redirect, discharge_reason, summary) = match change {
        Change::Accept { worker } => (Some(worker.to_string()), None, None, None, None),
        Change::Decline { reason } => (None, Some(reason.clone()), None, None, None),
        Change::Redirect { to } => (None, None, Some(to.clone()), None, None),
        Change::ContactAttempt { .. } | Change::ContactMade => (None, None, None, None, None),
        Change::Discharge { reason, summary } => (None, None, None, Some(reason.code()), Some(summary.clone())),
    };
    let step = change.history();
    let n = on_tx!(tx, conn => {
        if matches!(change, Change::Discharge { .. }) {
            // Read inside the transaction: a session recorded since the case was opened counts.
            let attended: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(starts_at) FROM sessions WHERE organisation_id = $1 AND referral_id = $2 AND status = 'attended'",
            )
            .bind(scope.key()).bind(id.to_string())
            .fetch_one(&mut *conn).await.map_err(StoreError::from)?;
            chronology::discharge(from_millis(now), attended.map(from_millis))?;
        }
        let n = sqlx::query(
            "UPDATE referrals SET status = $1, failed_attempts = $2, assigned_worker_id = COALESCE($3, assigned_worker_id), decline_reason = COALESCE($4, decline_reason), \
             redirected_to = COALESCE($5, redirected_to), discharge_reason = COALESCE($6, discharge_reason), discharge_summary = COALESCE($7, discharge_summary), \
             status_changed_at = $8, updated_at = $8, version = version + 1 WHERE organisation_id = $9 AND id = $10 AND version = $11",
        )
        .bind(next.code())
        .bind(failed_attempts(next))
        .bind(worker)
        .bind(decline)
        .bind(redirect)
        .bind(discharge_reason)
        .bind(summary)
        .bind(now)
        .bind(scope.key())
        .bind(id.to_string())
        .bind(current.version)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::from)?
        .rows_affected();
        if n == 1 {
            sqlx::query(
                "INSERT INTO referral_events (organisation_id, referral_id, seq, at, actor_user_id, event, from_status, to_status, detail) \
                 SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8 FROM referral_events WHERE organisation_id = $1 AND referral_id = $2",
            )
            .bind(scope.key())
            .bind(id.to_string())
            .bind(now)
            .bind(&actor.user_id)
            .bind(step.code())
            .bind(current.status.code())
            .bind(next.code())
            .bind(step.facts())
            .execute(&mut *conn)
            .await
            .map_err(StoreError::from)?;
        }
        n
    });
    expect_version(tx, "referrals", scope, id, n).await?;
    if matches!(change, Change::Discharge { .. }) {
        crate::sessions::cancel_booked_from_in(tx, scope, actor, id, now).await?;
    }
    append_in(
        tx,
        scope,
        &actor.event(AuditAction::RecordChanged, "referral", id, Some(format!("event={}", step.code()))),
    );
    Ok(())
}
