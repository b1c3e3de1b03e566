//! API tokens: bearer secrets for integrations, bound to a user, stored hashed.

use linkwell_domain::identity::SecretHash;
use linkwell_domain::{UserId, ids::ApiTokenId};

use crate::users::{USER_COLUMNS, User, UserRow, prefixed};
use linkwell_domain::audit::AuditAction;

use crate::audit::append_in;
use crate::error::stored;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub user_id: UserId,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

row_struct! {
    /// An `api_tokens` row as read.
    struct ApiTokenRow {
        id: String,
        user_id: String,
        name: String,
        created_at: i64,
        last_used_at: Option<i64>,
        revoked_at: Option<i64>,
    }
}

impl TryFrom<ApiTokenRow> for ApiToken {
    type Error = StoreError;

    fn try_from(r: ApiTokenRow) -> Result<ApiToken> {
        Ok(ApiToken {
            id: stored(r.id.parse())?,
            user_id: stored(r.user_id.parse())?,
            name: r.name,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

impl Db {
    pub async fn create_api_token(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        user: UserId,
        name: &str,
        hash: &SecretHash,
    ) -> Result<ApiToken> {
        let t = ApiToken {
            id: ApiTokenId::new(),
            user_id: user,
            name: name.to_owned(),
            created_at: now_ms(),
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO api_tokens (organisation_id, id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(scope.key()).bind(t.id.to_string()).bind(user.to_string()).bind(&t.name).bind(&hash.0).bind(t.created_at)
                .execute(&mut *conn).await?;
        });
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::TokenCreated, "api_token", t.id, Some(format!("user={user}"))),
        );
        tx.commit().await?;
        Ok(t)
    }

    /// The enabled user behind an unrevoked token; records its use.
    pub async fn user_for_api_token(&self, hash: &SecretHash) -> Result<User> {
        let sql = format!(
            "SELECT {} FROM users u JOIN api_tokens t ON t.organisation_id = u.organisation_id AND t.user_id = u.id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = $2",
            prefixed("u", USER_COLUMNS)
        );
        let user = on_db!(self, pool => {
            let r = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql)).bind(&hash.0).bind(false).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            User::try_from(r)?
        });
        on_writer!(self, pool => {
            // At most once a minute: a busy integration must not make every call a write.
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE organisation_id = $2 AND token_hash = $3 AND (last_used_at IS NULL OR last_used_at < $4)")
                .bind(now_ms()).bind(user.organisation_id.to_string()).bind(&hash.0).bind(now_ms() - 60_000).execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(user)
    }

    pub async fn revoke_api_token(&self, scope: &OrgScope, actor: &Actor, id: ApiTokenId) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE organisation_id = $2 AND id = $3 AND revoked_at IS NULL")
                .bind(now_ms()).bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        append_in(&mut tx, scope, &actor.event(AuditAction::TokenRevoked, "api_token", id, None));
        tx.commit().await
    }

    pub async fn api_tokens(&self, scope: &OrgScope) -> Result<Vec<ApiToken>> {
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, ApiTokenRow>("SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE organisation_id = $1 ORDER BY id")
                .bind(scope.key()).fetch_all(pool).await?;
            rows.into_iter().map(ApiToken::try_from).collect()
        })
    }
}
