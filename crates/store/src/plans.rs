//! Care and support plans, versioned: a save adds a version; nothing is overwritten.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::plans::Plan;

use crate::audit::append_in;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// A saved version of a plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlanVersion {
    pub version: i64,
    pub saved_at: i64,
    pub saved_by: Option<String>,
    pub plan: Plan,
}

row_struct! {
    /// A `plan_versions` row as read.
    struct PlanVersionRow {
        version: i64,
        saved_at: i64,
        saved_by: Option<String>,
        content: String,
    }
}

impl TryFrom<PlanVersionRow> for PlanVersion {
    type Error = StoreError;

    fn try_from(r: PlanVersionRow) -> Result<PlanVersion> {
        Ok(PlanVersion {
            version: r.version,
            saved_at: r.saved_at,
            saved_by: r.saved_by,
            plan: serde_json::from_str(&r.content).map_err(StoreError::corrupt)?,
        })
    }
}

impl Db {
    /// Save a new version of a referral's plan. `based_on` is the version the editor
    /// started from (0 for a first plan): anything but the current version is a
    /// `Conflict` (someone saved since, or a client skipping versions). A closed
    /// referral's plan is `Closed`: the discharge summary the practice received quotes it.
    pub async fn save_plan(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        referral: ReferralId,
        based_on: i64,
        plan: &Plan,
    ) -> Result<PlanVersion> {
        let content = serde_json::to_string(plan).map_err(StoreError::corrupt)?;
        let now = now_ms();
        let mut tx = self.begin().await?;
        let version = on_tx!(&mut tx, conn => {
            // Lock the referral while it is open (a row lock on PostgreSQL), so a discharge
            // cannot slip in between this check and the save.
            let open = sqlx::query("UPDATE referrals SET version = version WHERE organisation_id = $1 AND id = $2 AND status NOT IN ('discharged', 'declined', 'redirected', 'unable_to_contact')")
                .bind(scope.key()).bind(referral.to_string()).execute(&mut *conn).await?.rows_affected();
            if open == 0 {
                let exists: Option<String> = sqlx::query_scalar("SELECT id FROM referrals WHERE organisation_id = $1 AND id = $2")
                    .bind(scope.key()).bind(referral.to_string()).fetch_optional(&mut *conn).await?;
                return Err(if exists.is_some() { StoreError::Closed } else { StoreError::NotFound });
            }
            let current: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM plan_versions WHERE organisation_id = $1 AND referral_id = $2")
                .bind(scope.key()).bind(referral.to_string()).fetch_one(&mut *conn).await?;
            if based_on != current {
                return Err(StoreError::Conflict);
            }
            current + 1
        });
        on_tx!(&mut tx, conn => {
            // The next version must not exist yet: the primary key makes a concurrent save fail.
            sqlx::query("INSERT INTO plan_versions (organisation_id, referral_id, version, saved_at, saved_by, content) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(scope.key()).bind(referral.to_string()).bind(version).bind(now).bind(&actor.user_id).bind(&content)
                .execute(&mut *conn)
                .await
                .map_err(|e| match StoreError::unique_as("version")(e) {
                    StoreError::Duplicate { .. } => StoreError::Conflict,
                    other => other,
                })?;
            // Caseloads show overdue reviews from this copy of the plan's next review.
            sqlx::query("UPDATE referrals SET next_review = $1 WHERE organisation_id = $2 AND id = $3")
                .bind(plan.next_review.map(|d| d.to_string())).bind(scope.key()).bind(referral.to_string())
                .execute(&mut *conn).await?;
        });
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::RecordChanged, "plan", referral, Some(format!("version={version}"))),
        );
        tx.commit().await?;
        Ok(PlanVersion { version, saved_at: now, saved_by: actor.user_id.clone(), plan: plan.clone() })
    }

    /// Every version of the plan, newest first.
    pub async fn plan_versions(&self, scope: &OrgScope, referral: ReferralId) -> Result<Vec<PlanVersion>> {
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, PlanVersionRow>("SELECT version, saved_at, saved_by, content FROM plan_versions WHERE organisation_id = $1 AND referral_id = $2 ORDER BY version DESC")
                .bind(scope.key()).bind(referral.to_string()).fetch_all(pool).await?;
            rows.into_iter().map(PlanVersion::try_from).collect()
        })
    }

    /// The current plan, if one has been saved.
    pub async fn current_plan(&self, scope: &OrgScope, referral: ReferralId) -> Result<Option<PlanVersion>> {
        Ok(self.plan_versions(scope, referral).await?.into_iter().next())
    }
}

/// A self-management tool on the organisation's list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tool {
    pub id: String,
    pub name: String,
    pub retired: bool,
}

impl Db {
    /// The organisation's tools by name, retired ones included.
    pub async fn tools(&self, scope: &OrgScope) -> Result<Vec<Tool>> {
        on_db!(self, pool => {
            let rows: Vec<(String, String, bool)> = sqlx::query_as("SELECT id, name, retired FROM self_management_tools WHERE organisation_id = $1 ORDER BY name, id")
                .bind(scope.key()).fetch_all(pool).await?;
            Ok(rows.into_iter().map(|(id, name, retired)| Tool { id, name, retired }).collect())
        })
    }

    /// Add a tool (the name is validated by the caller); a name already listed is a `Duplicate`.
    pub async fn add_tool(&self, scope: &OrgScope, actor: &Actor, name: &str) -> Result<Tool> {
        let tool = Tool { id: uuid::Uuid::now_v7().to_string(), name: name.to_owned(), retired: false };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO self_management_tools (organisation_id, id, name, retired, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(scope.key()).bind(&tool.id).bind(&tool.name).bind(false).bind(now_ms())
                .execute(&mut *conn).await.map_err(StoreError::unique_as("name"))?;
        });
        append_in(&mut tx, scope, &actor.event(AuditAction::SettingsChanged, "tool", &tool.id, Some("added".into())));
        tx.commit().await?;
        Ok(tool)
    }

    /// Retire a tool (no longer offered) or bring it back.
    pub async fn set_tool_retired(&self, scope: &OrgScope, actor: &Actor, id: &str, retired: bool) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE self_management_tools SET retired = $1 WHERE organisation_id = $2 AND id = $3")
                .bind(retired).bind(scope.key()).bind(id).execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let detail = if retired { "retired" } else { "offered" };
        append_in(&mut tx, scope, &actor.event(AuditAction::SettingsChanged, "tool", id, Some(detail.into())));
        tx.commit().await
    }
}
