//! Questionnaires as answered and the scores they gave. A response and its scores are
//! written in one transaction with their audit entry; reports read the scores, never the
//! answers.

use jiff::civil::Date;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::ids::{ReferralId, SessionId};
use linkwell_domain::outcomes::instruments::Timepoint;
use linkwell_domain::outcomes::responses::NewResponse;
use linkwell_domain::{PersonId, UserId};

use crate::audit::append_in;
use crate::error::stored;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// One score of a person's, with what gave it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutcomeScore {
    pub response_id: String,
    pub referral_id: ReferralId,
    /// The questionnaire's code and the version of its definition it was given under.
    pub instrument: String,
    pub version: u32,
    pub measure: String,
    pub value: f64,
    pub timepoint: Timepoint,
    pub answered_on: Date,
}

/// What recording a questionnaire did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Kept under this id.
    New(String),
    /// The same answers were recorded in this session already (a second tap): nothing new.
    Already(String),
}

impl Recorded {
    pub fn id(&self) -> &str {
        match self {
            Recorded::New(id) | Recorded::Already(id) => id,
        }
    }
}

/// A questionnaire recorded in a case, as the case page lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaseQuestionnaire {
    pub id: String,
    /// The questionnaire's code and the version of its definition it was given under.
    pub instrument: String,
    pub version: u32,
    pub timepoint: Timepoint,
    pub answered_on: Date,
    pub session_id: Option<SessionId>,
    /// Each measure it gave (none when too incomplete to score).
    pub scores: Vec<(String, f64)>,
}

/// Questionnaires read at most for one case.
pub const MAX_CASE_QUESTIONNAIRES: usize = 500;

/// Scores read at most for one person.
pub const MAX_PERSON_SCORES: usize = 2000;

impl Db {
    /// Keep `response` for `person` in the case `referral`, given in `session` if in one,
    /// recorded by `by`. A questionnaire is kept once a session: the same answers again
    /// are [`Recorded::Already`], other answers a `Conflict` (a correction is not this).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_questionnaire(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        person: PersonId,
        referral: ReferralId,
        session: Option<SessionId>,
        response: &NewResponse,
        by: Option<UserId>,
    ) -> Result<Recorded> {
        let mut tx = self.begin().await?;
        let given = Given { person, referral, session, by };
        let Some(id) = insert_response_in(&mut tx, scope, actor, &given, response).await? else {
            // Given in this session already (the only key a new id can meet).
            let (org, answers) = (scope.key(), answers_text(response));
            let before: Option<(String, String, String, String, i64)> = on_tx!(&mut tx, conn => {
                sqlx::query_as("SELECT id, answers, timepoint, answered_on, instrument_version FROM questionnaire_responses WHERE organisation_id = $1 AND session_id = $2 AND instrument = $3")
                    .bind(&org).bind(session.map(|s| s.to_string())).bind(response.questionnaire.code()).fetch_optional(&mut *conn).await?
            });
            let Some((id, a, t, on, version)) = before else { return Err(StoreError::Conflict) };
            // Its scores too: a licensed score keeps no answers, so answers alone cannot
            // tell a second tap from another score.
            let kept: Vec<(String, f64)> = on_tx!(&mut tx, conn => {
                sqlx::query_as("SELECT measure, value FROM outcome_scores WHERE organisation_id = $1 AND response_id = $2 ORDER BY measure")
                    .bind(&org).bind(&id).fetch_all(&mut *conn).await?
            });
            let mut given: Vec<(&str, f64)> = response.scores.iter().map(|s| (s.measure.as_str(), s.value)).collect();
            given.sort_by(|x, y| x.0.cmp(y.0));
            let same_scores = kept.len() == given.len()
                && kept.iter().zip(&given).all(|((m, v), (gm, gv))| m == gm && (v - gv).abs() < 1e-9);
            let same = a == answers
                && t == response.timepoint.code()
                && on == response.answered_on.to_string()
                && version == i64::from(response.questionnaire.version())
                && same_scores;
            return if same { Ok(Recorded::Already(id)) } else { Err(StoreError::Conflict) };
        };
        tx.commit().await?;
        Ok(Recorded::New(id))
    }

    /// The questionnaires recorded in case `referral`, oldest first, with their scores.
    pub async fn case_questionnaires(&self, scope: &OrgScope, referral: ReferralId) -> Result<Vec<CaseQuestionnaire>> {
        let (org, case) = (scope.key(), referral.to_string());
        type Row = (String, String, i64, String, String, Option<String>);
        // The newest when there are more than are read: the latest scores matter most.
        let mut rows: Vec<Row> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT id, instrument, instrument_version, timepoint, answered_on, session_id FROM questionnaire_responses \
                 WHERE organisation_id = $1 AND referral_id = $2 ORDER BY answered_on DESC, created_at DESC LIMIT $3",
            )
            .bind(&org).bind(&case).bind(MAX_CASE_QUESTIONNAIRES as i64).fetch_all(pool).await?
        });
        rows.reverse();
        let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let scores: Vec<(String, String, f64)> = if ids.is_empty() {
            vec![]
        } else {
            on_db!(self, pool => {
                let mut qb = sqlx::QueryBuilder::new("SELECT response_id, measure, value FROM outcome_scores WHERE organisation_id = ");
                qb.push_bind(&org).push(" AND response_id");
                crate::push_in_list(&mut qb, &ids);
                qb.push(" ORDER BY measure");
                qb.build_query_as().fetch_all(pool).await?
            })
        };
        let mut by_response: std::collections::HashMap<String, Vec<(String, f64)>> = Default::default();
        for (r, m, v) in scores {
            by_response.entry(r).or_default().push((m, v));
        }
        rows.into_iter()
            .map(|(id, instrument, version, t, on, session)| {
                let mine = by_response.remove(&id).unwrap_or_default();
                Ok(CaseQuestionnaire {
                    instrument,
                    version: u32::try_from(version).map_err(StoreError::corrupt)?,
                    timepoint: Timepoint::parse(&t).map_err(StoreError::corrupt)?,
                    answered_on: stored(on.parse())?,
                    session_id: session.map(|s| stored(s.parse())).transpose()?,
                    scores: mine,
                    id,
                })
            })
            .collect()
    }

    /// Which of `referrals` have a baseline questionnaire recorded.
    pub async fn cases_with_baseline(
        &self,
        scope: &OrgScope,
        referrals: &[ReferralId],
    ) -> Result<std::collections::HashSet<ReferralId>> {
        if referrals.is_empty() {
            return Ok(Default::default());
        }
        let keys: Vec<String> = referrals.iter().map(|r| r.to_string()).collect();
        let rows: Vec<String> = on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT DISTINCT referral_id FROM questionnaire_responses WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND timepoint = 'baseline' AND referral_id");
            crate::push_in_list(&mut qb, &keys);
            qb.build_query_scalar().fetch_all(pool).await?
        });
        rows.into_iter().map(|r| stored(r.parse())).collect()
    }

    /// Every score of `person`'s, oldest first.
    pub async fn person_outcomes(&self, scope: &OrgScope, person: PersonId) -> Result<Vec<OutcomeScore>> {
        type Row = (String, String, String, i64, String, f64, String, String);
        let rows: Vec<Row> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT s.response_id, s.referral_id, r.instrument, r.instrument_version, s.measure, s.value, s.timepoint, s.answered_on FROM outcome_scores s \
                 JOIN questionnaire_responses r ON r.organisation_id = s.organisation_id AND r.id = s.response_id \
                 WHERE s.organisation_id = $1 AND r.person_id = $2 ORDER BY s.answered_on DESC, r.created_at DESC, s.measure DESC LIMIT $3",
            )
            .bind(scope.key()).bind(person.to_string()).bind(MAX_PERSON_SCORES as i64).fetch_all(pool).await?
        });
        // Read newest first, so a person with more than the limit keeps their latest.
        rows.into_iter()
            .rev()
            .map(|(response_id, referral, instrument, version, measure, value, timepoint, on)| {
                Ok(OutcomeScore {
                    response_id,
                    referral_id: stored(referral.parse())?,
                    instrument,
                    version: u32::try_from(version).map_err(StoreError::corrupt)?,
                    measure,
                    value,
                    timepoint: Timepoint::parse(&timepoint).map_err(StoreError::corrupt)?,
                    answered_on: stored(on.parse())?,
                })
            })
            .collect()
    }

    /// Every score of `measure` answered on `from` to `to`, as (case, timepoint, day,
    /// value), for pairing each case's baseline with its latest.
    pub async fn measure_scores(
        &self,
        scope: &OrgScope,
        measure: &str,
        from: Date,
        to: Date,
    ) -> Result<Vec<(String, Timepoint, Date, f64)>> {
        let rows: Vec<(String, String, String, f64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT referral_id, timepoint, answered_on, value FROM outcome_scores \
                 WHERE organisation_id = $1 AND measure = $2 AND answered_on >= $3 AND answered_on <= $4",
            )
            .bind(scope.key()).bind(measure).bind(from.to_string()).bind(to.to_string()).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(referral, t, on, v)| {
                Ok((referral, Timepoint::parse(&t).map_err(StoreError::corrupt)?, stored(on.parse())?, v))
            })
            .collect()
    }
}

/// Whose a response is and how it came: the person, their case, the session it was given
/// in (if one) and who recorded it (nobody: the person, by a link).
pub(crate) struct Given {
    pub person: PersonId,
    pub referral: ReferralId,
    pub session: Option<SessionId>,
    pub by: Option<UserId>,
}

/// The answers in item order, comma-separated, an empty place for one not given.
fn answers_text(response: &NewResponse) -> String {
    response.answers.iter().map(|a| a.map(|v| v.to_string()).unwrap_or_default()).collect::<Vec<_>>().join(",")
}

/// Insert `response` with a row per score and its audit entry; `None` when its session
/// has this questionnaire already (nothing is written).
pub(crate) async fn insert_response_in(
    tx: &mut crate::Tx,
    scope: &OrgScope,
    actor: &Actor,
    given: &Given,
    response: &NewResponse,
) -> Result<Option<String>> {
    let id = uuid::Uuid::now_v7().to_string();
    let org = scope.key();
    let (timepoint, on) = (response.timepoint.code(), response.answered_on.to_string());
    let (referral, session) = (given.referral.to_string(), given.session.map(|s| s.to_string()));
    let inserted = on_tx!(tx, conn => {
        sqlx::query("INSERT INTO questionnaire_responses (organisation_id, id, person_id, referral_id, instrument, instrument_version, timepoint, answered_on, answers, recorded_by, created_at, session_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING")
            .bind(&org).bind(&id).bind(given.person.to_string()).bind(&referral)
            .bind(response.questionnaire.code()).bind(i64::from(response.questionnaire.version())).bind(timepoint).bind(&on)
            .bind(answers_text(response)).bind(given.by.map(|u| u.to_string())).bind(now_ms()).bind(&session)
            .execute(&mut *conn).await?.rows_affected()
    });
    if inserted == 0 {
        return Ok(None);
    }
    on_tx!(tx, conn => {
        for s in &response.scores {
            sqlx::query("INSERT INTO outcome_scores (organisation_id, response_id, referral_id, measure, value, timepoint, answered_on) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(&org).bind(&id).bind(&referral).bind(&s.measure).bind(s.value).bind(timepoint).bind(&on)
                .execute(&mut *conn).await?;
        }
    });
    let detail = format!("questionnaire {} {timepoint}", response.questionnaire.code());
    append_in(tx, scope, &actor.event(AuditAction::RecordChanged, "questionnaire_response", &id, Some(detail)));
    Ok(Some(id))
}
