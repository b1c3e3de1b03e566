//! Diaries: the sessions of a worker or a room over a period, with who they are with;
//! and the secret, revocable calendar feed of a worker's sessions.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::identity::SecretHash;
use linkwell_domain::{RoomId, UserId};

use crate::audit::append_in;
use crate::error::stored;
use crate::sessions::{Session, SessionRow};
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// Whose diary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiaryOf {
    Worker(UserId),
    Room(RoomId),
}

/// A session in a diary, with who it is with.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiaryEntry {
    pub session: Session,
    pub given_name: String,
    pub family_name: String,
}

row_struct! {
    /// A diary's row: a session's columns, and the names of the person it is with.
    struct DiaryRow {
        given_name: String,
        family_name: String,
    }
    flatten {
        session: SessionRow,
    }
}

impl TryFrom<DiaryRow> for DiaryEntry {
    type Error = StoreError;

    fn try_from(r: DiaryRow) -> Result<DiaryEntry> {
        Ok(DiaryEntry { session: r.session.try_into()?, given_name: r.given_name, family_name: r.family_name })
    }
}

impl Db {
    /// Sessions starting in `[from_ms, to_ms)`, in time order, cancelled ones included.
    pub async fn diary(&self, scope: &OrgScope, of: DiaryOf, from_ms: i64, to_ms: i64) -> Result<Vec<DiaryEntry>> {
        let (column, key) = match of {
            DiaryOf::Worker(u) => ("s.worker_id", u.to_string()),
            DiaryOf::Room(r) => ("s.room_id", r.to_string()),
        };
        let sql = format!(
            "SELECT s.id, s.referral_id, s.worker_id, p.given_name, p.family_name, s.kind, s.mode, s.room_id, s.starts_at, s.ends_at, s.status, s.notes, s.version \
             FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id \
             JOIN people p ON p.organisation_id = r.organisation_id AND p.id = r.person_id \
             WHERE s.organisation_id = $1 AND {column} = $2 AND s.starts_at >= $3 AND s.starts_at < $4 ORDER BY s.starts_at, s.id LIMIT 2000"
        );
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, DiaryRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(&key).bind(from_ms).bind(to_ms).fetch_all(pool).await?;
            rows.into_iter().map(DiaryEntry::try_from).collect()
        })
    }

    /// Start a new calendar feed for `user`, revoking any earlier one (one live URL each).
    pub async fn create_calendar_feed(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        user: UserId,
        hash: &SecretHash,
    ) -> Result<()> {
        let now = now_ms();
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE calendar_feeds SET revoked_at = $1 WHERE organisation_id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(now).bind(scope.key()).bind(user.to_string()).execute(&mut *conn).await?;
            sqlx::query("INSERT INTO calendar_feeds (organisation_id, id, user_id, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(scope.key()).bind(&id).bind(user.to_string()).bind(&hash.0).bind(now).execute(&mut *conn).await?;
        });
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::TokenCreated, "calendar_feed", &id, Some(format!("user={user}"))),
        );
        tx.commit().await
    }

    /// Revoke `user`'s live calendar feed, if there is one.
    pub async fn revoke_calendar_feed(&self, scope: &OrgScope, actor: &Actor, user: UserId) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE calendar_feeds SET revoked_at = $1 WHERE organisation_id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(now_ms()).bind(scope.key()).bind(user.to_string()).execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return Ok(false);
        }
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::TokenRevoked, "calendar_feed", user, Some(format!("user={user}"))),
        );
        tx.commit().await?;
        Ok(true)
    }

    /// When `user`'s live feed was created, if they have one.
    pub async fn calendar_feed_since(&self, scope: &OrgScope, user: UserId) -> Result<Option<i64>> {
        on_db!(self, pool => {
            Ok(sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE organisation_id = $1 AND user_id = $2 AND revoked_at IS NULL")
                .bind(scope.key()).bind(user.to_string()).fetch_optional(pool).await?)
        })
    }

    /// The organisation and user of a live feed token (looked up by hash, before any
    /// organisation is known, as API tokens are).
    pub async fn calendar_feed_owner(&self, hash: &SecretHash) -> Result<(OrgScope, UserId)> {
        on_db!(self, pool => {
            let (organisation_id, user_id): (String, String) = sqlx::query_as("SELECT f.organisation_id, f.user_id FROM calendar_feeds f JOIN users u ON u.organisation_id = f.organisation_id AND u.id = f.user_id WHERE f.token_hash = $1 AND f.revoked_at IS NULL AND u.disabled = $2")
                .bind(&hash.0).bind(false).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            Ok((OrgScope::new(stored(organisation_id.parse())?), stored(user_id.parse())?))
        })
    }
}
