//! Providers: the organisations that run services. Creating, editing and importing
//! them (with their audit entries), and reading them one at a time, all of them, by id
//! or a page at a time for ORUK.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::directory::{ProviderInput, ProviderKind};
use linkwell_domain::{ProviderId, Version};

use super::SaveOrigin;
use crate::audit::append_in;
use crate::error::stored;
use crate::versioned::expect_version;
use crate::{Actor, Db, OrgScope, Result, StoreError, Tx, now_ms, push_in_list};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Provider {
    pub id: ProviderId,
    pub name: String,
    pub kind: ProviderKind,
    pub description: String,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Where an imported record came from; empty when entered here.
    pub source: String,
    pub updated_at: i64,
    pub version: i64,
}

row_struct! {
    /// A `providers` row as read.
    struct ProviderRow {
        id: String,
        name: String,
        kind: String,
        description: String,
        website: Option<String>,
        email: Option<String>,
        phone: Option<String>,
        source: String,
        updated_at: i64,
        version: i64,
    }
}

impl TryFrom<ProviderRow> for Provider {
    type Error = StoreError;

    fn try_from(r: ProviderRow) -> Result<Provider> {
        Ok(Provider {
            id: stored(r.id.parse())?,
            name: r.name,
            kind: stored(ProviderKind::parse(&r.kind))?,
            description: r.description,
            website: r.website,
            email: r.email,
            phone: r.phone,
            source: r.source,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Db {
    pub async fn create_provider(&self, scope: &OrgScope, actor: &Actor, input: &ProviderInput) -> Result<Provider> {
        let id = ProviderId::new();
        self.save_provider(scope, actor, id, None, input, SaveOrigin::Here).await
    }

    pub async fn update_provider(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ProviderId,
        expected: Version,
        input: &ProviderInput,
    ) -> Result<Provider> {
        self.save_provider(scope, actor, id, Some(expected), input, SaveOrigin::Here).await
    }

    /// Insert or update a provider. With `expected`, the stored version must match; an
    /// import passes `None` and overwrites what was imported before (its publisher is the
    /// authority), never a provider made here (`Conflict`): a feed cannot take over this
    /// directory's own records by naming their ids, which its ORUK feed publishes.
    pub async fn save_provider(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: ProviderId,
        expected: Option<Version>,
        input: &ProviderInput,
        origin: SaveOrigin<'_>,
    ) -> Result<Provider> {
        let mut tx = self.begin().await?;
        save_provider_in(&mut tx, scope, actor, id, expected, input, origin).await?;
        tx.commit().await?;
        self.provider(scope, id).await
    }

    pub async fn provider(&self, scope: &OrgScope, id: ProviderId) -> Result<Provider> {
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, ProviderRow>("SELECT id, name, kind, description, website, email, phone, source, updated_at, version FROM providers WHERE organisation_id = $1 AND id = $2")
                .bind(scope.key()).bind(id.to_string()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            r.try_into()
        })
    }

    /// Every provider, by name.
    pub async fn providers(&self, scope: &OrgScope) -> Result<Vec<Provider>> {
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, ProviderRow>("SELECT id, name, kind, description, website, email, phone, source, updated_at, version FROM providers WHERE organisation_id = $1 ORDER BY name, id")
                .bind(scope.key()).fetch_all(pool).await?;
            rows.into_iter().map(Provider::try_from).collect()
        })
    }

    /// Providers by id (those a page of listings names).
    pub async fn providers_by_ids(&self, scope: &OrgScope, ids: &[ProviderId]) -> Result<Vec<Provider>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let keys: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, name, kind, description, website, email, phone, source, updated_at, version FROM providers WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND id");
            push_in_list(&mut qb, &keys);
            let rows = qb.build_query_as::<ProviderRow>().fetch_all(pool).await?;
            rows.into_iter().map(Provider::try_from).collect()
        })
    }

    /// Providers whose name or description holds every one of `words` (any case), by
    /// name, `limit` from `offset`, and how many match in all: a page read in SQL rather
    /// than every provider loaded for each anonymous call.
    pub async fn providers_page(
        &self,
        scope: &OrgScope,
        words: &[String],
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Provider>, u64)> {
        let push_filter = |qb: &mut dyn FnMut(&str, Option<String>)| {
            qb(" FROM providers WHERE organisation_id = ", Some(scope.key()));
            for w in words {
                let pattern =
                    format!("%{}%", w.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
                qb(" AND LOWER(name || ' ' || description) LIKE ", Some(pattern));
                qb(" ESCAPE '\\'", None);
            }
        };
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT COUNT(*) AS n");
            push_filter(&mut |sql, bind| { qb.push(sql); if let Some(b) = bind { qb.push_bind(b); } });
            let total: i64 = qb.build_query_scalar().fetch_one(pool).await?;
            let mut qb = sqlx::QueryBuilder::new("SELECT id, name, kind, description, website, email, phone, source, updated_at, version");
            push_filter(&mut |sql, bind| { qb.push(sql); if let Some(b) = bind { qb.push_bind(b); } });
            qb.push(" ORDER BY name, id LIMIT ").push_bind(limit as i64).push(" OFFSET ").push_bind(offset as i64);
            let rows = qb.build_query_as::<ProviderRow>().fetch_all(pool).await?;
            let list = rows.into_iter().map(Provider::try_from).collect::<Result<Vec<_>>>()?;
            Ok((list, total.max(0) as u64))
        })
    }
}

/// Insert or update a provider inside the caller's transaction (see `Db::save_provider`).
pub async fn save_provider_in(
    tx: &mut Tx,
    scope: &OrgScope,
    actor: &Actor,
    id: ProviderId,
    expected: Option<Version>,
    input: &ProviderInput,
    origin: SaveOrigin<'_>,
) -> Result<()> {
    let now = now_ms();
    let source = match origin {
        SaveOrigin::Here => "",
        SaveOrigin::Import(s) => s,
    };
    let n = on_tx!(tx, conn => {
        match expected {
            Some(v) => sqlx::query("UPDATE providers SET name = $1, kind = $2, description = $3, website = $4, email = $5, phone = $6, updated_at = $7, version = version + 1 WHERE organisation_id = $8 AND id = $9 AND version = $10")
                .bind(&input.name).bind(input.kind.code()).bind(&input.description).bind(&input.website)
                .bind(input.email.as_ref().map(|e| e.as_str())).bind(&input.phone).bind(now)
                .bind(scope.key()).bind(id.to_string()).bind(v.0)
                .execute(&mut *conn).await?.rows_affected(),
            // An import updates only what was imported, never a provider made here.
            None => sqlx::query("INSERT INTO providers (organisation_id, id, name, kind, description, website, email, phone, source, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1) ON CONFLICT (organisation_id, id) DO UPDATE SET name = excluded.name, kind = excluded.kind, description = excluded.description, website = excluded.website, email = excluded.email, phone = excluded.phone, source = excluded.source, updated_at = excluded.updated_at, version = providers.version + 1 WHERE providers.source <> ''")
                .bind(scope.key()).bind(id.to_string()).bind(&input.name).bind(input.kind.code()).bind(&input.description)
                .bind(&input.website).bind(input.email.as_ref().map(|e| e.as_str())).bind(&input.phone).bind(source).bind(now)
                .execute(&mut *conn).await?.rows_affected(),
        }
    });
    expect_version(tx, "providers", scope, id, n).await?;
    // Its listings show its name: they have changed too (for ORUK's modified_after
    // and the search index), though not in content their history need record.
    on_tx!(tx, conn => {
        sqlx::query("UPDATE services SET updated_at = $1 WHERE organisation_id = $2 AND provider_id = $3")
            .bind(now).bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?;
    });
    append_in(tx, scope, &actor.event(AuditAction::DirectoryChanged, "provider", id, None));
    Ok(())
}
