//! Fresh databases for tests, on both engines.
//!
//! SQLite: a new file in a temporary directory. PostgreSQL: a new database on the server
//! named by `TEST_DATABASE_URL` (the test script starts a throwaway cluster and sets it).
//! There is deliberately no fallback that skips PostgreSQL: a storage test that cannot
//! reach it fails, so a green run means both engines were really exercised.

use crate::{Db, Engine, Result};

/// A migrated, empty database and what is needed to drop it afterwards.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<TempDir>,
}

/// A temporary directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TempDir {
    pub fn new(prefix: &str) -> std::io::Result<TempDir> {
        let p = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&p)?;
        Ok(TempDir(p))
    }
}

/// The PostgreSQL server for tests, from `TEST_DATABASE_URL`.
pub fn postgres_server_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("TEST_DATABASE_URL is not set: run the tests with ./scripts/test, which starts a throwaway PostgreSQL cluster")
    })
}

impl TestDb {
    pub async fn new(engine: Engine) -> Result<TestDb> {
        let (url, dir) = Self::fresh_url(engine).await?;
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        Ok(TestDb { db, url, _dir: dir })
    }

    /// A URL to a fresh, empty (unmigrated) database.
    pub async fn fresh_url(engine: Engine) -> Result<(String, Option<TempDir>)> {
        match engine {
            Engine::Sqlite => {
                let dir = TempDir::new("linkwell-test").map_err(|e| crate::StoreError::BadUrl(e.to_string()))?;
                let url = format!("sqlite:{}", dir.0.join("linkwell.db").display());
                Ok((url, Some(dir)))
            }
            Engine::Postgres => {
                let server = postgres_server_url();
                let name = format!("lw_test_{}", uuid::Uuid::now_v7().simple());
                let admin = Db::connect(&server).await?;
                on_writer!(&admin, pool => {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(pool).await.map(|r| r.rows_affected())
                })?;
                admin.close().await;
                let (base, _) = server.rsplit_once('/').unwrap_or((server.as_str(), ""));
                Ok((format!("{base}/{name}"), None))
            }
        }
    }
}

impl Db {
    /// Move every lock and failure of `id` a lockout into the past, as if the time had
    /// passed (for tests of what happens after a lock expires).
    pub async fn expire_sign_in_locks_for_tests(&self, scope: &crate::OrgScope, id: linkwell_domain::UserId) {
        let shift = linkwell_domain::identity::LOCKOUT_MINUTES * 60_000 + 1;
        let _ = on_writer!(self, pool => {
            sqlx::query("UPDATE sign_in_failures SET locked_until = locked_until - $1, last_failed_at = last_failed_at - $1 WHERE organisation_id = $2 AND user_id = $3")
                .bind(shift).bind(scope.key()).bind(id.to_string()).execute(pool).await.map(|r| r.rows_affected())
        });
    }
}

/// Run each named `async fn(Engine)` as two tests, `NAME::sqlite` and `NAME::postgres`:
/// the one way every test in the workspace runs on both engines.
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Engine::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Engine::Postgres).await;
            }
        }
    )*};
}
