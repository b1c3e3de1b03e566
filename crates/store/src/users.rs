//! Users, sign-in bookkeeping and one-time password-reset links.

use linkwell_domain::identity::{EmailAddress, LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS, PasswordHash, Role, SecretHash};
use linkwell_domain::{OrganisationId, PracticeId, UserId, Version};

use linkwell_domain::audit::AuditAction;

use crate::audit::append_in;
use crate::error::stored;
use crate::versioned::expect_version;
use crate::{Actor, Db, OrgScope, Page, Result, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: UserId,
    pub organisation_id: OrganisationId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub practice_id: Option<PracticeId>,
    pub disabled: bool,
    /// When the password last changed (set or reset): a session signed in before then
    /// has ended, and so has every API token issued before it.
    pub credentials_changed_at: i64,
    /// When they last signed in (epoch ms); `None` if never.
    pub last_signed_in_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// A user as a team's choosers and tables name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName {
    pub id: UserId,
    pub display_name: String,
    pub disabled: bool,
}

/// Which users a list shows; every filter given is ANDed.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    /// `Some(true)`: only disabled users; `Some(false)`: only active ones.
    pub disabled: Option<bool>,
    /// Part of the name or email address, any case.
    pub search: Option<String>,
}

impl UserFilter {
    /// Append the filter's conditions.
    fn push_to<DB: sqlx::Database>(&self, qb: &mut sqlx::QueryBuilder<DB>)
    where
        bool: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        if let Some(role) = self.role {
            qb.push(" AND role = ").push_bind(role.as_str().to_owned());
        }
        if let Some(disabled) = self.disabled {
            qb.push(" AND disabled = ").push_bind(disabled);
        }
        if let Some(text) = self.search.as_deref() {
            // Escaped for LIKE, so `%` and `_` typed match themselves.
            let like =
                format!("%{}%", text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            qb.push(" AND (lower(display_name) LIKE ").push_bind(like.clone());
            qb.push(" ESCAPE '\\' OR lower(email) LIKE ").push_bind(like).push(" ESCAPE '\\')");
        }
    }
}

/// What is needed to create a user; validated by the caller (form, API or CLI).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: EmailAddress,
    pub display_name: String,
    pub role: Role,
    pub practice_id: Option<PracticeId>,
    pub password_hash: PasswordHash,
}

pub(crate) const USER_COLUMNS: &str = "organisation_id, id, email, display_name, role, practice_id, disabled, credentials_changed_at, last_signed_in_at, created_at, updated_at, version";

row_struct! {
    /// A `users` row as read (the columns of `USER_COLUMNS`; also read by `tokens`).
    pub(crate) struct UserRow {
        id: String,
        organisation_id: String,
        email: String,
        display_name: String,
        role: String,
        practice_id: Option<String>,
        disabled: bool,
        credentials_changed_at: i64,
        last_signed_in_at: Option<i64>,
        created_at: i64,
        updated_at: i64,
        version: i64,
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<User> {
        Ok(User {
            id: stored(r.id.parse())?,
            organisation_id: stored(r.organisation_id.parse())?,
            email: r.email,
            display_name: r.display_name,
            role: stored(r.role.parse())?,
            practice_id: r.practice_id.map(|s| stored(s.parse())).transpose()?,
            disabled: r.disabled,
            credentials_changed_at: r.credentials_changed_at,
            last_signed_in_at: r.last_signed_in_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

row_struct! {
    /// A user's row with their password hash, for signing in.
    struct SignInRow {
        password_hash: String,
    }
    flatten {
        user: UserRow,
    }
}

/// What counting an attempt to sign in allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInAttempt {
    /// Below the limit: check the password; this many attempts remain after this one.
    Counted { remaining: i64 },
    /// The attempt that reaches the limit: check the password; if it is wrong, the pair
    /// is now locked.
    Last,
    /// Beyond the limit: locked; do not check the password.
    Locked,
}

impl Db {
    pub async fn create_user(&self, scope: &OrgScope, actor: &Actor, new: &NewUser) -> Result<User> {
        let now = now_ms();
        let user = User {
            id: UserId::new(),
            organisation_id: scope.organisation_id(),
            email: new.email.to_string(),
            display_name: new.display_name.clone(),
            role: new.role,
            practice_id: new.practice_id,
            disabled: false,
            credentials_changed_at: 0,
            last_signed_in_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO users (organisation_id, id, email, display_name, role, practice_id, password_hash, disabled, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)")
                .bind(scope.key())
                .bind(user.id.to_string())
                .bind(&user.email)
                .bind(&user.display_name)
                .bind(user.role.as_str())
                .bind(user.practice_id.map(|p| p.to_string()))
                .bind(&new.password_hash.0)
                .bind(false)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map_err(StoreError::unique_as("email"))?;
        });
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::UserCreated, "user", user.id, Some(format!("role={}", user.role))),
        );
        tx.commit().await?;
        Ok(user)
    }

    pub async fn user(&self, scope: &OrgScope, id: UserId) -> Result<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE organisation_id = $1 AND id = $2");
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(id.to_string()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            r.try_into()
        })
    }

    /// Look a user up by sign-in email across organisations, with their password hash.
    /// Only sign-in uses this: it is the one query that runs before a scope is known.
    pub async fn user_for_sign_in(&self, email: &EmailAddress) -> Result<(User, PasswordHash)> {
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1");
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, SignInRow>(sqlx::AssertSqlSafe(sql)).bind(email.as_str()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            Ok((r.user.try_into()?, PasswordHash(r.password_hash)))
        })
    }

    /// Users in creation order, `limit` at a time after the `after` cursor.
    pub async fn users_page(
        &self,
        scope: &OrgScope,
        filter: &UserFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<User>> {
        let rows: Vec<User> = on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT {USER_COLUMNS} FROM users WHERE organisation_id = "));
            qb.push_bind(scope.key()).push(" AND id > ").push_bind(after.unwrap_or("").to_owned());
            filter.push_to(&mut qb);
            qb.push(" ORDER BY id LIMIT ").push_bind((limit + 1) as i64);
            let rows = qb.build_query_as::<UserRow>().fetch_all(pool).await?;
            rows.into_iter().map(User::try_from).collect::<Result<Vec<_>>>()
        })?;
        Ok(Page::from_overfetch(rows, limit, |u| u.id.to_string()))
    }

    /// Users by name matching `filter`, `limit` at a time after the `(display_name, id)`
    /// of the last one seen.
    pub async fn users_by_name_page(
        &self,
        scope: &OrgScope,
        filter: &UserFilter,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<User>> {
        let (name, id) = after.unwrap_or(("", ""));
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT {USER_COLUMNS} FROM users WHERE organisation_id = "));
            qb.push_bind(scope.key());
            qb.push(" AND (display_name > ").push_bind(name.to_owned()).push(" OR (display_name = ").push_bind(name.to_owned()).push(" AND id > ").push_bind(id.to_owned()).push("))");
            filter.push_to(&mut qb);
            qb.push(" ORDER BY display_name, id LIMIT ").push_bind(limit as i64);
            let rows = qb.build_query_as::<UserRow>().fetch_all(pool).await?;
            rows.into_iter().map(User::try_from).collect()
        })
    }

    /// The users with these ids (those that exist in this organisation).
    pub async fn users_by_ids(&self, scope: &OrgScope, ids: &[String]) -> Result<Vec<User>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT {USER_COLUMNS} FROM users WHERE organisation_id = "));
            qb.push_bind(scope.key()).push(" AND id");
            crate::push_in_list(&mut qb, ids);
            let rows = qb.build_query_as::<UserRow>().fetch_all(pool).await?;
            rows.into_iter().map(User::try_from).collect()
        })
    }

    /// (active users, active link workers): the figures on the home page.
    pub async fn count_active_users(&self, scope: &OrgScope) -> Result<(i64, i64)> {
        on_db!(self, pool => {
            Ok(sqlx::query_as::<_, (i64, i64)>("SELECT COUNT(*) AS active, COALESCE(SUM(CASE WHEN role = 'link_worker' THEN 1 ELSE 0 END), 0) AS workers FROM users WHERE organisation_id = $1 AND disabled = $2")
                .bind(scope.key()).bind(false).fetch_one(pool).await?)
        })
    }

    /// The users of `roles` by name (disabled ones too), as a team's choosers and tables
    /// name them: those list the whole team, thousands in an integrated care system, so
    /// only what they show is read.
    pub async fn user_names_by_role(&self, scope: &OrgScope, roles: &[Role]) -> Result<Vec<UserName>> {
        if roles.is_empty() {
            return Ok(vec![]);
        }
        let codes: Vec<String> = roles.iter().map(|r| r.as_str().to_owned()).collect();
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, display_name, disabled FROM users WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND role");
            crate::push_in_list(&mut qb, &codes);
            qb.push(" ORDER BY display_name, id");
            let rows: Vec<(String, String, bool)> = qb.build_query_as().fetch_all(pool).await?;
            rows.into_iter()
                .map(|(id, display_name, disabled)| Ok(UserName { id: stored(id.parse())?, display_name, disabled }))
                .collect()
        })
    }

    /// Every user of the organisation by name, for the admin page and the CLI.
    pub async fn users_by_name(&self, scope: &OrgScope) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE organisation_id = $1 ORDER BY display_name, id");
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).fetch_all(pool).await?;
            rows.into_iter().map(User::try_from).collect()
        })
    }

    /// Disable or re-enable a user at version `expected`. A disabled user's web sessions
    /// and API tokens stop working at their next request (both are checked every time).
    pub async fn set_user_disabled(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: UserId,
        expected: Version,
        disabled: bool,
    ) -> Result<User> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE users SET disabled = $1, updated_at = $2, version = version + 1 WHERE organisation_id = $3 AND id = $4 AND version = $5")
                .bind(disabled).bind(now_ms()).bind(scope.key()).bind(id.to_string()).bind(expected.0)
                .execute(&mut *conn).await?.rows_affected()
        });
        expect_version(&mut tx, "users", scope, id, n).await?;
        let action = if disabled { AuditAction::UserDisabled } else { AuditAction::UserEnabled };
        append_in(&mut tx, scope, &actor.event(action, "user", id, None));
        tx.commit().await?;
        self.user(scope, id).await
    }

    /// Change a user's role (and a referrer's practice) at version `expected`.
    pub async fn change_user_role(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: UserId,
        expected: Version,
        role: Role,
        practice_id: Option<PracticeId>,
    ) -> Result<User> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE users SET role = $1, practice_id = $2, updated_at = $3, version = version + 1 WHERE organisation_id = $4 AND id = $5 AND version = $6")
                .bind(role.as_str()).bind(practice_id.map(|p| p.to_string())).bind(now_ms()).bind(scope.key()).bind(id.to_string()).bind(expected.0)
                .execute(&mut *conn).await?.rows_affected()
        });
        expect_version(&mut tx, "users", scope, id, n).await?;
        append_in(&mut tx, scope, &actor.event(AuditAction::RoleChanged, "user", id, Some(format!("role={role}"))));
        tx.commit().await?;
        self.user(scope, id).await
    }

    /// Set a new password: clear the user's sign-in locks, end their other sessions (see
    /// `credentials_changed_at`) and revoke their API tokens, in one transaction.
    pub async fn set_password(&self, scope: &OrgScope, actor: &Actor, id: UserId, hash: &PasswordHash) -> Result<User> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            let now = now_ms();
            let n = sqlx::query("UPDATE users SET password_hash = $1, credentials_changed_at = $2, updated_at = $2, version = version + 1 WHERE organisation_id = $3 AND id = $4")
                .bind(&hash.0).bind(now).bind(scope.key()).bind(id.to_string())
                .execute(&mut *conn).await?.rows_affected();
            sqlx::query("DELETE FROM sign_in_failures WHERE organisation_id = $1 AND user_id = $2")
                .bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?;
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE organisation_id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(now).bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?;
            // A reset link issued before the change would undo it.
            sqlx::query("UPDATE password_resets SET used_at = $1 WHERE organisation_id = $2 AND user_id = $3 AND used_at IS NULL")
                .bind(now).bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?;
            n
        });
        // No version to check: no row changed is NotFound.
        expect_version(&mut tx, "users", scope, id, n).await?;
        append_in(&mut tx, scope, &actor.event(AuditAction::PasswordChanged, "user", id, None));
        tx.commit().await?;
        self.user(scope, id).await
    }

    /// Whether sign-in to `id` from `client` is locked now.
    pub async fn sign_in_locked(&self, scope: &OrgScope, id: UserId, client: &str) -> Result<bool> {
        let until: Option<Option<i64>> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT locked_until FROM sign_in_failures WHERE organisation_id = $1 AND user_id = $2 AND client = $3")
                .bind(scope.key()).bind(id.to_string()).bind(client).fetch_optional(pool).await
        })?;
        Ok(until.flatten().is_some_and(|t| t > now_ms()))
    }

    /// Whether sign-in to `id` is locked from any client (for the admin's view of a user).
    pub async fn sign_in_locked_anywhere(&self, scope: &OrgScope, id: UserId) -> Result<bool> {
        let n: i64 = on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures WHERE organisation_id = $1 AND user_id = $2 AND locked_until > $3")
                .bind(scope.key()).bind(id.to_string()).bind(now_ms()).fetch_one(pool).await
        })?;
        Ok(n > 0)
    }

    /// Count an attempt to sign in (or to check a password) to `id` from `client`, before
    /// the password is checked: so attempts sent all at once are counted all at once, and
    /// those beyond the limit are refused without a password check. The attempt that
    /// reaches the limit locks the pair for `LOCKOUT_MINUTES` unless it succeeds (a success
    /// clears the pair: `record_successful_sign_in`). Attempts older than the lockout, and a
    /// lock that has expired, no longer count: the count starts again. The increment
    /// happens in SQL, so concurrent attempts are all counted.
    pub async fn count_sign_in_attempt(&self, scope: &OrgScope, id: UserId, client: &str) -> Result<SignInAttempt> {
        let now = now_ms();
        let window = LOCKOUT_MINUTES * 60_000;
        let count: i64 = on_writer!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO sign_in_failures (organisation_id, user_id, client, failures, last_failed_at, locked_until) VALUES ($1, $2, $3, 1, $4, NULL) \
                 ON CONFLICT (organisation_id, user_id, client) DO UPDATE SET \
                 failures = CASE WHEN sign_in_failures.locked_until <= $4 OR sign_in_failures.last_failed_at < $4 - $5 THEN 1 ELSE sign_in_failures.failures + 1 END, \
                 locked_until = CASE WHEN sign_in_failures.locked_until <= $4 THEN NULL ELSE sign_in_failures.locked_until END, \
                 last_failed_at = $4 \
                 RETURNING failures",
            )
            .bind(scope.key()).bind(id.to_string()).bind(client).bind(now).bind(window)
            .fetch_one(pool).await
        })?;
        if count < MAX_FAILED_SIGN_INS {
            return Ok(SignInAttempt::Counted { remaining: MAX_FAILED_SIGN_INS - count });
        }
        if count > MAX_FAILED_SIGN_INS {
            return Ok(SignInAttempt::Locked);
        }
        on_writer!(self, pool => {
            sqlx::query("UPDATE sign_in_failures SET locked_until = $1 WHERE organisation_id = $2 AND user_id = $3 AND client = $4")
                .bind(now + window).bind(scope.key()).bind(id.to_string()).bind(client).execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(SignInAttempt::Last)
    }

    /// A sign-in that succeeded: the client's failures are forgotten, and the user's last
    /// sign-in is now (the users list shows it).
    pub async fn record_successful_sign_in(&self, scope: &OrgScope, id: UserId, client: &str) -> Result<()> {
        on_writer!(self, pool => {
            sqlx::query("DELETE FROM sign_in_failures WHERE organisation_id = $1 AND user_id = $2 AND client = $3")
                .bind(scope.key()).bind(id.to_string()).bind(client).execute(pool).await.map(|r| r.rows_affected())
        })?;
        on_writer!(self, pool => {
            sqlx::query("UPDATE users SET last_signed_in_at = $3 WHERE organisation_id = $1 AND id = $2")
                .bind(scope.key()).bind(id.to_string()).bind(now_ms()).execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Forget failures last seen before `before` (their locks have long expired).
    pub async fn delete_old_sign_in_failures(&self, before: i64) -> Result<u64> {
        Ok(on_writer!(self, pool => {
            sqlx::query("DELETE FROM sign_in_failures WHERE last_failed_at < $1 AND (locked_until IS NULL OR locked_until < $1)")
                .bind(before).execute(pool).await.map(|r| r.rows_affected())
        })?)
    }

    /// Store a one-time password-reset link for `user`, valid for `valid_ms`. Earlier
    /// unused links for the same user stop working.
    pub async fn create_password_reset(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        user: UserId,
        hash: &SecretHash,
        valid_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            let exists: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE organisation_id = $1 AND id = $2")
                .bind(scope.key()).bind(user.to_string()).fetch_optional(&mut *conn).await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query("UPDATE password_resets SET used_at = $1 WHERE organisation_id = $2 AND user_id = $3 AND used_at IS NULL")
                .bind(now).bind(scope.key()).bind(user.to_string()).execute(&mut *conn).await?;
            sqlx::query("INSERT INTO password_resets (organisation_id, id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(scope.key()).bind(uuid::Uuid::now_v7().to_string()).bind(user.to_string()).bind(&hash.0).bind(now).bind(now + valid_ms)
                .execute(&mut *conn).await?;
        });
        append_in(&mut tx, scope, &actor.event(AuditAction::PasswordResetIssued, "user", user, None));
        tx.commit().await
    }

    /// The user a valid, unused, unexpired reset link belongs to.
    pub async fn password_reset_user(&self, hash: &SecretHash) -> Result<User> {
        let sql = format!(
            "SELECT {} FROM users u JOIN password_resets r ON r.organisation_id = u.organisation_id AND r.user_id = u.id WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.disabled = $3",
            prefixed("u", USER_COLUMNS)
        );
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql)).bind(&hash.0).bind(now_ms()).bind(false).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            r.try_into()
        })
    }

    /// Use a reset link once: set the password and mark the link used, atomically.
    pub async fn complete_password_reset(&self, hash: &SecretHash, new_hash: &PasswordHash) -> Result<User> {
        let user = self.password_reset_user(hash).await?;
        let scope = OrgScope::new(user.organisation_id);
        let now = now_ms();
        let mut tx = self.begin().await?;
        let (used, changed) = on_tx!(&mut tx, conn => {
            let n = sqlx::query("UPDATE password_resets SET used_at = $1 WHERE organisation_id = $2 AND token_hash = $3 AND used_at IS NULL AND expires_at > $1")
                .bind(now).bind(scope.key()).bind(&hash.0).execute(&mut *conn).await?.rows_affected();
            let changed = sqlx::query("UPDATE users SET password_hash = $1, credentials_changed_at = $2, updated_at = $2, version = version + 1 WHERE organisation_id = $3 AND id = $4")
                .bind(&new_hash.0).bind(now).bind(scope.key()).bind(user.id.to_string()).execute(&mut *conn).await?.rows_affected();
            sqlx::query("DELETE FROM sign_in_failures WHERE organisation_id = $1 AND user_id = $2")
                .bind(scope.key()).bind(user.id.to_string()).execute(&mut *conn).await?;
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE organisation_id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(now).bind(scope.key()).bind(user.id.to_string()).execute(&mut *conn).await?;
            (n, changed)
        });
        if used == 0 {
            return Err(StoreError::NotFound);
        }
        // No version to check (the link's user was just read): no row changed is NotFound.
        expect_version(&mut tx, "users", &scope, user.id, changed).await?;
        let actor = Actor::user(user.id, None);
        append_in(
            &mut tx,
            &scope,
            &actor.event(AuditAction::PasswordChanged, "user", user.id, Some("via=reset_link".into())),
        );
        tx.commit().await?;
        Ok(user)
    }
}

/// `a, b` → `u.a, u.b`, so one column list serves joins too.
pub(crate) fn prefixed(alias: &str, columns: &str) -> String {
    columns.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}
