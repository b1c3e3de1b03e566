//! Programmes: the rules a referral runs under (session lengths and limits, contact attempts).

use linkwell_domain::ProgrammeId;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::sessions::{Minutes, ProgrammeRules};

use crate::audit::append_in;
use crate::error::stored;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Programme {
    pub id: ProgrammeId,
    pub name: String,
    pub rules: ProgrammeRules,
    /// ISO dates of the funding period, when known.
    pub funded_from: Option<String>,
    pub funded_to: Option<String>,
    pub commissioner: String,
    pub version: i64,
}

fn minutes(m: i64) -> Result<Minutes> {
    u16::try_from(m).ok().and_then(|m| Minutes::new(m).ok()).ok_or_else(|| StoreError::corrupt("session length"))
}

fn count(n: i64) -> Result<u32> {
    u32::try_from(n).map_err(StoreError::corrupt)
}

row_struct! {
    /// A `programmes` row as read.
    struct ProgrammeRow {
        id: String,
        name: String,
        initial_minutes: i64,
        follow_up_minutes: i64,
        max_follow_ups: i64,
        contact_attempt_limit: i64,
        funded_from: Option<String>,
        funded_to: Option<String>,
        commissioner: String,
        version: i64,
    }
}

impl TryFrom<ProgrammeRow> for Programme {
    type Error = StoreError;

    fn try_from(r: ProgrammeRow) -> Result<Programme> {
        Ok(Programme {
            id: stored(r.id.parse())?,
            name: r.name,
            rules: ProgrammeRules {
                initial_length: minutes(r.initial_minutes)?,
                follow_up_length: minutes(r.follow_up_minutes)?,
                max_follow_ups: count(r.max_follow_ups)?,
                contact_attempt_limit: count(r.contact_attempt_limit)?,
            },
            funded_from: r.funded_from,
            funded_to: r.funded_to,
            commissioner: r.commissioner,
            version: r.version,
        })
    }
}

impl Db {
    pub async fn create_programme(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        name: &str,
        rules: ProgrammeRules,
        commissioner: &str,
    ) -> Result<Programme> {
        self.create_programme_funded(scope, actor, name, rules, commissioner, None).await
    }

    /// As `create_programme`, with the period it is funded for (commissioned services are
    /// funded for fixed periods, renewed on evidence of impact).
    pub async fn create_programme_funded(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        name: &str,
        rules: ProgrammeRules,
        commissioner: &str,
        funding: Option<(jiff::civil::Date, jiff::civil::Date)>,
    ) -> Result<Programme> {
        let p = Programme {
            id: ProgrammeId::new(),
            name: name.to_owned(),
            rules,
            funded_from: funding.map(|(from, _)| from.to_string()),
            funded_to: funding.map(|(_, to)| to.to_string()),
            commissioner: commissioner.to_owned(),
            version: 1,
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO programmes (organisation_id, id, name, initial_minutes, follow_up_minutes, max_follow_ups, contact_attempt_limit, commissioner, created_at, funded_from, funded_to, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)")
                .bind(scope.key())
                .bind(p.id.to_string())
                .bind(&p.name)
                .bind(i64::from(rules.initial_length.get()))
                .bind(i64::from(rules.follow_up_length.get()))
                .bind(i64::from(rules.max_follow_ups))
                .bind(i64::from(rules.contact_attempt_limit))
                .bind(&p.commissioner)
                .bind(now_ms())
                .bind(&p.funded_from)
                .bind(&p.funded_to)
                .execute(&mut *conn)
                .await
                .map_err(StoreError::unique_as("name"))?;
        });
        append_in(&mut tx, scope, &actor.event(AuditAction::ProgrammeCreated, "programme", p.id, None));
        tx.commit().await?;
        Ok(p)
    }

    pub async fn programmes(&self, scope: &OrgScope) -> Result<Vec<Programme>> {
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, ProgrammeRow>("SELECT id, name, initial_minutes, follow_up_minutes, max_follow_ups, contact_attempt_limit, funded_from, funded_to, commissioner, version FROM programmes WHERE organisation_id = $1 ORDER BY name")
                .bind(scope.key()).fetch_all(pool).await?;
            rows.into_iter().map(Programme::try_from).collect()
        })
    }
}
