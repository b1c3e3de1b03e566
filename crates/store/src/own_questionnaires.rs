//! An organisation's own questionnaires: each version of a definition written once and
//! never changed, so answers given under it keep its meaning; a new version is a new row.
//! Retiring takes every version off the lists at once; answers and scores stay. Beside
//! them, the meaningful-change thresholds the organisation sets for the built-in ones.

use linkwell_domain::UserId;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::outcomes::own::{OwnDefinition, code_of};
use linkwell_domain::outcomes::questionnaire::OwnQuestionnaire;
use linkwell_domain::outcomes::thresholds::MeaningfulChanges;

use crate::audit::append_in;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// Own questionnaires read at most for one organisation (each at its latest version).
pub const MAX_OWN_QUESTIONNAIRES: usize = 200;

/// Versions of one questionnaire read at most.
pub const MAX_VERSIONS: usize = 100;

/// An own questionnaire at one version, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredQuestionnaire {
    pub questionnaire: OwnQuestionnaire,
    pub created_by: UserId,
    pub created_at: i64,
    /// Off the lists: no longer offered, its answers and scores kept.
    pub retired: bool,
}

type Row = (String, i64, String, String, i64, Option<i64>);

fn from_row((code, version, definition, created_by, created_at, retired_at): Row) -> Result<StoredQuestionnaire> {
    Ok(StoredQuestionnaire {
        questionnaire: OwnQuestionnaire {
            code,
            version: u32::try_from(version).map_err(StoreError::corrupt)?,
            definition: serde_json::from_str(&definition).map_err(StoreError::corrupt)?,
        },
        created_by: crate::error::stored(created_by.parse())?,
        created_at,
        retired: retired_at.is_some(),
    })
}

const COLUMNS: &str = "code, version, definition, created_by, created_at, retired_at";

impl Db {
    /// Keep a new questionnaire `definition` at version 1, under a code from its name (made
    /// unique with `_2`, `_3`… when another has it). Returns it.
    pub async fn define_questionnaire(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        definition: &OwnDefinition,
        by: UserId,
    ) -> Result<OwnQuestionnaire> {
        let base = code_of(&definition.name);
        let org = scope.key();
        let mut tx = self.begin().await?;
        let taken: Vec<String> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT DISTINCT code FROM own_questionnaires WHERE organisation_id = $1 AND (code = $2 OR code LIKE $3)")
                .bind(&org).bind(&base).bind(format!("{base}_%")).fetch_all(&mut *conn).await?
        });
        let code = std::iter::once(base.clone())
            .chain((2..).map(|n| format!("{base}_{n}")))
            .find(|c| !taken.contains(c))
            .unwrap_or(base);
        let q = OwnQuestionnaire { code, version: 1, definition: definition.clone() };
        insert_in(&mut tx, scope, actor, &q, by).await?;
        tx.commit().await?;
        Ok(q)
    }

    /// Keep `definition` as the next version of `code`. `NotFound` for a code the
    /// organisation never defined; `Conflict` when another version was kept meanwhile.
    pub async fn new_questionnaire_version(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        code: &str,
        definition: &OwnDefinition,
        by: UserId,
    ) -> Result<OwnQuestionnaire> {
        let mut tx = self.begin().await?;
        let latest: Option<i64> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT MAX(version) FROM own_questionnaires WHERE organisation_id = $1 AND code = $2")
                .bind(scope.key()).bind(code).fetch_one(&mut *conn).await?
        });
        let latest = u32::try_from(latest.ok_or(StoreError::NotFound)?).map_err(StoreError::corrupt)?;
        let q = OwnQuestionnaire { code: code.to_owned(), version: latest + 1, definition: definition.clone() };
        insert_in(&mut tx, scope, actor, &q, by).await?;
        // A new version of a retired questionnaire brings it back.
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE own_questionnaires SET retired_at = NULL WHERE organisation_id = $1 AND code = $2")
                .bind(scope.key()).bind(code).execute(&mut *conn).await?;
        });
        tx.commit().await?;
        Ok(q)
    }

    /// Take `code` off the lists. `NotFound` for a code never defined; retiring twice
    /// changes nothing.
    pub async fn retire_questionnaire(&self, scope: &OrgScope, actor: &Actor, code: &str) -> Result<()> {
        self.own_questionnaire(scope, code, None).await?.ok_or(StoreError::NotFound)?;
        let mut tx = self.begin().await?;
        let changed = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE own_questionnaires SET retired_at = $3 WHERE organisation_id = $1 AND code = $2 AND retired_at IS NULL")
                .bind(scope.key()).bind(code).bind(now_ms()).execute(&mut *conn).await?.rows_affected()
        });
        if changed == 0 {
            return Ok(());
        }
        let detail = Some(format!("retired {code}"));
        append_in(&mut tx, scope, &actor.event(AuditAction::RecordChanged, "questionnaire", code, detail));
        tx.commit().await?;
        Ok(())
    }

    /// Every own questionnaire at its latest version, retired ones too, by name.
    pub async fn own_questionnaires(&self, scope: &OrgScope) -> Result<Vec<StoredQuestionnaire>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM own_questionnaires q WHERE organisation_id = $1 AND version = \
             (SELECT MAX(version) FROM own_questionnaires v WHERE v.organisation_id = q.organisation_id AND v.code = q.code) \
             ORDER BY name, code LIMIT $2"
        );
        let rows: Vec<Row> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(scope.key()).bind(MAX_OWN_QUESTIONNAIRES as i64).fetch_all(pool).await?
        });
        rows.into_iter().map(from_row).collect()
    }

    /// Every version of every own questionnaire, newest first within each, at most
    /// [`MAX_OWN_QUESTIONNAIRES`] × [`MAX_VERSIONS`] in all (scores under each need its
    /// name and measure).
    pub async fn all_own_questionnaire_versions(&self, scope: &OrgScope) -> Result<Vec<StoredQuestionnaire>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM own_questionnaires WHERE organisation_id = $1 ORDER BY name, code, version DESC LIMIT $2"
        );
        let rows: Vec<Row> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(scope.key()).bind((MAX_OWN_QUESTIONNAIRES * MAX_VERSIONS) as i64)
                .fetch_all(pool).await?
        });
        rows.into_iter().map(from_row).collect()
    }

    /// `code` at `version`, or at its latest when `None`.
    pub async fn own_questionnaire(
        &self,
        scope: &OrgScope,
        code: &str,
        version: Option<u32>,
    ) -> Result<Option<StoredQuestionnaire>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM own_questionnaires WHERE organisation_id = $1 AND code = $2 AND ($3 OR version = $4) \
             ORDER BY version DESC LIMIT 1"
        );
        let row: Option<Row> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(scope.key()).bind(code).bind(version.is_none()).bind(i64::from(version.unwrap_or(0)))
                .fetch_optional(pool).await?
        });
        row.map(from_row).transpose()
    }

    /// Every version of `code`, newest first.
    pub async fn own_questionnaire_versions(&self, scope: &OrgScope, code: &str) -> Result<Vec<StoredQuestionnaire>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM own_questionnaires WHERE organisation_id = $1 AND code = $2 ORDER BY version DESC LIMIT $3"
        );
        let rows: Vec<Row> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(scope.key()).bind(code).bind(MAX_VERSIONS as i64).fetch_all(pool).await?
        });
        rows.into_iter().map(from_row).collect()
    }

    /// The meaningful-change thresholds the organisation has set for built-in measures.
    pub async fn meaningful_changes(&self, scope: &OrgScope) -> Result<MeaningfulChanges> {
        // At most one row a built-in measure: the key is the measure.
        let rows: Vec<(String, f64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT measure, threshold FROM meaningful_changes WHERE organisation_id = $1 ORDER BY measure LIMIT 100")
                .bind(scope.key()).fetch_all(pool).await?
        });
        Ok(MeaningfulChanges::from_stored(rows))
    }

    /// Replace the organisation's thresholds with `set` (a measure left out goes back to
    /// its default), audited with what each became.
    pub async fn set_meaningful_changes(&self, scope: &OrgScope, actor: &Actor, set: &MeaningfulChanges) -> Result<()> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM meaningful_changes WHERE organisation_id = $1").bind(scope.key()).execute(&mut *conn).await?;
            for (measure, threshold) in set.iter() {
                sqlx::query("INSERT INTO meaningful_changes (organisation_id, measure, threshold, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(scope.key()).bind(measure).bind(threshold).bind(&actor.user_id).bind(now).execute(&mut *conn).await?;
            }
        });
        let detail = set.iter().map(|(m, v)| format!("{m}={v}")).collect::<Vec<_>>().join(", ");
        let detail = Some(if detail.is_empty() { "every threshold the published default".to_string() } else { detail });
        append_in(&mut tx, scope, &actor.event(AuditAction::RecordChanged, "meaningful_changes", "thresholds", detail));
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_in(
    tx: &mut crate::Tx,
    scope: &OrgScope,
    actor: &Actor,
    q: &OwnQuestionnaire,
    by: UserId,
) -> Result<()> {
    let definition = serde_json::to_string(&q.definition).map_err(StoreError::corrupt)?;
    let inserted = on_tx!(tx, conn => {
        sqlx::query("INSERT INTO own_questionnaires (organisation_id, code, version, name, definition, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING")
            .bind(scope.key()).bind(&q.code).bind(i64::from(q.version)).bind(&q.definition.name).bind(&definition)
            .bind(by.to_string()).bind(now_ms()).execute(&mut *conn).await?.rows_affected()
    });
    if inserted == 0 {
        return Err(StoreError::Conflict);
    }
    let detail = Some(format!("defined {} version {}", q.code, q.version));
    append_in(tx, scope, &actor.event(AuditAction::RecordChanged, "questionnaire", &q.code, detail));
    Ok(())
}
