//! Embedded migrations, one list per engine, applied in order at start.
//!
//! Both lists must describe the same tables, columns and nullability; a test compares the
//! two schemas after migrating real databases.

use crate::{Db, Result, StoreError};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// `migration!(version, "name", "file stem")`: both engines' scripts of one migration.
macro_rules! migration {
    ($version:literal, $name:literal, $file:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../../../migrations/sqlite/", $file, ".sql")),
            postgres: include_str!(concat!("../../../migrations/postgres/", $file, ".sql")),
        }
    };
}

pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "foundation", "0001_foundation"),
    migration!(2, "people and programmes", "0002_people_programmes"),
    migration!(3, "referrals", "0003_referrals"),
    migration!(4, "sessions", "0004_sessions"),
    migration!(5, "plans", "0005_plans"),
    migration!(6, "calendar feeds", "0006_calendar"),
    migration!(7, "outbox", "0007_outbox"),
    migration!(8, "directory", "0008_directory"),
    migration!(9, "directory at scale", "0009_directory_at_scale"),
    migration!(10, "hostile input", "0010_hostile_input"),
    migration!(11, "caseload index", "0011_caseload_index"),
    migration!(12, "unable to contact counts", "0012_unable_to_contact_counts"),
    migration!(13, "open cases by worker", "0013_open_cases_by_worker"),
    migration!(14, "find a person", "0014_find_a_person"),
    migration!(15, "case notes", "0015_case_notes"),
    migration!(16, "team lists", "0016_team_lists"),
    migration!(17, "consent to share with the practice", "0017_practice_consent"),
    migration!(18, "users list", "0018_users_list"),
    migration!(19, "circumstances", "0019_circumstances"),
    migration!(20, "indexes for the day's lists", "0020_list_indexes"),
    migration!(21, "groups the team runs", "0021_groups"),
    migration!(22, "open case counts", "0022_open_case_counts"),
    migration!(23, "group members", "0023_group_members"),
    migration!(24, "group registers", "0024_group_registers"),
    migration!(25, "group feedback and stories", "0025_group_feedback_stories"),
    migration!(26, "group attendance kept", "0026_group_attendance_kept"),
    migration!(27, "outcomes", "0027_outcomes"),
    migration!(28, "questionnaires in sessions", "0028_questionnaires_in_sessions"),
    migration!(29, "questionnaire links", "0029_questionnaire_links"),
    migration!(30, "own questionnaires", "0030_own_questionnaires"),
    migration!(31, "report counts", "0031_report_counts"),
    migration!(32, "meaningful-change thresholds", "0032_meaningful_changes"),
    migration!(33, "score indexes", "0033_score_indexes"),
];

/// The migration that creates the name index, which the application then fills.
const FIND_A_PERSON: i64 = 14;
/// The migration that gives referrals a reference, which the application then draws.
const REFERENCES: i64 = 16;

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
    version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

impl Db {
    /// Apply every migration not yet applied, each in its own transaction, and return the
    /// resulting schema version.
    pub async fn migrate(&self) -> Result<i64> {
        on_writer!(self, pool => sqlx::query(CREATE_TABLE).execute(pool).await.map(|r| r.rows_affected()))?;
        let current = self.schema_version().await?;
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            let mut tx = self.begin().await?;
            let script = crate::dialect::migration(self.engine(), m);
            on_tx!(&mut tx, conn => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(script))
                    .execute(&mut *conn)
                    .await
                    .map_err(|source| StoreError::Migration { version: m.version, source })?;
                sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                    .bind(m.version)
                    .bind(m.name)
                    .bind(crate::now_ms())
                    .execute(&mut *conn)
                    .await?;
            });
            if m.version == FIND_A_PERSON {
                // The name index is Rust's folding of the names: filled here for the people
                // already stored, in the migration's own transaction.
                crate::people_search::index_every_name_in(&mut tx).await?;
            }
            if m.version == REFERENCES {
                crate::referrals::reference_every_referral_in(&mut tx).await?;
            }
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "applied migration");
        }
        self.schema_version().await
    }

    /// The highest applied migration, 0 for an empty database.
    pub async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations").fetch_one(pool).await
        })?;
        Ok(v.unwrap_or(0))
    }

    /// The latest version this binary knows.
    pub fn latest_schema_version() -> i64 {
        MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
    }
}
