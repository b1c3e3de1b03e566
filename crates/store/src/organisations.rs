//! Organisations: the tenants themselves.

use linkwell_domain::OrganisationId;

use crate::error::stored;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Organisation {
    pub id: OrganisationId,
    pub slug: String,
    pub name: String,
    /// Allows NHS numbers from the 999 test range (referrals issue).
    pub test_mode: bool,
    pub self_referral_enabled: bool,
    /// Publishes the directory: public pages and the ORUK feed.
    pub directory_public: bool,
    pub created_at: i64,
    pub version: i64,
}

const COLUMNS: &str = "id, slug, name, test_mode, self_referral_enabled, directory_public, created_at, version";

row_struct! {
    /// An `organisations` row as read (the columns of `COLUMNS`).
    struct OrganisationRow {
        id: String,
        slug: String,
        name: String,
        test_mode: bool,
        self_referral_enabled: bool,
        directory_public: bool,
        created_at: i64,
        version: i64,
    }
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = StoreError;

    fn try_from(r: OrganisationRow) -> Result<Organisation> {
        Ok(Organisation {
            id: stored(r.id.parse())?,
            slug: r.slug,
            name: r.name,
            test_mode: r.test_mode,
            self_referral_enabled: r.self_referral_enabled,
            directory_public: r.directory_public,
            created_at: r.created_at,
            version: r.version,
        })
    }
}

/// What an organisation can open to the public, without signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicSwitch {
    SelfReferral,
    Directory,
}

impl PublicSwitch {
    fn code(self) -> &'static str {
        match self {
            PublicSwitch::SelfReferral => "self_referral",
            PublicSwitch::Directory => "directory_public",
        }
    }
}

impl Db {
    /// Create an organisation and the head of its audit chain.
    pub async fn create_organisation(&self, slug: &str, name: &str, test_mode: bool) -> Result<Organisation> {
        let org = Organisation {
            id: OrganisationId::new(),
            slug: slug.to_owned(),
            name: name.to_owned(),
            test_mode,
            self_referral_enabled: false,
            directory_public: false,
            created_at: now_ms(),
            version: 1,
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO organisations (id, slug, name, test_mode, self_referral_enabled, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, 1)")
                .bind(org.id.to_string())
                .bind(&org.slug)
                .bind(&org.name)
                .bind(org.test_mode)
                .bind(org.self_referral_enabled)
                .bind(org.created_at)
                .execute(&mut *conn)
                .await
                .map_err(StoreError::unique_as("slug"))?;
            sqlx::query("INSERT INTO audit_heads (organisation_id, seq, hash) VALUES ($1, 0, $2)")
                .bind(org.id.to_string())
                .bind(linkwell_domain::audit::GENESIS_HASH)
                .execute(&mut *conn)
                .await?;
        });
        let scope = OrgScope::new(org.id);
        crate::audit::append_in(
            &mut tx,
            &scope,
            &Actor::system().event(
                linkwell_domain::audit::AuditAction::OrganisationCreated,
                "organisation",
                org.id,
                None,
            ),
        );
        tx.commit().await?;
        Ok(org)
    }

    /// Switch something the public can use on or off, if the organisation is still at `expected`.
    pub async fn set_public_switch(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        switch: PublicSwitch,
        enabled: bool,
        expected: linkwell_domain::Version,
    ) -> Result<Organisation> {
        let sql = match switch {
            PublicSwitch::SelfReferral => {
                "UPDATE organisations SET self_referral_enabled = $1, version = version + 1 WHERE id = $2 AND version = $3"
            }
            PublicSwitch::Directory => {
                "UPDATE organisations SET directory_public = $1, version = version + 1 WHERE id = $2 AND version = $3"
            }
        };
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query(sql).bind(enabled).bind(scope.key()).bind(expected.0).execute(&mut *conn).await?.rows_affected()
        });
        // Not expect_version (it finds a record by organisation_id and id; this table has only id): same answers.
        if n == 0 {
            drop(tx);
            self.organisation(scope).await?;
            return Err(StoreError::Conflict);
        }
        let detail = format!("{}={enabled}", switch.code());
        crate::audit::append_in(
            &mut tx,
            scope,
            &actor.event(
                linkwell_domain::audit::AuditAction::SettingsChanged,
                "organisation",
                scope.organisation_id(),
                Some(detail),
            ),
        );
        tx.commit().await?;
        self.organisation(scope).await
    }

    /// The organisation behind `slug` if it publishes its directory; otherwise `NotFound`,
    /// as if it did not exist.
    pub async fn organisation_publishing_directory(&self, slug: &str) -> Result<Organisation> {
        match self.organisation_by_slug(slug).await? {
            o if o.directory_public => Ok(o),
            _ => Err(StoreError::NotFound),
        }
    }

    pub async fn organisation_by_slug(&self, slug: &str) -> Result<Organisation> {
        let sql = const_format("slug");
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, OrganisationRow>(sqlx::AssertSqlSafe(sql)).bind(slug).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            r.try_into()
        })
    }

    /// The organisation a scope belongs to.
    pub async fn organisation(&self, scope: &OrgScope) -> Result<Organisation> {
        let sql = const_format("id");
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, OrganisationRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            r.try_into()
        })
    }

    /// Every organisation, for the command line (`linkwell org list`) and the audit verifier.
    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, OrganisationRow>("SELECT id, slug, name, test_mode, self_referral_enabled, directory_public, created_at, version FROM organisations ORDER BY slug").fetch_all(pool).await?;
            rows.into_iter().map(Organisation::try_from).collect()
        })
    }
}

fn const_format(key: &str) -> String {
    format!("SELECT {COLUMNS} FROM organisations WHERE {key} = $1")
}
