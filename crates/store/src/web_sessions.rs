//! The web sign-in session store for tower-sessions, over `Db`.

use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::{Db, now_ms};

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Delete expired sessions; run periodically.
    pub async fn delete_expired(&self) -> crate::Result<u64> {
        let n = on_writer!(&self.db, pool => {
            sqlx::query("DELETE FROM web_sessions WHERE expires_at < $1").bind(now_ms()).execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(n)
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn expiry_ms(r: &Record) -> i64 {
    (r.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // A fresh random id collides with an existing one only by astronomical chance;
        // retry with a new id if it ever does.
        loop {
            let r = on_writer!(&self.db, pool => {
                sqlx::query("INSERT INTO web_sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                    .bind(record.id.to_string()).bind(&data).bind(expiry_ms(record)).execute(pool).await.map(|r| r.rows_affected())
            })
            .map_err(backend)?;
            if r == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        on_writer!(&self.db, pool => {
            sqlx::query("INSERT INTO web_sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at")
                .bind(record.id.to_string()).bind(&data).bind(expiry_ms(record)).execute(pool).await.map(|r| r.rows_affected())
        })
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(String, i64)> = on_db!(&self.db, pool => {
            sqlx::query_as("SELECT data, expires_at FROM web_sessions WHERE id = $1 AND expires_at > $2")
                .bind(id.to_string()).bind(now_ms()).fetch_optional(pool).await
        })
        .map_err(backend)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1_000_000).map_err(backend)?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        on_writer!(&self.db, pool => {
            sqlx::query("DELETE FROM web_sessions WHERE id = $1").bind(id.to_string()).execute(pool).await.map(|r| r.rows_affected())
        })
        .map_err(backend)?;
        Ok(())
    }
}
