use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};

use crate::{Result, StoreError};

/// Which engine a `Db` runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A connection pool to the one database Linkwell runs on.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

/// SQLite allows one writer at a time. Connections that contend for its write lock wait in
/// its busy handler, which sleeps and retries and is not fair: under load a write could
/// wait seconds while later ones got in. So every write goes through one connection, taken
/// in order from a pool of one (sqlx hands connections out first come, first served), and
/// reads have a pool of their own whose connections refuse writes (`query_only`), so a
/// write that bypasses the writer fails loudly in tests instead of contending.
#[derive(Debug, Clone)]
pub struct SqliteDb {
    /// Read-only connections, for everything outside a write transaction.
    pub reads: SqlitePool,
    /// The one connection that writes (`Db::begin`, `on_writer!`).
    pub writes: SqlitePool,
}

/// An open write transaction, and the audit entries it appends when it commits.
pub struct Tx {
    pub(crate) conn: TxConn,
    /// Audit events recorded by `audit::append_in`, in order, with their organisation.
    /// They are written at commit (`audit::flush`): taking the chain head's lock there,
    /// rather than at a use case's first change, holds it only for the appends and the
    /// commit, so an organisation's writes queue behind one another's commits, not behind
    /// one another's whole transactions (on PostgreSQL, where writes are otherwise
    /// concurrent); and one use case's entries take three statements, not three each.
    pub(crate) audit: Vec<(String, linkwell_domain::audit::AuditEvent)>,
}

/// The connection a `Tx` runs on.
pub(crate) enum TxConn {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// How much of a SQLite file reads may map (the address space is reserved, not memory).
const SQLITE_MMAP_BYTES: u64 = 1 << 30;

/// Rows a SQLite connection's thread hands over before it waits for them to be read.
const SQLITE_ROW_CHANNEL: usize = 1024;

impl Db {
    /// Connect to `url`: `postgres://…` or `postgresql://…` for PostgreSQL; `sqlite:PATH`,
    /// `sqlite://PATH` or a bare file path for SQLite (the file is created if missing).
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            return Ok(Db::Postgres(pool));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(StoreError::BadUrl(format!("{url:?} is neither a postgres:// URL nor a SQLite file path")));
        }
        let in_memory = path == ":memory:";
        // Durability: WAL with synchronous=FULL fsyncs the log at every commit, so an
        // acknowledged write survives kill -9 and an OS crash.
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(if in_memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Reads map the file instead of copying each page in with a system call, and
            // each connection keeps 16 MiB of pages (the default is 2 MiB): a list at an
            // integrated care system's scale reads tens of thousands of index pages.
            .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
            .pragma("cache_size", "-16384")
            // sqlx steps a statement on a thread of its own and hands rows over a channel of
            // this many; at sqlx's 50 a team of 2,000 took 40 stops and wake-ups.
            .row_buffer_size(SQLITE_ROW_CHANNEL);
        let writes = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await?;
        if in_memory {
            // Each in-memory connection is a database of its own: the writer reads too.
            return Ok(Db::Sqlite(SqliteDb { reads: writes.clone(), writes }));
        }
        let reads = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts.pragma("query_only", "ON"))
            .await?;
        Ok(Db::Sqlite(SqliteDb { reads, writes }))
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Begin a write transaction. On SQLite it is `BEGIN IMMEDIATE`, taking the write lock
    /// up front (see `dialect::begin_write`).
    pub async fn begin(&self) -> Result<Tx> {
        let begin = crate::dialect::begin_write(self.engine());
        let conn = match self {
            Db::Sqlite(s) => TxConn::Sqlite(s.writes.begin_with(begin).await?),
            Db::Postgres(p) => TxConn::Postgres(p.begin_with(begin).await?),
        };
        Ok(Tx { conn, audit: Vec::new() })
    }

    /// A trivial round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|r| r.rows_affected()).map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(s) => {
                s.reads.close().await;
                s.writes.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    /// Append the audit entries recorded in this transaction, then commit.
    pub async fn commit(self) -> Result<()> {
        self.commit_audited().await.map(|_| ())
    }

    /// `commit`, answering the audit entries it wrote.
    pub(crate) async fn commit_audited(mut self) -> Result<Vec<linkwell_domain::audit::AuditEntry>> {
        let _turns = crate::audit::turns(&self).await;
        let written = crate::audit::flush(&mut self).await?;
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Postgres(t) => t.commit().await?,
        }
        Ok(written)
    }
}
