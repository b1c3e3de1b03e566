//! Links that let a person answer a questionnaire without signing in: sent by text or
//! email as they prefer and only with their consent, in the same transaction as the
//! link is made; kept as a hash; spent by the same write that records the answers, so two
//! sends at once record once.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::identity::{Secret, SecretHash};
use linkwell_domain::ids::ReferralId;
use linkwell_domain::outcomes::instruments::Timepoint;
use linkwell_domain::outcomes::responses::NewResponse;
use linkwell_domain::{PersonId, UserId};

use crate::audit::append_in;
use crate::error::stored;
use crate::group_members::{Notice, person_reach_in, send_in};
use crate::outcomes::{Given, insert_response_in};
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// What a link asks, as its page needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionnaireLink {
    pub scope: OrgScope,
    pub person_id: PersonId,
    pub referral_id: ReferralId,
    /// The questionnaire's code (the person answers its latest version).
    pub instrument: String,
    pub timepoint: Timepoint,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// A link sent in a case, as the case page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkSent {
    pub instrument: String,
    pub timepoint: Timepoint,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// Links listed at most for one case.
pub const MAX_CASE_LINKS: usize = 50;

/// What sending a link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSend {
    Sent,
    /// The person cannot be messaged: nothing made or sent.
    Unreachable,
    /// A link to the same questionnaire in this case still works, unanswered, until this
    /// instant: nothing new is sent (one message at a time, not one per click).
    Pending(i64),
}

/// What to ask by a link: which questionnaire, at which timepoint.
#[derive(Debug, Clone)]
pub struct LinkAsk {
    pub instrument: String,
    pub timepoint: Timepoint,
    pub expires_at: i64,
}

impl Db {
    /// Make a link asking `person` (in the case `referral`) for `ask`, and queue the
    /// message `compose` writes around its secret, by the person's preferred channel.
    /// Nothing is made or sent when they cannot be messaged (no consent, or they prefer a
    /// call or a letter, or gave no number or address for their channel), or while a link
    /// to the same questionnaire in the case still works unanswered.
    #[allow(clippy::too_many_arguments)]
    pub async fn send_questionnaire_link(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        person: PersonId,
        referral: ReferralId,
        ask: LinkAsk,
        by: UserId,
        compose: &(dyn Fn(&Secret) -> Notice + Send + Sync),
    ) -> Result<LinkSend> {
        let mut tx = self.begin().await?;
        let open: Option<i64> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT MAX(expires_at) FROM questionnaire_links WHERE organisation_id = $1 AND referral_id = $2 AND instrument = $3 AND used_at IS NULL AND expires_at > $4")
                .bind(scope.key()).bind(referral.to_string()).bind(&ask.instrument).bind(now_ms()).fetch_one(&mut *conn).await?
        });
        if let Some(until) = open {
            return Ok(LinkSend::Pending(until));
        }
        let Some((channel, recipient)) = person_reach_in(&mut tx, scope, person).await? else {
            return Ok(LinkSend::Unreachable);
        };
        let secret = Secret::generate("qn_");
        let hash = secret.hash().0;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO questionnaire_links (key_hash, organisation_id, person_id, referral_id, instrument, timepoint, sent_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(&hash).bind(scope.key()).bind(person.to_string()).bind(referral.to_string())
                .bind(&ask.instrument).bind(ask.timepoint.code()).bind(by.to_string()).bind(now_ms()).bind(ask.expires_at)
                .execute(&mut *conn).await?;
        });
        send_in(&mut tx, scope, channel, recipient, compose(&secret), 0).await?;
        let detail = format!("questionnaire link {} {}", &ask.instrument, ask.timepoint.code());
        append_in(&mut tx, scope, &actor.event(AuditAction::RecordChanged, "referral", referral, Some(detail)));
        tx.commit().await?;
        Ok(LinkSend::Sent)
    }

    /// What a link asks, with its organisation; `None` for a link never made.
    pub async fn questionnaire_link(&self, key: &SecretHash) -> Result<Option<QuestionnaireLink>> {
        type Row = (String, String, String, String, String, i64, Option<i64>);
        let found: Option<Row> = on_db!(self, pool => {
            sqlx::query_as("SELECT organisation_id, person_id, referral_id, instrument, timepoint, expires_at, used_at FROM questionnaire_links WHERE key_hash = $1")
                .bind(&key.0).fetch_optional(pool).await?
        });
        let Some((org, person, referral, instrument, timepoint, expires_at, used_at)) = found else { return Ok(None) };
        Ok(Some(QuestionnaireLink {
            scope: OrgScope::new(stored(org.parse())?),
            person_id: stored(person.parse())?,
            referral_id: stored(referral.parse())?,
            instrument,
            timepoint: Timepoint::parse(&timepoint).map_err(StoreError::corrupt)?,
            expires_at,
            used_at,
        }))
    }

    /// Record `response` by the link `key` at `now`: its id, or `None` when the link was
    /// used already or has lapsed (nothing is recorded). The response must be the one the
    /// link asks for (the caller built it from the link).
    pub async fn answer_by_link(&self, key: &SecretHash, response: &NewResponse, now: i64) -> Result<Option<String>> {
        let mut tx = self.begin().await?;
        // Spent by the same write that checks it is unspent: two at once record once.
        let spent: Option<(String, String, String)> = on_tx!(&mut tx, conn => {
            sqlx::query_as("UPDATE questionnaire_links SET used_at = $1 WHERE key_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING organisation_id, person_id, referral_id")
                .bind(now).bind(&key.0).fetch_optional(&mut *conn).await?
        });
        let Some((org, _, referral)) = spent else { return Ok(None) };
        // The case's person now: a duplicate merged since the link was sent has passed its
        // cases to the record kept.
        let person: String = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT person_id FROM referrals WHERE organisation_id = $1 AND id = $2")
                .bind(&org).bind(&referral).fetch_one(&mut *conn).await?
        });
        let scope = OrgScope::new(stored(org.parse())?);
        let given =
            Given { person: stored(person.parse())?, referral: stored(referral.parse())?, session: None, by: None };
        let id = insert_response_in(&mut tx, &scope, &Actor::system(), &given, response)
            .await?
            .ok_or(StoreError::Conflict)?;
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE questionnaire_links SET response_id = $1 WHERE key_hash = $2")
                .bind(&id).bind(&key.0).execute(&mut *conn).await?;
        });
        tx.commit().await?;
        Ok(Some(id))
    }

    /// The links sent in case `referral`, newest first.
    pub async fn questionnaire_links_of_case(&self, scope: &OrgScope, referral: ReferralId) -> Result<Vec<LinkSent>> {
        type Row = (String, String, i64, i64, Option<i64>);
        let rows: Vec<Row> = on_db!(self, pool => {
            sqlx::query_as("SELECT instrument, timepoint, created_at, expires_at, used_at FROM questionnaire_links WHERE organisation_id = $1 AND referral_id = $2 ORDER BY created_at DESC LIMIT $3")
                .bind(scope.key()).bind(referral.to_string()).bind(MAX_CASE_LINKS as i64).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(instrument, timepoint, created_at, expires_at, used_at)| {
                Ok(LinkSent {
                    instrument,
                    timepoint: Timepoint::parse(&timepoint).map_err(StoreError::corrupt)?,
                    created_at,
                    expires_at,
                    used_at,
                })
            })
            .collect()
    }
}
